"""The officer's console in a real Chromium, driven by mouse and by keyboard as an officer would."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from conftest import KIOSK, PASSWORD, screenshot

pytestmark = pytest.mark.browser


def issue(server, service_id: int = 1, count: int = 1) -> list[str]:
    numbers = []
    for _ in range(count):
        response = requests.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": service_id}, timeout=10)
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    return numbers


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def open_console(page, server, username: str, counter_id: int) -> None:
    """Log in by mouse, pick the counter, and wait until the console is live."""
    page.goto(server.url + "/counter/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.click(f"#counter-list button[data-id='{counter_id}']")
    page.wait_for_url(f"**/counter/{counter_id}")
    expect(page.locator("#connection")).to_have_text("Tersambung")
    expect(page.locator(".state.active")).to_contain_text("Buka")


def current(page):
    return page.locator("#current-number")


def test_officer_serves_by_mouse_and_transfers_to_another_agency(live_server, page_factory):
    numbers = issue(live_server, count=4)
    officer = page_factory(1920, 1080)
    errors = watch_errors(officer)

    officer.goto(live_server.url + "/counter/")
    officer.fill("#username", "petugas.dukcapil")
    officer.fill("#password", "salah-sekali")
    officer.click("#login button[type=submit]")
    expect(officer.locator("#login-message")).to_have_text("Nama pengguna atau kata sandi salah.")
    screenshot(officer, "counter-login-wrong-1920x1080")
    open_console(officer, live_server, "petugas.dukcapil", 1)

    expect(officer.locator("#waiting-list tr")).to_have_count(4)
    expect(officer.locator("[data-service-count='1']")).to_have_text("4")
    expect(officer.locator("[data-action=recall]")).to_be_disabled()
    expect(officer.locator("[data-action=complete]")).to_be_disabled()

    officer.click("[data-action=next]")
    expect(current(officer)).to_have_text(numbers[0])
    expect(officer.locator("#waiting-list tr")).to_have_count(3)
    expect(officer.locator("[data-action=start]")).to_be_enabled()
    officer.click("[data-action=recall]")
    expect(officer.locator("#current-status")).to_contain_text("2×")
    officer.click("[data-action=start]")
    expect(officer.locator("#current-status")).to_contain_text("Dilayani")
    expect(officer.locator("[data-action=noshow]")).to_be_disabled()
    screenshot(officer, "counter-console-serving-1920x1080")
    officer.click("[data-action=complete]")
    expect(current(officer)).to_have_text("—")
    expect(officer.locator("#today-served")).to_have_text("1")

    officer.click("[data-action=next]")
    expect(current(officer)).to_have_text(numbers[1])
    officer.click("[data-action=noshow]")
    expect(officer.locator("#noshow-dialog")).to_be_visible()
    expect(officer.locator("#noshow-title")).to_have_text(f"Tandai {numbers[1]} tidak hadir?")
    officer.click("#noshow-confirm")
    expect(current(officer)).to_have_text("—")
    expect(officer.locator("#today-noshows")).to_have_text("1")

    # A kiosk issues while the officer works: the list grows without a reload.
    late = issue(live_server)[0]
    expect(officer.locator("#waiting-list tr")).to_have_count(3)
    expect(officer.locator("#waiting-list")).to_contain_text(late)

    receiver = page_factory(1366, 768)
    errors += watch_errors(receiver)
    open_console(receiver, live_server, "petugas.imigrasi", 5)
    expect(receiver.locator("#waiting-empty")).to_be_visible()

    officer.click("[data-action=next]")
    expect(current(officer)).to_have_text(numbers[2])
    officer.click("[data-action=transfer]")
    officer.fill("#transfer-search", "paspor baru")
    expect(officer.locator("#transfer-options li")).to_have_count(1)
    officer.click("#transfer-options li")
    expect(officer.locator("#transfer-target")).to_contain_text("Paspor Baru — Kantor Imigrasi")
    officer.fill("#transfer-note", "Sudah rekam KTP-el, <b>perlu</b> paspor")
    screenshot(officer, "counter-transfer-picker-1920x1080")
    officer.click("#transfer-confirm")
    expect(officer.locator("#transfer-dialog")).to_be_hidden()
    expect(current(officer)).to_have_text("—")

    row = receiver.locator("#waiting-list tr", has_text=numbers[2])
    expect(row).to_contain_text("dialihkan")
    expect(receiver.locator("[data-service-count='5']")).to_have_text("1")
    receiver.click("[data-action=next]")
    expect(current(receiver)).to_have_text(numbers[2])
    expect(receiver.locator("#current-note")).to_have_text("Dialihkan: Sudah rekam KTP-el, <b>perlu</b> paspor")
    expect(receiver.locator("#current-status")).not_to_contain_text("×")  # called once here, whatever happened at Dukcapil
    screenshot(receiver, "counter-received-transfer-1366x768")

    # Tunda and one-click resume, without a new number.
    officer.click("[data-action=next]")
    expect(current(officer)).to_have_text(numbers[3])
    officer.click("[data-action=hold]")
    expect(current(officer)).to_have_text("—")
    expect(officer.locator("#held-list")).to_contain_text(numbers[3])
    officer.click("#held-list button[data-resume]")
    expect(current(officer)).to_have_text(numbers[3])
    expect(officer.locator("#held-count")).to_have_text("0")

    # The server's refusal reaches the officer in its own words.
    officer.fill("#call-number", "Z999")
    officer.click("[data-action=call]")
    expect(officer.locator("#message")).to_have_text("Nomor antrean tidak ditemukan.")
    screenshot(officer, "counter-console-message-1920x1080")
    assert errors == []


def test_officer_serves_by_keyboard_only(live_server, page_factory):
    numbers = issue(live_server, count=4)
    page = page_factory(1366, 768)
    errors = watch_errors(page)
    keys = page.keyboard
    page.goto(live_server.url + "/counter/")
    keys.type("petugas.dukcapil")  # the username field has focus on arrival
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    expect(page.locator("#counter-list button[data-id='1']")).to_be_focused()
    keys.press("Enter")
    page.wait_for_url("**/counter/1")
    expect(page.locator("#connection")).to_have_text("Tersambung")
    expect(page.locator("#waiting-list tr")).to_have_count(4)

    keys.press("F1")
    expect(current(page)).to_have_text(numbers[0])
    keys.press("r")
    expect(page.locator("#current-status")).to_contain_text("2×")
    keys.press("s")
    expect(page.locator("#current-status")).to_contain_text("Dilayani")
    keys.press("d")
    expect(current(page)).to_have_text("—")
    expect(page.locator("#today-served")).to_have_text("1")

    keys.press("n")
    expect(current(page)).to_have_text(numbers[1])
    keys.press("x")
    expect(page.locator("#noshow-dialog")).to_be_visible()
    keys.press("Escape")  # changed their mind: nothing happens
    expect(page.locator("#noshow-dialog")).to_be_hidden()
    expect(current(page)).to_have_text(numbers[1])
    keys.press("x")
    keys.press("Enter")
    expect(current(page)).to_have_text("—")
    expect(page.locator("#today-noshows")).to_have_text("1")

    keys.press("n")
    expect(current(page)).to_have_text(numbers[2])
    keys.press("t")
    expect(page.locator("#transfer-search")).to_be_focused()
    keys.type("imigrasi")
    expect(page.locator("#transfer-options li")).to_have_count(2)
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(page.locator("#transfer-target")).to_contain_text("Penggantian Paspor")
    expect(page.locator("#transfer-note")).to_be_focused()
    keys.type("Paspor lama rusak")
    screenshot(page, "counter-transfer-keyboard-1366x768")
    keys.press("Enter")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    expect(current(page)).to_have_text("—")
    detail = requests.get(live_server.url + "/api/counters", params={"agency_id": 2}, timeout=10)
    assert detail.ok

    keys.press("n")
    expect(current(page)).to_have_text(numbers[3])
    keys.press("h")
    expect(page.locator("#held-list")).to_contain_text(numbers[3])
    keys.press("l")
    expect(current(page)).to_have_text(numbers[3])
    keys.press("d")
    expect(current(page)).to_have_text("—")

    # The no-show returns: type the number to call it again.
    keys.press("c")
    expect(page.locator("#call-number")).to_be_focused()
    keys.type(numbers[1].lower())
    keys.press("Enter")
    expect(current(page)).to_have_text(numbers[1])
    keys.press("d")
    keys.press("i")  # the reason sheet: its first reason by its digit
    expect(page.locator("#reason-dialog")).to_be_visible()
    keys.press("1")
    expect(page.locator(".state.active")).to_contain_text("Istirahat")
    expect(page.locator("[data-action=next]")).to_be_disabled()
    screenshot(page, "counter-console-paused-1366x768")
    keys.press("k")
    page.locator("#until-chips label", has_text="30 mnt").click()  # within the approval threshold: closes at once
    keys.press("1")
    expect(page.locator(".state.active")).to_contain_text("Tutup")
    assert errors == []


def test_two_counters_pressing_next_together_never_get_the_same_citizen(live_server, page_factory):
    issue(live_server, count=8)
    one, two = page_factory(1366, 768), page_factory(1366, 768)
    open_console(one, live_server, "petugas.dukcapil", 1)
    open_console(two, live_server, "petugas.dukcapil", 2)
    expect(two.locator("#waiting-list tr")).to_have_count(8)
    seen = []
    for _ in range(4):
        expect(one.locator("[data-action=next]")).to_be_enabled()
        expect(two.locator("[data-action=next]")).to_be_enabled()
        before = (current(one).inner_text(), current(two).inner_text())
        # Both clicks are dispatched before either answer arrives.
        one.evaluate("document.querySelector('[data-action=next]').click()")
        two.evaluate("document.querySelector('[data-action=next]').click()")
        expect(current(one)).not_to_have_text(before[0])
        expect(current(two)).not_to_have_text(before[1])
        pair = (current(one).inner_text(), current(two).inner_text())
        assert pair[0] != pair[1]
        seen += pair
    assert len(set(seen)) == 8
    expect(one.locator("#waiting-empty")).to_be_visible()
    screenshot(two, "counter-console-race-1366x768")

    # The same counter in a second tab: both stay consistent and one "next" never becomes two calls.
    numbers = issue(live_server, count=3)
    one.click("[data-action=complete]")
    expect(current(one)).to_have_text("—")
    tab_b = one.context.new_page()
    tab_b.goto(live_server.url + "/counter/1")
    expect(tab_b.locator("#connection")).to_have_text("Tersambung")
    expect(tab_b.locator("#waiting-list tr")).to_have_count(3)
    # Tab B's "next" leaves while it still shows an empty counter, and is held on the wire until
    # tab A's "next" has called the citizen: the worst interleaving, made certain.
    held = []
    tab_b.route("**/call-next", lambda route: held.append(route))
    tab_b.click("[data-action=next]")
    one.click("[data-action=next]")
    expect(current(one)).to_have_text(numbers[0])
    expect(current(tab_b)).to_have_text(numbers[0])
    assert len(held) == 1
    held[0].continue_()
    expect(tab_b.locator("#message")).to_contain_text("berubah di layar lain")
    expect(current(one)).to_have_text(numbers[0])
    expect(current(tab_b)).to_have_text(numbers[0])
    expect(one.locator("#waiting-list tr")).to_have_count(2)
    expect(tab_b.locator("#waiting-list tr")).to_have_count(2)
    tab_b.unroute("**/call-next")
    served = int(tab_b.locator("#today-served").inner_text())
    tab_b.click("[data-action=start]")
    expect(one.locator("#current-status")).to_contain_text("Dilayani")
    one.click("[data-action=complete]")
    expect(current(tab_b)).to_have_text("—")
    expect(tab_b.locator("#today-served")).to_have_text(str(served + 1))
    screenshot(tab_b, "counter-console-second-tab-1366x768")


def test_supervisor_sees_every_counter_of_the_agency_live(live_server, page_factory):
    issue(live_server, count=2)
    supervisor = page_factory(1920, 1080)
    errors = watch_errors(supervisor)
    supervisor.goto(live_server.url + "/counter/")
    supervisor.fill("#username", "supervisor.dukcapil")
    supervisor.fill("#password", PASSWORD)
    supervisor.click("#login button[type=submit]")
    supervisor.click("#supervisor-link a")
    supervisor.wait_for_url("**/counter/supervisor")
    expect(supervisor.locator(".sv-counter")).to_have_count(4)
    expect(supervisor.locator(".agency-block")).to_have_count(1)
    expect(supervisor.locator(".sv-counter[data-counter='1'] .sv-state")).to_have_text("Tutup")
    expect(supervisor.locator(".service-count[data-service='1'] strong")).to_have_text("2")

    officer = live_server.session("petugas.dukcapil")
    assert officer.post(live_server.url + "/api/counters/1/open", timeout=10).ok
    assert officer.post(live_server.url + "/api/counters/1/call-next", timeout=10).ok
    card = supervisor.locator(".sv-counter[data-counter='1']")
    expect(card.locator(".sv-state")).to_have_text("Buka · Petugas Dukcapil")
    expect(card.locator(".sv-current")).to_have_text("A001")
    expect(supervisor.locator(".service-count[data-service='1'] strong")).to_have_text("1")
    issue(live_server, service_id=2)
    expect(supervisor.locator(".service-count[data-service='2'] strong")).to_have_text("1")
    screenshot(supervisor, "counter-supervisor-1920x1080")
    officer.close()

    # An Imigrasi officer typing the address lands on a refusal, not on Dukcapil's console.
    intruder = page_factory(1366, 768)
    intruder.goto(live_server.url + "/counter/")
    intruder.fill("#username", "petugas.imigrasi")
    intruder.fill("#password", PASSWORD)
    intruder.click("#login button[type=submit]")
    expect(intruder.locator("#counter-list button")).to_have_count(2)
    expect(intruder.locator("#counter-list")).not_to_contain_text("Loket 1\n")
    response = intruder.goto(live_server.url + "/counter/1")
    assert response.status == 403
    expect(intruder.locator(".refused .message")).to_have_text("Anda tidak berwenang melakukan tindakan ini.")
    assert intruder.goto(live_server.url + "/counter/supervisor").status == 403
    screenshot(intruder, "counter-refused-1366x768")
    assert re.search(r"/counter/supervisor$", supervisor.url)
    assert errors == []
