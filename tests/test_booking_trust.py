"""Booking codes that cannot be guessed or reused, and places one address cannot hoard (issue 21 M1, M2, M5, M6)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from conftest import PASSWORD, login
from loket import bookings

SECRET = "test-secret"


def service_id(db, code: str) -> int:
    return db.execute("SELECT id FROM services WHERE code = ?", (code,)).fetchone()[0]


def book(db, clock, code: str = "PKB", start: str = "10:30", phone: str = "081234567890"):
    return bookings.book(db, service_id(db, code), "2026-11-25", start, "Siti Aminah", phone, clock(), secret=SECRET)


def test_wrong_codes_at_a_kiosk_are_limited_then_429_with_retry_after(app, db, clock):
    """M1: codes could be tried at ~750/s with no 429."""
    booking = book(db, clock)
    kiosk = app.test_client()
    misses = [kiosk.post("/api/kiosks/kios-1/check-in", json={"code": f"ZZZZ{a}{b}"}).status_code for a in "AB" for b in "CDEFG"]
    assert misses == [404] * 10
    refused = kiosk.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]})
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # the kiosk, from another address too, is limited: the counting is per kiosk as well
    other = app.test_client()
    behind = other.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert behind.status_code == 429
    clock.advance(seconds=61)
    assert kiosk.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).status_code == 201


def test_right_codes_do_not_count_as_misses(app, db, clock):
    kiosk = app.test_client()
    for i in range(12):
        booking = book(db, clock, start="10:30" if i < 4 else "11:00" if i < 8 else "11:30", phone=f"0813111100{i:02d}")
        assert kiosk.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).status_code in (201, 409)


def test_a_second_scan_never_carries_the_tickets_token(app, db, clock):
    """M2: the answer to a second scan gave the token that then cancelled the citizen's ticket."""
    booking = book(db, clock)
    kiosk = app.test_client()
    first = kiosk.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).get_json()["ticket"]
    assert first["token"] and first["status_url"]  # the citizen's own screen, once: its QR is their ticket page
    second = kiosk.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]})
    body = second.get_data(as_text=True)
    assert second.status_code == 409 and second.get_json()["ticket"]["number"] == first["number"]
    assert first["token"] not in body and "status_url" not in body and "token" not in second.get_json()["ticket"]


def test_an_officers_check_in_answer_carries_no_token(app, db, clock):
    """M6: docs/api.md says officers never get a ticket's token; the check-in answer gave it."""
    booking = book(db, clock)
    officer = app.test_client()
    login(officer, "petugas.samsat", PASSWORD)
    answer = officer.post("/api/bookings/check-in", json={"code": booking["code"]})
    ticket = answer.get_json()["ticket"]
    assert answer.status_code == 201 and ticket["booking_code"] == booking["code"]
    assert "token" not in ticket and "status_url" not in ticket
    again = officer.post("/api/bookings/check-in", json={"code": booking["code"]}).get_json()
    assert again["error"] == "already_checked_in" and "token" not in again["ticket"]


def test_one_address_with_fresh_cookies_cannot_hoard_a_services_day(app, db):
    """M5: one address made 100 bookings in 1 s, each with a fresh loket_device cookie."""
    sid = service_id(db, "PKB")
    codes = []
    for i in range(12):
        phone = app.test_client()  # a fresh cookie every time
        body = {"service_id": sid, "date": "2026-11-26", "start": f"{9 + i // 4:02d}:00", "name": "Budi", "phone": f"0813222200{i:02d}"}
        codes.append(phone.post("/api/bookings", json=body).status_code)
    assert codes == [201] * 10 + [429] * 2
    refused = app.test_client().post(
        "/api/bookings", json={"service_id": sid, "date": "2026-11-26", "start": "12:00", "name": "Budi", "phone": "081322229999"}
    )
    assert refused.get_json()["error"] == "too_many_bookings"
    other_day = app.test_client().post(
        "/api/bookings", json={"service_id": sid, "date": "2026-11-27", "start": "12:00", "name": "Budi", "phone": "081322229999"}
    )
    assert other_day.status_code == 201


def test_the_booking_pages_device_cookie_is_secure_behind_tls(app):
    from server import create_app

    secure = create_app({**app.config, "SECURE_COOKIES": True}).test_client()
    page = secure.get("/reservasi/", base_url="https://localhost")
    cookies = page.headers.getlist("Set-Cookie")
    assert any(c.startswith("loket_device=") for c in cookies) and all("Secure" in c for c in cookies)


def test_the_device_limit_holds_against_bookings_sent_at_once(live_server):
    """Six bookings at once against a limit of five all passed a check made before the booking."""
    tomorrow = (datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(days=1)).date().isoformat()
    sid = 7  # PKB: no NIK asked
    slots = requests.get(f"{live_server.url}/api/bookings/slots?service_id={sid}&date={tomorrow}", timeout=10).json()["slots"]
    first = requests.get(live_server.url + "/reservasi/", timeout=10)
    cookie = first.cookies["loket_device"]
    codes: list[int] = []

    def take(i: int) -> None:
        body = {"service_id": sid, "date": tomorrow, "start": slots[i]["start"], "name": "Budi", "phone": f"0813333300{i:02d}"}
        r = requests.post(live_server.url + "/api/bookings", json=body, cookies={"loket_device": cookie}, timeout=30)
        codes.append(r.status_code)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] * 5 + [429] * 4, codes
