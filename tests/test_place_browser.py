"""An honest place in line, as citizens meet it: a kiosk ticket in a line two services share, a phone
ticket page, a booking checked in before its slot, and a service no counter is open for yet."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_accessibility import blocking_violations

from conftest import KIOSK_KEY, LiveServer, screenshot, tap_language
from loket.db import connect

pytestmark = pytest.mark.browser

# Words an English page must not show any more (the numbers, names and codes stay as they are).
INDONESIAN = re.compile(r"\b(Antrean|antrean|Anda|menit|Belum|loket|Dipanggil|Nomor|sekitar|pukul|berikutnya|Perkiraan)\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("place-browser") / "live.db").start()
    yield live
    live.stop()


def service_ids(server: LiveServer) -> dict[str, int]:
    db = connect(server.db_path)
    try:
        return {code: sid for sid, code in db.execute("SELECT id, code FROM services")}
    finally:
        db.close()


def issue(http, server: LiveServer, service_id: int) -> dict:
    response = http.post(f"{server.url}/api/tickets", json={"service_id": service_id}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def kiosk_page(page_factory, server: LiveServer, query: str = ""):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1&ticket_seconds=60{query}#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    return page


def take(page, agency: str, service: str) -> None:
    page.locator(".k-agency", has_text=agency).tap()
    page.locator(".k-service", has_text=service).tap()
    page.locator("[data-action=take]").tap()
    page.locator("#issued-number").wait_for()


def test_a_kiosk_ticket_counts_the_other_service_its_counters_call(server, page_factory):
    """Imigrasi's counters 5 and 6 serve Paspor Baru and Penggantian Paspor: both lines are ahead."""
    ids = service_ids(server)
    with server.session("petugas.imigrasi") as officer:
        assert officer.post(f"{server.url}/api/counters/5/open", timeout=10).status_code == 200
    with server.session() as http:
        ahead = [issue(http, server, ids["PASPOR-GANTI"]), issue(http, server, ids["PASPOR"]), issue(http, server, ids["PASPOR-GANTI"])]
    assert [t["ahead"] for t in ahead] == [0, 1, 2]  # F001, E001, F002: one line at counter 5

    page = kiosk_page(page_factory, server)
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    card = page.locator(".k-service", has_text="Paspor Baru").inner_text()
    promised = re.search(r"(\d+) menunggu · ± (\d+) menit", card)
    assert promised and promised.group(1) == "3", card  # the line of counter 5, not only Paspor Baru's one
    screenshot(page, "place-kiosk-1080x1920-shared-line-card")
    page.locator(".k-service", has_text="Paspor Baru").tap()
    page.locator("[data-action=take]").tap()
    page.locator("#issued-number").wait_for()
    issued = page.locator(".k-issued").inner_text()
    assert page.locator("#issued-number").inner_text() == "E002"
    assert "Antrean di depan Anda: 3" in issued  # was 1: only E001 of its own service
    assert f"± {promised.group(2)} menit" in issued  # what the card promised
    assert "Anda berikutnya" not in issued
    screenshot(page, "place-kiosk-1080x1920-shared-line")

    page = kiosk_page(page_factory, server, "&lang=en")
    take(page, "Kantor Imigrasi", "Penggantian Paspor")
    issued = page.locator(".k-issued").inner_text()
    assert "People ahead of you: 4" in issued, issued
    assert not INDONESIAN.search(issued.replace(page.locator(".k-sub").first.inner_text(), "")), issued
    screenshot(page, "place-kiosk-1080x1920-shared-line-en")


