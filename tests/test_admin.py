"""The admin API: validation with the field named, permissions, the audit log, import/export, live pushes."""

import json

import pytest

from conftest import KIOSK, PASSWORD, login, settle
from loket.realtime import socketio

HOURS = [{"weekday": d, "opens": "08:00", "closes": "15:00"} for d in range(5)]


def new_service(**overrides):
    return {"agency_id": 1, "code": "LEGAL", "name": "Legalisir Dokumen", "prefix": "LG", "daily_quota": 20, "hours": HOURS, **overrides}


@pytest.fixture
def admin(client):
    return login(client, "admin")


@pytest.mark.parametrize(
    ("entity", "body", "field", "words"),
    [
        ("services", new_service(prefix="A"), "prefix", "awalan A sudah dipakai"),
        ("services", new_service(hours=[{"weekday": 0, "opens": "15:00", "closes": "08:00"}]), "hours", "harus setelah jam buka"),
        ("services", new_service(hours=[{"weekday": 0, "opens": "8 pagi", "closes": "15:00"}]), "hours", "format jam"),
        ("services", new_service(code="KTP"), "code", "sudah dipakai"),
        ("services", new_service(daily_quota=-1), "daily_quota", "minimal 0"),
        ("services", new_service(agency_id=999), "agency_id", "instansi tidak ada"),
        ("counters", {"agency_id": 1, "number": 40, "service_ids": []}, "service_ids", "paling sedikit satu layanan"),
        ("counters", {"agency_id": 1, "number": 40, "service_ids": [5]}, "service_ids", "layanan instansinya sendiri"),
        ("counters", {"agency_id": 1, "number": 1, "service_ids": [1]}, "number", "sudah dipakai"),
        ("agencies", {"code": "dukcapil", "name": "Lagi"}, "code", "sudah dipakai"),
        ("agencies", {"code": "BARU", "name": ""}, "name", ""),
        ("breaks", {"weekday": 4, "starts": "13:00", "ends": "11:30"}, "ends", "setelah jam mulai"),
        ("closed-dates", {"date": "2026-02-30", "reason": "Libur"}, "date", "YYYY-MM-DD"),
        ("users", {"username": "baru", "role": "officer", "password": PASSWORD}, "agency_id", "harus punya instansi"),
        ("users", {"username": "baru", "role": "admin", "password": "pendek"}, "password", "minimal 8"),
        ("kiosks", {"name": "kios-2", "printer_url": "ftp://printer"}, "printer_url", "unsupported printer URL"),
        ("displays", {"name": "lobi"}, "name", "sudah dipakai"),
    ],
)
def test_invalid_configuration_is_refused_with_the_field_and_a_clear_message(client, admin, db, entity, body, field, words):
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    response = client.post(f"/api/admin/{entity}", json=body)
    assert response.status_code in (400, 409), response.get_json()
    data = response.get_json()
    assert data["field"] == field
    assert words in data["message"]
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_a_partial_update_cannot_strip_a_counter_of_its_services(client, admin):
    response = client.put("/api/admin/counters/1", json={"service_ids": []})
    assert response.status_code == 400 and response.get_json()["field"] == "service_ids"


def test_an_inactive_service_frees_its_prefix(client, admin):
    assert client.put("/api/admin/services/4", json={"active": False}).status_code == 200
    response = client.post("/api/admin/services", json=new_service(prefix="D"))
    assert response.status_code == 201
    assert client.put("/api/admin/services/4", json={"active": True}).get_json()["field"] == "prefix"


def test_every_change_is_in_the_audit_log_with_before_and_after(client, admin):
    created = client.post("/api/admin/services", json=new_service()).get_json()["item"]
    assert created["hours"] == HOURS
    client.put(f"/api/admin/services/{created['id']}", json={"daily_quota": 35, "promised_minutes": 45})
    client.put("/api/admin/profile", json={"number_reading": "whole"})
    entries = client.get("/api/admin/audit?entity=services").get_json()["items"]
    update, create = entries[0], entries[1]
    assert (create["action"], create["username"], create["before"], create["after"]["prefix"]) == ("create", "admin", None, "LG")
    assert update["action"] == "update" and update["changes"] == ["daily_quota", "promised_minutes"]
    assert (update["before"]["daily_quota"], update["after"]["daily_quota"]) == (20, 35)
    profile = client.get("/api/admin/audit?entity=settings").get_json()["items"][0]
    assert (profile["before"]["number_reading"], profile["after"]["number_reading"]) == ("digits", "whole")
    assert client.get("/api/admin/audit?user=nobody").get_json()["items"] == []
    assert len(client.get("/api/admin/audit?from=2026-11-25&to=2026-11-25").get_json()["items"]) == 3
    assert client.get("/api/admin/audit?from=2026-11-26").get_json()["items"] == []


