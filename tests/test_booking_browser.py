"""Booking in Chromium: a citizen books on a 360×740 phone, then checks in at the kiosk by touch or by scanner."""

from __future__ import annotations

import re

import pytest
import requests

from conftest import KIOSK_KEY, LiveServer, screenshot, tap_language

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{6}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module; it runs on the real clock, and the demo's services are open all day,
    so the next slot always starts within 30 minutes: its check-in window is open now."""
    live = LiveServer(tmp_path_factory.mktemp("booking-browser") / "live.db").start()
    yield live
    live.stop()


def phone(page_factory, server, path: str = "/reservasi/"):
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(server.url + path)
    return page


def service_ids(server) -> dict:
    agencies = requests.get(server.url + "/api/agencies", timeout=10).json()
    return {s["code"]: s["id"] for a in agencies for s in a["services"]}


def book_by_api(server, code: str, phone_number: str, nik: str | None = None, day_index: int = 0) -> dict:
    sid = service_ids(server)[code]
    days = requests.get(f"{server.url}/api/bookings/days?service_id={sid}", timeout=10).json()["days"]
    # Late in the evening today's slots are all past: count only the days that still have one.
    open_days = []
    for d in days:
        slots = requests.get(f"{server.url}/api/bookings/slots?service_id={sid}&date={d['date']}", timeout=10).json()["slots"]
        if slots:
            open_days.append((d["date"], slots))
        if len(open_days) > day_index:
            break
    day, slots = open_days[day_index]
    first = slots[0]
    body = {"service_id": sid, "date": day, "start": first["start"], "name": "Rahmat Hidayat", "phone": phone_number}
    if nik:
        body["nik"] = nik
    answer = requests.post(server.url + "/api/bookings", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def kiosk(page_factory, server, width: int = 1080, height: int = 1920):
    page = page_factory(width, height, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    page.locator("#checkin-open").wait_for()
    return page


def test_a_citizen_books_a_time_on_a_phone_and_checks_in_at_the_kiosk_by_touch(server, page_factory):
    page = phone(page_factory, server)
    cards = page.locator("[data-agency]")
    cards.first.wait_for()
    assert cards.count() == 2  # Imigrasi and Samsat take bookings in the demo
    screenshot(page, "booking-phone-360x740-agencies")
    page.locator("[data-agency]", has_text="Samsat").tap()
    page.locator(".b-service", has_text="Pajak Kendaraan").locator("[data-service]").tap()
    slots = page.locator(".b-slot")
    slots.first.wait_for()
    assert page.locator(".b-day.is-chosen").count() == 1
    first_slot = slots.first.locator(".b-slot-time").inner_text()
    assert "sisa 4" in slots.first.inner_text()
    screenshot(page, "booking-phone-360x740-slots")
    slots.first.tap()
    page.locator("#f-name").fill("Siti Aminah")
    page.locator("#f-phone").fill("0812 3456 7890")
    assert page.locator("#f-nik").count() == 0  # the vehicle tax does not ask for a NIK
    screenshot(page, "booking-phone-360x740-details")
    page.locator("#details-form [type=submit]").tap()
    page.wait_for_url(re.compile(r"/reservasi/[\w-]{16,}$"))
    code = page.locator("#code").inner_text()
    assert CODE.match(code)
    assert first_slot.replace("–", "") in page.locator("#details").inner_text().replace("–", "").replace(" WIB", "")
    assert "0812" in page.locator(".b-who").inner_text() and "7890" not in page.locator(".b-who").inner_text()
    assert page.locator("#qr svg.qr").count() == 1
    assert "STNK asli" in page.locator("#extra").inner_text()  # what to bring
    screenshot(page, "booking-phone-360x740-booking-page")
    page.screenshot(path=str(screenshot(page, "booking-phone-360x740-booking-page-full")), full_page=True)

    # At the kiosk: "Sudah reservasi?", the code on the screen keyboard, the ticket printed as a booking.
    stand = kiosk(page_factory, server)
    screenshot(stand, "booking-kiosk-1080x1920-home-with-checkin")
    stand.locator("#checkin-open").tap()
    assert stand.evaluate("document.activeElement.id") == "checkin-code"
    screenshot(stand, "booking-kiosk-1080x1920-checkin")
    for key in code:
        stand.locator(f".k-checkin-keys [data-key='{key}']").tap()
    stand.locator("#checkin-form [type=submit]").tap()
    number = stand.locator("#checkin-number")
    number.wait_for()
    assert number.inner_text() == "G001"
    # "Sedang mencetak tiket…" until the printer says it printed (the kiosk hears it a moment after the answer)
    stand.locator(".k-checkin-done", has_text="ambil tiket Anda").wait_for(timeout=10_000)
    assert code in stand.locator(".k-checkin-done").inner_text()
    screenshot(stand, "booking-kiosk-1080x1920-checked-in")

    # The booking page now shows the ticket.
    page.reload()
    assert "G001" in page.locator(".b-box-ok").inner_text()
    screenshot(page, "booking-phone-360x740-checked-in")

    # The same code again: a clear answer with the same number, no second ticket.
    stand.locator("[data-action=close]").tap()
    stand.locator("#checkin-open").tap()
    stand.keyboard.type(code)
    stand.keyboard.press("Enter")
    stand.locator("#checkin-number").wait_for()
    assert stand.locator("#checkin-number").inner_text() == "G001"
    assert "sudah check-in" in stand.locator(".k-checkin-done").inner_text()


def test_a_scanner_typing_the_code_and_enter_checks_in_at_the_kiosk(server, page_factory):
    booking = book_by_api(server, "PASPOR", "081311112222", nik="3201234567890123")
    stand = kiosk(page_factory, server, 1920, 1080)
    stand.locator("#checkin-open").tap()
    # A USB scanner is a keyboard: it types the QR's text fast and ends with Enter, into the focused field.
    stand.keyboard.type(booking["code"], delay=5)
    stand.keyboard.press("Enter")
    stand.locator("#checkin-number").wait_for()
    assert stand.locator("#checkin-number").inner_text().startswith("E")
    screenshot(stand, "booking-kiosk-1920x1080-scanned")
    # Scanned at the start screen, with no field focused, the check-in opens by itself.
    other = book_by_api(server, "PASPOR", "081311113333", nik="3201234567890999")
    stand.locator("[data-action=close]").tap()
    stand.locator(".k-agency").first.wait_for()
    stand.keyboard.type(other["code"], delay=5)
    stand.keyboard.press("Enter")
    stand.locator("#checkin-number").wait_for()
    assert requests.get(f"{server.url}/api/bookings/{other['token']}", timeout=10).json()["status"] == "checked_in"


def test_the_kiosk_says_clearly_why_a_code_is_refused(server, page_factory):
    booking = book_by_api(server, "PASPOR", "081344445555", nik="3201234567890555")
    requests.post(f"{server.url}/api/bookings/{booking['token']}/cancel", timeout=10)
    stand = kiosk(page_factory, server)
    stand.locator("#checkin-open").tap()
    stand.keyboard.type(booking["code"])
    stand.keyboard.press("Enter")
    refusal = stand.locator(".k-refusal")
    refusal.wait_for()
    assert refusal.get_attribute("data-code") == "booking_cancelled" and "dibatalkan" in refusal.inner_text()
    stand.keyboard.type("ZZZZZZ")
    stand.keyboard.press("Enter")
    stand.locator(".k-refusal[data-code=booking_not_found]").wait_for()
    screenshot(stand, "booking-kiosk-1080x1920-not-found")
    # Tomorrow's booking today: too early, and the screen says when check-in opens.
    tomorrow = book_by_api(server, "PASPOR", "081344446666", nik="3201234567890666", day_index=1)
    stand.keyboard.type(tomorrow["code"])
    stand.keyboard.press("Enter")
    early = stand.locator(".k-refusal[data-code=too_early]")
    early.wait_for()
    assert tomorrow["checkin_opens"] in early.inner_text() and "Silakan kembali" in early.inner_text()
    screenshot(stand, "booking-kiosk-1080x1920-too-early")


def test_the_kiosk_check_in_speaks_english_in_landscape(server, page_factory):
    stand = kiosk(page_factory, server, 1920, 1080)
    tap_language(stand)
    stand.locator("#checkin-open", has_text="Already booked?").wait_for()
    screenshot(stand, "booking-kiosk-1920x1080-home-english")
    stand.locator("#checkin-open").tap()
    form = stand.locator(".k-checkin-form")
    assert "Booking check-in" in form.inner_text() and "Scan the booking's QR code" in form.inner_text()
    stand.keyboard.type("ZZZZZZ")
    stand.keyboard.press("Enter")
    stand.locator(".k-refusal[data-code=booking_not_found]").wait_for()
    assert "Code not found" in stand.locator(".k-refusal").inner_text()
    screenshot(stand, "booking-kiosk-1920x1080-checkin-english")


def test_places_left_update_live_on_an_open_booking_page(server, page_factory):
    watcher = phone(page_factory, server, f"/reservasi/?service={service_ids(server)['PKB']}")
    slot = watcher.locator(".b-slot").nth(1)
    slot.wait_for()
    before = int(re.search(r"\d+", slot.locator(".b-slot-left").inner_text()).group())
    start = slot.locator(".b-slot-time").inner_text().split("–")[0]
    sid = service_ids(server)["PKB"]
    day = watcher.locator(".b-day.is-chosen").get_attribute("data-date")
    body = {"service_id": sid, "date": day, "start": start, "name": "Andi", "phone": "081355556666"}
    answer = requests.post(server.url + "/api/bookings", json=body, timeout=10)
    assert answer.status_code == 201
    watcher.wait_for_function(
        "([i, n]) => document.querySelectorAll('.b-slot')[i].innerText.includes(n)", arg=[1, f"sisa {before - 1}"], timeout=5000
    )


def test_the_booking_pages_speak_english_throughout(server, page_factory):
    page = phone(page_factory, server, "/reservasi/?lang=en")
    page.locator("[data-agency]").first.wait_for()
    text = page.locator("body").inner_text()
    assert "Book a queue time" in text and "Choose an agency" in text and "Pilih" not in text
    page.locator("[data-agency]", has_text="Imigrasi").tap()
    page.locator(".b-service", has_text="Paspor Baru").locator("[data-service]").tap()
    page.locator(".b-slot").first.wait_for()
    assert "Choose a time" in page.locator("#screen").inner_text() and "left" in page.locator(".b-slot").first.inner_text()
    screenshot(page, "booking-phone-360x740-english-slots")
    page.locator(".b-slot").first.tap()
    page.locator("#f-name").fill("John")
    page.locator("#f-phone").fill("12")
    page.locator("#f-nik").fill("3201234567890777")
    page.locator("#details-form [type=submit]").tap()
    error = page.locator(".b-field.invalid .b-field-error")
    error.wait_for()
    assert "Enter an Indonesian mobile number" in error.inner_text()
    page.locator("#f-phone").fill("081366667777")
    page.locator("#details-form [type=submit]").tap()
    page.wait_for_url(re.compile(r"/reservasi/[\w-]{16,}$"))
    page.locator(".b-how").wait_for()
    text = page.locator("body").inner_text()
    assert "booking code" in text.lower() and "When you arrive" in text and "What to bring" in text and "Cancel booking" in text
    assert "NIK" in text and "0777" in text and "3201234567890777" not in page.content()
    screenshot(page, "booking-phone-360x740-english-booking-page")
    page.locator("[data-action=cancel]").tap()
    page.locator("[data-action=cancel-yes]").tap()
    page.locator(".b-badge-cancelled").wait_for()
    assert "Cancelled" in page.locator(".b-badge-cancelled").inner_text()
    screenshot(page, "booking-phone-360x740-english-cancelled")


def test_the_admin_switches_booking_on_in_the_service_form_and_reads_the_booking_report(server, page_factory):
    from conftest import PASSWORD

    page = page_factory(1366, 768)
    page.set_default_timeout(20_000)
    page.goto(server.url + "/admin/")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav:not([hidden])")
    page.click("#nav button[data-section=services]")
    page.locator("tr", has_text="Akta Kelahiran").locator("button").click()
    # The demo's hours run to 24:00, which a time field cannot show: set them as a person would.
    for row in page.locator(".hours-row").all():
        row.locator("input.time").nth(1).fill("23:59")
    page.locator("[data-name=booking_enabled] input").check()
    page.fill("[data-name=booking_capacity] input", "6")
    page.locator("[data-name=booking_enabled]").scroll_into_view_if_needed()
    screenshot(page, "booking-admin-service-form-1366x768")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".notice:has-text('Tersimpan')")
    sid = service_ids(server)["AKTA"]
    agencies = requests.get(server.url + "/api/agencies", timeout=10).json()
    assert next(s for a in agencies for s in a["services"] if s["id"] == sid)["booking_enabled"] is True
    book_by_api(server, "PKB", "081377778888")
    page.goto(server.url + "/admin/reports")
    card = page.locator("#bookings")
    card.locator("table.data").wait_for()
    assert "Pajak Kendaraan" in card.inner_text() and card.locator("a.csv").count() == 1
    card.scroll_into_view_if_needed()
    screenshot(page, "booking-admin-report-1366x768")


def test_an_officer_checks_a_citizen_in_from_the_counter_console(server, page_factory):
    from conftest import PASSWORD

    booking = book_by_api(server, "PASPOR", "081388889999", nik="3201234567890888")
    page = page_factory(1366, 768)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/counter/")
    page.fill("#username", "petugas.imigrasi")
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    counter = page.locator("#counter-list button").first
    counter.click()
    page.wait_for_url("**/counter/*")
    page.fill("#booking-code", booking["code"].lower())
    page.click("#booking-checkin button[type=submit]")
    result = page.locator("#booking-result.ok")
    result.wait_for()
    number = result.locator("strong").inner_text()
    assert number.startswith("E") and "Check-in berhasil" in result.inner_text()
    page.locator("#waiting-list tr", has_text=number).locator(".tag", has_text="reservasi").wait_for()
    screenshot(page, "booking-counter-checkin-1366x768")
    page.fill("#booking-code", booking["code"])
    page.click("#booking-checkin button[type=submit]")
    page.locator("#booking-result.bad", has_text="sudah check-in").wait_for()
    assert number in page.locator("#booking-result").inner_text()
    assert errors == []


def test_the_landing_page_and_the_phone_ticket_page_lead_to_booking(server, page_factory):
    page = phone(page_factory, server, "/ambil/")
    page.locator(".k-agency").first.wait_for()
    page.locator(".k-booking-link a").tap()
    page.wait_for_url("**/reservasi/")
    page.locator("[data-agency]").first.wait_for()
    landing = page_factory(1366, 768)
    landing.goto(server.url + "/")
    landing.locator("a[href='/reservasi/']").click()
    landing.locator("[data-agency]").first.wait_for()
    screenshot(landing, "booking-laptop-1366x768-agencies")
    landing.goto(server.url + "/reservasi/poster")
    assert landing.locator("figure svg.qr").count() == 1 and "Paspor Baru" in landing.locator(".b-poster-services").inner_text()
    assert landing.locator("figcaption").inner_text() == server.url + "/reservasi/"
    screenshot(landing, "booking-poster-1366x768")
