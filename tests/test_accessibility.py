"""axe-core (from npm, a dev dependency) on every screen, as its users meet it: zero critical, zero serious."""

from __future__ import annotations

import json

import pytest
import requests

from conftest import KIOSK, KIOSK_KEY, PASSWORD, ROOT, LiveServer, copy_demo, screenshot

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"critical", "serious"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    """One server for the module: every screen is read-only here except the tickets it issues."""
    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("a11y") / "live.db")).start()
    admin = live.session("admin")
    profile = admin.get(live.url + "/api/admin/profile", timeout=10).json()["profile"]
    assert admin.put(live.url + "/api/admin/profile", json={**profile, "self_priority": True}, timeout=10).status_code == 200
    yield live
    live.stop()


def blocking_violations(page) -> list[str]:
    """Run axe on the page as it is now; the critical and serious findings, one line each."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the browser's debugging protocol: the page's CSP (no inline script) rightly
        # refuses a script tag, and the check is of the page, not of the policy.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    found = []
    for v in json.loads(result)["violations"]:
        if v["impact"] in BLOCKING:
            targets = "; ".join(" ".join(n["target"]) + " — " + n["failureSummary"].replace("\n", " ")[:160] for n in v["nodes"][:4])
            found.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}): {targets}")
    return found


KIOSK_TARGET = 57  # 15 mm on a 1080p kiosk panel

SMALL_TARGETS = """(minimum) => [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, summary')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => {
    const own = el.getBoundingClientRect();
    const label = el.closest('label');
    const box = (el.type === 'radio' || el.type === 'checkbox') && label ? label.getBoundingClientRect() : own;
    return { what: el.outerHTML.slice(0, 90), w: Math.round(box.width), h: Math.round(box.height),
             ownW: Math.round(own.width), ownH: Math.round(own.height) };
  })
  .filter((t) => t.w < minimum || t.h < minimum || ((t.ownW < 40 || t.ownH < 40) && t.what.startsWith('<input')))"""


def check(page, name: str, problems: dict, touch: bool = False) -> None:
    screenshot(page, f"a11y-{name}")
    found = blocking_violations(page)
    if touch:
        found += [f"touch target under {KIOSK_TARGET}px: {t}" for t in page.evaluate(SMALL_TARGETS, KIOSK_TARGET)]
    if found:
        problems[name] = found


def assert_clean(problems: dict) -> None:
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in problems.items())


def login_context(page, server, username: str) -> None:
    response = page.request.post(server.url + "/api/login", data={"username": username, "password": PASSWORD})
    assert response.ok, response.text()


@pytest.mark.parametrize(("layout", "width", "height"), [("portrait", 1080, 1920), ("landscape", 1920, 1080)])
def test_every_kiosk_screen_has_no_serious_accessibility_violation(server, page_factory, layout, width, height):
    problems: dict = {}
    page = page_factory(width, height, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1&layout={layout}&idle=600&attract=600&ticket_seconds=600#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    check(page, f"kiosk-home-{layout}", problems, touch=True)
    page.locator("#search").click()
    page.locator("#keyboard").wait_for()
    check(page, f"kiosk-keyboard-{layout}", problems, touch=True)
    page.locator("[data-action=close-keyboard]").click()
    page.locator(".k-agency").first.click()
    page.locator(".k-service").first.wait_for()
    check(page, f"kiosk-agency-{layout}", problems, touch=True)
    page.locator(".k-service").first.click()
    page.locator("[data-action=take]").wait_for()
    check(page, f"kiosk-service-{layout}", problems, touch=True)
    page.locator("[data-action=priority]").click()
    page.locator(".k-reason").first.wait_for()
    check(page, f"kiosk-priority-{layout}", problems, touch=True)
    page.locator("[data-action=back-service]").click()
    page.locator("[data-action=take]").click()
    page.locator("#issued-number").wait_for()
    check(page, f"kiosk-ticket-{layout}", problems, touch=True)
    page.goto(f"{server.url}/aduan/?from=kiosk&kiosk=kios-1")
    page.locator("form").first.wait_for()
    check(page, f"kiosk-complaint-{layout}", problems, touch=True)
    assert_clean(problems)


def test_phone_ticket_and_tracking_screens_have_no_serious_accessibility_violation(server, page_factory):
    problems: dict = {}
    page = page_factory(360, 740, is_mobile=True, has_touch=True)
    page.goto(server.url + "/ambil/")
    page.locator(".k-agency").first.wait_for()
    check(page, "phone-home", problems)
    page.locator(".k-agency").first.click()
    page.locator(".k-service").first.click()
    page.locator("[data-action=take]").wait_for()
    check(page, "phone-service", problems)
    page.locator("[data-action=take]").click()
    page.wait_for_url("**/t/**")
    page.locator("#t-number").wait_for()
    page.wait_for_timeout(300)
    check(page, "phone-ticket", problems)
    token = page.url.rsplit("/", 1)[1]
    page.goto(f"{server.url}/survey/?ticket={token}")
    page.wait_for_timeout(800)
    check(page, "phone-survey", problems)
    page.goto(f"{server.url}/aduan/?ticket={token}")
    page.locator("#ticket-note").wait_for()
    check(page, "phone-complaint-form", problems)
    filed = requests.post(server.url + "/api/complaints", json={"kind": "suggestion", "text": "Antrean terlalu lama."}, timeout=10)
    assert filed.status_code == 201, filed.text
    page.goto(f"{server.url}/aduan/{filed.json()['code']}")
    page.locator("#status-card").wait_for()
    check(page, "phone-complaint-tracking", problems)
    assert_clean(problems)


def test_display_survey_tablet_and_landing_have_no_serious_accessibility_violation(server, page_factory):
    problems: dict = {}
    page = page_factory(1920, 1080)
    page.goto(server.url + "/")
    check(page, "landing", problems)
    page.goto(server.url + "/display/?display=lobi")
    page.wait_for_timeout(1200)
    check(page, "display-1920x1080", problems)
    tablet = page_factory(1280, 800, has_touch=True)
    login_context(tablet, server, "petugas.dukcapil")
    # the counter tablet is paired by an admin before it takes answers
    tablet.goto(server.session("admin").post(server.url + "/api/survey/tablets/1/pair", timeout=10).json()["pair_url"])
    tablet.locator("#link.on").wait_for()
    check(tablet, "survey-tablet", problems, touch=True)
    officer = server.session("petugas.dukcapil")
    assert officer.post(server.url + "/api/counters/1/open", timeout=10).status_code == 200
    ticket = officer.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    while officer.post(server.url + "/api/counters/1/call-next", timeout=10).json()["ticket"]["id"] != ticket["id"]:
        assert officer.post(server.url + "/api/counters/1/complete", timeout=10).status_code == 200
    assert officer.post(server.url + "/api/counters/1/complete", timeout=10).status_code == 200
    tablet.locator("#view-question").wait_for()
    check(tablet, "survey-tablet-question", problems, touch=True)
    phone = page_factory(360, 740, is_mobile=True, has_touch=True)
    phone.goto(f"{server.url}/survey/?ticket={ticket['token']}")
    phone.locator("#view-question").wait_for()
    check(phone, "survey-phone-question", problems)
    assert_clean(problems)


def test_counter_screens_have_no_serious_accessibility_violation(server, page_factory):
    problems: dict = {}
    page = page_factory(1366, 768)
    page.goto(server.url + "/counter/")
    page.locator("#username").wait_for()
    check(page, "counter-login", problems)
    page.fill("#username", "petugas.dukcapil")
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.locator("#counter-list button[data-id='1']").wait_for()
    check(page, "counter-choice", problems)
    page.click("#counter-list button[data-id='1']")
    page.wait_for_url("**/counter/1")
    page.locator("#connection").wait_for()
    page.wait_for_timeout(800)
    check(page, "counter-console", problems)
    boss = page_factory(1366, 768)
    login_context(boss, server, "supervisor.dukcapil")
    boss.goto(server.url + "/counter/supervisor")
    boss.wait_for_timeout(1000)
    check(boss, "counter-supervisor", problems)
    assert_clean(problems)


ADMIN_SECTIONS = ["profile", "agencies", "services", "counters", "kiosks", "displays", "breaks", "closed-dates", "users", "audit"]
ADMIN_PAGES = [("/admin/reports", "reports"), ("/admin/reports/recap", "recap"), ("/admin/ikm", "ikm"), ("/admin/complaints", "complaints")]


def test_admin_sections_reports_and_staff_complaints_have_no_serious_accessibility_violation(server, page_factory):
    problems: dict = {}
    page = page_factory(1366, 768)
    page.goto(server.url + "/admin/")
    page.locator("#login-form").wait_for()
    check(page, "admin-login", problems)
    login_context(page, server, "admin")
    for section in ADMIN_SECTIONS:
        page.goto(f"{server.url}/admin/?section={section}#{section}")
        page.locator("#view > *").first.wait_for()
        page.wait_for_timeout(200)
        check(page, f"admin-{section}", problems)
        if section == "audit":
            page.goto(f"{server.url}/admin/?section=exchange#exchange")
            page.locator("#view h1").wait_for()
            check(page, "admin-exchange", problems)
        if page.locator("#add").count():
            page.click("#add")
            page.locator("form.form").wait_for()
            check(page, f"admin-{section}-form", problems)
    for path, name in ADMIN_PAGES:
        page.goto(server.url + path)
        page.wait_for_timeout(1200)
        check(page, f"admin-{name}", problems)
    assert_clean(problems)
