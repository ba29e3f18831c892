"""Crashes and full disks: a real server process, killed with SIGKILL or starved of space, then restarted."""

from __future__ import annotations

import contextlib
import resource
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from conftest import KIOSK, LiveServer

COUNTERS = (1, 2, 3)  # Dukcapil: 1 and 2 serve KTP-el (A), 3 serves KTP-el and KK (B)


def query(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    return query(db_path, "PRAGMA integrity_check")[0][0]


class Screen:
    """A python-socketio client that behaves like a lobby screen or a phone: subscribe on every (re)connect."""

    def __init__(self, url: str, subscription: dict) -> None:
        self.subscription = subscription
        self.snapshots: list[dict] = []
        self.calls: list[dict] = []
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1, randomization_factor=0.1)
        self.sio.on("connect", lambda: self.sio.emit("subscribe", self.subscription))
        self.sio.on("snapshot", self._record(self.snapshots))
        self.sio.on("ticket_called", self._record(self.calls))
        self.sio.connect(url, transports=["websocket"], wait_timeout=10)

    def _record(self, into: list):
        def handler(data):
            with self.changed:
                into.append(data)
                self.changed.notify_all()

        return handler

    def wait_for(self, predicate, timeout: float = 20) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@contextlib.contextmanager
def screens(url: str, *subscriptions: dict):
    opened = []
    try:
        for sub in subscriptions:
            opened.append(Screen(url, sub))
        yield opened
    finally:
        for screen in opened:
            screen.sio.disconnect()


def sequences(db_path: Path) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for sid, seq in query(db_path, "SELECT origin_service_id, sequence FROM tickets ORDER BY origin_service_id, sequence"):
        out.setdefault(sid, []).append(seq)
    return out


# ---------------------------------------------------------------- kill -9


def test_kill_9_mid_burst_loses_no_acknowledged_ticket_and_screens_resync(tmp_path):
    server = LiveServer(tmp_path / "live.db").start()
    officers = {c: server.session("petugas.dukcapil") for c in COUNTERS}
    kiosks = [requests.Session() for _ in range(4)]
    try:
        services = dict(query(server.db_path, "SELECT prefix, id FROM services WHERE prefix IN ('A', 'B')"))
        for c, officer in officers.items():
            assert officer.post(f"{server.url}/api/counters/{c}/open", timeout=10).status_code == 200
        for i in range(60):  # a queue long enough that no counter runs dry during the burst
            r = kiosks[0].post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": services["AB"[i % 2]]}, timeout=10)
            assert r.status_code == 201
        phone_ticket = kiosks[0].post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": services["B"]}, timeout=10).json()

        with screens(server.url, {"room": "display", "display": "lobi"}, {"room": "ticket", "token": phone_ticket["token"]}) as (
            display,
            phone,
        ):
            assert display.wait_for(lambda: len(display.snapshots) == 1, 10)
            assert phone.wait_for(lambda: len(phone.snapshots) == 1, 10)

            acked: list[dict] = []
            last_call: dict[int, dict] = {}
            stop = threading.Event()
            lock = threading.Lock()

            def kiosk(session: requests.Session, prefix: str) -> None:
                for _ in range(2000):
                    if stop.is_set():
                        return
                    try:
                        r = session.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": services[prefix]}, timeout=5)
                    except requests.RequestException:
                        return
                    if r.status_code == 201:
                        with lock:
                            acked.append(r.json())

            def counter(c: int, officer: requests.Session) -> None:
                for i in range(2000):
                    if stop.is_set():
                        return
                    try:
                        r = officer.post(f"{server.url}/api/counters/{c}/call-next", timeout=5)
                        if r.status_code == 200 and r.json()["ticket"]:
                            last_call[c] = r.json()["ticket"]
                            if i % 3 == 0:  # some are being served, not only called, at the crash
                                officer.post(f"{server.url}/api/counters/{c}/start", timeout=5)
                    except requests.RequestException:
                        return

            workers = [threading.Thread(target=kiosk, args=(s, "AB"[i % 2])) for i, s in enumerate(kiosks)]
            workers += [threading.Thread(target=counter, args=(c, o)) for c, o in officers.items()]
            for w in workers:
                w.start()
            deadline = time.monotonic() + 20  # a loaded machine is slower: wait for a real burst, bounded
            while (len(acked) < 30 or len(last_call) < len(COUNTERS)) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
            server.kill()  # in the middle of the burst
            stop.set()
            for w in workers:
                w.join(15)
            assert not any(w.is_alive() for w in workers)
            assert len(acked) > 20 and len(last_call) == len(COUNTERS), (len(acked), last_call)

            server.start()  # same port, same database

            # Every acknowledged ticket is there, with the number the citizen was given.
            stored = dict(query(server.db_path, "SELECT token, number FROM tickets"))
            assert [t["number"] for t in acked] == [stored.get(t["token"]) for t in acked]
            assert integrity(server.db_path) == "ok"

            # Numbering continues without reuse or gaps.
            after = kiosks[0].post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": services["A"]}, timeout=10)
            assert after.status_code == 201
            for sid, seqs in sequences(server.db_path).items():
                assert seqs == list(range(1, len(seqs) + 1)), sid
            assert after.json()["number"] not in {t["number"] for t in acked}

            # Counters that were serving still own their tickets, and the console shows it.
            for c, officer in officers.items():
                open_ = query(
                    server.db_path,
                    "SELECT id FROM tickets WHERE counter_id = ? AND status IN ('called', 'serving') AND held = 0",
                    (c,),
                )
                assert len(open_) == 1, (c, open_)
                current = open_[0][0]
                if current != last_call[c]["id"]:  # a later call committed but its answer was lost in the crash
                    (later,) = query(
                        server.db_path,
                        "SELECT count(*) FROM events WHERE kind = 'called' AND counter_id = ? AND ticket_id = ?"
                        " AND id > (SELECT max(id) FROM events WHERE kind = 'called' AND ticket_id = ?)",
                        (c, current, last_call[c]["id"]),
                    )
                    assert later[0] == 1, (c, current, last_call[c])
                console = officer.get(f"{server.url}/api/counters/{c}", timeout=10)
                assert console.status_code == 200, console.text
                assert console.json()["counter"]["current_ticket"]["id"] == current

            # Screens reconnected and resynced on their own: a fresh snapshot, then live calls again.
            assert display.wait_for(lambda: len(display.snapshots) >= 2, 20), "the display never resynced"
            assert phone.wait_for(lambda: len(phone.snapshots) >= 2, 20), "the phone never resynced"
            assert phone.snapshots[-1]["ticket"]["number"] == phone_ticket["number"]
            recent = {call["number"] for call in display.snapshots[-1]["recent_calls"]}
            assert {last_call[c]["number"] for c in COUNTERS} & recent or len(recent) == 12
            seen = len(display.calls)
            r = officers[1].post(f"{server.url}/api/counters/1/call-next", timeout=10)
            assert r.status_code == 200 and r.json()["ticket"]
            assert display.wait_for(lambda: any(c["ticket_id"] == r.json()["ticket"]["id"] for c in display.calls[seen:]), 10)
    finally:
        for s in [*officers.values(), *kiosks]:
            s.close()
        server.stop()


