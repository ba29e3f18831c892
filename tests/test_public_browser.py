"""The public page as a citizen at home meets it: a phone on weak Wi-Fi and a laptop, in both languages."""

from __future__ import annotations

import re

import pytest
import requests
from test_accessibility import blocking_violations

from conftest import LiveServer, copy_demo, screenshot

pytestmark = pytest.mark.browser

# Words of the public page that must not survive into its English version.
INDONESIAN = re.compile(
    r"\b(Buka|Tutup|Menunggu|menit|Jam layanan|Sisa kuota|Belum ada loket|Cari layanan|Diperbarui|Reservasi antrean|Pengaduan)\b"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("public") / "live.db")).start()
    officer = live.session("petugas.dukcapil")
    assert officer.post(live.url + "/api/counters/1/open", timeout=10).status_code == 200
    for _ in range(3):
        assert requests.post(live.url + "/api/tickets", json={"service_id": 1}, timeout=10).status_code == 201
    yield live
    live.stop()


def test_a_citizen_on_a_phone_finds_a_service_and_reads_its_queue_and_standard(server, page_factory):
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(server.url + "/info/?lang=id")
    page.wait_for_selector(".p-agency")
    assert "Diperbarui" in page.inner_text("#updated")
    screenshot(page, "public-phone-id")
    page.fill("#search", "ktp")
    ktp = page.locator('.p-service[data-service="1"]')
    ktp.wait_for()
    # the figures are at most a few seconds old: three waiting once the last push has come
    page.wait_for_function(
        "() => document.querySelector('.p-service[data-service=\"1\"] .p-stats div:nth-child(2) dd')?.textContent === '3'"
    )
    assert "Buka" in ktp.inner_text()  # counter 1 is open
    page.locator(".p-standard summary").first.tap()
    assert "Persyaratan" in page.locator(".p-standard").first.inner_text()
    screenshot(page, "public-phone-service-id")
    # a service of an agency with no counter open says so, not "Buka"
    page.fill("#search", "paspor")
    page.locator(".p-service").first.wait_for()
    assert "Belum ada loket yang buka" in page.locator(".p-service").first.inner_text()
    assert not blocking_violations(page)


def test_the_queue_on_the_phone_changes_live_when_a_ticket_is_taken(server, page_factory):
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(server.url + "/info/?lang=id")
    page.fill("#search", "ktp")
    waiting = page.locator('.p-service[data-service="1"] .p-stats div:nth-child(2) dd')
    waiting.wait_for()
    before = int(waiting.inner_text())
    assert requests.post(server.url + "/api/tickets", json={"service_id": 1}, timeout=10).status_code == 201
    page.wait_for_function(
        "(n) => Number(document.querySelector('.p-service[data-service=\"1\"] .p-stats div:nth-child(2) dd')?.textContent) === n",
        arg=before + 1,
        timeout=10_000,
    )


def test_the_public_page_in_english_has_no_indonesian_left_on_a_laptop(server, page_factory):
    page = page_factory(1366, 768)
    page.goto(server.url + "/info/?lang=en")
    page.wait_for_selector(".p-agency")
    page.locator(".p-agency summary").first.click()
    page.locator(".p-service [data-busy]").first.click()
    page.wait_for_selector(".p-days")
    screenshot(page, "public-laptop-en")
    body = page.inner_text("main")
    left = [m for m in INDONESIAN.findall(body) if m]
    assert not left, f"Indonesian left on the English page: {sorted(set(left))}"
    assert "Updated" in page.inner_text("#updated")
    assert not blocking_violations(page)


def test_the_first_load_of_the_phone_page_stays_under_150_kb(server, page_factory):
    page = page_factory(360, 740, is_mobile=True)
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length") or len(r.body() or b""))) if r.ok else None)
    page.goto(server.url + "/info/")
    page.wait_for_selector(".p-agency")
    total = sum(sizes)
    assert total < 150 * 1024, f"{total} bytes on the first load"


def test_published_performance_reads_on_a_phone_and_a_laptop(server, page_factory):
    admin = server.session("admin")
    periods = admin.get(server.url + "/api/admin/publications", timeout=10).json()["periods"]
    month = next(p["period"] for p in periods if "Q" not in p["period"])
    assert admin.post(server.url + "/api/admin/publications", json={"period": month}, timeout=10).status_code == 201
    for width, height, name in ((360, 740, "phone"), (1366, 768, "laptop")):
        page = page_factory(width, height)
        page.goto(server.url + "/info/kinerja?lang=id")
        page.wait_for_selector(".p-cards")
        assert "Warga dilayani" in page.inner_text("#figures")
        screenshot(page, f"public-performance-{name}")
        assert not blocking_violations(page)