def test_the_phone_ticket_page_tells_a_booking_its_time_not_that_it_is_next(server, page_factory):
    ids = service_ids(server)
    with server.session("petugas.imigrasi") as officer:
        assert officer.post(f"{server.url}/api/counters/6/open", timeout=10).status_code == 200
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    with server.session() as http:
        day = now.date().isoformat()
        slots = http.get(f"{server.url}/api/bookings/slots", params={"service_id": ids["PASPOR"], "date": day}, timeout=10).json()
        starts = [datetime.fromisoformat(f"{day}T{s['start']}").replace(tzinfo=now.tzinfo) for s in slots.get("slots", []) if s["left"]]
        upcoming = [f"{s:%H:%M}" for s in starts if timedelta(minutes=1) < s - now <= timedelta(minutes=29)]
        if not upcoming:
            pytest.skip("no slot starts within the check-in window this minute")
        booking = http.post(
            f"{server.url}/api/bookings",
            json={
                "service_id": ids["PASPOR"],
                "date": day,
                "start": upcoming[0],
                "name": "Siti",
                "phone": "081234567890",
                "nik": "3201234567890123",
            },
            timeout=10,
        )
        assert booking.status_code == 201, booking.text
    # Checked in at the kiosk as a scanner types the code: the kiosk's ticket screen gives a time.
    stand = kiosk_page(page_factory, server)
    stand.locator("#checkin-open").tap()
    stand.keyboard.type(booking.json()["code"], delay=5)
    stand.keyboard.press("Enter")
    stand.locator("#checkin-number").wait_for()
    with server.session() as http:
        ticket = http.get(f"{server.url}/api/bookings/{booking.json()['token']}", timeout=10).json()["ticket"]
    # The slot, or later when the line ahead is longer (test one left five tickets at these counters).
    around = datetime.fromisoformat(ticket["called_around"]).astimezone(now.tzinfo)
    assert around.strftime("%H:%M") >= upcoming[0]

    shown = stand.locator(".k-checkin-done").inner_text()
    said = [f"Dipanggil sekitar pukul {at:%H.%M} WIB" for at in (around - timedelta(minutes=1), around)]
    assert any(s in shown for s in said) and "Antrean di depan Anda" not in shown, shown
    screenshot(stand, "place-kiosk-1080x1920-checkin-before-its-slot")

    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/t/{ticket['token']}")
    page.locator("#live-state", has_text="Terhubung").wait_for()
    status = page.locator("#t-status").inner_text()
    # Estimated again for the page a moment later: on a busy machine that moment may be a minute on.
    later = around + timedelta(minutes=1)
    assert any(f"Dipanggil sekitar pukul {at:%H.%M} WIB" in status for at in (around, later)), status
    assert "Anda berikutnya" not in status
    screenshot(page, "place-phone-360x740-booking-before-its-slot")
    tap_language(page)
    status = page.locator("#t-status").inner_text()
    assert any(f"Called at about {at:%H:%M} WIB" in status for at in (around, later)) and not INDONESIAN.search(status), status
    screenshot(page, "place-phone-360x740-booking-before-its-slot-en")


def test_a_service_with_no_open_counter_says_so_on_kiosk_phone_and_tv(server, page_factory):
    ids = service_ids(server)
    with server.session() as http:
        issue(http, server, ids["PKB"])  # Samsat: counters 7 and 8 stay closed

    page = kiosk_page(page_factory, server)
    page.locator(".k-agency", has_text="Samsat").tap()
    card = page.locator(".k-service", has_text="Pajak Kendaraan")
    assert "Belum ada loket yang buka" in card.inner_text() and "Tidak ada antrean" not in card.inner_text()
    assert "±" not in card.inner_text()
    screenshot(page, "place-kiosk-1080x1920-no-counter-card")
    assert blocking_violations(page) == []
    card.tap()
    page.locator("[data-action=take]").tap()
    issued = page.locator(".k-issued")
    issued.wait_for()
    text = issued.inner_text()
    assert "Belum ada loket yang buka" in text and "Antrean di depan Anda: 1" in text
    assert "Anda berikutnya" not in text and "menit" not in text.replace("perkiraan waktu tunggu muncul", "")
    screenshot(page, "place-kiosk-1080x1920-no-counter-ticket")
    assert blocking_violations(page) == []

    phone = page_factory(360, 740, has_touch=True, is_mobile=True)
    phone.goto(f"{server.url}/ambil/")
    phone.locator(".k-agency", has_text="Samsat").tap()
    assert "Belum ada loket yang buka" in phone.locator(".k-service", has_text="Pajak Kendaraan").inner_text()
    phone.locator(".k-service", has_text="Pajak Kendaraan").tap()
    phone.locator("[data-action=take]").tap()
    phone.wait_for_url("**/t/*")
    phone.locator("#t-no-counter").wait_for()
    assert "Antrean di depan Anda: 2" in phone.locator("#t-status").inner_text()
    screenshot(phone, "place-phone-360x740-no-counter")
    assert blocking_violations(phone) == []
    tap_language(phone)
    status = phone.locator("#t-status").inner_text()
    assert "No counter is open yet" in status and not INDONESIAN.search(status), status
    screenshot(phone, "place-phone-360x740-no-counter-en")

    tv = page_factory(1920, 1080)
    tv.goto(f"{server.url}/display/")
    row = tv.locator(f".w-row[data-service-id='{ids['PKB']}']")
    row.wait_for(state="attached")  # the list may page it: the mark is on the row whichever page shows
    assert row.locator(".w-note").inner_text() == "*"
    assert tv.locator("#waiting-legend").inner_text() == "* belum ada loket buka"
    screenshot(tv, "place-tv-1920x1080-no-counter")
    assert blocking_violations(tv) == []
    small = page_factory(1280, 720)
    small.goto(f"{server.url}/display/?lang=en")
    small.locator(f".w-row[data-service-id='{ids['PKB']}'] .w-note").wait_for(state="attached")
    small.locator("#waiting-legend", has_text="no counter open yet").wait_for()
    screenshot(small, "place-tv-1280x720-no-counter-en")
    db = connect(server.db_path)
    try:
        db.execute("UPDATE displays SET layout = 'portrait' WHERE name = 'lobi'")
    finally:
        db.close()
    tall = page_factory(1080, 1920)
    tall.goto(f"{server.url}/display/?display=lobi")
    tall.locator(f".w-row[data-service-id='{ids['PKB']}'] .w-note").wait_for(state="attached")
    screenshot(tall, "place-tv-1080x1920-portrait-no-counter")

    # The officer opens counter 7: the phone's ticket learns it without a reload, and the TV row clears.
    with server.session("petugas.samsat") as officer:
        assert officer.post(f"{server.url}/api/counters/7/open", timeout=10).status_code == 200
    phone.locator("#t-no-counter").wait_for(state="detached", timeout=5000)
    assert "ahead of you" in phone.locator("#t-status").inner_text().lower()
    tv.locator(f".w-row[data-service-id='{ids['PKB']}'] .w-note").wait_for(state="detached", timeout=5000)


