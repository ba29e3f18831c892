"""The production server: gevent, idle connections closed, websockets kept, the open-file limit, systemd units."""

from __future__ import annotations

import configparser
import http.client
import json
import resource
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import KIOSK, ROOT, LiveServer, copy_demo
from loket import serve

UNITS = ROOT / "deploy" / "systemd"


@pytest.fixture
def short_idle_server(tmp_path, demo_template):
    server = LiveServer(copy_demo(demo_template, tmp_path / "idle.db"))
    server.extra_args = ["--idle-timeout", "1.5"]
    server.start()
    yield server
    server.stop()


def test_the_server_is_not_a_development_server(live_server):
    log = live_server.log_path.read_text()
    assert "development server" not in log.lower() and "werkzeug" not in log.lower()
    assert "open files limit" in log
    assert requests.get(live_server.url + "/api/health", timeout=5).json()["status"] == "ok"


def test_an_idle_keep_alive_connection_is_closed_but_a_websocket_is_kept(short_idle_server):
    import socketio

    idle = http.client.HTTPConnection("127.0.0.1", short_idle_server.port, timeout=10)
    idle.request("GET", "/api/health")
    answer = idle.getresponse()
    assert answer.status == 200 and json.loads(answer.read())["status"] == "ok"
    assert not answer.will_close  # keep-alive
    started = time.monotonic()
    assert idle.sock.recv(4096) == b""  # closed by the server, not by us
    assert 1.0 < time.monotonic() - started < 8
    idle.close()
    events = []
    client = socketio.Client(reconnection=False)
    client.on("ticket_called", lambda data: events.append(data))
    client.connect(short_idle_server.url, transports=["websocket"])
    try:
        client.call("subscribe", {"room": "display", "display": "lobi"}, timeout=10)
        time.sleep(3)  # twice the idle timeout with no frame but pings
        officer = short_idle_server.session("petugas.dukcapil")
        assert officer.post(short_idle_server.url + "/api/counters/1/open", timeout=10).status_code == 200
        assert requests.post(short_idle_server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).status_code == 201
        assert officer.post(short_idle_server.url + "/api/counters/1/call-next", json={}, timeout=10).status_code == 200
        deadline = time.monotonic() + 5
        while not events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert events and events[0]["number"] == "A001"
    finally:
        client.disconnect()


def test_the_open_file_limit_is_raised_to_the_hard_limit():
    from loket import serve

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before, after = serve.raise_open_files_limit()
    assert after == (hard if hard != resource.RLIM_INFINITY else max(before, 1 << 16))
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == after


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize("name", ["loket.service", "loket-agent@.service"])
def test_long_running_units_restart_and_have_room_for_sockets(name):
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert int(service["LimitNOFILE"]) >= 4096
    assert service["User"] == "loket" and service["UMask"] == "0077"


def exec_args(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])[1:]


def test_the_server_unit_starts_the_production_server_with_arguments_it_accepts():
    import server

    args = exec_args("loket.service")
    assert args[0] == "serve"
    parsed = server.build_parser().parse_args(args[1:])
    assert parsed.no_demo and parsed.host == "0.0.0.0" and not parsed.threading


def test_the_agent_and_rollup_units_name_options_their_commands_have():
    agent_help = subprocess.run(
        [sys.executable, "-m", "kiosk.agent", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for option in (a for a in exec_args("loket-agent@.service") if a.startswith("--")):
        assert option in agent_help
    assert exec_args("loket-rollup.service") == ["rollup", "--at-local-hour", "1"]
    timer = unit("loket-rollup.timer")["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"


def test_units_are_documented():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for path in sorted(Path(UNITS).iterdir()):
        assert path.name in text


def test_login_still_works_through_the_production_server(live_server):
    session = live_server.session("admin")
    assert session.get(live_server.url + "/api/me", timeout=5).status_code == 200


def read_answer(stream) -> tuple[int, dict]:
    """One HTTP/1.1 answer off a keep-alive stream (several may be waiting in it)."""
    status = int(stream.readline().split()[1])
    length = 0
    while (line := stream.readline().strip()) != b"":
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, json.loads(stream.read(length))


def test_connections_take_turns_so_one_busy_client_cannot_hold_up_the_others(live_server):
    """A kiosk whose requests are already waiting must not be served again and again while another
    kiosk's request waits: nothing in a request yields to gevent's loop, so only taking turns
    between requests keeps the others' latency bounded (p99 was 0.5-1 s under 16 busy clients)."""
    body = json.dumps({"service_id": 1})
    request = (
        f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    busy = socket.create_connection(("127.0.0.1", live_server.port), timeout=20)
    other = socket.create_connection(("127.0.0.1", live_server.port), timeout=20)
    try:
        busy.sendall(request * 40)  # pipelined: the next one is always there when an answer is sent
        other.sendall(request)
        stream = busy.makefile("rb")
        numbers = []
        for _ in range(40):
            status, ticket = read_answer(stream)
            assert status == 201
            numbers.append(ticket["id"])
        status, ticket = read_answer(other.makefile("rb"))
    finally:
        busy.close()
        other.close()
    assert status == 201
    assert numbers == sorted(numbers) and len(set(numbers)) == 40
    # Its turn came after a few of the busy client's, not after all forty.
    assert ticket["id"] < numbers[20]


def test_the_server_keeps_the_garbage_collector_from_walking_what_start_up_made():
    """A full collection walked every object of the process (385 ms with 5,000 sockets, no call sent
    meanwhile): start-up's objects are frozen, young collections come less often, greenlets keep no
    spawning stack (in a process of its own: the test process keeps Python's defaults)."""
    script = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import gc, gevent, json\n"
        "from loket import serve\n"
        "serve.quiet_collector()\n"
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], gevent.config.track_greenlet_tree,"
        " gevent.spawn(lambda: None).spawning_stack is None]))\n"
    )
    frozen, young, tracked, no_stack = json.loads(
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    )
    assert frozen > 10_000 and young == serve.GC_YOUNG and tracked is False and no_stack
