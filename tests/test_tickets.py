"""Queue rules over a real SQLite file, with the clock set by each test."""

from __future__ import annotations

import pytest

from loket import tickets
from loket.db import set_setting
from loket.errors import LoketError

KTP = 1  # Dukcapil KTP-el: prefix A, no quota, counters 1, 2, 3
KK = 2  # Dukcapil KK: prefix B, quota 150, counters 3, 4
PASPOR = 5  # Imigrasi


def open_counter(db, clock, counter_id, user_id=None):
    tickets.set_counter_state(db, counter_id, "open", clock(), user_id)


def set_hours(db, service_id, opens="08:00", closes="15:00", cutoff=30):
    db.execute("DELETE FROM service_hours WHERE service_id = ?", (service_id,))
    for weekday in range(7):
        db.execute("INSERT INTO service_hours VALUES (?, ?, ?, ?)", (service_id, weekday, opens, closes))
    db.execute("UPDATE services SET cutoff_minutes = ? WHERE id = ?", (cutoff, service_id))


def issue(db, clock, service_id=KTP, **kw):
    return tickets.issue(db, service_id, clock(), **kw)


def refusal(db, clock, service_id=KTP) -> str:
    with pytest.raises(LoketError) as err:
        issue(db, clock, service_id)
    return err.value.code


# ---------------------------------------------------------------- numbering


