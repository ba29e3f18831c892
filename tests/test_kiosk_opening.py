"""When a refused citizen can come back: the next opening of a closed or full service, in the MPP's zone."""

from __future__ import annotations

import pytest

from kiosk.opening import next_opening

# Dukcapil's KTP-el service (id 1), given Monday–Friday 08:00–15:00 and a Friday prayer break.
WEEKDAYS = [(w, "08:00", "15:00") for w in range(5)]


@pytest.fixture
def office_hours(db):
    db.execute("DELETE FROM service_hours WHERE service_id = 1")
    for weekday, opens, closes in WEEKDAYS:
        db.execute("INSERT INTO service_hours (service_id, weekday, opens, closes) VALUES (1, ?, ?, ?)", (weekday, opens, closes))
    db.execute("INSERT INTO breaks (agency_id, weekday, starts, ends, label) VALUES (NULL, 4, '11:30', '13:00', 'Istirahat salat Jumat')")
    return db


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        ("2026-11-25 06:30", {"date": "2026-11-25", "time": "08:00", "today": True}),  # Wednesday, before opening
        ("2026-11-25 16:00", {"date": "2026-11-26", "time": "08:00", "today": False}),  # after closing: tomorrow
        ("2026-11-27 12:00", {"date": "2026-11-27", "time": "13:00", "today": True}),  # Friday prayer break
        ("2026-11-27 15:30", {"date": "2026-11-30", "time": "08:00", "today": False}),  # Friday evening: Monday
        ("2026-11-28 10:00", {"date": "2026-11-30", "time": "08:00", "today": False}),  # Saturday: Monday
        ("2026-11-25 10:00", None),  # open now: the next opening after today
    ],
)
def test_the_next_opening_is_the_first_hour_the_service_issues_again(office_hours, clock, local_now, expected):
    clock.set_local(local_now)
    found = next_opening(office_hours, 1, clock())
    if expected is None:
        assert found == {"date": "2026-11-26", "time": "08:00", "today": False}
    else:
        assert found == expected


def test_a_holiday_is_skipped_and_a_full_quota_means_tomorrow(office_hours, clock):
    clock.set_local("2026-11-25 10:00")
    office_hours.execute("INSERT INTO closed_dates (date, reason) VALUES ('2026-11-26', 'Cuti bersama')")
    office_hours.execute("UPDATE services SET daily_quota = 0 WHERE id = 1")
    assert next_opening(office_hours, 1, clock()) == {"date": "2026-11-27", "time": "08:00", "today": False}


def test_a_service_with_no_hours_has_no_next_opening(office_hours, clock):
    office_hours.execute("DELETE FROM service_hours WHERE service_id = 1")
    assert next_opening(office_hours, 1, clock()) is None


def test_the_endpoint_offers_the_phone_ticket_where_phones_may_take_numbers(client, office_hours, clock):
    clock.set_local("2026-11-25 16:00")
    answer = client.get("/api/services/1/next-opening").get_json()
    assert answer["next_opening"] == {"date": "2026-11-26", "time": "08:00", "today": False}
    assert answer["phone_url"].endswith("/ambil/?service=1")
    assert answer["phone_qr_svg"].startswith("<svg")
    office_hours.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('phone_tickets', '0')")
    assert "phone_url" not in client.get("/api/services/1/next-opening").get_json()
    assert client.get("/api/services/999/next-opening").status_code == 404


def test_a_refused_citizen_is_offered_the_booking_where_the_service_takes_bookings(client, db):
    booked = db.execute("SELECT id FROM services WHERE booking_enabled = 1 ORDER BY id LIMIT 1").fetchone()[0]
    answer = client.get(f"/api/services/{booked}/next-opening").get_json()
    assert answer["booking_url"].endswith(f"/reservasi/?service={booked}")
    assert answer["booking_qr_svg"].startswith("<svg")
    walk_in_only = db.execute("SELECT id FROM services WHERE booking_enabled = 0 ORDER BY id LIMIT 1").fetchone()[0]
    assert "booking_url" not in client.get(f"/api/services/{walk_in_only}/next-opening").get_json()
