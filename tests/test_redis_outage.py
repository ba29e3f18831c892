"""Redis that fails loudly and heals: two server processes, a real redis-server restarted or frozen mid-burst.

A call is lost when a display neither heard it (`ticket_called`) nor found it in a snapshot it got
afterwards (`recent_calls`): after any gap the screens are told to redraw (`config_changed` resync).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import pytest
import requests
import socketio

from conftest import KIOSK, LiveServer, free_port


class Redis:
    def __init__(self, folder) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            if os.environ.get("LOKET_REQUIRE_BROWSER") == "1":
                pytest.fail("CI but redis-server is missing: apt-get install -y redis-server")
            pytest.skip("redis-server not installed")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)


class Display:
    """A lobby display as display.js behaves: subscribe on connect and again on config_changed."""

    def __init__(self, url: str) -> None:
        self.heard: dict[int, float] = {}
        self.in_snapshot: set[int] = set()
        self.resyncs = 0
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2)
        self.client.on("connect", self._subscribe)
        self.client.on("snapshot", lambda s: self.in_snapshot.update(c["call_id"] for c in s.get("recent_calls", [])))
        self.client.on("ticket_called", lambda c: self.heard.setdefault(c["call_id"], time.monotonic()))
        self.client.on("config_changed", self._config_changed)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)

    def _subscribe(self) -> None:
        self.client.emit("subscribe", {"room": "display", "display": "lobi"})

    def _config_changed(self, data) -> None:
        if data.get("what") == "resync":
            self.resyncs += 1
        self._subscribe()

    def missing(self, call_ids: list[int]) -> list[int]:
        return [c for c in call_ids if c not in self.heard and c not in self.in_snapshot]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def mpp(tmp_path, demo_template):
    from conftest import copy_demo

    redis = Redis(tmp_path).start()
    db_path = copy_demo(demo_template, tmp_path / "shared.db")
    env = {"LOKET_REDIS_URL": redis.url}
    first = LiveServer(db_path, env=env).start()
    second = LiveServer(db_path, env=env).start()
    with requests.Session() as kiosk:
        for _ in range(60):
            assert kiosk.post(second.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).status_code == 201
    officer = first.session("petugas.dukcapil")
    for counter in (1, 2):
        assert officer.post(first.url + f"/api/counters/{counter}/open", timeout=10).status_code == 200
    yield redis, first, second, officer
    officer.close()
    second.stop()
    first.stop()
    redis.stop()


def calls(db_path) -> list[int]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM events WHERE kind = 'called' ORDER BY id")]
    finally:
        conn.close()


def burst(officer, url: str, count: int, per_second: float) -> None:
    for n in range(count):
        officer.post(url + f"/api/counters/{1 + n % 2}/call-next", timeout=10)
        time.sleep(1 / per_second)


@pytest.mark.parametrize(("outage", "per_second"), [(0.1, 5), (5.0, 2)])
def test_after_a_redis_restart_mid_burst_every_display_has_every_call(mpp, outage, per_second):
    redis, first, second, officer = mpp
    far = Display(second.url)  # on the other process: its calls come through Redis
    near = Display(first.url)
    try:
        time.sleep(0.5)
        calling = threading.Thread(target=burst, args=(officer, first.url, int(per_second * (outage + 4)), per_second))
        calling.start()
        time.sleep(1)
        redis.stop()
        time.sleep(outage)
        redis.start()
        calling.join(60)
        time.sleep(3)  # reconnect (every 0.5 s) and the redraw
        made = calls(first.db_path)
        lost_far, lost_near = far.missing(made), near.missing(made)
        print(f"redis restart of {outage} s at {per_second} calls/s: {len(made)} calls, lost far {len(lost_far)}, near {len(lost_near)}")  # noqa: T201
        assert not lost_near and not lost_far
        assert far.resyncs >= 1
        health = requests.get(second.url + "/api/health", timeout=10).json()
        assert health["checks"]["redis"] == "connected"
    finally:
        far.close()
        near.close()


def test_a_hung_redis_never_delays_the_calling_process_own_screens_and_others_redraw_when_it_wakes(mpp):
    redis, first, second, officer = mpp
    near = Display(first.url)
    far = Display(second.url)
    try:
        time.sleep(0.5)
        redis.process.send_signal(signal.SIGSTOP)
        delays = []
        for n in range(4):
            pressed = time.monotonic()
            officer.post(first.url + f"/api/counters/{1 + n % 2}/call-next", timeout=10)
            (call_id,) = calls(first.db_path)[-1:]
            deadline = time.monotonic() + 10
            while call_id not in near.heard and time.monotonic() < deadline:
                time.sleep(0.01)
            delays.append(near.heard[call_id] - pressed)
        health = requests.get(first.url + "/api/health", timeout=10)
        assert health.status_code == 200 and "redis_disconnected" in health.json()["reasons"]
        time.sleep(2)  # longer than a publish may wait (1 s): the other process's display misses the calls
        redis.process.send_signal(signal.SIGCONT)
        time.sleep(3)
        print(f"hung redis: the calling process's own display heard each call after {[round(d, 3) for d in delays]} s")  # noqa: T201
        assert max(delays) < 1.0
        assert not far.missing(calls(first.db_path)) and far.resyncs >= 1
    finally:
        near.close()
        far.close()


def test_a_sentinel_url_starts_the_server(tmp_path, demo_template):
    """Flask-SocketIO routed redis+sentinel:// to kombu (not installed): the server did not start."""
    from conftest import copy_demo

    server = LiveServer(copy_demo(demo_template, tmp_path / "s.db"), env={"LOKET_REDIS_URL": "redis+sentinel://127.0.0.1:1/0/mymaster"})
    server.start(timeout=60, ready=(200,))
    try:
        body = requests.get(server.url + "/api/health", timeout=10).json()
        assert body["checks"]["redis"] == "disconnected" and "redis_disconnected" in body["reasons"]
    finally:
        server.stop()
