"""The kiosk in Chromium, as a citizen meets it: by touch on a portrait screen, and the states that refuse a ticket."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import KIOSK_KEY, LiveServer, free_port, screenshot
from loket import pairing
from loket.db import connect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: starting one costs seconds, and each test uses its own services."""
    live = LiveServer(tmp_path_factory.mktemp("kiosk-browser") / "live.db").start()
    yield live
    live.stop()


def edit_db(server: LiveServer, sql: str, params: tuple = ()) -> None:
    db = connect(server.db_path)
    try:
        db.execute(sql, params)
    finally:
        db.close()


def kiosk_page(page_factory, server, width: int, height: int, query: str = ""):
    page = page_factory(width, height, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1{query}#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    return page


def test_a_citizen_takes_a_ticket_by_touch_on_a_portrait_kiosk(server, page_factory):
    page = kiosk_page(page_factory, server, 1080, 1920, "&ticket_seconds=4")
    screenshot(page, "kiosk-portrait-1080x1920-agencies")
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    page.locator(".k-service", has_text="Paspor Baru").tap()
    # The standard comes before the ticket: what to bring, what it costs.
    assert "Akta kelahiran" in page.locator(".k-standard").inner_text()
    assert "Rp350.000" in page.locator(".k-standard").inner_text()
    screenshot(page, "kiosk-portrait-1080x1920-service")
    page.locator("[data-action=take]").tap()
    number = page.locator("#issued-number")
    number.wait_for()
    assert number.inner_text() == "E001"
    assert page.locator(".k-issued-qr svg.qr").count() == 1
    assert "ambil tiket Anda" in page.locator(".k-print").inner_text()
    screenshot(page, "kiosk-portrait-1080x1920-ticket")
    # Left alone, the ticket screen goes back to the start for the next citizen.
    page.locator(".k-home").wait_for(timeout=8000)
    assert page.locator(".k-agency", has_text="Kantor Imigrasi").inner_text().count("1 menunggu") == 1


def test_the_search_finds_a_service_by_a_word_typed_on_the_screen_keyboard(server, page_factory):
    page = kiosk_page(page_factory, server, 1080, 1920)
    page.locator("#search").tap()
    for key in "NPWP":
        page.locator(f"#keyboard [data-key={key}]").tap()
    results = page.locator("#results .k-service")
    results.first.wait_for()
    assert results.count() == 1 and "Pendaftaran NPWP" in results.first.inner_text()
    screenshot(page, "kiosk-portrait-search")
    results.first.tap()
    assert "Surat keterangan usaha" in page.locator(".k-standard").inner_text()


def test_a_priority_ticket_asks_for_the_reason(server, page_factory):
    page = kiosk_page(page_factory, server, 1920, 1080)
    page.locator(".k-agency", has_text="BPJS Kesehatan").tap()
    page.locator(".k-service", has_text="Pendaftaran Peserta JKN").tap()
    page.locator("[data-action=priority]").tap()
    screenshot(page, "kiosk-landscape-priority")
    page.locator("[data-reason=elderly]").tap()
    page.locator("#issued-number").wait_for()
    assert page.locator("#issued-number").inner_text() == "L001"
    assert page.locator(".k-issued .k-t-priority").is_visible()
    screenshot(page, "kiosk-landscape-1920x1080-ticket")


def test_quota_reached_is_shown_and_no_ticket_can_be_taken(server, page_factory):
    edit_db(server, "UPDATE services SET daily_quota = 0 WHERE code = 'ROYA'")
    page = kiosk_page(page_factory, server, 1080, 1920)
    page.locator(".k-agency", has_text="Kantor Pertanahan").tap()
    card = page.locator(".k-service", has_text="Roya")
    assert "Kuota hari ini sudah habis" in card.inner_text()
    card.tap()
    refusal = page.locator(".k-refusal[data-code=quota_reached]")
    # Said once, then what the citizen needs: when to come back (the demo opens at 00:00 every day).
    refusal.locator(".k-opening-when").wait_for()
    text = refusal.inner_text()
    assert text.count("Kuota") == 1
    assert "Silakan datang kembali besok" in text
    assert "mulai pukul 00:00 WIB" in text
    assert page.locator("[data-action=take]").count() == 0
    screenshot(page, "kiosk-portrait-quota-reached")


def test_a_service_closed_by_its_hours_says_when_it_opens(server, page_factory):
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta"))
    minute = today.hour * 60 + today.minute
    # Hours that have already ended today (or not begun, just after midnight).
    opens, closes = ("00:00", "00:01") if minute >= 5 else ("23:58", "23:59")
    edit_db(
        server,
        "UPDATE service_hours SET opens = ?, closes = ? WHERE weekday = ? AND service_id = (SELECT id FROM services WHERE code = 'PBG')",
        (opens, closes, today.weekday()),
    )
    page = kiosk_page(page_factory, server, 1920, 1080)
    page.locator(".k-agency", has_text="Penanaman Modal").tap()
    card = page.locator(".k-service", has_text="Persetujuan Bangunan Gedung")
    assert "Layanan sedang tutup" in card.inner_text()
    assert f"{opens}–{closes}" in card.inner_text()
    card.tap()
    assert f"Jam layanan: {opens}–{closes}" in page.locator(".k-refusal[data-code=service_closed]").inner_text()
    screenshot(page, "kiosk-landscape-service-closed")


def test_a_ticket_refused_at_the_last_moment_shows_the_reason(server, page_factory):
    page = kiosk_page(page_factory, server, 1080, 1920)
    page.locator(".k-agency", has_text="PDAM").tap()
    page.locator(".k-service", has_text="Pasang Baru").tap()
    # Someone else took the last number while this citizen was reading the requirements.
    edit_db(
        server,
        "INSERT INTO closed_dates (date, reason) VALUES (?, 'Cuti bersama')",
        (datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat(),),
    )
    try:
        page.locator("[data-action=take]").tap()
        state = page.locator(".k-state-refused[data-code=closed_today]")
        state.wait_for()
        assert "Cuti bersama" in state.inner_text()
        screenshot(page, "kiosk-portrait-closed-today")
        page.locator(".k-state-refused [data-action=home]").tap()
        page.locator(".k-home").wait_for()
    finally:
        edit_db(server, "DELETE FROM closed_dates")


def test_a_failed_print_keeps_the_number_on_screen_and_offers_a_reprint(server, page_factory):
    edit_db(
        server,
        "INSERT INTO kiosks (name, printer_url, key_hash) VALUES ('kios-rusak', ?, ?)",
        (f"tcp://127.0.0.1:{free_port()}", pairing.digest("kunci-kios-rusak-0123")),
    )
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-rusak#pair=kunci-kios-rusak-0123")
    page.locator(".k-agency", has_text="BPJS Ketenagakerjaan").tap()
    page.locator(".k-service", has_text="Jaminan Hari Tua").tap()
    page.locator("[data-action=take]").tap()
    failed = page.locator(".k-print-failed")
    failed.wait_for()
    assert "Nomor Anda tetap berlaku" in failed.inner_text()
    assert page.locator("#issued-number").inner_text() == "N001"
    assert page.locator(".k-issued-qr svg.qr").count() == 1
    screenshot(page, "kiosk-portrait-print-failed")
    page.locator("[data-action=reprint]").tap()
    page.locator(".k-print-failed").wait_for()
    assert page.locator("#issued-number").inner_text() == "N001"


def test_the_attract_screen_appears_when_idle_and_a_touch_wakes_it(server, page_factory):
    page = kiosk_page(page_factory, server, 1080, 1920, "&attract=2")
    attract = page.locator("#attract")
    attract.wait_for(state="visible", timeout=6000)
    screenshot(page, "kiosk-portrait-attract")
    page.touchscreen.tap(540, 960)
    attract.wait_for(state="hidden")
    page.wait_for_timeout(600)
    # The wake tap only wakes: the agency card under the finger is not opened.
    assert page.locator(".k-home").is_visible()
    assert page.locator(".k-agency-view").count() == 0
    assert page.locator(".k-agency").count() == 10


def test_a_lost_server_shows_mohon_tunggu_and_the_kiosk_heals_itself(server, page_factory):
    # Last in the module: it stops the shared server and starts it again on the same port and database.
    page = kiosk_page(page_factory, server, 1080, 1920)
    server.stop()
    offline = page.locator("#offline")
    offline.wait_for(state="visible", timeout=10000)
    assert "Mohon tunggu" in offline.inner_text()
    screenshot(page, "kiosk-portrait-offline")
    server.start()
    offline.wait_for(state="hidden", timeout=15000)
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    assert page.locator(".k-service").count() == 2


def test_a_kiosk_pc_paired_once_issues_and_prints_from_the_plain_kiosk_address(server, page_factory):
    """The pairing link's key stays in the PC's localStorage (and leaves the address bar); /kiosk/ then is kios-1."""
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    assert "#pair" not in page.url
    page.goto(f"{server.url}/kiosk/")
    page.locator(".k-agency", has_text="Kepolisian").tap()
    page.locator(".k-service", has_text="SKCK").tap()
    page.locator("[data-action=take]").tap()
    page.locator("#issued-number").wait_for()
    tokens = page.evaluate("() => Object.keys(localStorage)")
    assert "loket.kiosk.pairing" in tokens
    db = connect(server.db_path)
    try:
        kiosk_id, source = db.execute("SELECT kiosk_id, source FROM tickets ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.close()
    assert (kiosk_id, source) == (1, "kiosk")


def test_an_unpaired_kiosk_says_so_and_issues_nothing(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1")
    page.locator(".k-agency").first.wait_for()
    assert "belum dipasangkan" in page.locator("#kiosk-note").inner_text()
    page.locator(".k-agency", has_text="Kepolisian").tap()
    page.locator(".k-service", has_text="SKCK").tap()
    page.locator("[data-action=take]").tap()
    page.locator(".k-state-refused").wait_for()
    assert "belum dipasangkan" in page.locator(".k-state-refused").inner_text()
    screenshot(page, "kiosk-portrait-not-paired")
