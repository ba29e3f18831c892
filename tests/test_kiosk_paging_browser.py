"""A kiosk of a large MPP (40 agencies) in Chromium: every agency reachable by touch, page by page, nothing
hidden below the fold or under the check-in bar; and the "Masih di sini?" warning before an idle reset."""

from __future__ import annotations

import pytest
import requests

from conftest import KIOSK_KEY, LiveServer, copy_demo, screenshot

pytestmark = pytest.mark.browser

ALL_DAYS = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)]
EXTRA = [
    "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kabupaten Contoh",
    "Kantor Pertanahan (BPN)",
    "Kepolisian Resor (SKCK)",
    "Kantor Kementerian Agama",
    "Pengadilan Agama",
    "Kejaksaan Negeri",
    "Bank Pembangunan Daerah",
    "PT Pos Indonesia",
    "Dinas Perhubungan",
    "Dinas Kesehatan",
    "Dinas Tenaga Kerja",
    "Dinas Sosial",
    "Dinas Pendidikan",
    "Dinas Lingkungan Hidup",
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Perdagangan",
    "Dinas Koperasi dan UKM",
    "Badan Pendapatan Daerah",
    "Badan Kepegawaian Daerah",
    "Kantor Pelayanan Pajak Madya",
    "Bea dan Cukai",
    "Balai Besar POM",
    "Taspen",
    "Asabri",
    "Pegadaian",
    "Jasa Raharja",
    "Dinas Pertanian",
    "Dinas Perikanan",
    "Dinas Pariwisata",
    "Kantor Imigrasi Kelas II (layanan khusus)",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    """The demo MPP (10 agencies) plus 30 more added through the admin API: 40, as in the largest MPPs."""
    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("kiosk-paging") / "live.db")).start()
    admin = live.session("admin")
    for i, name in enumerate(EXTRA, start=1):
        answer = admin.post(live.url + "/api/admin/agencies", json={"code": f"EXTRA{i}", "name": name, "color": "#2a6f4e"}, timeout=10)
        assert answer.status_code == 201, answer.text
        agency_id = answer.json()["item"]["id"]
        service = {"agency_id": agency_id, "code": "UMUM", "name": f"Layanan {name}", "prefix": f"Z{i:02d}", "hours": ALL_DAYS}
        assert admin.post(live.url + "/api/admin/services", json=service, timeout=10).status_code == 201
    yield live
    live.stop()


def agency_names(server) -> list[str]:
    return [a["name"] for a in requests.get(server.url + "/api/agencies", timeout=10).json()]