def test_numbers_are_prefix_and_padded_daily_sequence(db, clock):
    assert [issue(db, clock)["number"] for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue(db, clock, KK)["number"] == "B001"


def test_sequence_never_wraps_within_a_day(db, clock):
    db.execute("INSERT INTO daily_sequences (service_id, issued_on, last_number) VALUES (?, ?, 998)", (KTP, "2026-11-25"))
    assert [issue(db, clock)["number"] for _ in range(3)] == ["A999", "A1000", "A1001"]


def test_numbering_restarts_at_midnight_in_the_mpp_zone(db, clock):
    clock.set_local("2026-11-25T23:59:59")
    assert issue(db, clock)["number"] == "A001"
    assert issue(db, clock)["number"] == "A002"
    clock.set_local("2026-11-26T00:00:00")
    first = issue(db, clock)
    assert first["number"] == "A001"
    assert first["issued_on"] == "2026-11-26"


def test_the_day_follows_the_mpp_zone_not_utc(db, clock):
    set_setting(db, "timezone", "Asia/Jayapura")  # WIT, UTC+9
    clock.set_local("2026-11-26T00:30:00", "Asia/Jayapura")  # still 25 Nov in UTC
    assert issue(db, clock)["issued_on"] == "2026-11-26"


def test_clock_jumping_back_a_day_continues_that_days_series_without_reuse(db, clock):
    clock.set_local("2026-11-26T09:00:00")
    issue(db, clock)
    clock.set_local("2026-11-25T09:00:00")
    issue(db, clock)
    clock.set_local("2026-11-26T08:00:00")  # back again, earlier than the first
    assert issue(db, clock)["number"] == "A002"


# ---------------------------------------------------------------- quota, hours, closures


def test_quota_exactly_reached_refuses_the_next_ticket(db, clock):
    db.execute("UPDATE services SET daily_quota = 2 WHERE id = ?", (KK,))
    issue(db, clock, KK)
    issue(db, clock, KK)
    assert refusal(db, clock, KK) == "quota_reached"


def test_cancelled_tickets_give_their_quota_back(db, clock):
    db.execute("UPDATE services SET daily_quota = 1 WHERE id = ?", (KK,))
    first = issue(db, clock, KK)
    tickets.cancel(db, first["token"], clock())
    assert issue(db, clock, KK)["number"] == "B002"  # quota back, number never reused


@pytest.mark.parametrize(
    ("local_time", "code"),
    [
        ("2026-11-25T07:59:59", "service_closed"),
        ("2026-11-25T08:00:00", None),
        ("2026-11-25T14:29:59", None),
        ("2026-11-25T14:30:00", "issuing_stopped"),  # the cut-off minute: 30 min before 15:00
        ("2026-11-25T15:00:00", "service_closed"),
    ],
)
def test_opening_hours_and_the_cut_off_minute(db, clock, local_time, code):
    set_hours(db, KTP)
    clock.set_local(local_time)
    if code is None:
        assert issue(db, clock)["status"] == "waiting"
    else:
        assert refusal(db, clock) == code


def test_a_day_without_hours_is_closed(db, clock):
    set_hours(db, KTP)
    db.execute("DELETE FROM service_hours WHERE service_id = ? AND weekday = 6", (KTP,))
    clock.set_local("2026-11-29T10:00:00")  # a Sunday
    assert refusal(db, clock) == "service_closed"


@pytest.mark.parametrize(
    ("local_time", "refused"),
    [("2026-11-27T11:29:00", False), ("2026-11-27T11:30:00", True), ("2026-11-27T12:59:00", True), ("2026-11-27T13:00:00", False)],
)
def test_friday_prayer_break_stops_issuing(db, clock, local_time, refused):
    db.execute("INSERT INTO breaks (agency_id, weekday, starts, ends, label) VALUES (NULL, 4, '11:30', '13:00', 'Istirahat salat Jumat')")
    clock.set_local(local_time)
    if refused:
        with pytest.raises(LoketError) as err:
            issue(db, clock)
        assert err.value.code == "on_break"
        assert "13:00" in err.value.message()
    else:
        issue(db, clock)


def test_holiday_for_the_whole_mpp_and_an_agency_closed_date(db, clock):
    db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES ('2026-12-25', NULL, 'Hari Raya Natal')")
    db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES ('2026-11-26', 2, 'Pemeliharaan sistem SIMKIM')")
    clock.set_local("2026-12-25T10:00:00")
    with pytest.raises(LoketError) as err:
        issue(db, clock)
    assert err.value.code == "closed_today" and "Natal" in err.value.message()
    clock.set_local("2026-11-26T10:00:00")
    assert refusal(db, clock, PASPOR) == "closed_today"
    assert issue(db, clock, KTP)["number"] == "A001"  # other agencies are open


def test_inactive_service_and_unknown_service(db, clock):
    db.execute("UPDATE services SET active = 0 WHERE id = ?", (KK,))
    assert refusal(db, clock, KK) == "service_inactive"
    assert refusal(db, clock, 9999) == "service_not_found"


def test_priority_needs_one_of_the_law_s_reasons(db, clock):
    with pytest.raises(LoketError) as err:
        issue(db, clock, priority=True, priority_reason="vip")
    assert err.value.code == "invalid_priority_reason"
    ticket = issue(db, clock, priority=True, priority_reason="elderly", granted_by="kiosk:kios-1")
    assert ticket["priority"] == 1 and ticket["priority_reason"] == "elderly" and ticket["priority_granted_by"] == "kiosk:kios-1"


# ---------------------------------------------------------------- who is next


def test_call_next_takes_the_oldest_across_the_counters_services(db, clock):
    open_counter(db, clock, 3)  # serves KTP and KK
    kk = issue(db, clock, KK)
    clock.advance(seconds=1)
    issue(db, clock, KTP)
    called, _ = tickets.call_next(db, 3, clock())
    assert called["id"] == kk["id"] and called["status"] == "called" and called["counter_id"] == 3


def test_call_next_on_an_empty_queue_returns_nothing(db, clock):
    open_counter(db, clock, 1)
    assert tickets.call_next(db, 1, clock()) == (None, None)


def test_paused_and_closed_counters_take_no_citizen(db, clock):
    issue(db, clock)
    for state in ("paused", "closed"):
        tickets.set_counter_state(db, 1, state, clock())
        with pytest.raises(LoketError) as err:
            tickets.call_next(db, 1, clock())
        assert err.value.code == "counter_not_open"


def test_strict_policy_serves_priority_first(db, clock):
    open_counter(db, clock, 1)
    regular = [issue(db, clock) for _ in range(3)]
    clock.advance(minutes=1)
    elder = issue(db, clock, priority=True, priority_reason="elderly")
    order = [tickets.call_next(db, 1, clock())[0]["id"] for _ in range(4)]
    assert order == [elder["id"]] + [t["id"] for t in regular]


def test_interleave_policy_serves_one_priority_after_every_n_regular(db, clock):
    set_setting(db, "priority_policy", "interleave")
    set_setting(db, "priority_interleave_n", "2")
    open_counter(db, clock, 1)
    regular = [issue(db, clock)["number"] for _ in range(6)]
    urgent = [issue(db, clock, priority=True, priority_reason="pregnant")["number"] for _ in range(3)]
    order = []
    for _ in range(9):
        clock.advance(seconds=30)
        order.append(tickets.call_next(db, 1, clock())[0]["number"])
    # None called yet today counts as "due": priority first, then two regular, then priority …
    assert order == [urgent[0], regular[0], regular[1], urgent[1], regular[2], regular[3], urgent[2], regular[4], regular[5]]


def test_a_regular_ticket_waiting_past_the_cap_goes_before_priority(db, clock):
    set_setting(db, "max_regular_wait_minutes", "45")
    open_counter(db, clock, 1)
    old = issue(db, clock)
    clock.advance(minutes=30)
    urgent = issue(db, clock, priority=True, priority_reason="disability")
    assert tickets.call_next(db, 1, clock())[0]["id"] == urgent["id"]
    urgent2 = issue(db, clock, priority=True, priority_reason="disability")
    clock.advance(minutes=16)  # the regular ticket has now waited 46 minutes
    assert tickets.call_next(db, 1, clock())[0]["id"] == old["id"]
    assert tickets.call_next(db, 1, clock())[0]["id"] == urgent2["id"]


def test_no_cap_means_priority_always_first(db, clock):
    set_setting(db, "max_regular_wait_minutes", "0")
    open_counter(db, clock, 1)
    issue(db, clock)
    clock.advance(hours=5)
    urgent = issue(db, clock, priority=True, priority_reason="child")
    assert tickets.call_next(db, 1, clock())[0]["id"] == urgent["id"]


def test_yesterdays_leftovers_are_not_called_today(db, clock):
    open_counter(db, clock, 1)
    issue(db, clock)
    clock.advance(days=1)
    assert tickets.call_next(db, 1, clock()) == (None, None)


# ---------------------------------------------------------------- at the counter


def test_full_lifecycle_timestamps(db, clock):
    open_counter(db, clock, 1, user_id=2)
    ticket = issue(db, clock)
    clock.advance(minutes=10)
    tickets.call_next(db, 1, clock(), 2)
    clock.advance(minutes=1)
    tickets.recall(db, 1, clock(), 2)
    clock.advance(minutes=1)
    started = tickets.start(db, 1, clock(), 2)
    clock.advance(minutes=7)
    done = tickets.complete(db, 1, clock(), 2)
    assert done["id"] == ticket["id"] and done["status"] == "done"
    assert ticket["issued_at"] < done["called_at"] < started["started_at"] < done["finished_at"]
    assert done["call_count"] == 2 and done["officer_id"] == 2
    kinds = [r["kind"] for r in db.query("SELECT kind FROM events WHERE ticket_id = ? ORDER BY id", (ticket["id"],))]
    assert kinds == ["issued", "called", "recalled", "started", "completed"]


def test_call_next_finishes_the_ticket_still_open_at_the_counter(db, clock):
    open_counter(db, clock, 1)
    first, second = issue(db, clock), issue(db, clock)
    tickets.call_next(db, 1, clock())
    tickets.start(db, 1, clock())
    clock.advance(minutes=5)
    called, finished = tickets.call_next(db, 1, clock())
    assert finished["id"] == first["id"] and finished["status"] == "done"
    assert called["id"] == second["id"]
    # a ticket never started counts its service time from its call
    clock.advance(minutes=3)
    _, finished = tickets.call_next(db, 1, clock())
    assert finished["started_at"] == finished["called_at"]


@pytest.mark.parametrize("action", [tickets.recall, tickets.start, tickets.complete, tickets.no_show, tickets.hold])
def test_actions_without_a_current_ticket_are_refused(db, clock, action):
    open_counter(db, clock, 1)
    with pytest.raises(LoketError) as err:
        action(db, 1, clock())
    assert err.value.code == "no_current_ticket" and err.value.status == 409


def test_no_show_then_the_late_returner_rejoins_the_back_of_the_line(db, clock):
    open_counter(db, clock, 1)
    late, other = issue(db, clock), issue(db, clock)
    tickets.call_next(db, 1, clock())
    gone = tickets.no_show(db, 1, clock())
    assert gone["status"] == "no_show"
    clock.advance(minutes=20)
    back = tickets.requeue(db, late["id"], clock())
    assert back["status"] == "waiting" and back["number"] == late["number"]
    assert tickets.call_next(db, 1, clock())[0]["id"] == other["id"]
    assert tickets.call_next(db, 1, clock())[0]["id"] == late["id"]


def test_a_no_show_cannot_rejoin_another_day(db, clock):
    open_counter(db, clock, 1)
    ticket = issue(db, clock)
    tickets.call_next(db, 1, clock())
    tickets.no_show(db, 1, clock())
    clock.advance(days=1)
    with pytest.raises(LoketError) as err:
        tickets.requeue(db, ticket["id"], clock())
    assert err.value.code == "ticket_expired"


def test_a_serving_citizen_cannot_be_marked_no_show(db, clock):
    open_counter(db, clock, 1)
    issue(db, clock)
    tickets.call_next(db, 1, clock())
    tickets.start(db, 1, clock())
    with pytest.raises(LoketError) as err:
        tickets.no_show(db, 1, clock())
    assert err.value.code == "invalid_state"


def test_transfer_to_another_agency_keeps_the_number_and_its_place(db, clock):
    open_counter(db, clock, 1)
    open_counter(db, clock, 5)
    moved_ticket = issue(db, clock)
    clock.advance(minutes=2)
    later = issue(db, clock, PASPOR)
    tickets.call_next(db, 1, clock())
    tickets.start(db, 1, clock())
    moved, left = tickets.transfer(db, 1, PASPOR, clock(), note="Perlu paspor baru")
    assert moved["number"] == "A001" and moved["service_id"] == PASPOR and moved["agency_id"] == 2
    assert moved["status"] == "waiting" and moved["transfer_note"] == "Perlu paspor baru"
    assert left == {"service_id": KTP, "agency_id": 1}
    called, _ = tickets.call_next(db, 5, clock())
    assert called["id"] == moved_ticket["id"]  # issued before the passport ticket, so first
    assert tickets.call_next(db, 5, clock())[0]["id"] == later["id"]
    segment = db.execute("SELECT data FROM events WHERE kind = 'transferred'").fetchone()[0]
    assert '"from_agency_id": 1' in segment and '"to_agency_id": 2' in segment


def test_transfer_to_the_same_or_an_unknown_service_is_refused(db, clock):
    open_counter(db, clock, 1)
    issue(db, clock)
    tickets.call_next(db, 1, clock())
    for target, code in ((KTP, "same_service"), (999, "service_not_found")):
        with pytest.raises(LoketError) as err:
            tickets.transfer(db, 1, target, clock())
        assert err.value.code == code
    assert tickets.current_of(db, 1)["status"] == "called"  # nothing half-done


def test_hold_and_resume_keep_the_number_at_this_counter(db, clock):
    open_counter(db, clock, 1)
    first, second = issue(db, clock), issue(db, clock)
    tickets.call_next(db, 1, clock())
    tickets.hold(db, 1, clock())
    assert tickets.current_of(db, 1) is None
    assert [t["id"] for t in tickets.held_at(db, 1)] == [first["id"]]
    tickets.call_next(db, 1, clock())
    with pytest.raises(LoketError) as err:
        tickets.resume(db, 1, first["id"], clock())
    assert err.value.code == "counter_busy"
    tickets.complete(db, 1, clock())
    resumed = tickets.resume(db, 1, first["id"], clock())
    assert resumed["held"] == 0 and tickets.current_of(db, 1)["id"] == first["id"]
    assert second["id"] != first["id"]


def test_call_a_specific_number(db, clock):
    open_counter(db, clock, 1)
    issue(db, clock)
    wanted = issue(db, clock)
    called, _ = tickets.call_ticket(db, 1, "a002", clock())
    assert called["id"] == wanted["id"]
    with pytest.raises(LoketError) as err:
        tickets.call_ticket(db, 1, "B001", clock())  # not one of this counter's services
    assert err.value.code == "ticket_not_found"


def test_closing_a_counter_with_a_citizen_in_front_is_refused(db, clock):
    open_counter(db, clock, 1)
    issue(db, clock)
    tickets.call_next(db, 1, clock())
    with pytest.raises(LoketError) as err:
        tickets.set_counter_state(db, 1, "closed", clock())
    assert err.value.code == "counter_busy"
    assert tickets.set_counter_state(db, 1, "paused", clock())["state"] == "paused"


# ---------------------------------------------------------------- estimates


def test_ahead_counts_priority_tickets_and_earlier_regulars(db, clock):
    a, b = issue(db, clock), issue(db, clock)
    p = issue(db, clock, priority=True, priority_reason="elderly")
    assert tickets.ahead_of(db, a, clock()) == 1
    assert tickets.ahead_of(db, b, clock()) == 2
    assert tickets.ahead_of(db, p, clock()) == 0


def test_estimated_wait_uses_recent_service_times_and_open_counters(db, clock):
    open_counter(db, clock, 1)
    for _ in range(2):  # two citizens served in 10 minutes each
        issue(db, clock)
        tickets.call_next(db, 1, clock())
        tickets.start(db, 1, clock())
        clock.advance(minutes=10)
        tickets.complete(db, 1, clock())
    waiting = [issue(db, clock) for _ in range(4)]
    ahead, minutes = tickets.estimated_wait(db, waiting[-1], clock())
    assert (ahead, minutes) == (3, 30)  # 3 ahead × 10 min ÷ 1 open counter
    open_counter(db, clock, 2)
    assert tickets.estimated_wait(db, waiting[-1], clock()) == (3, 15)


PASPOR_GANTI = 6  # Imigrasi: counters 5 and 6 serve Paspor Baru and this


def test_the_place_in_line_counts_every_service_the_tickets_counters_call(db, clock):
    open_counter(db, clock, 5)
    f1 = issue(db, clock, PASPOR_GANTI)
    clock.advance(minutes=1)
    e1 = issue(db, clock, PASPOR)
    clock.advance(minutes=1)
    f2 = issue(db, clock, PASPOR_GANTI)
    assert [tickets.ahead_of(db, t, clock()) for t in (f1, e1, f2)] == [0, 1, 2]
    called = [tickets.call_next(db, 5, clock())[0]["number"] for _ in range(3)]
    assert called == [f1["number"], e1["number"], f2["number"]]


def test_the_estimate_divides_by_the_open_counters_that_can_call_the_ticket_and_is_none_without_one(db, clock):
    for _ in range(3):
        issue(db, clock, PASPOR)
    last = issue(db, clock, PASPOR)
    assert tickets.estimated_wait(db, last, clock()) == (3, None)  # nobody can say when a counter opens
    open_counter(db, clock, 5)
    ahead, one_counter = tickets.estimated_wait(db, last, clock())
    open_counter(db, clock, 6)
    assert tickets.estimated_wait(db, last, clock()) == (3, -(-one_counter // 2))


def test_a_step_stamped_before_the_one_it_follows_keeps_the_lifecycle_in_order(db, clock):
    """A request reads the clock before waiting for the write lock: its instant may be older."""
    open_counter(db, clock, 1)
    early = clock()
    clock.advance(seconds=5)
    ticket = issue(db, clock)
    called, _ = tickets.call_next(db, 1, early)
    started = tickets.start(db, 1, early)
    done = tickets.complete(db, 1, early)
    assert ticket["issued_at"] <= called["called_at"] <= started["started_at"] <= done["finished_at"]


def test_a_service_that_waits_for_an_open_counter_issues_only_while_one_is_open(db, clock):
    issue(db, clock, PASPOR)  # the setting is off by default: the ticket says no counter is open yet
    db.execute("UPDATE services SET requires_open_counter = 1 WHERE id = ?", (PASPOR,))
    assert refusal(db, clock, PASPOR) == "no_counter_open"
    open_counter(db, clock, 6)
    assert issue(db, clock, PASPOR)["number"] == "E002"
    tickets.set_counter_state(db, 6, "paused", clock())  # a pause takes no new citizens either
    assert refusal(db, clock, PASPOR) == "no_counter_open"


def test_a_hint_that_an_agencys_counters_overlap_stays_with_its_database(db, clock, tmp_path, demo_template):
    """counted_places remembers for a minute that an agency must be played, not counted; agency 1 of
    another database (a test before this one, a second MPP in one process) has other counters."""
    from conftest import copy_demo
    from loket.db import connect, settings

    conf = settings(db)
    ktp = db.execute("SELECT service_id FROM counter_services WHERE counter_id = 1").fetchone()[0]
    assert tickets.counted_places(db, 1, [], frozenset({ktp}), clock(), conf) is None, "the demo's Dukcapil counters overlap"
    other = connect(copy_demo(demo_template, tmp_path / "other.db"))
    try:
        with other.conn:
            other.conn.execute("DELETE FROM counter_services WHERE counter_id IN (SELECT id FROM counters WHERE agency_id = 1 AND id <> 1)")
        places = tickets.counted_places(other, 1, [], frozenset({ktp}), clock(), conf)
        assert places is not None, "one counter at Dukcapil there: counted"
    finally:
        other.close()
