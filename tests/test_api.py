"""The public HTTP API: its contract, its one error shape, and who may do what."""

from __future__ import annotations

import pytest

from conftest import KIOSK, PASSWORD, add_user, login

TICKET_FIELDS = {
    "id",
    "token",
    "number",
    "service_id",
    "agency_id",
    "priority",
    "status",
    "ahead",
    "issued_at",
    "estimated_wait_minutes",
    "status_url",
}


def issue(client, service_id=1, **extra):
    response = client.post("/api/tickets", headers=KIOSK, json={"service_id": service_id, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_health(client):
    answer = client.get("/api/health")
    body = answer.get_json()
    assert answer.status_code == 200 and body["status"] == "ok" and body["ready"] is True and body["reasons"] == []
    assert body["checks"]["database"] == "ok" and body["checks"]["emitter_lag_seconds"] == 0.0


def test_agencies_list_services_with_live_figures(client):
    agencies = client.get("/api/agencies").get_json()
    assert len(agencies) >= 8
    dukcapil = agencies[0]
    assert {"id", "code", "name", "services"} <= dukcapil.keys()
    ktp = dukcapil["services"][0]
    assert {"id", "code", "name", "prefix", "open", "waiting", "quota", "issued_today", "estimated_wait_minutes"} <= ktp.keys()
    assert ktp["quota"] is None and ktp["open"] is True and ktp["waiting"] == 0
    issue(client)
    again = client.get("/api/agencies").get_json()[0]["services"][0]
    assert again["waiting"] == 1 and again["issued_today"] == 1


def test_counters_list(client):
    counters = client.get("/api/counters").get_json()
    first = counters[0]
    assert {"id", "name", "agency_id", "service_ids", "state", "current_ticket"} <= first.keys()
    ktp_counters = [c for c in counters if 1 in c["service_ids"]]
    assert len(ktp_counters) >= 2  # the high-volume service has several counters


def test_issue_returns_the_documented_ticket(client):
    ticket = issue(client)
    assert ticket.keys() >= TICKET_FIELDS
    assert ticket["number"] == "A001" and ticket["status"] == "waiting" and ticket["priority"] is False
    assert len(ticket["token"]) >= 20 and ticket["status_url"].endswith("/t/" + ticket["token"])
    fetched = client.get(f"/api/tickets/{ticket['token']}").get_json()
    assert fetched["number"] == "A001" and fetched["ahead"] == 0


def test_ticket_tokens_are_unguessable_and_ids_do_not_open_tickets(client):
    tokens = {issue(client)["token"] for _ in range(20)}
    assert len(tokens) == 20
    assert_error(client.get("/api/tickets/1"), 404, "ticket_not_found")
    assert_error(client.get("/api/tickets/" + "A" * 22), 404, "ticket_not_found")


def test_priority_from_the_kiosk_records_reason_and_who_granted_it(client, db):
    ticket = issue(client, priority=True, priority_reason="elderly", kiosk_id=1)
    assert ticket["priority"] is True and ticket["priority_reason"] == "elderly"
    row = db.execute("SELECT priority_granted_by FROM tickets WHERE id = ?", (ticket["id"],)).fetchone()
    assert row[0] == "kiosk:kios-1"


def test_self_declared_priority_can_be_switched_off(client, db):
    db.execute("INSERT INTO settings VALUES ('self_priority', '0')")
    assert_error(
        client.post("/api/tickets", headers=KIOSK, json={"service_id": 1, "priority": True, "priority_reason": "elderly"}),
        403,
        "self_priority_disabled",
    )
    login(client, "petugas.dukcapil")
    assert (
        client.post("/api/tickets", headers=KIOSK, json={"service_id": 1, "priority": True, "priority_reason": "elderly"}).status_code
        == 201
    )


def test_citizen_can_cancel_a_waiting_ticket(client):
    ticket = issue(client)
    cancelled = client.post(f"/api/tickets/{ticket['token']}/cancel").get_json()
    assert cancelled["status"] == "cancelled"
    assert_error(client.post(f"/api/tickets/{ticket['token']}/cancel"), 409, "ticket_not_waiting")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_field"),
        ({"service_id": None}, 400, "missing_field"),
        ({"service_id": "abc"}, 400, "invalid_field"),
        ({"service_id": 1.5}, 400, "invalid_field"),
        ({"service_id": True}, 400, "invalid_field"),
        ({"service_id": [1]}, 400, "invalid_field"),
        ({"service_id": -3}, 400, "invalid_field"),
        ({"service_id": 10**30}, 400, "invalid_field"),
        ({"service_id": 9999}, 404, "service_not_found"),
        ({"service_id": 1, "priority": "yes"}, 400, "invalid_field"),
        ({"service_id": 1, "priority": True}, 400, "invalid_priority_reason"),
        ({"service_id": 1, "priority": True, "priority_reason": "vip"}, 400, "invalid_priority_reason"),
        ({"service_id": 1, "priority_reason": {"x": 1}}, 400, "invalid_field"),
        ({"service_id": 1, "kiosk_id": 77}, 400, "invalid_field"),
    ],
)
def test_bad_issue_requests_get_a_clear_error_and_write_nothing(client, db, body, status, code):
    assert_error(client.post("/api/tickets", headers=KIOSK, json=body), status, code)
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM daily_sequences").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "invalid_json"),
        ("[1, 2]", "application/json", 400, "bad_request"),
        ('"text"', "application/json", 400, "bad_request"),
        ("service_id=1", "text/plain", 415, "unsupported_media_type"),
        ("\xff\xfe", "application/json", 400, "invalid_json"),
    ],
)
def test_malformed_bodies(client, data, content_type, status, code):
    assert_error(client.post("/api/tickets", headers=KIOSK, data=data, content_type=content_type), status, code)


