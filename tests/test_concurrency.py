"""Many kiosks and counters at the same instant, against a real server process over HTTP."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import KIOSK, LiveServer

KIOSKS = 200
ROUNDS = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("concurrency") / "live.db").start()
    yield server
    server.stop()


def rows(db_path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def service_id(db_path, prefix: str) -> int:
    return rows(db_path, "SELECT id FROM services WHERE prefix = ?", (prefix,))[0][0]


def test_two_hundred_kiosks_at_once_get_unique_contiguous_numbers(server):
    sid = service_id(server.db_path, "W")  # DPMPTSP consultation: no quota
    gate = threading.Barrier(KIOSKS, timeout=30)

    def kiosk(_n: int) -> tuple[int, dict]:
        with requests.Session() as s:
            gate.wait()
            r = s.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": sid}, timeout=60)
            return r.status_code, r.json()

    with ThreadPoolExecutor(KIOSKS) as pool:
        answers = list(pool.map(kiosk, range(KIOSKS)))

    assert [status for status, _ in answers] == [201] * KIOSKS, [a for a in answers if a[0] != 201][:3]
    numbers = sorted(body["number"] for _, body in answers)
    assert numbers == [f"W{n:03d}" for n in range(1, KIOSKS + 1)]
    assert len({body["token"] for _, body in answers}) == KIOSKS
    stored = rows(server.db_path, "SELECT sequence FROM tickets WHERE origin_service_id = ? ORDER BY sequence", (sid,))
    assert [s for (s,) in stored] == list(range(1, KIOSKS + 1))


def test_two_counters_pressing_call_next_at_once_never_get_the_same_ticket(server):
    sid = service_id(server.db_path, "A")  # KTP-el: served by counters 1, 2 and 3
    with requests.Session() as kiosk:
        for _ in range(ROUNDS * 2 - 7):  # fewer tickets than presses: the queue runs dry mid-way
            assert kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": sid}, timeout=10).status_code == 201
    officers = [server.session("petugas.dukcapil") for _ in range(2)]
    try:
        for counter_id, officer in zip((1, 2), officers, strict=True):
            assert officer.post(f"{server.url}/api/counters/{counter_id}/open", timeout=10).status_code == 200
        gate = threading.Barrier(2, timeout=30)
        got: dict[int, list] = {1: [], 2: []}

        def press(counter_id: int, officer: requests.Session) -> None:
            for _ in range(ROUNDS):
                gate.wait()
                r = officer.post(f"{server.url}/api/counters/{counter_id}/call-next", timeout=30)
                assert r.status_code == 200, r.text
                got[counter_id].append(r.json()["ticket"])

        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(press, c, o) for c, o in zip((1, 2), officers, strict=True)]:
                future.result()
    finally:
        for officer in officers:
            officer.close()

    called = [t["id"] for c in (1, 2) for t in got[c] if t]
    assert len(called) == ROUNDS * 2 - 7, "every waiting ticket was called once the queue ran dry"
    assert len(called) == len(set(called)), [i for i, n in Counter(called).items() if n > 1]
    assert all(t is None for c in (1, 2) for t in got[c][-3:]), "the last presses found the queue empty"
    # The database agrees: one 'called' event per ticket, and each ticket ended at the counter that called it.
    per_ticket = rows(
        server.db_path,
        "SELECT ticket_id, count(*), min(counter_id), max(counter_id) FROM events WHERE kind = 'called' GROUP BY ticket_id",
    )
    assert all(n == 1 and lo == hi for _, n, lo, hi in per_ticket)
    assert len(per_ticket) == len(called)


def test_a_writer_waiting_for_another_process_leaves_the_server_answering(server):
    """Processes of one database take turns on `<db>.write-lock` (loket/db.py WriteLock): a writer that
    finds another process writing waits in sleeps gevent gives to the other requests, where SQLite's busy
    handler would have stopped the whole process. Here this test is the other process, holding the lock."""
    sid = service_id(server.db_path, "W")
    with open(f"{server.db_path}.write-lock", "a+") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        with ThreadPoolExecutor(1) as pool:
            issuing = pool.submit(requests.post, server.url + "/api/tickets", headers=KIOSK, json={"service_id": sid}, timeout=30)
            time.sleep(0.3)
            assert not issuing.done()  # it waits its turn
            started = time.monotonic()
            assert requests.get(server.url + "/api/agencies", timeout=10).status_code == 200
            assert time.monotonic() - started < 2  # meanwhile the server answers
            fcntl.flock(other, fcntl.LOCK_UN)
            assert issuing.result().status_code == 201  # and then it writes
