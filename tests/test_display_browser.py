"""The lobby display in a real Chromium against a real server: calls appear at once, are announced once, in order."""

import time

import pytest

from conftest import KIOSK, screenshot
from loket.db import connect
from loket.speech import announcement, short_announcement

pytestmark = pytest.mark.browser

READY = (
    "() => window.__loketDisplay && window.__loketDisplay.state.snapshot && document.getElementById('conn').dataset.state === 'connected'"
)


def open_display(page_factory, server, query: str, width: int = 1920, height: int = 1080):
    page = page_factory(width, height)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{server.url}/display/?{query}")
    page.wait_for_function(READY)
    page.errors = errors
    return page


def officer(server, username: str, counters: tuple[int, ...]):
    session = server.session(username)
    for counter_id in counters:
        assert session.post(f"{server.url}/api/counters/{counter_id}/open", timeout=10).status_code == 200
    return session


def issue(server, service_id: int, count: int = 1) -> list[str]:
    with server.session() as kiosk:
        return [
            kiosk.post(f"{server.url}/api/tickets", headers=KIOSK, json={"service_id": service_id}, timeout=10).json()["number"]
            for _ in range(count)
        ]


def call_next(session, server, counter_id: int) -> dict:
    response = session.post(f"{server.url}/api/counters/{counter_id}/call-next", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["ticket"]


def history(page) -> list[str]:
    return page.locator("#history .h-number").all_inner_texts()


def spoken(page) -> list[str]:
    return page.evaluate("window.__loketSpoken")


def panel(page) -> list[str]:
    """The numbers on the "now calling" tiles, newest first."""
    return page.locator("#tiles .t-number").all_inner_texts()


def test_a_call_shows_on_the_lobby_within_a_second_and_is_announced(live_server, page_factory):
    page = open_display(page_factory, live_server, "display=lobi")
    assert page.locator("#mpp-name").inner_text() == "Mal Pelayanan Publik Kota Contoh"
    assert page.locator("#ticker-text").inner_text().startswith("Selamat datang")
    assert page.locator("#time").inner_text().endswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
    assert page.locator("#date").inner_text().split(",")[0] in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
    petugas = officer(live_server, "petugas.dukcapil", (1,))
    (number,) = issue(live_server, 1)

    started = time.monotonic()
    ticket = call_next(petugas, live_server, 1)
    page.wait_for_function(f"() => document.getElementById('call-number')?.textContent === {number!r}", timeout=1000)
    assert time.monotonic() - started < 1.0
    assert ticket["number"] == number
    assert page.locator("#call-counter").inner_text() == "1"
    assert page.locator("#call-agency").inner_text() == "DUKCAPIL · KTP-el"  # the service's short name
    assert page.locator("#call-agency").get_attribute("title") == "Dinas Kependudukan dan Pencatatan Sipil · Perekaman & Pencetakan KTP-el"
    assert panel(page) == [number]
    assert history(page) == []  # a call on the panel is not listed twice
    page.wait_for_function(f"() => document.querySelector('[data-counter-id=\"1\"] .c-number').textContent === {number!r}")
    assert spoken(page) == [announcement(number, 1)]

    # The chime, then the voice: server-rendered audio of this very call when the browser has no id-ID voice.
    mode = page.evaluate("window.__loketSpeech.mode")
    assert mode in ("browser", "server", "chime")
    page.wait_for_function("() => window.__loketSpeech.log[0].state === 'done'", timeout=20000)
    sounds = page.evaluate("window.__loketSpeech.sounds")
    assert sounds[0]["url"] == "/display/chime.wav"
    if mode == "server":
        assert sounds[1]["url"] == f"/display/audio/{page.evaluate('window.__loketSpeech.log[0].call_id')}.wav"
    blocked = [s for s in sounds if s["result"] == "blocked"]
    assert all(s["result"] in ("ended", "blocked") for s in sounds), sounds
    # Chromium may block sound without a gesture: then the one-tap overlay is shown, and a tap unlocks it.
    assert page.locator("#unmute").is_visible() == bool(blocked)
    screenshot(page, "display-1920x1080")
    if blocked:
        page.get_by_role("button", name="Aktifkan suara").click()
        page.wait_for_selector("#unmute", state="hidden")

    # The voice mode reaches the server so the admin can see it.
    assert mode in ("browser", "server", "chime")
    deadline = time.monotonic() + 5
    db = connect(live_server.db_path)
    try:
        while db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] != mode and time.monotonic() < deadline:
            time.sleep(0.1)
        assert db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] == mode
    finally:
        db.close()
    assert page.errors == []