def test_user_passwords_never_reach_the_log_and_a_reset_password_works(client, admin):
    user = client.post(
        "/api/admin/users", json={"username": "petugas.baru", "role": "officer", "agency_id": 1, "password": PASSWORD}
    ).get_json()["item"]
    assert "password_hash" not in user
    assert client.post(f"/api/admin/users/{user['id']}/password", json={"password": "kata-sandi-baru-1"}).status_code == 200
    log = json.dumps(client.get("/api/admin/audit?entity=users").get_json())
    assert "password_hash" not in log and "pbkdf2" not in log and "scrypt" not in log
    client.post("/api/logout")
    assert client.post("/api/login", json={"username": "petugas.baru", "password": "kata-sandi-baru-1"}).status_code == 200
    client.post("/api/logout")
    login(client, "admin")
    client.put(f"/api/admin/users/{user['id']}", json={"active": False})
    client.post("/api/logout")
    assert client.post("/api/login", json={"username": "petugas.baru", "password": "kata-sandi-baru-1"}).status_code == 401


def test_an_admin_cannot_lock_themselves_out(client, admin):
    response = client.put(f"/api/admin/users/{admin['id']}", json={"active": False})
    assert response.status_code == 400 and response.get_json()["field"] == "active"


def test_officers_are_refused_and_supervisors_only_read_their_own_agency(client):
    login(client, "petugas.dukcapil")
    assert client.get("/api/admin/services").status_code == 403
    assert client.post("/api/admin/agencies", json={"code": "X", "name": "X"}).status_code == 403
    client.post("/api/logout")
    login(client, "supervisor.dukcapil")
    services = client.get("/api/admin/services").get_json()["items"]
    assert {s["agency_id"] for s in services} == {1}
    assert client.get("/api/admin/services/5").status_code == 403
    assert client.get("/api/admin/users").status_code == 403
    assert client.put("/api/admin/services/1", json={"daily_quota": 1}).status_code == 403
    assert client.put("/api/admin/profile", json={"mpp_name": "X"}).status_code == 403
    assert client.get("/api/admin/export").status_code == 403
    client.post("/api/logout")
    assert client.get("/api/admin/services").status_code == 401