def test_a_service_set_to_wait_for_a_counter_refuses_at_the_kiosk_until_one_opens(server, page_factory):
    ids = service_ids(server)
    db = connect(server.db_path)
    try:
        db.execute("UPDATE services SET requires_open_counter = 1 WHERE id = ?", (ids["SIM"],))
    finally:
        db.close()
    page = kiosk_page(page_factory, server)
    page.locator(".k-agency", has_text="Kepolisian").tap()
    card = page.locator(".k-service", has_text="Perpanjangan SIM")
    assert "Belum ada loket yang buka" in card.inner_text()
    card.tap()
    refusal = page.locator(".k-refusal")
    assert refusal.get_attribute("data-code") == "no_counter_open"
    assert "setelah petugas membuka loket" in refusal.inner_text()
    assert page.locator("[data-action=take]").count() == 0
    assert "kembali" not in refusal.inner_text()  # not sent away until tomorrow: a counter may open any minute
    screenshot(page, "place-kiosk-1080x1920-waits-for-a-counter")
    assert blocking_violations(page) == []
    tap_language(page)
    assert not INDONESIAN.search(page.locator(".k-refusal").inner_text()), page.locator(".k-refusal").inner_text()
    screenshot(page, "place-kiosk-1080x1920-waits-for-a-counter-en")


def test_an_english_kiosk_words_a_closed_services_hours_itself(server, page_factory):
    ids = service_ids(server)
    today = datetime.now(ZoneInfo("Asia/Jakarta"))
    opens, closes = ("00:00", "00:01") if today.hour * 60 + today.minute >= 5 else ("23:58", "23:59")
    db = connect(server.db_path)
    try:
        sql = "UPDATE service_hours SET opens = ?, closes = ? WHERE weekday = ? AND service_id = ?"
        db.execute(sql, (opens, closes, today.weekday(), ids["SKCK"]))
    finally:
        db.close()
    page = kiosk_page(page_factory, server, "&lang=en")
    page.locator(".k-agency", has_text="Kepolisian").tap()
    card = page.locator(".k-service", has_text="SKCK").inner_text()
    assert f"Hours: {opens}–{closes}" in card and not INDONESIAN.search(card.replace("Surat Keterangan Catatan Kepolisian", "")), card
    assert "Layanan" not in card and "Jam" not in card
    screenshot(page, "place-kiosk-1080x1920-closed-hours-en")
