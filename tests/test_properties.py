"""Property-based tests of the queue rules: random days at random counters keep the invariants.

A hypothesis state machine drives loket.tickets directly on a real SQLite file (a copy of the demo
MPP) with a clock that only moves forward, sometimes past midnight. Refusals (LoketError) are
allowed moves; any other exception, or a broken invariant after any step, fails the test.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
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