def kiosk(page_factory, server, width: int, height: int, query: str = "&idle=600&attract=600"):
    page = page_factory(width, height, has_touch=True)
    page.goto(f"{server.url}/kiosk/?kiosk=kios-1{query}#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    return page


def boxes_on_screen(page) -> dict:
    """Where the cards and pager buttons are, and where the check-in bar starts."""
    return page.evaluate(
        """() => ({
          bar: document.getElementById('checkin-bar').getBoundingClientRect().top,
          cards: [...document.querySelectorAll('.k-agency')].map((el) => {
            const r = el.getBoundingClientRect();
            return { name: el.querySelector('.k-card-title').textContent, top: r.top, bottom: r.bottom };
          }),
          pager: [...document.querySelectorAll('.k-pager button, .k-pager-count')].map((el) => el.getBoundingClientRect().bottom),
          count: document.querySelector('.k-pager-count')?.textContent.trim() || '',
        })"""
    )


@pytest.mark.parametrize(("label", "width", "height"), [("portrait", 1080, 1920), ("landscape", 1920, 1080)])
def test_every_one_of_forty_agencies_is_reachable_by_touch_and_none_hides_under_the_check_in_bar(
    server, page_factory, label, width, height
):
    names = agency_names(server)
    assert len(names) == 40
    page = kiosk(page_factory, server, width, height)
    seen: list[str] = []
    pages = None
    for number in range(1, 41):
        shown = boxes_on_screen(page)
        assert shown["count"], "40 agencies cannot fit on one screen: a pager must be shown"
        current, pages = (int(x) for x in shown["count"].split()[-3::2])
        assert current == number
        for card in shown["cards"]:
            assert card["bottom"] <= shown["bar"], f"{card['name']} runs under the check-in bar"
        assert max(shown["pager"]) <= shown["bar"], "the pager runs under the check-in bar"
        screenshot(page, f"kiosk-40-agencies-{label}-page-{number}")
        for name in [c["name"] for c in shown["cards"]]:
            # The citizen taps the agency, sees its services, and comes back to the same page.
            page.locator(".k-agency").filter(has=page.get_by_text(name, exact=True)).tap()
            assert page.locator(".k-agency-view .k-title").inner_text() == name
            page.locator(".k-agency-view [data-action=home]").tap()
            page.locator(".k-agency").first.wait_for()
            assert page.locator(".k-pager-count").inner_text().endswith(f"{number} / {pages}")
            seen.append(name)
        if number == pages:
            break
        page.locator("[data-action=page-next]").tap()
    assert sorted(seen) == sorted(names), "every agency appears on exactly one page"
    assert pages <= (4 if label == "portrait" else 5)
    assert page.locator("[data-action=page-next]").is_disabled()
    page.locator("[data-action=page-prev]").tap()
    assert page.locator(".k-pager-count").inner_text().endswith(f"{pages - 1} / {pages}")


def test_the_demo_mpp_fits_on_one_page_in_both_orientations(live_server, page_factory):
    for width, height in ((1080, 1920), (1920, 1080)):
        page = kiosk(page_factory, live_server, width, height)
        shown = boxes_on_screen(page)
        assert len(shown["cards"]) == 10 and not shown["count"]
        assert all(card["bottom"] <= shown["bar"] for card in shown["cards"]), shown
        screenshot(page, f"kiosk-demo-agencies-{width}x{height}")


def cards_on_screen(page, selector: str) -> dict:
    return page.evaluate(
        """(selector) => ({
          bar: document.getElementById('checkin-bar').getBoundingClientRect().top,
          bottoms: [...document.querySelectorAll(selector + ', .k-pager')].map((el) => el.getBoundingClientRect().bottom),
          names: [...document.querySelectorAll(selector + ' .k-card-title')].map((el) => el.textContent),
          count: document.querySelector('.k-pager-count')?.textContent.trim() || '',
        })""",
        selector,
    )


@pytest.mark.parametrize(("label", "width", "height"), [("portrait", 1080, 1920), ("landscape", 1920, 1080)])
def test_with_the_keyboard_open_the_agencies_and_many_search_results_are_paged_above_the_check_in_bar(
    server, page_factory, label, width, height
):
    page = kiosk(page_factory, server, width, height)
    page.locator("#search").tap()
    page.locator("#keyboard").wait_for()
    shown = cards_on_screen(page, ".k-agency")
    assert shown["count"] and max(shown["bottoms"]) <= shown["bar"]
    screenshot(page, f"kiosk-40-agencies-keyboard-{label}")
    for key in "DINAS":
        page.locator(f"#keyboard [data-key={key}]").tap()
    expected = sorted(
        s["name"]
        for a in requests.get(server.url + "/api/agencies", timeout=10).json()
        for s in a["services"]
        if "dinas" in f"{s['name']} {a['name']}".lower()
    )
    assert len(expected) > 12
    seen = []
    while True:
        shown = cards_on_screen(page, "#results .k-service")
        screenshot(page, f"kiosk-40-agencies-search-results-{label}-{len(seen)}")
        assert shown["count"], "this many results cannot fit beside the keyboard"
        assert max(shown["bottoms"]) <= shown["bar"], "a result runs under the check-in bar"
        seen += shown["names"]
        if page.locator("[data-action=page-next]").is_disabled():
            break
        page.locator("[data-action=page-next]").tap()
    assert sorted(seen) == expected


def test_the_search_stays_prominent_and_finds_an_agency_on_a_later_page(server, page_factory):
    page = kiosk(page_factory, server, 1080, 1920)
    label = page.locator(".k-search-label")
    assert label.is_visible() and "Cari layanan" in label.inner_text()
    page.locator("#search").tap()
    for key in "TASPEN":
        page.locator(f"#keyboard [data-key={key}]").tap()
    result = page.locator("#results .k-service", has_text="Taspen")
    result.wait_for()
    screenshot(page, "kiosk-40-agencies-search")
    result.tap()
    page.locator("[data-action=take]").wait_for()


def test_an_idle_kiosk_asks_masih_di_sini_before_it_goes_home_and_a_touch_keeps_the_choice(live_server, page_factory):
    page = kiosk(page_factory, live_server, 1080, 1920, "&idle=2&idle_warning=3&attract=600")
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    page.locator(".k-service", has_text="Paspor Baru").tap()
    warning = page.locator("#idle-warning")
    warning.wait_for(state="visible", timeout=5000)
    assert "Masih di sini?" in warning.inner_text()
    assert "Kembali ke awal dalam" in page.locator("#idle-countdown").inner_text()
    assert page.locator("[data-action=take]").count() == 1, "the warning keeps the citizen's screen underneath"
    screenshot(page, "kiosk-idle-warning-portrait")
    # The big button sits where "Ambil nomor" is: answering the warning must not take a ticket.
    page.locator("[data-action=stay]").tap()
    warning.wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert page.locator("#issued-number").count() == 0
    assert page.locator(".k-service-view .k-title").inner_text() == "Paspor Baru"
    # Unanswered, the warning counts down and the kiosk returns to the start for the next citizen.
    warning.wait_for(state="visible", timeout=5000)
    page.locator(".k-home").wait_for(timeout=6000)
    assert warning.is_hidden()
    assert sum(a["waiting"] for a in requests.get(live_server.url + "/api/agencies", timeout=10).json()) == 0


def test_the_idle_warning_in_english_at_landscape(live_server, page_factory):
    page = kiosk(page_factory, live_server, 1920, 1080, "&idle=2&idle_warning=30&attract=600&lang=en")
    page.locator(".k-agency").first.tap()
    warning = page.locator("#idle-warning")
    warning.wait_for(state="visible", timeout=5000)
    text = warning.inner_text()
    assert "Still there?" in text and "Yes, I am still here" in text and "Returning to the start in" in text
    screenshot(page, "kiosk-idle-warning-landscape-en")


def test_the_pages_and_the_search_speak_english(server, page_factory):
    page = kiosk(page_factory, server, 1080, 1920, "&idle=600&attract=600&lang=en")
    pager = page.locator(".k-pager")
    assert pager.locator(".k-pager-count").inner_text() == "Page 1 / 4"
    assert "Previous" in pager.inner_text() and "Next" in pager.inner_text()
    assert pager.get_attribute("aria-label") == "Agency pages"
    assert "Halaman" not in page.locator("#screen").inner_text() and "Cari" not in page.locator(".k-search").inner_text()
    screenshot(page, "kiosk-40-agencies-portrait-en")


def test_a_busy_queue_redrawing_the_screen_does_not_put_off_the_idle_warning(live_server, page_factory):
    page = kiosk(page_factory, live_server, 1080, 1920, "&idle=3&idle_warning=30&attract=600")
    page.locator(".k-agency", has_text="Kantor Imigrasi").tap()
    page.locator(".k-service", has_text="Paspor Baru").tap()
    waiting = page.locator(".k-stats")
    warning = page.locator("#idle-warning")
    # Other citizens take tickets every 0.8 s: each redraws this screen with the new count.
    for _ in range(7):
        assert requests.post(live_server.url + "/api/tickets", json={"service_id": 5}, timeout=10).status_code == 201
        page.wait_for_timeout(800)
    assert "7 menunggu" in waiting.inner_text(), "the screen follows the queue"
    assert warning.is_visible(), "5.6 s without a touch: the warning is up although the screen was redrawn"
    assert "Masih di sini?" in warning.inner_text()
