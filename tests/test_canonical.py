"""One spelling for what identifies something (issue 21 H3, M4; issue 22 point 4): dates `YYYY-MM-DD`
only, ASCII digits for phones and NIKs, ids that are ids — on bodies, query strings and sockets alike."""

from __future__ import annotations

import pytest

from conftest import login
from loket.realtime import socketio

PHONE = "081234567890"
NIK = "3201234567890123"
SPELLINGS = ["20261126", "2026-W48-4", "2026W484", "2026-11-26T00:00", " 2026-11-26x", "２０２６-11-26", "2026-02-30"]


def passport(db) -> int:
    return db.execute("SELECT id FROM services WHERE code = 'PASPOR'").fetchone()[0]


def booking(sid: int, **values) -> dict:
    return {"service_id": sid, "date": "2026-11-26", "start": "10:30", "name": "Siti", "phone": PHONE, "nik": NIK, **values}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_booking_date_has_one_spelling(client, db, spelling):
    """Python's date.fromisoformat reads 20261207 and 2026-W50-1 too: 16 bookings went into a slot of 4."""
    answer = client.post("/api/bookings", json=booking(passport(db), date=spelling))
    assert answer.status_code == 400 and answer.get_json()["field"] == "date", answer.get_json()
    slots = client.get(f"/api/bookings/slots?service_id={passport(db)}&date={spelling}")
    assert slots.status_code == 400 and slots.get_json()["field"] == "date"
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == 0


def test_the_canonical_date_books_and_is_stored_as_written(client, db):
    answer = client.post("/api/bookings", json=booking(passport(db)))
    assert answer.status_code == 201, answer.get_json()
    assert db.execute("SELECT date FROM bookings").fetchone()[0] == "2026-11-26"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "٠٨١٢٣٤٥٦٧٨٩٠"),  # Arabic-Indic
        ("phone", "０８１２３４５６７８９０"),  # fullwidth
        ("phone", "08١٢٣٤٥٦٧٨٩٠"),
        ("nik", "３２０１２３４５６７８９０１２３"),
        ("nik", "320123456789012٣"),
    ],
)
def test_a_phone_or_nik_in_other_digits_is_refused_not_counted_as_another_person(client, db, field, value):
    first = client.post("/api/bookings", json=booking(passport(db)))
    assert first.status_code == 201
    again = client.post("/api/bookings", json=booking(passport(db), **{field: value}))
    assert again.status_code == 400 and again.get_json()["field"] == field, again.get_json()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_closed_date_has_one_spelling(client, spelling):
    login(client, "admin")
    answer = client.post("/api/admin/closed-dates", json={"date": spelling, "reason": "Libur"})
    assert answer.status_code == 400 and answer.get_json()["field"] == "date", answer.get_json()
    assert client.post("/api/admin/closed-dates", json={"date": "2026-12-25", "reason": "Natal"}).status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/reports/summary?from=20261101",
        "/api/admin/reports/summary?from=2026-11-01&to=2026-W48-4",
        "/api/admin/reports/bookings?to=20261130",
        "/api/admin/reports/month?month=2026-13",
        "/api/admin/audit?from=2026W481",
        "/api/reports/complaints?from=20261101",
        "/api/complaints/export.csv?to=2026-11-31",
        "/api/reports/ikm?from=20261101&to=2026-11-30",
    ],
)
def test_every_query_string_date_is_read_by_the_one_reader(client, path):
    login(client, "admin")
    answer = client.get(path)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_field", (path, answer.get_data(as_text=True)[:200])


@pytest.mark.parametrize(
    "path",
    [
        "/api/counters?agency_id=abc",
        "/api/admin/reports/summary?agency_id=abc",
        "/api/complaints?agency_id=1x",
        "/api/reports/complaints?agency_id=abc",
        "/api/reports/ikm?agency_id=abc",
        "/api/reports/ikm?service_id=١",
        "/api/reports/ikm/quarters?year=twenty",
        "/api/reports/ikm?quarter=5",
    ],
)
def test_an_id_that_is_not_a_number_is_a_400_not_no_filter(client, path):
    """request.args.get(..., type=int) turned ?agency_id=abc into "every agency"."""
    login(client, "admin")
    answer = client.get(path)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_field", (path, answer.get_json())


def test_a_report_range_with_one_end_is_a_400_not_a_500(client):
    login(client, "admin")
    for path in ("/admin/ikm?to=2026-11-30", "/api/reports/ikm?from=2026-11-01"):
        answer = client.get(path)
        assert answer.status_code == 400 and answer.get_json()["error"] == "missing_field", path


@pytest.mark.parametrize(
    "payload",
    [
        {"service_id": float("inf"), "date": "2026-11-26"},
        {"service_id": 5, "date": "20261126"},
        {"service_id": 5, "date": "\ud800"},
        [5],
        "x",
    ],
)
def test_a_bad_socket_payload_gets_an_answer_in_the_one_error_shape(app, payload):
    page = socketio.test_client(app)
    answer = page.emit("follow_booking_slots", payload, callback=True)
    assert answer["error"] in ("invalid_field", "bad_request") and answer["message"], answer
    status = page.emit("display_status", {"display": "lobi\ud800", "voice_mode": "speech"}, callback=True)
    assert status["error"] == "invalid_field" and status["message"]
    page.disconnect()


def test_socket_errors_speak_the_clients_language(app):
    page = socketio.test_client(app, headers={"Accept-Language": "en"})
    answer = page.emit("follow_booking_slots", {"service_id": "x", "date": "2026-11-26"}, callback=True)
    assert "must be" in answer["message"] or "invalid" in answer["message"].lower(), answer
    page.disconnect()
