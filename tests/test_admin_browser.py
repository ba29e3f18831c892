"""The admin in a real Chromium: configure a new agency end to end, see the kiosk offer it live, read a report."""

import csv
import io

import pytest

from conftest import KIOSK, KIOSK_KEY, PASSWORD, screenshot

pytestmark = pytest.mark.browser


def admin_login(page, url, username="admin"):
    page.set_default_timeout(20_000)  # two cores shared with the whole suite
    page.goto(url)
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_admin_creates_agency_service_and_counter_and_the_kiosk_offers_it_live(live_server, page_factory):
    kiosk = page_factory()
    kiosk.set_default_timeout(20_000)
    kiosk.goto(live_server.url + f"/kiosk/?kiosk=kios-1#pair={KIOSK_KEY}")
    kiosk.wait_for_selector("text=Dinas Kependudukan", state="attached")

    page = page_factory()
    admin_login(page, live_server.url + "/admin/")
    page.wait_for_selector("#nav:not([hidden])")
    screenshot(page, "admin-profile-1920x1080")

    page.click("#nav button[data-section=agencies]")
    page.click("#add")
    page.fill("[data-name=code] input", "KUA")
    page.fill("[data-name=name] input", "Kantor Urusan Agama")
    page.fill("[data-name=zone] input", "Lantai 1")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("table.data td:text-is('KUA')")

    page.click("#nav button[data-section=services]")
    page.click("#add")
    page.select_option("[data-name=agency_id] select", label="KUA — Kantor Urusan Agama")
    page.fill("[data-name=code] input", "NIKAH")
    page.fill("[data-name=name] input", "Pendaftaran Nikah")
    page.fill("[data-name=prefix] input", "A")
    page.fill("[data-name=daily_quota] input", "25")
    for row in page.locator(".hours-row").all():
        row.locator("input[type=checkbox]").check()
        row.locator("input[data-time]").nth(0).fill("00:00")
        row.locator("input[data-time]").nth(1).fill("23:59")
    page.fill("[data-name=requirements] textarea", "KTP-el calon pengantin; KK; Surat pengantar kelurahan (N1)")
    page.click("form.form button[type=submit]")
    error = page.locator("[data-name=prefix] .field-error")
    error.wait_for()
    assert "awalan A sudah dipakai" in error.inner_text()
    screenshot(page, "admin-service-inline-error-1920x1080")
    page.fill("[data-name=prefix] input", "NK")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("table.data td:text-is('NIKAH')")
    assert "25" in page.locator("tr", has_text="NIKAH").inner_text()

    page.click("#nav button[data-section=counters]")
    page.click("#add")
    page.select_option("[data-name=agency_id] select", label="KUA — Kantor Urusan Agama")
    page.fill("[data-name=number] input", "30")
    page.fill("[data-name=name] input", "Loket 30")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-name=service_ids] .field-error:has-text('paling sedikit satu layanan')")
    page.locator("[data-name=service_ids] label", has_text="Pendaftaran Nikah").locator("input").check()
    page.click("form.form button[type=submit]")
    page.wait_for_selector("table.data td:text-is('Loket 30')")
    screenshot(page, "admin-counters-1920x1080")

    # No reload: the kiosk heard config_changed and re-subscribed for a fresh snapshot.
    kiosk.wait_for_selector("text=Kantor Urusan Agama", state="attached")
    screenshot(kiosk, "admin-kiosk-offers-new-agency-1920x1080")

    page.click("#nav button[data-section=audit]")
    page.wait_for_selector("table.audit tbody tr")
    assert page.locator("table.audit tbody tr").count() >= 3
    screenshot(page, "admin-audit-1920x1080")


def test_report_over_seeded_history_shows_the_numbers_and_csv_matches(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    try:
        assert officer.post(live_server.url + "/api/counters/1/open", timeout=10).status_code == 200
        for _ in range(3):
            assert officer.post(live_server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).status_code == 201
        officer.post(live_server.url + "/api/counters/1/call-next", timeout=10)
        officer.post(live_server.url + "/api/counters/1/start", timeout=10)
        officer.post(live_server.url + "/api/counters/1/complete", timeout=10)
        officer.post(live_server.url + "/api/counters/1/call-next", timeout=10)
        officer.post(live_server.url + "/api/counters/1/no-show", timeout=10)
    finally:
        officer.close()

    page = page_factory()
    admin_login(page, live_server.url + "/admin/reports?group=service")
    page.wait_for_selector("#reports[data-ready='1']")
    row = page.locator("#summary table.data tbody tr", has_text="Perekaman & Pencetakan KTP-el")
    cell = {col: row.locator(f"td[data-col={col}]").inner_text() for col in ("issued", "served", "no_show", "unfinished")}
    assert cell == {"issued": "3", "served": "1", "no_show": "1", "unfinished": "1"}
    live_row = page.locator("#live table.data tbody tr", has_text="Dinas Kependudukan")
    assert live_row.locator("td").nth(1).inner_text() == "1"  # one still waiting
    screenshot(page, "admin-reports-1920x1080")
    page.locator("#summary").scroll_into_view_if_needed()
    screenshot(page, "admin-reports-summary-1920x1080")

    href = page.locator("#summary a.csv").get_attribute("href")
    text = page.request.get(live_server.url + href).text()
    parsed = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    table_rows = page.locator("#summary table.data tbody tr")
    assert len(parsed) == table_rows.count()
    for i, record in enumerate(parsed):
        shown = table_rows.nth(i)
        assert shown.locator("td[data-col=name]").inner_text() == record["name"]
        for col in ("issued", "served", "no_show", "transferred", "cancelled"):
            assert shown.locator(f"td[data-col={col}]").inner_text() == record[col]

    page.goto(live_server.url + "/admin/reports/recap")
    page.wait_for_selector("#recap-agencies table tbody tr")
    screenshot(page, "admin-recap-1920x1080")
