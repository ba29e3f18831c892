"""How many SQL statements each hot endpoint runs, counted with sqlite3's trace callback.

Caps (docs/performance.md): a new field must not multiply queries across every broadcast, and the
count must not grow with the day's tickets. Only the request's own statements are counted; what
the emitter and the print worker run after the commit happens on their own threads.
"""

import threading

import pytest

from conftest import KIOSK, login

# endpoint → the most statements it may run (BEGIN and COMMIT included)
CAPS = {
    "issue": 13,  # the paired kiosk is found by its key's hash (X-Kiosk-Key)
    "issue_at_kiosk": 14,
    "phone_ticket": 24,  # two rate-limit windows are read and counted
    "ticket": 6,
    "agencies": 6,
    "counters": 4,
    "call_next": 15,
    "recall": 12,
    "complete": 10,
    "counter_detail": 12,
    "display_snapshot": 10,
}


class Statements:
    def __init__(self, app):
        self.thread = threading.get_ident()
        self.seen: list[str] = []
        app.extensions["loket_pool"].trace = self.trace
        for idle in list(app.extensions["loket_pool"].idle.queue):
            idle.conn.set_trace_callback(self.trace)

    def trace(self, statement: str) -> None:
        if threading.get_ident() == self.thread:
            self.seen.append(statement)

    def count(self, action) -> tuple[int, object]:
        self.seen.clear()
        result = action()
        return len(self.seen), result


@pytest.fixture
def counted(app):
    return Statements(app)


def issue_many(client, service_id: int, n: int) -> None:
    for _ in range(n):
        assert client.post("/api/tickets", headers=KIOSK, json={"service_id": service_id}).status_code == 201


@pytest.mark.parametrize("day_size", [20, 600])
def test_hot_endpoints_stay_under_their_statement_caps_whatever_the_days_size(app, client, counted, day_size):
    issue_many(client, 1, day_size)
    counts = {}
    counts["issue"], r = counted.count(lambda: client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}))
    assert r.status_code == 201
    token = r.get_json()["token"]
    counts["issue_at_kiosk"], r = counted.count(lambda: client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}))
    assert r.status_code == 201
    counts["phone_ticket"], r = counted.count(lambda: client.post("/api/phone/tickets", json={"service_id": 1}))
    assert r.status_code == 201, r.get_json()
    counts["ticket"], r = counted.count(lambda: client.get(f"/api/tickets/{token}"))
    assert r.status_code == 200
    counts["agencies"], r = counted.count(lambda: client.get("/api/agencies"))
    assert r.status_code == 200
    counts["counters"], r = counted.count(lambda: client.get("/api/counters"))
    assert r.status_code == 200
    login(client, "petugas.dukcapil")
    assert client.post("/api/counters/1/open").status_code == 200
    counts["call_next"], r = counted.count(lambda: client.post("/api/counters/1/call-next", json={}))
    assert r.status_code == 200 and r.get_json()["ticket"]
    counts["recall"], r = counted.count(lambda: client.post("/api/counters/1/recall", json={}))
    assert r.status_code == 200
    counts["complete"], r = counted.count(lambda: client.post("/api/counters/1/complete", json={}))
    assert r.status_code == 200
    counts["counter_detail"], r = counted.count(lambda: client.get("/api/counters/1"))
    assert r.status_code == 200 and len(r.get_json()["waiting"]) > 10

    from loket import snapshots
    from loket.db import get_db

    with app.app_context():
        counts["display_snapshot"], snap = counted.count(
            lambda: snapshots.snapshot(get_db(), "display", app.config["CLOCK"](), display="lobi")
        )
    assert snap["agencies"] and snap["counters"]
    print(f"statements with {day_size} tickets today: {counts}")
    over = {name: (n, CAPS[name]) for name, n in counts.items() if n > CAPS[name]}
    assert not over, f"statements (ran, cap): {over}"


def test_no_hot_statement_reads_through_a_savepoint(app, client, counted):
    """sqlite-utils' Database.query() wraps every SELECT in SAVEPOINT/RELEASE; the hot path must not use it."""
    login(client, "petugas.dukcapil")
    client.post("/api/counters/1/open")
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    _n, _r = counted.count(lambda: client.post("/api/counters/1/call-next", json={}))
    seen = list(counted.seen)
    _n, _r = counted.count(lambda: client.get("/api/agencies"))
    seen += counted.seen
    assert not [s for s in seen if s.upper().startswith(("SAVEPOINT", "RELEASE"))]


def test_a_queue_change_broadcast_reads_as_many_statements_for_a_burst_as_for_one_ticket(app, counted):
    """Each ticket's place comes from one read of its agency's line (tickets.places_in_line), never a
    statement per ticket; and that read walks an index of today's waiting tickets, not the day."""
    from loket import broadcasts, tickets
    from loket.db import get_db, settings
    from loket.events import QueueChanged

    with app.app_context():
        db = get_db()
        now = app.config["CLOCK"]()
        issued = [tickets.issue(db, service, now) for _ in range(10) for service in (1, 5, 6)]
        # The first look at an agency whose counters overlap (Dukcapil's) spends a statement learning that
        # its places cannot be counted (tickets.counted_places); then, for a minute, none.
        broadcasts.queue_changed(db, [(QueueChanged("issued", now, issued[0]), "")])
        one, _r = counted.count(lambda: broadcasts.queue_changed(db, [(QueueChanged("issued", now, issued[0]), "")]))
        burst = [(QueueChanged("issued", now, t), "") for t in issued]
        many, _r = counted.count(lambda: broadcasts.queue_changed(db, burst))
        assert many == one, (one, many)
        conf = {**settings(db), "priority_policy": "interleave"}
        sql = tickets.LINE_SQL.format(agencies="1,2", last=tickets.LAST_PRIORITY_SQL, regulars=tickets.REGULARS_SQL)
        plan = " | ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql, {"today": "2026-11-25", "since": "x"}))
        assert "SCAN t " not in plan + " " and "SCAN tickets" not in plan, plan
        assert "SCAN e " not in plan + " " and "SCAN events" not in plan, plan
        # the waiting tickets from the index alone: a line of thousands is not thousands of row lookups
        assert "SEARCH t USING COVERING INDEX tickets_status_day" in plan, plan
        assert tickets.places_in_line(db, issued, now, conf)
