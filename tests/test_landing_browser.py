"""The landing page in a real Chromium: every screen is one tap away."""

import pytest

from conftest import screenshot

pytestmark = pytest.mark.browser


def test_landing_page_links_every_screen(live_server, page_factory):
    page = page_factory()
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Loket"
    hrefs = page.locator("nav.screens a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for screen in ("/kiosk/", "/display/?display=lobi", "/counter/", "/admin/", "/aduan/", "/ambil/"):
        assert screen in hrefs
    screenshot(page, "landing-1920x1080")
    response = page.request.get(live_server.url + "/vendor/socket.io.esm.min.js")
    assert response.ok and "io" in response.text()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (360, 740)])
def test_the_landing_page_switches_to_english_and_back(live_server, page_factory, width, height):
    page = page_factory(width, height)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "id"
    screenshot(page, f"landing-id-{width}x{height}")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Take a queue number on the touchscreen" in page.locator("nav.screens").inner_text()
    screenshot(page, f"landing-en-{width}x{height}")
    page.get_by_role("link", name="Bahasa Indonesia").click()
    page.wait_for_url("**/?lang=id")
    assert "Ambil nomor antrean di layar sentuh" in page.locator("nav.screens").inner_text()


def test_an_es_module_reads_the_english_catalog(live_server, page_factory):
    page = page_factory(1366, 768)
    page.goto(live_server.url + "/")
    script = """async () => {
        const m = await import("/static/loket.js");
        const before = m._("Diterima");
        await m.loadTexts("en");
        const english = m._("Diterima");
        await m.loadTexts("id");
        return [before, english, m._("Diterima"), m._("Teks yang tidak ada")];
    }"""
    assert page.evaluate(script) == ["Diterima", "Received", "Diterima", "Teks yang tidak ada"]
