"""Clock edges: midnight WIB while kiosks issue, and a server clock that jumps backwards."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import KIOSK, login

WIB = ZoneInfo("Asia/Jakarta")
KIOSKS = 4
PER_KIOSK = 30


def service_id(db, prefix: str) -> int:
    return db.execute("SELECT id FROM services WHERE prefix = ?", (prefix,)).fetchone()[0]


def issue(client, sid: int) -> dict:
    r = client.post("/api/tickets", headers=KIOSK, json={"service_id": sid})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_midnight_while_kiosks_issue_restarts_numbering_at_001_and_never_reuses_within_a_day(app, db, clock):
    sid = service_id(db, "W")
    clock.set_local("2026-11-25T23:59:50")
    answers: list[dict] = []
    lock = threading.Lock()
    gate = threading.Barrier(KIOSKS + 1, timeout=30)

    def kiosk() -> None:
        client = app.test_client()
        gate.wait()
        for _ in range(PER_KIOSK):
            ticket = issue(client, sid)
            with lock:
                answers.append(ticket)

    threads = [threading.Thread(target=kiosk) for _ in range(KIOSKS)]
    for t in threads:
        t.start()
    gate.wait()
    # Midnight passes while the kiosks are mid-burst: the clock moves on as tickets come out.
    while any(t.is_alive() for t in threads):
        with lock:
            issued = len(answers)
        clock.set_local("2026-11-25T23:59:50")
        clock.advance(seconds=20 * issued / (KIOSKS * PER_KIOSK))
        threading.Event().wait(0.001)
    for t in threads:
        t.join()

    by_day: dict[str, list[int]] = defaultdict(list)
    for ticket in answers:
        issued_at = ticket["issued_at"].replace("Z", "+00:00")
        assert datetime.fromisoformat(issued_at).astimezone(WIB).date().isoformat() == ticket["issued_on"]
        by_day[ticket["issued_on"]].append(int(ticket["number"][1:]))
    assert set(by_day) == {"2026-11-25", "2026-11-26"}, "the burst should straddle midnight"
    for day, numbers in by_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), day
    # Yesterday's waiting tickets are not called today: the new day's first call is W001 of the 26th.
    login(client := app.test_client(), "petugas.dpmptsp")
    counter = db.execute(
        "SELECT c.id FROM counters c JOIN counter_services cs ON cs.counter_id = c.id WHERE cs.service_id = ?", (sid,)
    ).fetchone()[0]
    assert client.post(f"/api/counters/{counter}/open").status_code == 200
    called = client.post(f"/api/counters/{counter}/call-next").get_json()["ticket"]
    assert (called["number"], called["issued_on"]) == ("W001", "2026-11-26")


def test_clock_stepping_back_within_the_day_never_reuses_a_number(client, db, clock):
    sid = service_id(db, "W")
    clock.set_local("2026-11-25T10:00:00")
    first = [issue(client, sid)["number"] for _ in range(3)]
    clock.advance(minutes=-10)  # NTP corrects a clock that ran fast
    later = [issue(client, sid)["number"] for _ in range(2)]
    assert first + later == ["W001", "W002", "W003", "W004", "W005"]


def test_clock_stepping_back_over_midnight_continues_yesterdays_series(client, db, clock):
    sid = service_id(db, "W")
    clock.set_local("2026-11-25T23:59:58")
    assert issue(client, sid)["number"] == "W001"
    clock.advance(seconds=4)
    assert (issue(client, sid)["number"], issue(client, sid)["issued_on"]) == ("W001", "2026-11-26")
    clock.advance(seconds=-5)  # back into the 25th: the 25th's series goes on, the 26th's is not touched
    again = issue(client, sid)
    assert (again["number"], again["issued_on"]) == ("W002", "2026-11-25")
    clock.advance(seconds=5)
    assert issue(client, sid)["number"] == "W003"
    rows = db.execute(
        "SELECT issued_on, sequence, count(*) FROM tickets GROUP BY issued_on, origin_service_id, sequence HAVING count(*) > 1"
    )
    assert rows.fetchall() == []


def test_a_ticket_issued_after_the_clock_stepped_back_does_not_jump_the_queue(client, db, clock):
    sid = service_id(db, "W")
    clock.set_local("2026-11-25T10:00:00")
    before = [issue(client, sid)["number"] for _ in range(2)]
    clock.advance(minutes=-10)
    after = issue(client, sid)["number"]
    login(client, "petugas.dpmptsp")
    counter = db.execute("SELECT counter_id FROM counter_services WHERE service_id = ? ORDER BY counter_id", (sid,)).fetchone()[0]
    assert client.post(f"/api/counters/{counter}/open").status_code == 200
    order = []
    for _ in range(3):
        clock.advance(seconds=30)
        order.append(client.post(f"/api/counters/{counter}/call-next").get_json()["ticket"]["number"])
    assert order == [*before, after]
