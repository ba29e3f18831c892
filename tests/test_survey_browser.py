"""A citizen rates a completed ticket on the counter's survey tablet, in a real Chromium."""

import pytest

from conftest import KIOSK, PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_citizen_rates_the_ticket_the_officer_just_completed(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    base = live_server.url
    assert officer.post(base + "/api/counters/1/open", timeout=10).status_code == 200
    ticket = officer.post(base + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    assert officer.post(base + "/api/counters/1/call-next", timeout=10).json()["ticket"]["number"] == ticket["number"]

    page = page_factory(1280, 800)
    page.goto(base + "/survey/?counter=1")
    page.locator("#view-message").wait_for()
    assert "belum dipasangkan" in page.locator("#message").inner_text()
    screenshot(page, "survey-unpaired-1280x800")
    admin = live_server.session("admin")
    pair_url = admin.post(base + "/api/survey/tablets/1/pair", timeout=10).json()["pair_url"]
    page.goto(pair_url)
    page.wait_for_function("() => !location.hash")
    page.locator("#link.on").wait_for()
    assert page.locator("#view-idle").is_visible()
    assert page.locator("#where").inner_text() == "Loket 1"
    screenshot(page, "survey-idle-1280x800")

    assert officer.post(base + "/api/counters/1/complete", timeout=10).status_code == 200
    page.locator("#view-question").wait_for()
    assert ticket["number"] in page.locator("#ticket-label").inner_text()
    assert (
        page.locator("#question").inner_text()
        == "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?"
    )
    assert page.locator(".sv-option").all_inner_texts()[0].endswith("Tidak sesuai")
    screenshot(page, "survey-question-1280x800")

    picks = [4, 3, 4, 4, 3, 4, 4, 2, 3]
    for number, value in enumerate(picks, 1):
        assert page.locator("#progress").inner_text() == f"Pertanyaan {number} dari 9"
        page.locator(f".sv-option[data-value='{value}']").click()
    page.locator("#view-profile").wait_for()
    page.get_by_role("button", name="Perempuan").click()
    page.get_by_role("button", name="D4/S1").click()
    screenshot(page, "survey-profile-1280x800")
    page.get_by_role("button", name="Kirim penilaian").click()
    page.locator("#view-thanks").wait_for()
    screenshot(page, "survey-thanks-1280x800")

    report = admin.get(base + "/api/reports/ikm?agency_id=1", timeout=10).json()
    assert report["respondents"] == 1
    assert [e["sum"] for e in report["elements"]] == picks
    assert report["profile"]["sex"][1] == {"value": "P", "label": "Perempuan", "label_en": "Female", "count": 1}
    # The tablet cannot rate the same ticket twice, and nobody but the paired tablet may try.
    body = {"counter_id": 1, "ticket_id": ticket["id"], "answers": {"U1": 1}}
    again = page.evaluate(
        "async (body) => (await fetch('/api/survey/answers', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify({...body, tablet_key: localStorage.getItem('loket.survey.tablet.1')})})).status",
        body,
    )
    assert again == 409
    assert officer.post(base + "/api/survey/answers", json=body, timeout=10).status_code == 403

    staff = page_factory(1920, 1080)
    staff.request.post(base + "/api/login", data={"username": "admin", "password": PASSWORD})
    staff.goto(base + "/admin/ikm?agency_id=1")
    assert staff.locator("#respondents").inner_text() == "1"
    assert staff.locator("#ikm-value").inner_text() == "86,11"  # 31 × 25 / 9 = 86.11, grade B
    screenshot(staff, "admin-ikm-1920x1080")
    for s in (officer, admin):
        s.close()


def test_an_admin_pairs_and_unpairs_a_counter_tablet_from_the_admin_page(live_server, page_factory):
    base = live_server.url
    page = page_factory(1366, 768)
    page.goto(base + "/admin/survey-tablets")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    row = page.locator("#tablets tr[data-counter='1']")
    row.wait_for()
    assert "Belum dipasangkan" in row.inner_text()
    row.get_by_role("button", name="Pasangkan tablet").click()
    page.locator("#pair-result").wait_for()
    link = page.locator("#pair-link").inner_text()
    assert link.startswith(base + "/survey/?counter=1#pair=")
    screenshot(page, "admin-survey-tablets-1366x768")
    tablet = page_factory(1280, 800)
    tablet.goto(link)
    tablet.locator("#view-idle").wait_for()
    assert "#pair" not in tablet.url
    row.get_by_role("button", name="Putuskan").click()
    row.get_by_role("button", name="Pasangkan tablet").wait_for()
    tablet.reload()
    tablet.locator("#view-message").wait_for()
