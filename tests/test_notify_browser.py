"""The SMS/WhatsApp opt-in in Chromium: tap only on a 1080×1920 kiosk, and the phone's ticket page."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from test_accessibility import blocking_violations

from conftest import KIOSK_KEY, PASSWORD, LiveServer, copy_demo, screenshot, tap_language

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    """A server whose SMS goes to a gammu-smsd outbox folder (no daemon: nothing leaves)."""
    base = tmp_path_factory.mktemp("notify-browser")
    live = LiveServer(copy_demo(demo_template, base / "live.db"))
    spool = base / "spool"
    for name in ("outbox", "sent", "error"):
        (spool / name).mkdir(parents=True)
    with sqlite3.connect(live.db_path) as conn:
        for key, value in {
            "notify_sms_provider": "gammu",
            "notify_whatsapp_provider": "http",
            "notify_gammu": json.dumps({"outbox": str(spool / "outbox"), "sent": str(spool / "sent"), "error": str(spool / "error")}),
            "notify_http": json.dumps({"url": "http://127.0.0.1:9/send"}),
        }.items():
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
    live.start()
    yield live
    live.stop()


def subscriptions(server) -> list[tuple]:
    with sqlite3.connect(server.db_path) as conn:
        return conn.execute("SELECT phone, channel, stopped_at IS NULL FROM notify_subscriptions ORDER BY id").fetchall()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080)])
def test_a_citizen_asks_for_an_sms_at_the_kiosk_with_taps_only(server, page_factory, width, height):
    page = page_factory(width, height, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1&ticket_seconds=30#pair={KIOSK_KEY}")
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    page.locator(".k-service", has_text="Paspor Baru").tap()
    page.locator("[data-action=take]").tap()
    page.locator("#issued-number").wait_for()
    page.locator(".n-open").tap()
    assert "UU 27/2022" in page.locator(".n-consent").inner_text()
    for digit in "0812345678900" if width < height else "0812345678910":
        page.locator(f".n-key[data-key='{digit}']").tap()
    page.locator(".n-key[data-key='Backspace']").tap()
    assert page.locator("#n-number").inner_text() in ("0812-3456-7890", "0812-3456-7891")
    screenshot(page, f"kiosk-{width}x{height}-notify-pad")
    assert blocking_violations(page) == []
    keys = "[...document.querySelectorAll('.n-key, .n-channel, .n-form .k-btn')]"
    small = page.evaluate(f"() => {keys}.filter((b) => b.getBoundingClientRect().height < 57).length")
    assert small == 0
    page.locator(".n-channel[data-channel=sms]").tap()
    page.locator(".n-form [type=submit]").tap()
    page.locator(".n-on").wait_for()
    assert "0812•••••89" in page.locator(".n-on").inner_text()
    screenshot(page, f"kiosk-{width}x{height}-notify-on")
    assert subscriptions(server)[-1][1:] == ("sms", 1)


def test_a_bad_number_typed_on_the_kiosk_is_explained_where_it_was_typed(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1&ticket_seconds=30#pair={KIOSK_KEY}")
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    page.locator(".k-service", has_text="Paspor Baru").tap()
    page.locator("[data-action=take]").tap()
    page.locator(".n-open").tap()
    for digit in "0212345":
        page.locator(f".n-key[data-key='{digit}']").tap()
    page.locator(".n-form [type=submit]").tap()
    page.locator(".n-error").wait_for()
    assert "0812 3456 7890" in page.locator(".n-error").inner_text()


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1366, 768)])
def test_the_ticket_page_turns_messages_on_and_off(server, page_factory, width, height):
    with server.session() as http:
        token = http.post(f"{server.url}/api/tickets", json={"service_id": 1}, timeout=10).json()["token"]
    page = page_factory(width, height, has_touch=True, is_mobile=width < 500)
    page.goto(f"{server.url}/t/{token}")
    page.locator(".n-open").tap()
    page.locator("#n-number").fill("+62 813-1111-2222")
    page.locator(".n-channel[data-channel=whatsapp]").tap()
    screenshot(page, f"phone-{width}x{height}-notify-form")
    assert blocking_violations(page) == []
    page.locator(".n-form [type=submit]").tap()
    page.locator(".n-on").wait_for()
    assert "0813•••••222" in page.locator(".n-on").inner_text() and "WhatsApp" in page.locator(".n-on").inner_text()
    screenshot(page, f"phone-{width}x{height}-notify-on")
    page.reload()
    page.locator(".n-on").wait_for()  # the page says so after a reload too
    tap_language(page)
    page.locator(".n-stop", has_text="Stop messages").tap()
    page.locator(".n-open").wait_for()
    assert subscriptions(server)[-1][2] == 0


def open_messages_page(page, server) -> None:
    """Administrasi › Pesan, logged in as the admin through the page's own form."""
    page.goto(f"{server.url}/admin/pesan")
    page.locator("#login-form [name=username]").fill("admin")
    page.locator("#login-form [name=password]").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()


