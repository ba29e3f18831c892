"""Issue 20's smaller findings, as the people meet them: the supervisor reads minutes, not a clock time;
a finished ticket stops offering the survey once it was answered; the booking form flags every empty
field at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from test_accessibility import blocking_violations

from conftest import PASSWORD, LiveServer, screenshot, tap_language
from loket.db import connect
from loket.timeutil import iso

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("walkthrough") / "live.db").start()
    yield live
    live.stop()


def backdate_call(server: LiveServer, number: str, minutes: int) -> None:
    """As if the ticket had been called that long ago (the server runs on the real clock)."""
    db = connect(server.db_path)
    try:
        when = iso(datetime.now(UTC) - timedelta(minutes=minutes))
        db.execute("UPDATE tickets SET called_at = ? WHERE number = ? AND status = 'called'", (when, number))
    finally:
        db.close()


@pytest.mark.parametrize(("language", "long_text", "short_text"), [("id", "1 j 5 mnt", "12 mnt"), ("en", "1 h 5 min", "12 min")])
def test_the_supervisor_reads_how_long_a_ticket_was_called_in_minutes(server, page_factory, language, long_text, short_text):
    numbers = []
    with server.session("petugas.dukcapil") as officer:
        for counter in (1, 2):
            assert officer.post(f"{server.url}/api/counters/{counter}/open", timeout=10).ok
            assert officer.post(f"{server.url}/api/tickets", json={"service_id": 1}, timeout=10).ok
            called = officer.post(f"{server.url}/api/counters/{counter}/call-next", timeout=10)
            numbers.append(called.json()["ticket"]["number"])
    first, second = numbers
    backdate_call(server, first, 65)
    backdate_call(server, second, 12)
    page = page_factory(1366, 768)
    page.goto(f"{server.url}/counter/")
    page.fill("#username", "supervisor.dukcapil")
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.click("#supervisor-link a")
    page.wait_for_url("**/counter/supervisor*")
    page.goto(f"{server.url}/counter/supervisor?lang={language}")
    expect(page.locator(".sv-counter[data-counter='1'] [data-since]")).to_have_text(long_text)
    expect(page.locator(".sv-counter[data-counter='2'] [data-since]")).to_have_text(short_text)
    screenshot(page, f"supervisor-elapsed-{language}-1366x768")
    assert blocking_violations(page) == []
    with server.session("petugas.dukcapil") as officer:
        for counter in (1, 2):
            assert officer.post(f"{server.url}/api/counters/{counter}/no-show", timeout=10).ok


def test_a_finished_ticket_stops_offering_the_survey_once_it_was_answered(server, page_factory):
    with server.session("petugas.imigrasi") as officer:
        ticket = officer.post(f"{server.url}/api/tickets", json={"service_id": 5}, timeout=10).json()
        assert officer.post(f"{server.url}/api/counters/5/open", timeout=10).ok
        assert officer.post(f"{server.url}/api/counters/5/call-next", timeout=10).ok
        assert officer.post(f"{server.url}/api/counters/5/complete", timeout=10).ok
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/t/{ticket['token']}")
    offer = page.locator("#t-survey")
    offer.wait_for()
    screenshot(page, "ticket-done-survey-offered-360x740")
    offer.tap()
    page.wait_for_url("**/survey/**")
    answers = {f"U{i}": 4 for i in range(1, 10)}
    answer = page.request.post(f"{server.url}/api/survey/answers", data={"ticket_token": ticket["token"], "answers": answers})
    assert answer.status == 201
    # Back on the ticket page, the offer has gone: the survey cannot be sent twice.
    page.go_back()
    page.locator("#t-survey-done").wait_for()
    assert offer.count() == 0
    assert "sudah kami terima" in page.locator("#t-status").inner_text()
    screenshot(page, "ticket-done-survey-answered-360x740")
    assert blocking_violations(page) == []
    page.reload()
    page.locator("#t-survey-done").wait_for()
    assert offer.count() == 0
    tap_language(page)
    assert "We have received your survey" in page.locator("#t-status").inner_text()


def test_the_booking_form_flags_every_invalid_field_at_once_beside_each(server, page_factory):
    page = page_factory(360, 740, has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/reservasi/")
    page.locator("[data-agency]", has_text="Imigrasi").tap()
    page.locator(".b-service [data-service]").first.tap()
    page.locator(".b-slot").first.tap()
    assert page.locator("#f-nik").count() == 1  # the passport asks for the NIK
    page.locator("#f-phone").fill("12345")
    page.locator("#details-form [type=submit]").tap()
    for name in ("name", "phone", "nik"):
        field = page.locator(f".b-field:has(#f-{name})")
        expect(field).to_have_class("b-field invalid")
        assert page.locator(f"#f-{name}").get_attribute("aria-invalid") == "true"
        assert page.locator(f"#f-{name}-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "f-name"
    screenshot(page, "booking-all-fields-flagged-360x740")
    assert blocking_violations(page) == []
    # Mending one field leaves the others flagged; mending all books the time.
    page.locator("#f-name").fill("Siti Aminah")
    page.locator("#details-form [type=submit]").tap()
    assert page.locator(".b-field.invalid").count() == 2
    page.locator("#f-phone").fill("0812 3456 7890")
    page.locator("#f-nik").fill("3201234567890123")
    page.locator("#details-form [type=submit]").tap()
    page.wait_for_url("**/reservasi/*")