def test_too_large_a_body_is_413(client):
    assert_error(
        client.post("/api/tickets", headers=KIOSK, data="x" * (7 * 1024 * 1024), content_type="application/json"), 413, "payload_too_large"
    )


def test_unknown_paths_and_methods_answer_json(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.delete("/api/tickets"), 405, "method_not_allowed")
    assert_error(client.get("/api/counters/1/call-next"), 405, "method_not_allowed")


def test_closed_service_answers_409_with_hours(client, db):
    db.execute("UPDATE service_hours SET opens = '08:00', closes = '09:00' WHERE service_id = 1")
    body = assert_error(client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}), 409, "service_closed")
    assert "08:00" in body["message"]


def test_messages_are_indonesian_by_default_and_english_on_request(client):
    body = client.post("/api/tickets", headers=KIOSK, json={"service_id": 9999}).get_json()
    assert body["message"] == "Layanan tidak ditemukan."
    english = client.post("/api/tickets?lang=en", headers=KIOSK, json={"service_id": 9999}).get_json()
    assert english["message"] == "Service not found."
    header = client.post("/api/tickets", json={"service_id": 9999}, headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert header["message"] == "Service not found."


# ---------------------------------------------------------------- login and counters


def test_counter_actions_need_a_login(client):
    for action in ("call-next", "recall", "start", "complete", "no-show", "transfer", "open"):
        assert_error(client.post(f"/api/counters/1/{action}"), 401, "login_required")


def test_wrong_password_is_refused_in_indonesian(client):
    body = assert_error(client.post("/api/login", json={"username": "admin", "password": "salah-sekali"}), 401, "invalid_credentials")
    assert body["message"] == "Nama pengguna atau kata sandi salah."
    assert_error(client.post("/api/login", json={"username": "siapa", "password": "salah-sekali"}), 401, "invalid_credentials")


def test_login_attempts_are_rate_limited(client):
    for _ in range(10):
        client.post("/api/login", json={"username": "admin", "password": "tebak-tebakan"})
    body = assert_error(client.post("/api/login", json={"username": "admin", "password": PASSWORD}), 429, "rate_limited")
    assert body["retry_after"] > 0


def test_passwords_are_stored_hashed(db):
    stored = db.execute("SELECT password_hash FROM users WHERE username = 'admin'").fetchone()[0]
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_an_officer_acts_only_for_their_own_agency(client):
    login(client, "petugas.imigrasi")
    assert_error(client.post("/api/counters/1/open"), 403, "forbidden")
    assert_error(client.get("/api/counters/1"), 403, "forbidden")
    assert client.post("/api/counters/5/open").status_code == 200


def test_admin_may_work_any_counter(client):
    login(client, "admin")
    assert client.post("/api/counters/1/open").status_code == 200
    assert client.post("/api/counters/5/open").status_code == 200


def test_officer_flow_over_http(client, officer):
    first = issue(client)
    second = issue(client)
    called = client.post("/api/counters/1/call-next").get_json()["ticket"]
    assert called["number"] == first["number"] and called["status"] == "called" and called["counter"] == "Loket 1"
    assert "token" not in called  # the officer's screen never needs the citizen's key
    assert client.post("/api/counters/1/recall").get_json()["ticket"]["call_count"] == 2
    assert client.post("/api/counters/1/start").get_json()["ticket"]["status"] == "serving"
    assert client.post("/api/counters/1/complete").get_json()["ticket"]["status"] == "done"
    assert_error(client.post("/api/counters/1/complete"), 409, "no_current_ticket")
    assert client.post("/api/counters/2/call-next").get_json()["ticket"]["number"] == second["number"]
    assert client.post("/api/counters/2/no-show").get_json()["ticket"]["status"] == "no_show"
    requeued = client.post(f"/api/tickets/{second['id']}/requeue").get_json()["ticket"]
    assert requeued["status"] == "waiting"
    assert client.post("/api/counters/1/call-next").get_json()["ticket"]["number"] == second["number"]
    moved = client.post("/api/counters/1/transfer", json={"service_id": 5, "note": "Paspor"}).get_json()["ticket"]
    assert moved["number"] == second["number"] and moved["agency_id"] == 2 and moved["status"] == "waiting"
    assert client.post("/api/counters/1/call-next").get_json() == {"ticket": None}
    status = client.get(f"/api/tickets/{second['token']}").get_json()
    assert status["service_id"] == 5 and status["ahead"] == 0


def test_transfer_validation(client, officer):
    issue(client)
    client.post("/api/counters/1/call-next")
    assert_error(client.post("/api/counters/1/transfer", json={}), 400, "missing_field")
    assert_error(client.post("/api/counters/1/transfer", json={"service_id": 1}), 409, "same_service")
    assert_error(client.post("/api/counters/1/transfer", json={"service_id": 5, "note": "x" * 501}), 400, "invalid_field")


def test_counter_state_endpoints(client, officer):
    assert client.post("/api/counters/1/state", json={"state": "paused"}).get_json()["counter"]["state"] == "paused"
    assert_error(client.post("/api/counters/1/call-next"), 409, "counter_not_open")
    assert_error(client.post("/api/counters/1/state", json={"state": "dancing"}), 400, "invalid_field")
    counter = client.post("/api/counters/1/open").get_json()["counter"]
    assert counter["state"] == "open" and counter["officer"] == "Petugas Dukcapil"


def test_unknown_counter_is_404(client, officer):
    assert_error(client.post("/api/counters/999/call-next"), 404, "counter_not_found")


def test_cross_site_posts_are_refused(client, officer):
    response = client.post("/api/counters/1/call-next", headers={"Origin": "http://evil.example"})
    assert_error(response, 403, "csrf_failed")
    same = client.post("/api/counters/1/call-next", headers={"Origin": "http://localhost"})
    assert same.status_code == 200


def test_a_deactivated_user_is_logged_out(client, db, officer):
    db.execute("UPDATE users SET active = 0 WHERE username = 'petugas.dukcapil'")
    assert_error(client.post("/api/counters/1/call-next"), 401, "session_expired")


def test_sessions_expire_after_a_working_day(client, clock, officer):
    clock.advance(hours=13)
    assert_error(client.post("/api/counters/1/call-next"), 401, "session_expired")


def test_a_supervisor_works_their_own_agency(client, db):
    add_user(db, "spv.imigrasi", "supervisor", "IMIGRASI")
    login(client, "spv.imigrasi")
    assert client.post("/api/counters/5/open").status_code == 200
    assert_error(client.post("/api/counters/1/open"), 403, "forbidden")


def test_logout_ends_the_session(client, officer):
    assert client.get("/api/me").get_json()["user"]["username"] == "petugas.dukcapil"
    client.post("/api/logout")
    assert_error(client.get("/api/me"), 401, "login_required")


def test_an_action_in_the_wrong_state_is_a_409_naming_the_state(client, officer):
    issue(client)
    client.post("/api/counters/1/call-next")
    client.post("/api/counters/1/start")
    body = assert_error(client.post("/api/counters/1/no-show"), 409, "invalid_state")
    assert body["current"] == "serving" and "serving" in body["message"]


def test_a_closed_services_card_carries_its_hours_as_fields_and_its_message_in_the_asked_language(client, db):
    db.execute("UPDATE service_hours SET opens = '08:00', closes = '09:00' WHERE service_id = 1")  # 10:00 WIB: closed
    db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES ('2026-11-25', 2, '')")  # Imigrasi: no reason given
    cards = {s["id"]: s for a in client.get("/api/agencies?lang=en").get_json() for s in a["services"]}
    ktp, paspor, kk = cards[1], cards[5], cards[2]
    assert ktp["closed_reason"] == "service_closed"
    assert ktp["closed_detail"] == {"hours": "08:00–09:00", "reason": None, "cutoff": None, "label": None, "until": None}
    assert ktp["closed_message"] == "The service is closed. Hours: 08:00–09:00."
    assert paspor["closed_reason"] == "closed_today" and paspor["closed_detail"]["reason"] is None
    assert "public holiday" in paspor["closed_message"]
    assert kk["open"] and kk["closed_detail"] is None
    assert client.get("/api/agencies").get_json()[0]["services"][0]["closed_message"].startswith("Layanan sedang tutup")
