"""The reports page at a laptop's 1366×768: headline figures first, the day hour by hour, the IKM's
sample warning; in Indonesian and in English with nothing Indonesian left, dates day first."""

from __future__ import annotations

import re

import pytest
from test_accessibility import blocking_violations

from conftest import PASSWORD, screenshot

pytestmark = pytest.mark.browser

# Words of the report's own that must not survive in English (agency and service names are data).
INDONESIAN = re.compile(
    r"\b(Sekilas|Menunggu|Dilayani|Diambil|Tidak hadir|Tepat waktu|responden|Reservasi|Tanggal|Belum|mnt|menit|Jam|"
    r"Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu|Januari|Desember|dipanggil|langsung|Jumlah|Sampel|minimal)\b"
)


@pytest.fixture
def busy_day(live_server):
    """Today on the live server: three KTP tickets, two served, one still waiting, one survey answer."""
    url = live_server.url
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(url + "/api/counters/1/open", timeout=10).status_code == 200
    issued = [officer.post(url + "/api/tickets", json={"service_id": 1}, timeout=10).json() for _ in range(3)]
    for _ in range(2):
        assert officer.post(url + "/api/counters/1/call-next", timeout=10).status_code == 200
        assert officer.post(url + "/api/counters/1/start", timeout=10).status_code == 200
        assert officer.post(url + "/api/counters/1/complete", timeout=10).status_code == 200
    answers = {f"U{i}": 3 for i in range(1, 10)}
    answer = officer.post(url + "/api/survey/answers", json={"ticket_token": issued[0]["token"], "answers": answers}, timeout=10)
    assert answer.status_code == 201, answer.text
    return live_server


def open_reports(page, url: str, query: str = "") -> None:
    page.goto(url + "/admin/reports" + query)
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.locator("#reports[data-ready='1']").wait_for()
    page.locator("#hours-chart svg").wait_for()
    page.locator("#bookings table").wait_for()


def test_the_report_opens_with_the_headline_and_the_day_hour_by_hour(busy_day, page_factory):
    page = page_factory(1366, 768)
    open_reports(page, busy_day.url)
    api = page.request.get(busy_day.url + "/api/admin/reports/headline").json()
    figures = {el.get_attribute("data-figure"): el.locator("dd").inner_text() for el in page.locator("#figures .figure").all()}
    assert figures["waiting_now"] == str(api["waiting_now"]) == "1"
    assert figures["issued"] == "3" and figures["served"] == "2" and figures["no_show"] == "0"
    assert figures["ikm"].startswith("75") and "1 responden" in figures["ikm"]
    # The headline comes before everything else on the page.
    assert page.locator("#headline").bounding_box()["y"] < page.locator("#live").bounding_box()["y"]
    warning = page.locator("#sample-warning")
    assert warning.is_visible() and "minimal 2" in warning.inner_text() and "Krejcie-Morgan" in warning.inner_text()
    assert page.locator("#hours-chart polyline").count() == 3
    assert re.search(r"\d{1,2} \w+ \d{4}", page.locator("#headline-period").inner_text())
    screenshot(page, "reports-headline-1366x768")
    page.locator("#hours").scroll_into_view_if_needed()
    screenshot(page, "reports-hours-1366x768")
    assert blocking_violations(page) == []


def test_the_report_in_english_leaves_no_indonesian_and_dates_read_day_first(busy_day, playwright_browser):
    context = playwright_browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    open_reports(page, busy_day.url, "?lang=en")
    for section in ("#headline", "#hours", "#bookings"):
        text = page.locator(section).inner_text()
        assert not INDONESIAN.search(text), f"{section}: {INDONESIAN.search(text).group(0)!r} in {text!r}"
    assert "At a glance" in page.locator("#headline").inner_text()
    assert "Too few IKM respondents" in page.locator("#sample-warning").inner_text()
    svg_text = " ".join(page.locator("#hours-chart svg text").all_text_contents())
    assert "Hour (Asia/Jakarta)" in svg_text and "Tickets" in svg_text
    assert "Bookings per service and day" in page.locator("#bookings h2").inner_text()
    # Day first even in an American browser: "Saturday 5 December 2026", never "12/5".
    period = page.locator("#headline-period").inner_text()
    assert re.fullmatch(r"[A-Z][a-z]+,? \d{1,2} [A-Z][a-z]+ \d{4}", period), period
    # The period's fields read day first too, though this browser's own date fields would say 12/25/2026.
    iso = page.locator("input[name=from]").input_value()
    day_first = f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
    assert page.locator("#from-day").input_value() == day_first
    assert page.locator("#from-day").get_attribute("placeholder") == "dd/mm/yyyy"
    page.locator("#from-day").fill("31/02/2026")
    page.locator("#from-day").press("Tab")
    assert page.locator("#from-day").get_attribute("aria-invalid") == "true"
    assert "day/month/year" in page.locator("#report-error").inner_text()
    page.locator("#from-day").fill(f"{int(iso[8:10])}-{iso[5:7]}-{iso[:4]}")
    page.locator("#from-day").press("Tab")
    assert page.locator("#from-day").input_value() == day_first
    assert page.locator("input[name=from]").input_value() == iso
    errors: list = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.locator("[data-pick=from]").click()  # the browser's own calendar, for those who prefer it
    page.keyboard.press("Escape")
    page.locator("#filters button[type=submit]").click()
    assert errors == []
    screenshot(page, "reports-headline-en-1366x768")
    page.locator("#bookings").scroll_into_view_if_needed()
    screenshot(page, "reports-bookings-en-1366x768")
    problems = blocking_violations(page)
    context.close()
    assert problems == []


@pytest.mark.parametrize(
    ("language", "short", "period"),
    [
        ("id", "Sampel belum cukup", r"\d{1,2} \w{3} \d{4} s\.d\. \d{1,2} \w{3} \d{4}"),
        ("en", "Too few respondents", r"\d{1,2} \w{3} \d{4} to \d{1,2} \w{3} \d{4}"),
    ],
)
def test_the_ikm_page_warns_of_a_small_sample_and_charts_the_nine_elements(busy_day, page_factory, language, short, period):
    page = page_factory(1366, 768)
    assert page.request.post(busy_day.url + "/api/login", data={"username": "admin", "password": PASSWORD}).ok
    page.goto(f"{busy_day.url}/admin/ikm?lang={language}")
    sample = page.locator("#sample")
    assert "is-short" in sample.get_attribute("class")
    assert short in sample.inner_text() and "Krejcie-Morgan" in sample.inner_text()
    bars = page.locator("#element-chart svg rect.bar")
    assert bars.count() == 9
    assert page.locator("#element-chart svg text", has_text="75,00 C").count() == 9
    assert re.fullmatch(period, page.locator("#period").inner_text()), page.locator("#period").inner_text()
    if language == "en":
        assert not INDONESIAN.search(page.locator("#summary").inner_text() + page.locator("#element-chart").inner_text())
    page.locator("#element-chart").scroll_into_view_if_needed()
    screenshot(page, f"ikm-elements-chart-{language}-1366x768")
    assert blocking_violations(page) == []
