"""The officer's console at 1366×768: service names such as "KTP-el" stay whole, the choice list reads as buttons."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from conftest import KIOSK, PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_ktp_el_never_breaks_in_the_current_ticket_or_the_waiting_rows(live_server, page_factory):
    for _ in range(3):
        assert requests.post(live_server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).status_code == 201
    page = page_factory(1366, 768)
    page.goto(live_server.url + "/counter/")
    page.fill("#username", "petugas.dukcapil")
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    # Each counter is a real button inside a list item, so screen readers announce it as a button.
    choice = page.get_by_role("listitem").filter(has=page.get_by_role("button")).first
    expect(choice).to_be_visible()
    page.click("#counter-list button[data-id='1']")
    page.wait_for_url("**/counter/1")
    expect(page.locator("#connection")).to_have_text("Tersambung")
    expect(page.locator(".state.active")).to_contain_text("Buka")
    page.keyboard.press("n")  # the officer calls the next citizen from the keyboard
    expect(page.locator("#current-service")).to_contain_text("KTP-el")
    expect(page.locator("#waiting-list .nobr").first).to_be_visible()
    words = page.evaluate(
        """() => [...document.querySelectorAll('#current-service .nobr, #waiting-list .nobr')].map((n) => ({
          text: n.textContent, height: n.getBoundingClientRect().height, font: parseFloat(getComputedStyle(n).fontSize) }))"""
    )
    assert words
    for word in words:
        assert word["text"] == "KTP-el"
        assert word["height"] <= word["font"] * 1.8, f"KTP-el wraps onto two lines: {word}"
    assert page.locator("#waiting-list .nobr").count() >= 1
    screenshot(page, "issue13-counter-console-1366x768")
