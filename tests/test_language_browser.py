"""English throughout where a screen offers it, and dates in the MPP's zone and words, in Chromium."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from conftest import KIOSK, PASSWORD, screenshot

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def file_complaint(server) -> str:
    filed = requests.post(server.url + "/api/complaints", json={"kind": "complaint", "text": "Loket 3 tutup."}, timeout=10)
    assert filed.status_code == 201, filed.text
    return filed.json()["code"]


def test_the_tracking_page_in_english_uses_the_mpps_zone_and_no_iso_dates(live_server, page_factory):
    admin = live_server.session("admin")
    profile = admin.get(live_server.url + "/api/admin/profile", timeout=10).json()["profile"]
    assert admin.put(live_server.url + "/api/admin/profile", json={**profile, "timezone": "Asia/Jayapura"}, timeout=10).status_code == 200
    code = file_complaint(live_server)
    page = page_factory(390, 844, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/aduan/{code}?lang=en")
    page.locator("#status-card").wait_for()
    page.locator("#timeline time").first.wait_for()
    assert page.locator("h1").inner_text() == "Report status"
    assert page.locator("#status-label").inner_text() == "Received"
    assert page.locator("#kind").inner_text() == "Complaint"
    card = page.locator("#status-card").inner_text()
    assert "Diterima" not in card and "Riwayat" not in card
    assert not ISO_DATE.search(card), card
    assert page.locator("#timeline time").first.inner_text().endswith("WIT")
    assert page.evaluate("document.documentElement.lang") == "en"
    screenshot(page, "issue13-complaint-tracking-en-390x844")


def test_staff_complaint_screen_in_english_with_local_dates_and_no_stray_separator(live_server, page_factory):
    file_complaint(live_server)
    page = page_factory(1366, 768)
    page.request.post(live_server.url + "/api/login", data={"username": "admin", "password": PASSWORD})
    page.goto(live_server.url + "/admin/complaints?lang=en")
    page.locator("#list tbody tr").first.wait_for()
    assert page.locator("h1").inner_text() == "Complaints & suggestions"
    row = page.locator("#list tbody tr").first.inner_text()
    assert not ISO_DATE.search(row), row
    page.locator("#list tbody tr").first.click()
    expect(page.locator("#d-who")).to_have_text("(no name) · (no contact)")
    assert page.locator("#d-status").inner_text() == "Received"
    assert page.locator("#d-received").inner_text().endswith("WIB")
    screenshot(page, "issue13-staff-complaints-en-1366x768")
    page.goto(live_server.url + "/admin/complaints?lang=id")
    page.locator("#list tbody tr").first.click()
    expect(page.locator("#d-who")).to_have_text("(tanpa nama) · (tanpa kontak)")


def test_the_ikm_report_offers_english(live_server, page_factory):
    page = page_factory(1366, 768)
    page.request.post(live_server.url + "/api/login", data={"username": "admin", "password": PASSWORD})
    page.goto(live_server.url + "/admin/ikm")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/admin/ikm")
    page.locator("h1", has_text="IKM report").wait_for()
    text = page.locator("main").inner_text()
    assert "Score per element" in text and "Requirements" in text and "Nilai per unsur" not in text
    screenshot(page, "issue13-ikm-en-1366x768")


def test_the_survey_header_fits_a_360_phone_with_its_english_button_in_reach(live_server, page_factory):
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(live_server.url + "/api/counters/1/open", timeout=10).status_code == 200
    ticket = officer.post(live_server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    officer.post(live_server.url + "/api/counters/1/call-next", timeout=10)
    assert officer.post(live_server.url + "/api/counters/1/complete", timeout=10).status_code == 200
    page = page_factory(360, 740, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/survey/?ticket={ticket['token']}")
    page.locator("#view-question").wait_for()
    button = page.locator("#lang").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 360 and button["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#lang").tap()
    expect(page.locator("#lang")).to_have_text("Bahasa Indonesia")
    expect(page.locator(".sv-option").first).to_contain_text("Not")
    screenshot(page, "issue13-survey-phone-en-360x740")
