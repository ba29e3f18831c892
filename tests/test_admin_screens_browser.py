"""The admin as issue 13's walk-through met it, by keyboard and mouse at 1366×768 in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, screenshot

pytestmark = pytest.mark.browser


def log_in(page, url: str) -> None:
    page.goto(url)
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_keluar_is_hidden_until_someone_logs_in(live_server, page_factory):
    page = page_factory(1366, 768)
    page.goto(live_server.url + "/admin/")
    page.locator("#login-form").wait_for()
    assert not page.locator("#logout").is_visible()
    screenshot(page, "issue13-admin-login-1366x768")
    log_in(page, live_server.url + "/admin/")
    expect(page.locator("#logout")).to_be_visible()


def test_a_section_clicked_right_after_login_is_not_overwritten_by_the_default(live_server, page_factory):
    page = page_factory(1366, 768)
    log_in(page, live_server.url + "/admin/")
    page.locator("#nav button[data-section=services]").click()
    expect(page.locator("#view h1")).to_have_text("Layanan")
    page.wait_for_timeout(800)
    expect(page.locator("#view h1")).to_have_text("Layanan")


def test_a_new_service_starts_with_the_usual_hours_and_warns_when_it_has_none(live_server, page_factory, playwright_browser):
    # An admin whose browser is set to US English still reads 24-hour times.
    context = playwright_browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url + "/admin/#services")
        page.locator("#add").click()
        rows = page.locator(".hours-row")
        expect(rows).to_have_count(7)
        # The demo MPP opens every day 00:00–24:00: a new service starts the same, not closed everywhere.
        assert page.locator(".hours-row input[type=checkbox]:checked").count() == 7
        assert rows.nth(0).locator("input[data-time]").nth(0).input_value() == "00:00"
        assert rows.nth(0).locator("input[data-time]").nth(1).input_value() == "24:00"
        assert page.locator(".hours-row input[type=time]").count() == 0
        page.select_option("[data-name=agency_id] select", index=0)
        page.get_by_label("Kode layanan").fill("UJI")
        page.get_by_label("Nama layanan", exact=True).fill("Layanan Uji")
        page.get_by_label("Awalan nomor (mis. A)").fill("a b")
        page.click("form.form button[type=submit]")
        error = page.locator("[data-name=prefix] .field-error")
        expect(error).to_contain_text("Awalan nomor")
        assert "prefix" not in error.inner_text()
        screenshot(page, "issue13-admin-field-label-error-1366x768")
        page.get_by_label("Awalan nomor (mis. A)").fill("UJ")
        for box in page.locator(".hours-row input[type=checkbox]").all():
            box.uncheck()
        expect(page.locator(".hours-warning")).to_contain_text("tutup setiap hari")
        page.click("form.form button[type=submit]")
        expect(page.locator("form.form .form-error")).to_contain_text("belum punya jam layanan")
        screenshot(page, "issue13-admin-no-hours-warning-1366x768")
        rows.nth(0).locator("input[type=checkbox]").check()
        rows.nth(0).locator("input[data-time]").nth(0).fill("730")
        rows.nth(0).locator("input[data-time]").nth(0).press("Tab")
        assert rows.nth(0).locator("input[data-time]").nth(0).input_value() == "07:30"
        rows.nth(0).locator("input[data-time]").nth(1).fill("15:00")
        page.click("form.form button[type=submit]")
        row = page.locator("table.data tr", has_text="Layanan Uji")
        expect(row).to_contain_text("Sen 07:30–15:00")
    finally:
        context.close()


def test_every_admin_form_control_has_the_label_the_admin_reads(live_server, page_factory):
    page = page_factory(1366, 768)
    log_in(page, live_server.url + "/admin/#services")
    page.locator("#add").click()
    page.locator("form.form").wait_for()
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('form.form input, form.form select, form.form textarea')]
          .filter((n) => !(n.labels?.length || n.getAttribute('aria-label') || n.getAttribute('aria-labelledby'))).map((n) => n.outerHTML)
        """
    )
    assert unnamed == []
    expect(page.get_by_label("Kuota harian (kosong = tanpa batas)")).to_be_visible()


def test_the_admin_speaks_english_when_asked(live_server, page_factory):
    page = page_factory(1366, 768)
    log_in(page, live_server.url + "/admin/")
    page.locator("#nav:not([hidden])").wait_for()
    page.locator("#lang").click()
    page.wait_for_load_state()
    page.locator("#nav:not([hidden])").wait_for()
    expect(page.locator("#nav button[data-section=services]")).to_have_text("Services")
    expect(page.locator("#logout")).to_have_text("Log out")
    page.locator("#nav button[data-section=services]").click()
    page.locator("#add").click()
    expect(page.get_by_label("Number prefix (e.g. A)")).to_be_visible()
    expect(page.locator(".hours-row").first).to_contain_text("Monday")
    screenshot(page, "issue13-admin-services-en-1366x768")
    page.goto(live_server.url + "/admin/reports")
    expect(page.locator("#reports h1")).to_have_text("Service report")
    assert page.request.get(live_server.url + "/favicon.ico").ok
    page.locator("#lang").click()


def test_the_agency_form_previews_the_kiosk_badge_with_a_readable_text_colour(live_server, page_factory):
    page = page_factory(1366, 768)
    log_in(page, live_server.url + "/admin/#agencies")
    page.locator("table.data tr", has_text="SAMSAT").get_by_role("button").click()
    preview = page.locator(".badge-preview")
    expect(preview).to_have_text("SAMSAT")
    assert preview.evaluate("(n) => getComputedStyle(n).color") == "rgb(20, 32, 43)"  # dark on Samsat's orange
    page.get_by_label("Kode singkat di lencana kios (maks. 8, mis. BPJS-K)").fill("SAM")
    expect(preview).to_have_text("SAM")
    page.locator('[data-name="color"] input').evaluate("(n) => { n.value = '#0b5394'; n.dispatchEvent(new Event('input')); }")
    assert preview.evaluate("(n) => getComputedStyle(n).color") == "rgb(255, 255, 255)"
    screenshot(page, "issue13-admin-badge-preview-1366x768")
