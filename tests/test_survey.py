"""The survey API on a real database: who may answer, when, once; the IKM report, CSV and page."""

import csv
import io

import pytest

from conftest import KIOSK, add_user, login
from loket.db import set_setting

ALL_FOURS = {f"U{i}": 4 for i in range(1, 10)}


def served(client, counter_id: int = 1, service_id: int = 1) -> dict:
    """Issue a ticket, call it to the counter and complete it; returns the ticket as issued (with token)."""
    ticket = client.post("/api/tickets", headers=KIOSK, json={"service_id": service_id}).get_json()
    assert client.post(f"/api/counters/{counter_id}/call-next").get_json()["ticket"]["id"] == ticket["id"]
    assert client.post(f"/api/counters/{counter_id}/complete").status_code == 200
    return ticket


def answer(client, **body):
    """Post answers; the counter path comes from that counter's paired tablet (paired here on the spot)."""
    if "counter_id" in body and "tablet_key" not in body:
        body["tablet_key"] = pair_tablet(client.application, body["counter_id"])
    return client.post("/api/survey/answers", json=body)


def pair_tablet(app, counter_id: int) -> str:
    from loket.db import connect
    from survey import tablets

    db = connect(app.config["DATABASE"])
    try:
        admin = db.execute("SELECT * FROM users WHERE role = 'admin' LIMIT 1").fetchone()
        return tablets.pair(db, counter_id, app.config["CLOCK"](), {"id": admin[0], "username": "admin"})
    finally:
        db.close()


def test_counter_tablet_rates_the_ticket_just_completed_there_once(client, officer):
    ticket = served(client)
    r = answer(client, counter_id=1, ticket_id=ticket["id"], answers=ALL_FOURS, profile={"sex": "P", "education": "D4-S1"})
    assert r.status_code == 201, r.get_json()
    again = answer(client, counter_id=1, ticket_id=ticket["id"], answers=ALL_FOURS)
    assert again.status_code == 409 and again.get_json()["error"] == "survey_already_answered"
    by_token = answer(client, ticket_token=ticket["token"], answers=ALL_FOURS)
    assert by_token.status_code == 409


def test_counter_tablet_cannot_rate_another_counters_ticket_or_an_old_one(client, officer, clock):
    ticket = served(client, counter_id=1)
    r = answer(client, counter_id=2, ticket_id=ticket["id"], answers=ALL_FOURS)
    assert r.status_code == 409 and r.get_json()["error"] == "survey_closed"
    clock.advance(minutes=16)
    r = answer(client, counter_id=1, ticket_id=ticket["id"], answers=ALL_FOURS)
    assert r.status_code == 409 and r.get_json()["error"] == "survey_closed"
    # The citizen's own link still works: until the end of the next day.
    assert answer(client, ticket_token=ticket["token"], answers=ALL_FOURS).status_code == 201


def test_a_ticket_not_yet_served_cannot_be_rated(client, officer):
    ticket = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    r = answer(client, ticket_token=ticket["token"], answers=ALL_FOURS)
    assert r.status_code == 409 and r.get_json()["error"] == "survey_not_yet"
    assert client.get(f"/api/survey/tickets/{ticket['token']}").get_json()["survey"]["open"] is False


def test_ticket_link_closes_at_the_end_of_the_next_local_day(client, officer, clock):
    clock.set_local("2026-11-25T15:00")
    ticket = served(client)
    clock.set_local("2026-11-26T23:59")
    status = client.get(f"/api/survey/tickets/{ticket['token']}").get_json()
    assert status["survey"]["open"] is True and status["ticket"]["number"] == ticket["number"]
    assert "token" not in status["ticket"]
    clock.set_local("2026-11-27T00:00")
    assert client.get(f"/api/survey/tickets/{ticket['token']}").get_json()["survey"]["reason"] == "survey_closed"
    assert answer(client, ticket_token=ticket["token"], answers=ALL_FOURS).status_code == 409


BAD_ANSWERS = [
    ({"U1": 5}, None, "answers"),
    ({"U1": 0}, None, "answers"),
    ({"U1": 4.0}, None, "answers"),  # integers are never floats (one rule for every body: loket/inputs.py)
    ({"U1": True}, None, "answers"),
    ({"U10": 3}, None, "answers"),
    ({}, None, "answers"),
    ("semua 4", None, "answers"),
    (ALL_FOURS, {"sex": "X"}, "sex"),
    (ALL_FOURS, {"education": "S4"}, "education"),
    (ALL_FOURS, {"occupation": "<script>"}, "occupation"),
    (ALL_FOURS, "guru", "profile"),
]


def test_bad_answers_are_refused_with_the_field_named(client, officer):
    ticket = served(client)
    for answers, profile, field in BAD_ANSWERS:
        r = answer(client, ticket_token=ticket["token"], answers=answers, profile=profile)
        body = r.get_json()
        assert r.status_code == 400 and body["field"] == field and body["message"], (answers, profile, body)
    # None of the refusals used up the ticket's one answer set.
    assert answer(client, ticket_token=ticket["token"], answers=ALL_FOURS).status_code == 201


