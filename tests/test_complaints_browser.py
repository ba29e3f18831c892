"""A citizen files a complaint from the ticket page link and follows it by code while staff work on it."""

import pytest
from playwright.sync_api import expect

from conftest import KIOSK, PASSWORD, screenshot

pytestmark = pytest.mark.browser

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def test_citizen_files_from_ticket_link_and_follows_each_step(live_server, page_factory):
    base = live_server.url
    citizen = live_server.session()
    ticket = citizen.post(base + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()

    page = page_factory(390, 844, is_mobile=True, has_touch=True)
    page.goto(f"{base}/aduan/?ticket={ticket['token']}")
    page.locator("#ticket-note").wait_for()
    assert ticket["number"] in page.locator("#ticket-note").inner_text()
    assert page.locator("#agency").input_value() == str(ticket["agency_id"])
    page.get_by_label("Judul (boleh dikosongkan)").fill("Judul " + XSS)
    page.get_by_label("Isi laporan").fill("Petugas meminta uang tambahan. " + XSS)
    page.get_by_text("Perilaku petugas/maladministrasi").click()
    page.get_by_label("Nama (boleh dikosongkan)").fill("Nama " + XSS)
    page.get_by_label("Nomor HP atau e-mail").fill("0812 " + XSS)
    screenshot(page, "complaint-form-390x844")
    page.get_by_role("button", name="Kirim laporan").click()
    page.locator("#done").wait_for()
    code = page.locator("#done-code").inner_text()
    assert code.startswith("ADU-")
    screenshot(page, "complaint-filed-390x844")

    page.get_by_role("link", name="Lihat status laporan").click()
    page.locator("#status-card").wait_for()
    page.locator(".ad-dot.on").wait_for()
    assert page.locator("#status-label").inner_text() == "Diterima"

    admin = live_server.session("admin")
    found = admin.get(base + "/api/complaints", timeout=10).json()["complaints"][0]
    assert found["code"] == code and found["category"] == "misconduct" and found["ticket_number"] == ticket["number"]
    steps = [
        ({"action": "verify"}, "verified", "Diverifikasi"),
        ({"action": "assign", "agency_id": ticket["agency_id"]}, "assigned", "Diteruskan ke instansi"),
        ({"action": "start", "note": "Internal " + XSS}, "in_progress", "Sedang ditindaklanjuti"),
        ({"action": "answer", "answer": "Jawaban " + XSS}, "answered", "Dijawab"),
    ]
    for body, status, label in steps:
        r = admin.post(f"{base}/api/complaints/{found['id']}/steps", json=body, timeout=10)
        assert r.status_code == 200, r.text
        page.locator(f"#timeline li[data-status='{status}']").wait_for()  # pushed live, no reload
        assert page.locator("#status-label").inner_text() == label
    assert page.locator("#timeline li").count() == 5
    assert page.locator("#answer").inner_text() == "Jawaban " + XSS
    body_text = page.locator("body").inner_text()
    assert "Nama <script>" not in body_text and "0812" not in body_text and "Internal" not in body_text
    screenshot(page, "complaint-status-390x844")

    staff = page_factory(1920, 1080)
    assert staff.request.post(base + "/api/login", data={"username": "admin", "password": PASSWORD}).ok
    staff.goto(base + "/admin/complaints")
    staff.locator("#list tbody tr").first.click()
    staff.locator("#detail").wait_for()
    assert staff.locator("#d-title").inner_text() == "Judul " + XSS
    assert staff.locator("#d-who").inner_text().startswith("Nama " + XSS)
    assert XSS in staff.locator("#d-steps").inner_text()
    staff.get_by_role("button", name="Tutup").click()
    staff.get_by_role("button", name="Simpan langkah").click()
    page.locator("#timeline li[data-status='closed']").wait_for()
    expect(staff.locator("#d-status")).to_have_text("Selesai")
    screenshot(staff, "admin-complaints-1920x1080")
    for p in (page, staff):
        assert p.evaluate("window.__xss") is None
    for s in (citizen, admin):
        s.close()
