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
