"""The headline figures and the day hour by hour equal what the report functions compute, on a day
scripted through the real queue rules with the injectable clock; and the IKM's minimum sample."""

from __future__ import annotations

import pytest

from conftest import login
from loket import reports, tickets
from loket.ikm import minimum_sample

KTP, KK, PASPOR = 1, 2, 5
DAY = "2026-11-25"


@pytest.fixture
def day(db, clock):
    """Wednesday 25 Nov 2026 (WIB), over three hours.

    08:10, 08:20, 08:40 three KTP tickets; 08:50 one Paspor.
    09:05 A001 called, 09:06 started, 09:20 done (70 min after issue: within a promise of 75).
    09:30 A002 called, 09:32 no-show.
    10:15 A003 called, 10:16 started, 10:30 done (110 min after issue: late).
    10:40 another KTP; at 10:45 (now) waiting: E001 (Paspor) and A004.
    """
    db.execute("UPDATE services SET promised_minutes = 75 WHERE id = ?", (KTP,))
    officer = db.execute("SELECT id FROM users WHERE username = 'petugas.dukcapil'").fetchone()[0]

    def at(hhmm: str):
        clock.set_local(f"{DAY}T{hhmm}:00")
        return clock()

    tickets.set_counter_state(db, 1, "open", at("08:00"), officer)
    for hhmm, service in (("08:10", KTP), ("08:20", KTP), ("08:40", KTP), ("08:50", PASPOR)):
        tickets.issue(db, service, at(hhmm))
    tickets.call_next(db, 1, at("09:05"), officer)
    tickets.start(db, 1, at("09:06"), officer)
    tickets.complete(db, 1, at("09:20"), officer)
    tickets.call_next(db, 1, at("09:30"), officer)
    tickets.no_show(db, 1, at("09:32"), officer)
    tickets.call_next(db, 1, at("10:15"), officer)
    tickets.start(db, 1, at("10:16"), officer)
    tickets.complete(db, 1, at("10:30"), officer)
    tickets.issue(db, KTP, at("10:40"))
    at("10:45")
    return db


def by_hour(data: dict) -> dict:
    return {h["hour"]: (h["issued"], h["served"], h["waiting"]) for h in data["hours"] if h["issued"] or h["served"] or h["waiting"]}


def test_the_day_hour_by_hour_counts_issued_served_and_waiting_at_each_hours_end(day, clock):
    data = reports.hourly(day, DAY, clock())
    assert by_hour(data) == {8: (4, 0, 4), 9: (0, 1, 2), 10: (1, 1, 2)}
    assert data["hours"][11]["waiting"] is None, "an hour still to come has no waiting figure"
    assert data["timezone"] == "Asia/Jakarta"


def test_the_hours_add_up_to_the_summary_and_the_current_hour_to_the_live_queue(day, clock):
    data = reports.hourly(day, DAY, clock())
    rows = reports.summary(day, DAY, DAY, "agency", today=DAY)
    assert sum(h["issued"] for h in data["hours"]) == sum(r["issued"] for r in rows) == 5
    assert sum(h["served"] for h in data["hours"]) == sum(r["served"] for r in rows) == 2
    assert data["hours"][10]["waiting"] == sum(r["waiting"] for r in reports.live(day, clock())) == 2
    dukcapil = reports.hourly(day, DAY, clock(), agency_id=1)
    assert by_hour(dukcapil) == {8: (3, 0, 3), 9: (0, 1, 1), 10: (1, 1, 1)}


def test_the_headline_equals_the_live_queue_and_the_summary(day, clock):
    figures = reports.headline(day, DAY, DAY, clock(), today=DAY)
    rows = reports.summary(day, DAY, DAY, "agency", today=DAY)
    current = reports.live(day, clock())
    assert figures == {
        "waiting_now": sum(r["waiting"] for r in current),
        "longest_wait_min": max(r["longest_wait_min"] for r in current),
        "issued": 5,
        "served": sum(r["served"] for r in rows),
        "no_show": sum(r["no_show"] for r in rows),
        "within_promised_pct": 50.0,  # A001 within 75 minutes, A003 not
        "promised_n": 2,
    }
    assert figures["longest_wait_min"] == 115.0  # E001, issued 08:50
    assert (figures["served"], figures["no_show"]) == (2, 1)


def test_the_headline_and_hours_endpoints_answer_a_supervisor_for_their_agency(client, day):
    login(client, "admin")
    answer = client.get(f"/api/admin/reports/headline?from={DAY}&to={DAY}").get_json()
    assert (answer["waiting_now"], answer["served"], answer["within_promised_pct"]) == (2, 2, 50.0)
    hours = client.get(f"/api/admin/reports/hours?from={DAY}&agency_id=1").get_json()
    assert by_hour(hours)[8] == (3, 0, 3)
    csv_text = client.get(f"/api/admin/reports/hours?from={DAY}&format=csv").get_data(as_text=True)
    assert "jam,diambil,dilayani,menunggu" in csv_text and "08,4,0,4" in csv_text


@pytest.mark.parametrize(
    ("population", "sample"),
    [(0, 0), (10, 10), (50, 44), (100, 80), (500, 217), (1000, 278), (5000, 357), (10000, 370), (100000, 383), (1000000, 384)],
)
def test_the_minimum_sample_follows_the_krejcie_morgan_table(population, sample):
    assert minimum_sample(population) == sample


def test_the_ikm_report_says_whether_its_sample_is_enough(client, day):
    login(client, "admin")
    report = client.get(f"/api/reports/ikm?from={DAY}&to={DAY}").get_json()
    assert report["sample"] == {"population": 2, "minimum": 2, "enough": False, "method": "Krejcie-Morgan"}