def test_five_quick_calls_are_all_shown_and_a_counters_newer_call_replaces_its_unspoken_one_then_a_recall_again(live_server, page_factory):
    page = open_display(page_factory, live_server, "display=lobi", 1280, 720)
    petugas = officer(live_server, "petugas.dukcapil", (1, 2, 3))
    issue(live_server, 1, 5)
    calls = [call_next(petugas, live_server, counter_id) for counter_id in (1, 2, 3, 1, 2)]
    numbers = [c["number"] for c in calls]
    page.wait_for_function(f"() => document.getElementById('call-number')?.textContent === {numbers[-1]!r}", timeout=1000)
    # One tile per counter, newest first; the calls the counters moved on from are in the history.
    assert panel(page) == [numbers[4], numbers[3], numbers[2]]
    assert history(page)[:2] == [numbers[1], numbers[0]]

    # The first call is said at once; Loket 2's second call replaces its first, never said; while others
    # wait the short sentence is used; the last one, with nobody waiting, in full.
    expected = [
        announcement(numbers[0], 1),
        short_announcement(numbers[2], 3),
        short_announcement(numbers[3], 1),
        announcement(numbers[4], 2),
    ]
    page.wait_for_function(f"() => window.__loketSpoken.length === {len(expected)}", timeout=30000)
    assert spoken(page) == expected
    states = {e["number"]: e["state"] for e in page.evaluate("window.__loketSpeech.log")}
    assert states[numbers[1]] == "replaced"
    # Never two at once: the queue speaks one announcement after the other.
    for _ in range(10):
        states = [s for s in page.evaluate("window.__loketSpeech.log.map(e => e.state)") if s != "replaced"]
        assert states.count("speaking") <= 1
        assert states == sorted(states, key=["done", "speaking", "queued"].index)
        time.sleep(0.2)
    screenshot(page, "display-1280x720")

    assert petugas.post(f"{live_server.url}/api/counters/2/recall", timeout=10).status_code == 200
    page.wait_for_function(f"() => window.__loketSpoken.length === {len(expected) + 1}", timeout=15000)
    assert spoken(page)[-1] == announcement(numbers[4], 2)
    assert page.errors == []


def test_after_a_server_restart_the_display_heals_without_replaying(live_server, page_factory):
    page = open_display(page_factory, live_server, "display=lobi")
    petugas = officer(live_server, "petugas.dukcapil", (1,))
    first, second = issue(live_server, 1, 2)
    call_next(petugas, live_server, 1)
    page.wait_for_function("() => window.__loketSpoken.length === 1")
    # The server goes away between announcements, not in the middle of one (whose audio would then wait
    # out its own timeout before the next call could be said).
    page.wait_for_function("() => window.__loketSpeech.log.every(e => e.state === 'done')", timeout=20000)
    before = page.evaluate("window.__loketDisplay.state.snapshot.server_time")

    live_server.stop()
    page.wait_for_function("() => document.getElementById('conn').dataset.state === 'offline'", timeout=15000)
    assert page.locator("#conn-text").inner_text().startswith("Terputus")
    screenshot(page, "display-offline")
    live_server.start()
    page.wait_for_function(f"() => {READY[6:]} && window.__loketDisplay.state.snapshot.server_time !== {before!r}", timeout=20000)
    assert spoken(page) == [announcement(first, 1)]  # the snapshot's calls are not replayed
    assert panel(page) == [first]

    petugas = live_server.session("petugas.dukcapil")
    call_next(petugas, live_server, 1)
    page.wait_for_function("() => window.__loketSpoken.length === 2", timeout=10000)
    assert spoken(page)[1] == announcement(second, 1)

    # A refresh of the TV does not replay either: announced calls are remembered for the day.
    page.reload()
    page.wait_for_function(READY)
    page.wait_for_timeout(500)
    assert spoken(page) == []
    assert panel(page) == [second]
    assert history(page)[0] == first


def test_displays_filtered_to_different_agencies_show_only_their_own_calls(live_server, page_factory):
    # A registered zone display shows its floor's agencies; it has no running text, so no ticker.
    floor = open_display(page_factory, live_server, "display=lantai-2", 1280, 720)
    assert set(floor.locator(".c-agency").all_inner_texts()) == {"POLRES", "BPJSKES", "BPJSTK", "KPP", "BPN"}
    assert floor.locator("#ticker").is_hidden()
    assert floor.locator("#location").inner_text() == "Ruang tunggu lantai 2"

    dukcapil = open_display(page_factory, live_server, "display=loket-dukcapil&agency=1")
    imigrasi = open_display(page_factory, live_server, "display=loket-imigrasi&agency=2", 1080, 1920)
    assert dukcapil.locator("[data-counter-id]").evaluate_all("cards => cards.map(c => c.dataset.counterId)") == ["1", "2", "3", "4"]
    assert imigrasi.locator("[data-counter-id]").evaluate_all("cards => cards.map(c => c.dataset.counterId)") == ["5", "6"]
    assert set(dukcapil.locator(".w-prefix").all_inner_texts()) == {"A", "B", "C", "D"}
    assert set(imigrasi.locator(".w-prefix").all_inner_texts()) == {"E", "F"}

    duk = officer(live_server, "petugas.dukcapil", (1,))
    imi = officer(live_server, "petugas.imigrasi", (5,))
    (a,) = issue(live_server, 1)
    (e,) = issue(live_server, 5)
    call_next(duk, live_server, 1)
    call_next(imi, live_server, 5)

    dukcapil.wait_for_function(f"() => document.getElementById('call-number')?.textContent === {a!r}")
    imigrasi.wait_for_function(f"() => document.getElementById('call-number')?.textContent === {e!r}")
    dukcapil.wait_for_timeout(500)
    assert panel(dukcapil) == [a] and history(dukcapil) == []
    assert panel(imigrasi) == [e] and history(imigrasi) == []
    assert spoken(dukcapil) == [announcement(a, 1)]
    assert spoken(imigrasi) == [announcement(e, 5)]
    assert history(floor) == [] and panel(floor) == [] and spoken(floor) == []
    assert dukcapil.locator("#location").inner_text().startswith("Layar belum terdaftar")
    screenshot(imigrasi, "display-portrait-1080x1920")
