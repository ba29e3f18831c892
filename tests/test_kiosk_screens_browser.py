"""The kiosk and phone screens as the walk-through of issue 13 met them, each defect checked by touch in Chromium."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from conftest import KIOSK_KEY, LiveServer, copy_demo, screenshot, tap_language

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("kiosk-screens") / "live.db")).start()
    admin = live.session("admin")
    profile = admin.get(live.url + "/api/admin/profile", timeout=10).json()["profile"]
    assert admin.put(live.url + "/api/admin/profile", json={**profile, "self_priority": True}, timeout=10).status_code == 200
    yield live
    live.stop()


def services(server) -> list[tuple[str, str]]:
    import requests

    agencies = requests.get(server.url + "/api/agencies", timeout=10).json()
    return [(a["name"], s["name"]) for a in agencies for s in a["services"]]


@pytest.mark.parametrize(
    ("name", "width", "height", "path"),
    [
        ("phone-360x740", 360, 740, "/ambil/"),
        ("kiosk-portrait-1080x1920", 1080, 1920, f"/kiosk/?kiosk=kios-1&layout=portrait&idle=600&attract=600#pair={KIOSK_KEY}"),
        ("kiosk-landscape-1920x1080", 1920, 1080, f"/kiosk/?kiosk=kios-1&layout=landscape&idle=600&attract=600#pair={KIOSK_KEY}"),
    ],
)
def test_ambil_nomor_is_in_view_without_scrolling_on_every_service_page(server, page_factory, name, width, height, path):
    phone = name.startswith("phone")
    page = page_factory(width, height, has_touch=True, is_mobile=phone)
    page.goto(server.url + path)
    page.locator(".k-agency").first.wait_for()
    for agency, service in services(server):
        page.locator(".k-agency", has_text=agency).first.tap()
        page.locator(".k-service", has_text=service).first.tap()
        take = page.locator("[data-action=take]")
        take.wait_for()
        box = take.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
            f"{service}: Ambil nomor at y {box['y']}–{box['y'] + box['height']} of {height}"
        )
        assert box["height"] >= (57 if not phone else 48)
        if service.startswith("Perekaman"):
            screenshot(page, f"issue13-service-{name}")
        page.locator("[data-action=back-agency]").tap()
        page.locator("[data-action=home]").first.tap()
        page.locator(".k-home").wait_for()


def test_the_service_page_shows_all_six_components_and_the_maklumat(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=portrait#pair={KIOSK_KEY}")
    page.locator(".k-agency", has_text="Kependudukan").tap()
    page.locator(".k-service").first.tap()
    headings = page.locator(".k-std h2").all_inner_texts()
    assert headings == [
        "Persyaratan",
        "Sistem, mekanisme & prosedur",
        "Jangka waktu penyelesaian",
        "Biaya/tarif",
        "Produk pelayanan",
        "Penanganan pengaduan, saran & masukan",
    ]
    assert page.locator(".k-maklumat summary").inner_text() == "Maklumat pelayanan"
    assert page.locator(".k-maklumat p").first.inner_text().strip()
    tap_language(page)
    assert page.locator(".k-std h2").first.inner_text() == "Requirements"


def test_the_portrait_header_keeps_the_mpp_name_on_at_most_two_lines_and_clear_of_the_date(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=portrait#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    name = page.locator("#mpp-name").bounding_box()
    clock = page.locator("#clock").bounding_box()
    line = float(page.evaluate("parseFloat(getComputedStyle(document.getElementById('mpp-name')).lineHeight)"))
    assert name["width"] > 300
    assert name["height"] <= 2 * line + 1
    overlaps = not (
        name["x"] + name["width"] <= clock["x"]
        or clock["x"] + clock["width"] <= name["x"]
        or name["y"] + name["height"] <= clock["y"]
        or clock["y"] + clock["height"] <= name["y"]
    )
    assert not overlaps
    screenshot(page, "issue13-kiosk-portrait-header")


def test_priority_reasons_are_drawn_with_shipped_svg_icons_not_emoji(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=portrait#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.tap()
    page.locator(".k-service").first.tap()
    page.locator("[data-action=priority]").tap()
    reasons = page.locator(".k-reason")
    assert reasons.count() == 5
    for text in reasons.all_inner_texts():
        assert not any(ord(ch) > 0x2000 and ch not in "–—" for ch in text), text
    masks = page.evaluate("[...document.querySelectorAll('.k-reason .l-icon')].map((n) => getComputedStyle(n).webkitMaskImage)")
    assert len(masks) == 5 and all("/icons/" in m for m in masks)
    for url in ["/vendor/icons/accessibility.svg", "/static/icons/elderly.svg", "/static/icons/pregnant.svg", "/vendor/icons/baby.svg"]:
        response = page.request.get(server.url + url)
        assert response.ok and b"<svg" in response.body()
    assert page.request.get(server.url + "/favicon.ico").ok
    screenshot(page, "issue13-kiosk-priority-icons")


def test_the_english_kiosk_writes_its_date_and_complaint_button_in_english(server, page_factory):
    page = page_factory(1920, 1080, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=landscape#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    tap_language(page)
    clock = page.locator("#clock").inner_text()
    assert any(day in clock for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]), clock
    assert page.locator(".k-aduan").inner_text() == "Complaints & suggestions"
    page.locator(".k-aduan").tap()
    page.wait_for_url("**/aduan/**")
    assert page.locator("h1").inner_text() == "Complaints & suggestions"
    page.get_by_label("Your report").tap()
    assert page.locator("#onscreen-keyboard button[data-key=' ']").inner_text() == "space"
    screenshot(page, "issue13-kiosk-complaint-en-1920x1080")
    page.locator(".ad-back").tap()
    page.locator(".k-agency").first.wait_for()
    phone = page_factory(360, 740, is_mobile=True, has_touch=True)
    phone.goto(server.url + "/ambil/?lang=en")
    phone.locator(".k-agency").first.wait_for()
    assert phone.locator("#brand-sub").inner_text() == "Queue numbers without paper"
    page.locator("[data-lang=id]").tap()


def test_agency_badges_use_the_admin_short_code_or_logo_and_readable_text(server, page_factory):
    admin = server.session("admin")
    agencies = admin.get(server.url + "/api/admin/agencies", timeout=10).json()["items"]
    by_code = {a["code"]: a for a in agencies}
    assert (
        admin.put(f"{server.url}/api/admin/agencies/{by_code['BPJSKES']['id']}", json={"short_code": "BPJS-K"}, timeout=10).status_code
        == 200
    )
    bad = admin.put(f"{server.url}/api/admin/agencies/{by_code['BPJSTK']['id']}", json={"short_code": "<b>"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["field"] == "short_code"
    png = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(png, "PNG")
    logo = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    assert admin.put(f"{server.url}/api/admin/agencies/{by_code['BPN']['id']}", json={"logo": logo}, timeout=10).status_code == 200
    svg = admin.put(
        f"{server.url}/api/admin/agencies/{by_code['BPN']['id']}", json={"logo": "data:image/svg+xml;base64,PHN2Zz4="}, timeout=10
    )
    assert svg.status_code == 400

    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=portrait#pair={KIOSK_KEY}")
    page.locator(".k-agency").first.wait_for()
    badges = dict(
        zip(page.locator(".k-agency .k-card-title").all_inner_texts(), page.locator(".k-agency .k-logo").all_inner_texts(), strict=True)
    )
    assert badges["BPJS Kesehatan"] == "BPJS-K"
    assert badges["BPJS Ketenagakerjaan"] == "BPJSTK"
    assert badges["Samsat (Bapenda & Polda)"] == "SAMSAT"
    assert (
        page.locator(".k-agency", has_text="Pertanahan").locator(".k-logo img").evaluate("(img) => img.complete && img.naturalWidth") == 60
    )
    # Samsat's orange (#e69138) takes dark text, not white at 2.47:1.
    samsat = page.locator(".k-agency", has_text="Samsat").locator(".k-logo")
    assert samsat.evaluate("(n) => getComputedStyle(n).color") == "rgb(20, 32, 43)"
    screenshot(page, "issue13-kiosk-badges")


def test_a_full_service_offers_the_phone_ticket_whose_qr_opens_that_service(server, page_factory):
    import requests

    admin = server.session("admin")
    items = admin.get(server.url + "/api/admin/services", timeout=10).json()["items"]
    roya = next(s for s in items if s["code"] == "ROYA")
    assert admin.put(f"{server.url}/api/admin/services/{roya['id']}", json={"daily_quota": 0}, timeout=10).status_code == 200
    page = page_factory(1920, 1080, has_touch=True)
    page.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=landscape#pair={KIOSK_KEY}")
    page.locator(".k-agency", has_text="Pertanahan").tap()
    page.locator(".k-service", has_text="Roya").tap()
    page.locator(".k-opening-phone .qr").wait_for()
    assert "ambil nomor dari ponsel" in page.locator(".k-opening-phone").inner_text()
    screenshot(page, "issue13-kiosk-quota-phone-ticket")
    url = requests.get(f"{server.url}/api/services/{roya['id']}/next-opening", timeout=10).json()["phone_url"]
    phone = page_factory(360, 740, is_mobile=True, has_touch=True)
    phone.goto(url)
    phone.locator(".k-service-view h1", has_text="Roya").wait_for()
    assert admin.put(f"{server.url}/api/admin/services/{roya['id']}", json={"daily_quota": None}, timeout=10).status_code == 200


def test_a_complaint_from_the_kiosk_is_typed_on_the_screen_keyboard_and_wiped_when_left(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + "/aduan/?from=kiosk&kiosk=kios-1&idle=6")
    page.locator("#text").tap()
    keyboard = page.locator("#onscreen-keyboard")
    keyboard.wait_for()
    for key in ["Shift", "A", "n", "t", "r", "e", "a", "n", " ", "l", "a", "m", "a"]:
        keyboard.locator(f"button[data-key='{key}']").tap()
    assert page.locator("#text").input_value() == "Antrean lama"
    assert page.locator("#count").inner_text() == "12"
    page.get_by_label("Nama (boleh dikosongkan)").tap()
    for key in "budi":
        keyboard.locator(f"button[data-key='{key}']").tap()
    assert page.get_by_label("Nama (boleh dikosongkan)").input_value() == "budi"
    screenshot(page, "issue13-kiosk-complaint-keyboard")
    # The citizen walks away: the half-written complaint leaves the public screen.
    page.wait_for_url("**/kiosk/?kiosk=kios-1", timeout=15000)
    page.locator(".k-agency").first.wait_for()
    page.go_back()
    assert "/aduan/" not in page.url


def test_a_complaint_filed_at_the_kiosk_shows_its_due_date_as_a_date_and_goes_back(server, page_factory):
    page = page_factory(1080, 1920, has_touch=True)
    page.goto(server.url + "/aduan/?from=kiosk&kiosk=kios-1")
    page.locator("#text").tap()
    for key in "tolong":
        page.locator(f"#onscreen-keyboard button[data-key='{key}']").tap()
    page.locator("#submit").tap()
    page.locator("#done").wait_for()
    due = page.locator("#done-due").inner_text()
    assert not due[:4].isdigit() and any(
        m in due
        for m in ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
    )
    assert page.locator("#done-link").get_attribute("href").endswith("/kiosk/?kiosk=kios-1")
    screenshot(page, "issue13-kiosk-complaint-done")
