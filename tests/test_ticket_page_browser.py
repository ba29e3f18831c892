"""The citizen's phone: a paperless ticket from /ambil/, and the ticket page turning to "called" live."""

from __future__ import annotations

import pytest
import requests

from conftest import KIOSK, LiveServer, copy_demo, screenshot, tap_language

pytestmark = pytest.mark.browser

# Record vibration calls: Chromium headless has no motor, but the page must still ask for one.
VIBRATE_SPY = "navigator.vibrate = (pattern) => { window.__vibrated = pattern; return true; };"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module (each test uses its own service): starting one costs seconds."""
    live = LiveServer(tmp_path_factory.mktemp("ticket-page") / "live.db").start()
    yield live
    live.stop()


def test_a_phone_ticket_page_turns_into_the_call_to_a_counter(live_server, page_factory):
    page = page_factory(390, 844, has_touch=True, is_mobile=True)
    page.add_init_script(VIBRATE_SPY)
    page.goto(live_server.url + "/ambil/")
    page.locator(".k-agency", has_text="Kependudukan").tap()
    page.locator(".k-service", has_text="KTP-el").tap()
    screenshot(page, "phone-390x844-service")
    page.locator("[data-action=take]").tap()
    page.wait_for_url("**/t/*")
    assert page.locator("#t-number").inner_text() == "A001"
    page.locator("#live-state", has_text="Terhubung").wait_for()
    screenshot(page, "phone-390x844-ticket-waiting")

    with live_server.session("petugas.dukcapil") as officer:
        assert officer.post(f"{live_server.url}/api/counters/1/open", timeout=10).status_code == 200
        called = officer.post(f"{live_server.url}/api/counters/1/call-next", timeout=10).json()["ticket"]
        assert called["number"] == "A001"
        call = page.locator("#t-status .k-t-call")
        call.wait_for(timeout=5000)
        assert call.inner_text() == "Silakan menuju loket 1"
        assert page.evaluate("window.__vibrated") is not None
        screenshot(page, "phone-390x844-ticket-called")

        assert officer.post(f"{live_server.url}/api/counters/1/complete", timeout=10).status_code == 200
        survey = page.locator("#t-survey")
        survey.wait_for(timeout=5000)
        token = page.url.rsplit("/", 1)[1]
        assert survey.get_attribute("href") == f"/survey/?ticket={token}"
        assert page.locator("#t-complaint").get_attribute("href") == f"/aduan/?ticket={token}"
        screenshot(page, "phone-390x844-ticket-done")


def test_the_ticket_page_follows_the_queue_ahead_of_it(live_server, page_factory):
    with live_server.session("petugas.imigrasi") as officer:
        assert officer.post(f"{live_server.url}/api/counters/5/open", timeout=10).status_code == 200
    with live_server.session() as http:
        first = http.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 5}, timeout=10).json()
        second = http.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 5}, timeout=10).json()
        page = page_factory(390, 844, has_touch=True, is_mobile=True)
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/tickets/" in r.url else None)
        page.goto(f"{live_server.url}/t/{second['token']}")
        assert page.locator("#t-ahead").inner_text() == "1"
        page.locator("#live-state", has_text="Terhubung").wait_for()
        # The citizen ahead gives up: this page learns it without a reload, and without asking: the
        # server sends its new place (loket/places.py), so a thousand open pages are no thousand requests.
        assert http.post(f"{live_server.url}/api/tickets/{first['token']}/cancel", timeout=10).status_code == 200
        page.locator("#t-status", has_text="Anda berikutnya").wait_for(timeout=5000)
        page.wait_for_timeout(1600)  # the old page asked 0.8–1.5 s after a change
        assert asked == []
        # Said plainly: no "0 ahead" and no "± 0 menit" beside it.
        assert "menit" not in page.locator("#t-status").inner_text()
        assert page.locator("#t-ahead").count() == 0
        tap_language(page)
        assert "You are next!" in page.locator("#t-status").inner_text()
        assert page.locator("#live-state").inner_text() == "Connected · live"  # the header too, not only the card
        screenshot(page, "phone-390x844-ticket-next-en")


@pytest.mark.parametrize("network", ["fast", "slow"])
def test_the_ticket_page_goes_live_on_the_websocket_it_opened_while_loading(live_server, page_factory, network):
    """early-socket.js opens the connection before the page's modules run and live() adopts it: already
    open with its first frames waiting (fast), or still opening when the modules are ready (400 ms away)."""
    with live_server.session() as http:
        ticket = http.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 9}, timeout=10).json()
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    if network == "slow":
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions", {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
        )
    page.goto(f"{live_server.url}/t/{ticket['token']}")
    page.locator("#live-state", has_text="Terhubung · diperbarui langsung").wait_for(timeout=15_000)
    assert sockets == [live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket&connect=1"]
    with live_server.session("petugas.polres") as officer:
        assert officer.post(f"{live_server.url}/api/counters/9/open", timeout=10).status_code == 200
        assert officer.post(f"{live_server.url}/api/counters/9/call-next", timeout=10).json()["ticket"]["id"] == ticket["id"]
    page.locator("#t-status .k-t-call", has_text="Silakan menuju loket 9").wait_for(timeout=10_000)
    assert len(sockets) == 1


def test_the_ticket_page_comes_back_live_after_a_server_restart(tmp_path, demo_template, page_factory):
    """The early websocket is taken once: after a crash and restart the page opens a connection of its
    own, follows its ticket again and hears its call."""
    server = LiveServer(copy_demo(demo_template, tmp_path / "restart.db")).start()
    try:
        ticket = requests.post(f"{server.url}/api/tickets", headers=KIOSK, json={"service_id": 9}, timeout=10).json()
        page = page_factory(360, 740, has_touch=True, is_mobile=True)
        page.goto(f"{server.url}/t/{ticket['token']}")
        page.locator("#live-state", has_text="Terhubung · diperbarui langsung").wait_for()
        server.kill()
        page.locator("#live-state:not(:has-text('Terhubung'))").wait_for(timeout=10_000)
        server.start()
        page.locator("#live-state", has_text="Terhubung · diperbarui langsung").wait_for(timeout=15_000)
        with server.session("petugas.polres") as officer:
            assert officer.post(f"{server.url}/api/counters/9/open", timeout=10).status_code == 200
            assert officer.post(f"{server.url}/api/counters/9/call-next", timeout=10).json()["ticket"]["id"] == ticket["id"]
        page.locator("#t-status .k-t-call", has_text="Silakan menuju loket 9").wait_for(timeout=10_000)
    finally:
        server.stop()
