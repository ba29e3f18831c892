"""Phone pages carry their first data (issue 27): /ambil/ draws its agencies and /reservasi/ its bookable
agencies before any socket or API answer, which on a weak phone saves the handshake's round trips."""

import json
import re
import sqlite3

import pytest
import requests

from conftest import screenshot

pytestmark = pytest.mark.browser

NAME = "Dinas </script><script>window.__owned = 1</script> & Co"


def first_data(html: str, element_id: str):
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, f"#{element_id} is not in the page"
    return json.loads(found.group(1))


def test_the_phone_page_carries_the_snapshot_the_socket_would_send(live_server):
    html = requests.get(live_server.url + "/ambil/", timeout=10).text
    first = first_data(html, "first-snapshot")
    assert first["room"] == "kiosk"
    agencies = requests.get(live_server.url + "/api/agencies", timeout=10).json()
    assert [a["id"] for a in first["agencies"]] == [a["id"] for a in agencies]
    assert [s["id"] for a in first["agencies"] for s in a["services"]] == [s["id"] for a in agencies for s in a["services"]]
    # the lobby's counters, as the public room gets them: no officer's name (the MPP has not opted in)
    assert first["counters"] and all(c["officer"] is None and c["reason_note"] == "" for c in first["counters"])


def test_the_booking_page_carries_the_agencies(live_server):
    html = requests.get(live_server.url + "/reservasi/", timeout=10).text
    agencies = requests.get(live_server.url + "/api/agencies", timeout=10).json()
    assert [a["id"] for a in first_data(html, "agencies-data")] == [a["id"] for a in agencies]


def test_the_phone_page_lists_the_agencies_with_no_socket(live_server, page_factory):
    page = page_factory(360, 740)
    page.route("**/socket.io/**", lambda route: route.abort())
    page.goto(live_server.url + "/ambil/")
    page.locator(".k-card").first.wait_for()
    assert page.locator(".k-card").count() >= 5
    # The search button's magnifier (the rule hiding its text once hid the icon too, a 1 px speck)
    icon = page.locator(".k-search-label .l-icon").bounding_box()
    assert icon["width"] >= 16 and icon["height"] >= 16, icon
    screenshot(page, "ambil-first-data-360x740")


def test_the_booking_page_lists_the_agencies_with_no_api_answer(live_server, page_factory):
    page = page_factory(360, 740)
    page.route("**/api/agencies", lambda route: route.abort())
    page.route("**/socket.io/**", lambda route: route.abort())
    page.goto(live_server.url + "/reservasi/")
    page.locator("#screen .b-card").first.wait_for()
    screenshot(page, "reservasi-first-data-360x740")


def test_a_name_in_the_first_data_stays_text(live_server, page_factory):
    with sqlite3.connect(live_server.db_path) as conn:
        conn.execute("UPDATE agencies SET name = ? WHERE id = 1", (NAME,))
    html = requests.get(live_server.url + "/ambil/", timeout=10).text
    assert "</script><script>window.__owned" not in html
    assert first_data(html, "first-snapshot")["agencies"][0]["name"] == NAME
    page = page_factory(360, 740)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(live_server.url + "/ambil/")
    page.locator(".k-card").first.wait_for()
    assert NAME in page.locator("#screen").inner_text()
    assert page.evaluate("window.__owned") is None
    assert errors == []