def test_a_form_post_from_another_site_is_refused(client, admin):
    response = client.post("/api/admin/agencies", json={"code": "X", "name": "X"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and response.get_json()["error"] == "csrf_failed"


def test_profile_validation_and_live_push_to_kiosks(app, client, admin):
    kiosk = socketio.test_client(app)
    try:
        kiosk.emit("subscribe", {"room": "kiosk"})
        kiosk.get_received()
        bad = client.put("/api/admin/profile", json={"timezone": "Europe/Paris"})
        assert bad.status_code == 400 and bad.get_json()["field"] == "timezone"
        assert client.put("/api/admin/profile", json={"timezone": "Asia/Makassar", "self_priority": False}).status_code == 200
        assert client.get("/api/mpp").get_json()["timezone"] == "Asia/Makassar"
        created = client.post("/api/admin/services", json=new_service()).get_json()["item"]
        settle(app)
        events = [e for e in kiosk.get_received() if e["name"] == "config_changed"]
        assert [e["args"][0]["what"] for e in events] == ["mpp", "services"]
        assert events[1]["args"][0]["id"] == created["id"]
    finally:
        kiosk.disconnect()


def test_the_survey_mode_is_chosen_in_the_profile(client, admin):
    assert client.get("/api/survey/questions").get_json()["mode"] == "skm"
    bad = client.put("/api/admin/profile", json={"survey_mode": "long"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "survey_mode"
    assert client.put("/api/admin/profile", json={"survey_mode": "quick"}).get_json()["profile"]["survey_mode"] == "quick"
    assert client.get("/api/survey/questions").get_json()["mode"] == "quick"


def test_configuration_round_trips_through_json_and_csv(client, admin, db):
    exported = client.get("/api/admin/export").get_json()
    assert len(exported["agencies"]) == 10 and exported["counters"][0]["service_codes"] == ["KTP"]
    exported["services"][0]["daily_quota"] = 123
    exported["agencies"].append({"code": "KUA", "name": "Kantor Urusan Agama"})
    exported["services"].append({"agency_code": "KUA", "code": "NIKAH", "name": "Pendaftaran Nikah", "prefix": "NK", "hours": HOURS})
    exported["counters"].append({"agency_code": "KUA", "number": 20, "service_codes": ["NIKAH"]})
    assert client.post("/api/admin/import", json=exported).get_json()["written"] == {"agencies": 11, "services": 24, "counters": 18}
    assert db.execute("SELECT daily_quota FROM services WHERE code = 'KTP'").fetchone()[0] == 123
    imports = client.get("/api/admin/audit?action=import").get_json()["items"]
    assert len(imports) == 4  # unchanged rows leave no noise
    text = client.get("/api/admin/export?format=csv&kind=services").get_data(as_text=True)
    assert "0=08:00-15:00;1=08:00-15:00" in text
    edited = text.replace("Pendaftaran Nikah", "Pendaftaran Nikah & Rujuk")
    assert client.post("/api/admin/import", json={"kind": "services", "csv": edited}).status_code == 200
    assert db.execute("SELECT name FROM services WHERE code = 'NIKAH'").fetchone()[0] == "Pendaftaran Nikah & Rujuk"


def test_one_bad_import_row_refuses_the_whole_file(client, admin, db):
    payload = {"agencies": [{"code": "KUA", "name": "KUA"}], "services": [{"agency_code": "KUA", "code": "X", "name": "X", "prefix": "A"}]}
    response = client.post("/api/admin/import", json=payload)
    assert response.status_code == 400
    assert response.get_json()["field"] == "services baris 1: prefix"
    assert db.execute("SELECT count(*) FROM agencies WHERE code = 'KUA'").fetchone()[0] == 0


def test_deleting_a_counter_with_history_is_refused_but_a_closed_date_can_go(client, admin):
    client.post("/api/logout")
    login(client, "petugas.dukcapil")
    client.post("/api/counters/1/open")
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    client.post("/api/counters/1/call-next")
    client.post("/api/logout")
    login(client, "admin")
    response = client.delete("/api/admin/counters/1")
    assert response.status_code == 409 and "riwayat" in response.get_json()["message"]
    day = client.post("/api/admin/closed-dates", json={"date": "2026-12-25", "reason": "Hari Raya Natal"}).get_json()["item"]
    assert client.delete(f"/api/admin/closed-dates/{day['id']}").status_code == 200
    assert client.delete("/api/admin/services/1").status_code == 405


def test_print_test_ticket_records_the_printer_state(client, admin):
    response = client.post("/api/admin/kiosks/1/test-print")
    assert response.status_code == 200
    assert response.get_json()["ok"] is True and response.get_json()["item"]["printer_state"] == "ok"
    client.put("/api/admin/kiosks/1", json={"printer_url": "tcp://127.0.0.1:9"})
    failed = client.post("/api/admin/kiosks/1/test-print").get_json()
    assert failed["ok"] is False and failed["item"]["printer_state"] == "error" and failed["item"]["printer_error"]


def test_a_closed_date_set_by_the_admin_closes_the_kiosk_service(client, admin):
    client.post("/api/admin/closed-dates", json={"date": "2026-11-25", "agency_id": 1, "reason": "Rapat kerja"})
    response = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    assert response.status_code == 409 and "Rapat kerja" in response.get_json()["message"]
    assert client.post("/api/tickets", headers=KIOSK, json={"service_id": 5}).status_code == 201


def test_a_service_can_be_set_to_stop_issuing_while_none_of_its_counters_is_open(client, admin):
    changed = client.put("/api/admin/services/5", json={"requires_open_counter": True})
    assert changed.status_code == 200 and changed.get_json()["item"]["requires_open_counter"] == 1
    refused = client.post("/api/tickets", json={"service_id": 5}, headers={"Accept-Language": "en"})
    assert refused.status_code == 409
    assert refused.get_json() == {
        "error": "no_counter_open",
        "message": "No counter is open for this service yet. Tickets can be taken once an officer opens a counter.",
    }
    card = next(s for a in client.get("/api/agencies").get_json() for s in a["services"] if s["id"] == 5)
    assert card["open"] is False and card["closed_reason"] == "no_counter_open" and card["open_counters"] == 0
    assert client.post("/api/counters/5/open").status_code == 200
    assert client.post("/api/tickets", json={"service_id": 5}).status_code == 201