def test_unknown_ticket_and_missing_counter_are_clean_errors(client):
    assert answer(client, ticket_token="tidak-ada", answers=ALL_FOURS).status_code == 404
    assert answer(client, answers=ALL_FOURS).get_json()["error"] == "missing_field"
    assert answer(client, counter_id=1, ticket_id=999999, answers=ALL_FOURS).status_code == 404
    assert client.post("/api/survey/answers", data="{", content_type="application/json").status_code == 400


def test_quick_mode_takes_one_answer_and_reports_it_apart_from_the_ikm(client, officer, db):
    set_setting(db, "survey_mode", "quick")
    assert client.get("/api/survey/questions").get_json()["mode"] == "quick"
    ticket = served(client)
    assert answer(client, ticket_token=ticket["token"], answers=ALL_FOURS).status_code == 400
    assert answer(client, ticket_token=ticket["token"], answers={"quick": 4}).status_code == 201
    login(client, "admin")
    report = client.get("/api/reports/ikm").get_json()
    assert report["respondents"] == 0 and report["converted"] is None
    assert report["quick"]["respondents"] == 1 and report["quick"]["satisfied_percent"] == 100.0


def test_only_admin_switches_the_survey_mode(client, officer):
    assert client.put("/api/survey/settings", json={"mode": "quick"}).status_code == 403
    login(client, "admin")
    assert client.put("/api/survey/settings", json={"mode": "lima"}).status_code == 400
    assert client.put("/api/survey/settings", json={"mode": "quick"}).get_json() == {"mode": "quick"}


def rate_many(client, sets: list[dict], counter_id=1, service_id=1):
    for answers in sets:
        ticket = served(client, counter_id, service_id)
        assert answer(client, ticket_token=ticket["token"], answers=answers).status_code == 201


def test_ikm_report_per_agency_and_service_matches_hand_computation(client, officer, db):
    rate_many(client, [{"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 2, "U9": 3}])
    rate_many(client, [{"U1": 3, "U2": 3, "U3": 2, "U5": 3, "U6": 4, "U7": 3, "U8": 2, "U9": 4}])
    login(client, "admin")
    report = client.get("/api/reports/ikm?agency_id=1&from=2026-11-01&to=2026-11-30").get_json()
    assert report["respondents"] == 2 and report["converted"] == 80.56 and report["grade"] == "B"
    assert report["weakest"]["codes"] == ["U8"]
    assert report["per_service"][0]["service_id"] == 1 and report["per_service"][0]["respondents"] == 2
    assert client.get("/api/reports/ikm?agency_id=2").get_json()["respondents"] == 0
    whole = client.get("/api/reports/ikm?year=2026").get_json()
    assert whole["period"] == {"from": "2026-01-01", "to": "2026-12-31"}
    assert next(a for a in whole["per_agency"] if a["agency_id"] == 1)["converted"] == 80.56
    quarters = client.get("/api/reports/ikm/quarters?year=2026").get_json()
    dukcapil = next(a for a in quarters["agencies"] if a["agency_id"] == 1)
    assert [q["respondents"] for q in dukcapil["quarters"]] == [0, 0, 0, 2]
    assert dukcapil["quarters"][3]["converted"] == 80.56
    assert client.get("/api/reports/ikm?from=2026-12-01&to=2026-12-31").get_json()["respondents"] == 0


def test_ikm_csv_export_is_the_element_table(client, officer):
    rate_many(client, [ALL_FOURS])
    login(client, "admin")
    r = client.get("/api/reports/ikm.csv?agency_id=1")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:5] == ["Unsur", "Nama unsur", "Jumlah responden menjawab", "Jumlah nilai", "NRR"]
    assert rows[2][0] == "U1" and rows[2][5] == "100,00"
    ikm_row = next(r for r in rows if r and r[0] == "IKM")
    assert ikm_row[5:8] == ["100,00", "A", "Sangat baik"]


def test_reports_need_login_and_agency_staff_see_only_their_agency(client, officer, db):
    rate_many(client, [ALL_FOURS])
    client.post("/api/logout")
    assert client.get("/api/reports/ikm").status_code == 401
    login(client, "supervisor.dukcapil")
    assert client.get("/api/reports/ikm").get_json()["agency"]["code"] == "DUKCAPIL"
    assert client.get("/api/reports/ikm?agency_id=2").status_code == 403
    add_user(db, "petugas.lain", "officer", "IMIGRASI")
    login(client, "petugas.lain")
    assert client.get("/api/reports/ikm").get_json()["respondents"] == 0


@pytest.mark.parametrize(
    "query", ["from=2026-13-01", "quarter=5", "year=1999", "from=2026-12-01&to=2026-11-01", "service_id=9999", "agency_id=1&service_id=5"]
)
def test_bad_report_filters_are_400_or_404(client, query):
    login(client, "admin")
    assert client.get("/api/reports/ikm?" + query).status_code in (400, 404)


def test_admin_ikm_page_renders_the_report(client, officer):
    rate_many(client, [ALL_FOURS])
    login(client, "admin")
    html = client.get("/admin/ikm?agency_id=1").get_data(as_text=True)
    assert "100,00" in html and "Sangat baik" in html and "IKM per instansi per triwulan" in html


def test_admin_ikm_page_asks_for_login(client):
    html = client.get("/admin/ikm").get_data(as_text=True)
    assert 'id="login-form"' in html