def test_the_admin_sets_up_sms_sends_a_test_and_reads_the_log_masked(server, page_factory):
    page = page_factory(1366, 768)
    open_messages_page(page, server)
    page.locator("#channels").wait_for()
    assert page.locator("#channels [name=sms]").input_value() == "gammu"
    page.locator("#channels [type=submit]").click()
    page.locator("#channels [role=status]", has_text="Tersimpan").wait_for()
    page.locator("#test-message [name=phone]").fill("0812 9999 1234")
    page.locator("#test-message [type=submit]").click()
    page.locator("#log td", has_text="0812•••••234").wait_for(timeout=10000)
    assert "081299991234" not in page.content()
    page.locator("#triggers fieldset[data-trigger=turn_near]").wait_for()
    page.locator("#triggers fieldset[data-trigger=called] [name=text_id]").fill("Nomor {number} " + "x" * 160)
    page.locator("#triggers button.primary").click()
    page.locator("#triggers [role=status]", has_text="SMS").wait_for()
    screenshot(page, "admin-1366x768-notify")
    assert blocking_violations(page) == []


def test_the_log_opens_on_the_mpps_day_not_the_browsers_utc_day(server, page_factory):
    """At 01:00 WIB the browser's UTC date is still yesterday; the log and report open on the MPP's today."""
    page = page_factory(1366, 768)
    page.clock.set_fixed_time("2026-12-06T18:00:00Z")  # 01:00 WIB on 7 December
    open_messages_page(page, server)
    page.locator("#log [name=day]").wait_for()
    assert page.locator("#log [name=day]").input_value() == "2026-12-07"
    assert page.locator("#report [name=from]").input_value() == "2026-12-07"


def test_a_booking_asks_consent_beside_the_phone_field(server, page_factory):
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/reservasi/")
    page.locator("[data-agency]", has_text="Samsat").tap()
    page.locator(".b-service", has_text="Pajak Kendaraan").locator("[data-service]").tap()
    page.locator(".b-slot").first.wait_for()
    page.locator(".b-slot:not([disabled])").first.tap()
    page.locator("#f-name").fill("Siti Aminah")
    page.locator("#f-phone").fill("0812 7777 0001")
    consent = page.locator(".b-consent")
    assert "UU 27/2022" in consent.inner_text() and "SMS/WhatsApp" in consent.inner_text()
    consent.locator("input[name=notify]").tap()
    screenshot(page, "booking-phone-360x740-notify-consent")
    assert blocking_violations(page) == []
    page.locator("#details-form [type=submit]").tap()
    page.wait_for_url(re.compile(r"/reservasi/[\w-]{16,}$"))
    with sqlite3.connect(server.db_path) as conn:
        row = conn.execute(
            "SELECT phone, channel, booking_id IS NOT NULL FROM notify_subscriptions WHERE phone = '6281277770001'"
        ).fetchone()
    assert row == ("6281277770001", "sms", 1)
