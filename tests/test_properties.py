"""Property-based tests of the queue rules: random days at random counters keep the invariants.

A hypothesis state machine drives loket.tickets directly on a real SQLite file (a copy of the demo
MPP) with a clock that only moves forward, sometimes past midnight. Refusals (LoketError) are
allowed moves; any other exception, or a broken invariant after any step, fails the test.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from loket import demo, tickets
from loket.db import connect, init_schema
from loket.errors import LoketError
from loket.timeutil import local_day

COUNTERS = (1, 2, 3, 4, 5)  # Dukcapil's four counters and Imigrasi's first
SERVICES = (1, 2, 3, 4, 5)  # Dukcapil A, B, C, D and Imigrasi E (a transfer across agencies)
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 WIB


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("properties") / "template.db"
    db = connect(path)
    init_schema(db)
    demo.seed(db, START, password="properti-123")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


class QueueDay(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="loket-prop-")
        path = Path(self.dir) / "loket.db"
        shutil.copy(self.template, path)
        self.db = connect(path)
        self.db.execute("PRAGMA synchronous=NORMAL")  # durability is the crash test's subject, not this one
        self.now = START

    def teardown(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(opened=st.lists(st.sampled_from(COUNTERS), min_size=1, unique=True))
    def open_counters(self, opened):
        for counter_id in opened:
            tickets.set_counter_state(self.db, counter_id, "open", self.now)

    def attempt(self, rule, *args, **kwargs):
        try:
            return rule(self.db, *args, **kwargs)
        except LoketError:
            return None

    def rows(self, sql: str, params: tuple = ()) -> list[dict]:
        return list(self.db.query(sql, params))

    # ---------------------------------------------------------------- moves

    @rule(seconds=st.integers(1, 900) | st.sampled_from([6 * 3600, 16 * 3600]))
    def time_passes(self, seconds):
        self.now += timedelta(seconds=seconds)

    @rule(service=st.sampled_from(SERVICES), priority=st.booleans())
    def issue(self, service, priority):
        self.attempt(tickets.issue, service, self.now, priority=priority, priority_reason="elderly" if priority else None)

    @rule(counter=st.sampled_from(COUNTERS))
    def call_next(self, counter):
        result = self.attempt(tickets.call_next, counter, self.now)
        if result is None:
            return
        called, _finished = result
        if called is None:  # "queue empty" must be true
            today = local_day(self.now, "Asia/Jakarta")
            waiting = self.rows(
                "SELECT id FROM tickets WHERE status = 'waiting' AND issued_on = ?"
                " AND service_id IN (SELECT service_id FROM counter_services WHERE counter_id = ?)",
                (today, counter),
            )
            assert waiting == [], f"counter {counter} found the queue empty but {waiting} wait"
        else:
            assert called["counter_id"] == counter and called["status"] == "called"

    @rule(counter=st.sampled_from(COUNTERS))
    def recall(self, counter):
        before = tickets.current_of(self.db, counter)
        after = self.attempt(tickets.recall, counter, self.now)
        if after is not None:
            assert after["called_at"] == before["called_at"], "a recall keeps the first call time"
            assert after["call_count"] == before["call_count"] + 1

    @rule(counter=st.sampled_from(COUNTERS), action=st.sampled_from(["start", "complete", "no_show", "hold"]))
    def act(self, counter, action):
        self.attempt(getattr(tickets, action), counter, self.now)

    @rule(counter=st.sampled_from(COUNTERS), service=st.sampled_from(SERVICES))
    def transfer(self, counter, service):
        self.attempt(tickets.transfer, counter, service, self.now, note="pindah")

    @precondition(lambda self: self.rows("SELECT 1 FROM tickets WHERE held = 1 LIMIT 1"))
    @rule(pick=st.integers(0, 1000))
    def resume(self, pick):
        held = self.rows("SELECT id, counter_id FROM tickets WHERE held = 1 ORDER BY id")
        ticket = held[pick % len(held)]
        self.attempt(tickets.resume, ticket["counter_id"], ticket["id"], self.now)

    @precondition(lambda self: self.rows("SELECT 1 FROM tickets WHERE status = 'no_show' LIMIT 1"))
    @rule(pick=st.integers(0, 1000))
    def requeue(self, pick):
        gone = self.rows("SELECT id FROM tickets WHERE status = 'no_show' ORDER BY id")
        self.attempt(tickets.requeue, gone[pick % len(gone)]["id"], self.now)

    @rule(counter=st.sampled_from(COUNTERS), state=st.sampled_from(tickets.COUNTER_STATES))
    def counter_state(self, counter, state):
        self.attempt(tickets.set_counter_state, counter, state, self.now)

    # ---------------------------------------------------------------- invariants

    @invariant()
    def numbers_are_unique_and_contiguous_per_service_and_day(self):
        for row in self.rows(
            "SELECT origin_service_id, issued_on, count(*) AS n, count(DISTINCT number) AS numbers,"
            " min(sequence) AS lo, max(sequence) AS hi FROM tickets GROUP BY origin_service_id, issued_on"
        ):
            assert row["n"] == row["numbers"] == row["hi"] and row["lo"] == 1, row
        stale = self.rows(
            "SELECT d.* FROM daily_sequences d WHERE last_number != (SELECT max(sequence) FROM tickets t"
            " WHERE t.origin_service_id = d.service_id AND t.issued_on = d.issued_on)"
        )
        assert stale == []

    @invariant()
    def a_counter_has_at_most_one_current_ticket(self):
        assert (
            self.rows(
                "SELECT counter_id, count(*) AS n FROM tickets WHERE status IN ('called', 'serving') AND held = 0"
                " GROUP BY counter_id HAVING n > 1"
            )
            == []
        )

    @invariant()
    def called_and_serving_tickets_belong_to_a_counter_and_waiting_ones_to_none(self):
        assert self.rows("SELECT id FROM tickets WHERE status IN ('called', 'serving') AND (counter_id IS NULL OR called_at IS NULL)") == []
        assert self.rows("SELECT id FROM tickets WHERE status = 'waiting' AND (counter_id IS NOT NULL OR held = 1)") == []
        assert self.rows("SELECT id FROM tickets WHERE status = 'serving' AND started_at IS NULL") == []

    @invariant()
    def timestamps_are_ordered(self):
        bad = self.rows(
            "SELECT id, status, issued_at, queued_at, called_at, started_at, finished_at FROM tickets"
            " WHERE issued_at > queued_at"
            " OR (called_at IS NOT NULL AND called_at < issued_at)"
            " OR (started_at IS NOT NULL AND started_at < coalesce(called_at, issued_at))"
            " OR (finished_at IS NOT NULL AND finished_at < coalesce(started_at, called_at, issued_at))"
            " OR (status = 'done' AND (finished_at IS NULL OR started_at IS NULL))"
            " OR (status = 'no_show' AND (no_show_at IS NULL OR no_show_at < called_at))"
        )
        assert bad == []

    @invariant()
    def every_call_is_recorded_once_at_the_counter_that_made_it(self):
        wrong = self.rows(
            "SELECT t.id FROM tickets t WHERE t.status IN ('called', 'serving') AND t.counter_id != ("
            " SELECT e.counter_id FROM events e WHERE e.ticket_id = t.id AND e.kind IN ('called', 'resumed')"
            " ORDER BY e.id DESC LIMIT 1)"
        )
        assert wrong == []


@pytest.fixture
def machine(template):
    QueueDay.template = template
    return QueueDay


def test_random_days_at_random_counters_keep_the_queue_invariants(machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=80, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
    )


# ---------------------------------------------------------------- the place each waiting ticket is told

DUKCAPIL_COUNTERS = (1, 2, 3, 4)
DUKCAPIL_SERVICES = (1, 2, 3, 4)
FROZEN = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 WIB: the moment the places are told

step = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(DUKCAPIL_SERVICES), st.booleans(), st.integers(0, 9)),
    st.tuples(st.just("book"), st.sampled_from(DUKCAPIL_SERVICES), st.booleans(), st.integers(-30, 90)),
    st.tuples(st.just("call"), st.sampled_from(DUKCAPIL_COUNTERS), st.just(False), st.integers(0, 9)),
)


@contextmanager
def a_day_at_dukcapil(template: Path, serves, opened, conf: dict, steps):
    """A copy of the demo MPP whose Dukcapil counters serve `serves`, with the settings `conf`, the
    `opened` counters open and the `steps` played up to FROZEN, the moment the places are told."""
    from loket.db import set_setting
    from loket.timeutil import iso

    tickets._overlapping.clear()  # the way to a place remembered from another day's counters
    folder = tempfile.mkdtemp(prefix="loket-line-")
    path = Path(folder) / "loket.db"
    shutil.copy(template, path)
    db = connect(path)
    try:
        db.execute("PRAGMA synchronous=OFF")
        with db.conn:
            db.conn.execute(f"DELETE FROM counter_services WHERE counter_id IN {DUKCAPIL_COUNTERS}")
            pairs = [(c, s) for c, ss in zip(DUKCAPIL_COUNTERS, serves, strict=True) for s in sorted(ss)]
            db.conn.executemany("INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)", pairs)
        for key, value in conf.items():
            set_setting(db, key, str(value))
        now = FROZEN - timedelta(minutes=60)
        for counter in sorted(opened):
            tickets.set_counter_state(db, counter, "open", now)
        for kind, target, priority, minutes in steps:
            reason = "elderly" if priority else None
            if kind == "book":
                queued = iso(FROZEN + timedelta(minutes=minutes))
                tickets.issue(db, target, now, source="booking", queued_at=queued, priority=priority, priority_reason=reason)
                continue
            # the day runs up to the moment the places are told, never past it (30 steps of 9 minutes
            # could pass it, and a ticket queued after that moment is one no clock has reached yet)
            now = min(now + timedelta(minutes=minutes), FROZEN)
            if kind == "issue":
                tickets.issue(db, target, now, priority=priority, priority_reason=reason)
            elif target in opened:
                tickets.call_next(db, target, now)
        yield db
    finally:
        db.close()
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    serves=st.tuples(*[st.sets(st.sampled_from(DUKCAPIL_SERVICES), min_size=1) for _ in DUKCAPIL_COUNTERS]),
    opened=st.sets(st.sampled_from(DUKCAPIL_COUNTERS)),
    policy=st.sampled_from(["strict", "interleave"]),
    every=st.integers(1, 3),
    cap=st.sampled_from([0, 25]),
    steps=st.lists(step, max_size=30),
    newcomer=st.sampled_from(DUKCAPIL_SERVICES),
)
def test_each_waiting_ticket_is_called_after_exactly_the_calls_it_was_told_are_ahead(
    template, serves, opened, policy, every, cap, steps, newcomer
):
    """The promise of `tickets.line_up`: with the clock stopped, nobody arriving and no counter changing
    state, the open counters press call-next in turn (by counter id; one with nothing to call passes).
    A waiting ticket told "N ahead" is then called after exactly N calls made by the counters that serve
    its service (calls by counters that cannot call it are not counted: they do not delay it). Counters
    serve random overlapping services; priorities, bookings with slots before and after the moment,
    both priority policies and the regular-wait cap all take part. A ticket no open counter serves is
    never called and is told so (open_counters 0). The place a kiosk card promises to a ticket taken
    now (`tickets.new_ticket_places`) is the place that ticket is then told."""
    from loket import serializers

    day = {"priority_policy": policy, "priority_interleave_n": every, "max_regular_wait_minutes": cap}
    with a_day_at_dukcapil(template, serves, opened, day, steps) as db:
        conf = tickets.settings(db)
        # What the kiosk's card promised before the citizen took a ticket is the place it then gets.
        lines = tickets.load_lines(db, {1}, FROZEN, conf)
        promised = tickets.new_ticket_places(lines, [{"id": newcomer, "agency_id": 1}], FROZEN, conf)[newcomer]
        taken = tickets.issue(db, newcomer, FROZEN)
        waiting = list(db.query("SELECT * FROM tickets WHERE status = 'waiting' ORDER BY id"))
        told = tickets.places_in_line(db, waiting, FROZEN, conf)
        shown = {t["id"]: t for t in serializers.tickets_json(db, waiting, FROZEN, loaded=serializers.Loaded(db, FROZEN, ""))}
        assert told[taken["id"]] == promised, (promised, told[taken["id"]])

        calls: list[tuple[int, int]] = []  # (counter, ticket) in the order made
        turn = sorted(opened)
        while turn:
            still = []
            for counter in turn:
                called, _done = tickets.call_next(db, counter, FROZEN)
                if called is not None:
                    calls.append((counter, called["id"]))
                    still.append(counter)
            turn = still

        serving = {s: {c for c, ss in zip(DUKCAPIL_COUNTERS, serves, strict=True) if s in ss} for s in DUKCAPIL_SERVICES}
        position = {ticket_id: i for i, (_c, ticket_id) in enumerate(calls)}
        for t in waiting:
            callers = serving[t["service_id"]] & opened
            place = told[t["id"]]
            assert shown[t["id"]]["ahead"] == place.ahead and shown[t["id"]]["open_counters"] == place.open_counters
            assert place.open_counters == len(callers)
            if not callers:
                assert t["id"] not in position, "nobody could call it"
                assert shown[t["id"]]["estimated_wait_minutes"] is None
                continue
            before = [c for c, _t in calls[: position[t["id"]]] if c in serving[t["service_id"]]]
            assert place.ahead == len(before), (t["number"], place, calls)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    group_of=st.tuples(*[st.integers(0, 2) for _ in DUKCAPIL_SERVICES]),
    counter_group=st.tuples(*[st.integers(0, 3) for _ in DUKCAPIL_COUNTERS]),
    overlap=st.booleans(),
    opened=st.sets(st.sampled_from(DUKCAPIL_COUNTERS)),
    policy=st.sampled_from(["strict", "strict", "interleave"]),
    cap=st.sampled_from([0, 25]),
    steps=st.lists(step, max_size=30),
)
def test_counting_in_sql_gives_the_places_that_playing_the_line_gives(
    template, group_of, counter_group, overlap, opened, policy, cap, steps
):
    """`tickets.counted_places` (a few statements over the index) against `_place` (the agency's whole
    line read and played): for every waiting ticket asked alone and for a newcomer to every service, the
    same place, wherever it answers at all. Counters call whole groups of services (group 3: none),
    sometimes with one overlapping set, where it must leave the answer to the line."""
    serves = [frozenset(s for s in DUKCAPIL_SERVICES if group_of[s - 1] == g) for g in counter_group]
    if overlap:
        serves[0] = serves[0] | {DUKCAPIL_SERVICES[-1]}
    with a_day_at_dukcapil(template, serves, opened, {"priority_policy": policy, "max_regular_wait_minutes": cap}, steps) as db:
        conf = tickets.settings(db)
        line = tickets.load_lines(db, {1}, FROZEN, conf)[1]
        waiting = list(db.query("SELECT t.*, s.agency_id FROM tickets t JOIN services s ON s.id = t.service_id WHERE status = 'waiting'"))
        everything = frozenset(DUKCAPIL_SERVICES)
        played = tickets._place(line, waiting, FROZEN, conf, everything)
        counted = tickets.counted_places(db, 1, [], everything, FROZEN, conf)
        separate = tickets._separate_sets([s for c, s in zip(DUKCAPIL_COUNTERS, serves, strict=True) if c in opened]) is not None
        separate_all = tickets._separate_sets(serves) is not None  # for places once every counter opens
        if policy == "interleave" or not separate:
            assert counted is None
            return
        event("counted" if counted is not None else "left to the line")
        if counted is None:
            assert not separate_all  # some service nobody open serves, and all the counters overlap
        else:
            assert counted == {-s: played[-s] for s in DUKCAPIL_SERVICES}
        for ticket in waiting:
            alone = tickets.counted_places(db, 1, [ticket], frozenset(), FROZEN, conf)
            if alone is not None:  # None only when the counters for when all open overlap
                assert alone == {ticket["id"]: played[ticket["id"]]}, (ticket["number"], alone, played[ticket["id"]])
