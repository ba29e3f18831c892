"""An admin pairs a kiosk PC from the admin's kiosk form; the link opened on the kiosk PC makes it issue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_pairs_a_kiosk_pc_and_the_link_makes_that_pc_the_kiosk(live_server, page_factory):
    admin = page_factory(1366, 768)
    admin.goto(live_server.url + "/admin/#kiosks")
    admin.fill("#login-form input[name=username]", "admin")
    admin.fill("#login-form input[name=password]", PASSWORD)
    admin.click("#login-form button[type=submit]")
    expect(admin.locator("#view h1")).to_have_text("Kios & printer")
    admin.locator("tr", has_text="kios-1").get_by_role("button").first.click()
    admin.once("dialog", lambda dialog: dialog.accept())  # the PC paired now stops issuing: the admin confirms
    admin.get_by_role("button", name="Pasangkan ulang PC kios").click()
    link = admin.locator(".notice a.pair-link")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert "/kiosk/?kiosk=kios-1#pair=" in url
    screenshot(admin, "admin-kiosk-paired-1366x768")

    kiosk = page_factory(1080, 1920, has_touch=True)
    kiosk.goto(url)
    kiosk.locator(".k-agency", has_text="Kepolisian").tap()
    kiosk.locator(".k-service", has_text="SKCK").tap()
    kiosk.locator("[data-action=take]").tap()
    expect(kiosk.locator("#issued-number")).to_be_visible()
    assert "#pair" not in kiosk.url
