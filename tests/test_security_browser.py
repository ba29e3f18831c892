"""Every screen works under the Content-Security-Policy in a real Chromium: no violation, no page error."""

import pytest
import requests

from conftest import KIOSK, KIOSK_KEY, PASSWORD, screenshot

pytestmark = pytest.mark.browser

SCREENS = [
    ("kiosk", f"/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}", 1080, 1920, "#screen"),
    ("kiosk-landscape", f"/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}", 1920, 1080, "#screen"),
    ("display", "/display/?display=lobi", 1920, 1080, "#conn[data-state='connected']"),
    ("display-720p", "/display/?display=lobi", 1280, 720, "#conn[data-state='connected']"),
    ("display-portrait", "/display/?display=lobi", 1080, 1920, "#conn[data-state='connected']"),
    ("phone-ticket", "/ambil/", 360, 740, "body"),
    ("phone-complaint", "/aduan/", 360, 740, "form"),
    ("survey-tablet", "/survey/?counter=1", 1280, 800, "#view-message:not([hidden])"),
    ("counter-home", "/counter/", 1366, 768, "body"),
    ("admin", "/admin/", 1366, 768, "body"),
    ("admin-ikm", "/admin/ikm", 1366, 768, "#login-form"),
]


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text or m.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return problems


@pytest.mark.parametrize(("name", "path", "width", "height", "ready"), SCREENS)
def test_each_screen_runs_under_the_content_security_policy(live_server, page_factory, name, path, width, height, ready):
    page = page_factory(width, height)
    problems = watch(page)
    page.goto(live_server.url + path)
    page.locator(ready).first.wait_for()
    page.wait_for_timeout(500)
    screenshot(page, f"csp-{name}-{width}x{height}")
    assert not [p for p in problems if "Content Security Policy" in p or "Error" in p], problems


def test_the_ticket_page_and_the_officer_console_run_under_the_policy(live_server, page_factory):
    base = live_server.url
    ticket = requests.post(base + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    phone = page_factory(360, 740)
    problems = watch(phone)
    phone.goto(ticket["status_url"] if ticket["status_url"].startswith("http") else base + ticket["status_url"])
    phone.locator("svg").first.wait_for()
    screenshot(phone, "csp-ticket-page-360x740")
    console = page_factory(1366, 768)
    problems += watch(console)
    console.request.post(base + "/api/login", data={"username": "petugas.dukcapil", "password": PASSWORD})
    console.goto(base + "/counter/1")
    console.locator("[data-action='next']").wait_for()
    console.locator("[data-action='open']").click()
    console.locator("[data-action='next']").click()
    console.get_by_text(ticket["number"]).first.wait_for()
    screenshot(console, "csp-counter-console-1366x768")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_an_admin_opts_in_to_officer_names_on_the_public_counter_list(live_server, page_factory):
    base = live_server.url
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(base + "/api/counters/1/open", timeout=10).status_code == 200
    public = {c["id"]: c for c in requests.get(base + "/api/counters", timeout=10).json()}
    assert public[1]["officer"] is None
    page = page_factory(1366, 768)
    page.goto(base + "/admin/")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav:not([hidden])")
    box = page.locator("input[name=public_officer_names]")
    assert not box.is_checked()
    box.check()
    page.click("form.form button[type=submit]")
    page.get_by_text("Profil tersimpan.").wait_for()
    box.scroll_into_view_if_needed()
    screenshot(page, "admin-profile-officer-names-1366x768")
    public = {c["id"]: c for c in requests.get(base + "/api/counters", timeout=10).json()}
    assert public[1]["officer"] == "Petugas Dukcapil"
