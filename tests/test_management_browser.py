"""The management day in a real Chromium (issue 24): the officer's two-tap pause, the supervisor
approving a closure, and the lobby TV saying why a counter is paused."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect
from test_accessibility import blocking_violations

from conftest import KIOSK_KEY, PASSWORD, screenshot

pytestmark = pytest.mark.browser


def log_in(page, server, username: str) -> None:
    page.goto(server.url + "/counter/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    # The session exists once the form gives way; a page opened before that would ask to log in again.
    expect(page.locator("#login")).to_be_hidden()


def open_console(page, server, counter_id: int) -> None:
    log_in(page, server, "petugas.dukcapil")
    page.click(f"#counter-list button[data-id='{counter_id}']")
    page.wait_for_url(f"**/counter/{counter_id}")
    expect(page.locator("#connection")).to_have_text("Tersambung")
    expect(page.locator(".state.active")).to_contain_text("Buka")


def test_the_officer_pauses_with_a_reason_in_two_taps(live_server, page_factory):
    page = page_factory(1366, 768)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_console(page, live_server, 1)
    page.click(".states [data-action=pause]")  # tap 1
    expect(page.locator("#reason-options button")).to_have_count(6)
    screenshot(page, "counter-reason-sheet-1366x768")
    assert blocking_violations(page) == []
    page.click("#reason-options button[data-reason=sholat]")  # tap 2
    expect(page.locator(".state.active")).to_contain_text("Istirahat")
    expect(page.locator("#current-service")).to_contain_text("Sholat, kembali ±")
    screenshot(page, "counter-paused-with-reason-1366x768")
    page.goto(live_server.url + "/counter/1?lang=en")
    expect(page.locator("#current-service")).to_contain_text("Prayer, back ±")
    page.click(".states [data-action=close]")
    expect(page.locator("#reason-options")).to_contain_text("System or network problem")
    screenshot(page, "counter-reason-sheet-english-1366x768")
    page.keyboard.press("Escape")
    counter = next(c for c in requests.get(live_server.url + "/api/counters", timeout=10).json() if c["id"] == 1)
    assert (counter["state"], counter["reason"]) == ("paused", "sholat") and counter["until"]
    assert errors == []


def test_the_supervisor_approves_a_closure_live_and_the_officer_hears_it(live_server, page_factory):
    officer = page_factory(1366, 768)
    open_console(officer, live_server, 1)
    supervisor = page_factory(1366, 768)
    log_in(supervisor, live_server, "supervisor.dukcapil")
    supervisor.goto(live_server.url + "/counter/supervisor")
    expect(supervisor.locator("#connection")).to_have_text("Tersambung")
    expect(supervisor.locator("#request-list")).to_contain_text("Tidak ada permintaan")

    officer.click(".states [data-action=close]")
    officer.fill("#reason-note", "Printer blanko rusak")
    officer.click("#reason-options button[data-reason=gangguan_sistem]")  # the rest of the day: a request
    expect(officer.locator("#message")).to_contain_text("menunggu persetujuan supervisor")

    request = supervisor.locator(".sv-request")
    expect(request).to_contain_text("Loket 1")
    expect(request).to_contain_text("Gangguan sistem/jaringan")
    expect(request).to_contain_text("Printer blanko rusak")
    screenshot(supervisor, "supervisor-closure-request-1366x768")
    assert blocking_violations(supervisor) == []
    request.locator("input[name=note]").fill("Silakan, lapor ke TI")
    request.locator("button.approve").click()
    expect(supervisor.locator(".sv-request")).to_have_count(0)
    expect(supervisor.locator(".sv-counter[data-counter='1']")).to_contain_text("Tutup")
    expect(supervisor.locator(".sv-counter[data-counter='1']")).to_contain_text("Gangguan sistem/jaringan")
    expect(officer.locator("#message")).to_contain_text("disetujui")
    expect(officer.locator(".state.active")).to_contain_text("Tutup")
    screenshot(supervisor, "supervisor-after-approval-1366x768")
    screenshot(officer, "counter-closure-approved-1366x768")


def test_the_lobby_tv_says_why_a_counter_is_paused(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(live_server.url + "/api/counters/1/open", timeout=10).ok
    display = page_factory(1920, 1080)
    display.goto(live_server.url + "/display/?display=lobi")
    card = display.locator(".counter-card[data-counter-id='1']")
    expect(card).to_be_visible()
    body = {"reason": "istirahat", "until": "13:00"}
    assert officer.post(live_server.url + "/api/counters/1/pause", json=body, timeout=10).ok
    expect(card).to_contain_text("Istirahat, kembali ±13.00")
    screenshot(display, "display-counter-reason-1920x1080")
    english = page_factory(1920, 1080)
    english.goto(live_server.url + "/display/?display=lobi&lang=en")
    expect(english.locator(".counter-card[data-counter-id='1']")).to_contain_text("Break, back ±13:00")


def test_the_reports_page_draws_attendance_and_standards_with_its_own_svg(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    for path in ("/api/counters/1/open", "/api/counters/2/open"):
        assert officer.post(live_server.url + path, timeout=10).ok
    for _ in range(3):
        requests.post(live_server.url + "/api/tickets", json={"service_id": 1}, timeout=10)
    assert officer.post(live_server.url + "/api/counters/1/call-next", json={}, timeout=10).ok
    assert officer.post(live_server.url + "/api/counters/1/complete", timeout=10).ok
    assert officer.post(live_server.url + "/api/counters/2/pause", json={"reason": "rapat", "until": "23:59"}, timeout=10).ok
    page = page_factory(1366, 768)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/admin/reports")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#reports[data-ready='1']")
    expect(page.locator("#standards-now tbody tr").first).to_be_visible()
    expect(page.locator("#standards-now")).to_contain_text("Perekaman & Pencetakan KTP-el")
    expect(page.locator("#attendance-chart svg rect").first).to_be_attached()
    expect(page.locator("#attendance .table-box")).to_contain_text("rapat")
    expect(page.locator("#standards-chart svg rect.bar").first).to_be_attached()
    for section in ("standards-now", "attendance", "standards-month"):
        page.evaluate(f"document.getElementById('{section}').scrollIntoView({{block: 'start'}})")
        screenshot(page, f"admin-reports-{section}-1366x768")
    assert blocking_violations(page) == []
    assert errors == []


def test_the_kiosk_says_which_counter_of_the_service_is_paused_and_until_when(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(live_server.url + "/api/counters/1/open", timeout=10).ok
    assert officer.post(live_server.url + "/api/counters/2/open", timeout=10).ok
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(f"{live_server.url}/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}")
    page.locator(".k-agency", has_text="Kependudukan").tap()
    page.locator(".k-service", has_text="Perekaman & Pencetakan KTP-el").tap()
    assert officer.post(live_server.url + "/api/counters/2/pause", json={"reason": "sholat", "until": "12:15"}, timeout=10).ok
    expect(page.locator(".k-counter-notes")).to_have_text("Loket 2 — Sholat, kembali ±12.15")
    screenshot(page, "kiosk-counter-reason-1080x1920")
    assert blocking_violations(page) == []