# ---------------------------------------------------------------- a full disk


def issue_until_refused(server: LiveServer, service_id: int, limit: int = 3000) -> tuple[list[dict], dict]:
    """Issue tickets until the server refuses; every answer must be a ticket or the storage error."""
    issued = []
    with requests.Session() as kiosk:
        for _ in range(limit):
            r = kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": service_id}, timeout=20)
            if r.status_code != 201:
                return issued, {"status": r.status_code, **r.json()}
            issued.append(r.json())
    raise AssertionError(f"the disk never filled after {limit} tickets")


def assert_refused_then_resumed(server: LiveServer, make_room, service_id: int) -> None:
    issued, refusal = issue_until_refused(server, service_id)
    assert refusal["status"] == 503, refusal
    assert refusal["error"] == "storage_unavailable"
    assert "Traceback" not in refusal["message"] and refusal["message"]
    assert requests.get(server.url + "/api/health", timeout=10).status_code in (200, 503)
    make_room()
    with requests.Session() as kiosk:
        for _ in range(50):  # the first write after space returns may still find the WAL mid-recovery
            r = kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": service_id}, timeout=20)
            if r.status_code == 201:
                break
            time.sleep(0.1)
    assert r.status_code == 201, r.text
    server.stop()
    assert integrity(server.db_path) == "ok"
    numbers = [n for (n,) in query(server.db_path, "SELECT number FROM tickets WHERE origin_service_id = ? ORDER BY id", (service_id,))]
    # The refused attempts left no trace: the acknowledged tickets, then the one after space returned, contiguous.
    assert numbers == [t["number"] for t in issued] + [r.json()["number"]]
    for sid, seqs in sequences(server.db_path).items():
        assert seqs == list(range(1, len(seqs) + 1)), sid


def test_a_file_size_limit_refuses_tickets_with_503_and_service_resumes(tmp_path):
    """RLIMIT_FSIZE on the running server process: its writes past the limit fail as on a full disk (EFBIG)."""
    server = LiveServer(tmp_path / "live.db").start()
    try:
        (service_id,) = query(server.db_path, "SELECT id FROM services WHERE prefix = 'W'")[0]
        files = [server.db_path, Path(f"{server.db_path}-wal"), server.log_path]
        ceiling = max(p.stat().st_size for p in files if p.exists()) + 64 * 1024
        _soft, hard = resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (ceiling, hard))
        assert_refused_then_resumed(
            server, lambda: resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, hard)), service_id
        )
    finally:
        server.stop()


def test_a_full_filesystem_refuses_tickets_with_503_and_service_resumes(tmp_path):
    """The database on a small tmpfs that a filler file fills up (ENOSPC); deleting the filler frees space."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.decode().strip()}")
    server = LiveServer(mount / "live.db")
    try:
        server.start()
        (service_id,) = query(server.db_path, "SELECT id FROM services WHERE prefix = 'W'")[0]
        filler = mount / "filler"
        free = shutil.disk_usage(mount).free
        with filler.open("wb") as f:
            f.write(b"\0" * max(free - 96 * 1024, 0))
        assert_refused_then_resumed(server, filler.unlink, service_id)
    finally:
        server.stop()
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
