"""Live events over real Socket.IO connections to a real server process."""

from __future__ import annotations

import itertools
import queue
import random
import re
import threading
import time

import pytest
import requests
import socketio

from conftest import KIOSK, PASSWORD
from loket.emitter import LocalRooms

pytestmark = pytest.mark.slow


class Screen:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url: str, subscription: dict, cookies: str | None = None) -> None:
        self.events: queue.Queue = queue.Queue()
        self.all: list[tuple[str, dict]] = []
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.subscription = subscription
        self.lock = threading.Lock()
        for name in ("snapshot", "ticket_called", "queue_changed", "ticket_changed", "ticket_place", "error", "config_changed"):
            self.client.on(name, self._recorder(name))
        self.client.on("connect", lambda: self.client.emit("subscribe", self.subscription))
        self.client.connect(url, headers={"Cookie": cookies} if cookies else {}, transports=["websocket"], wait_timeout=10)

    def _recorder(self, name):
        def record(data=None):
            with self.lock:
                self.all.append((name, data))
            self.events.put((name, data))

        return record

    def wait_for(self, name: str, timeout: float = 5, where=lambda data: True) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if event == name and where(data):
                return data
        raise AssertionError(f"no {name} within {timeout}s; got {[e for e, _ in self.all]}")

    def received(self, name: str) -> list[dict]:
        with self.lock:
            return [d for e, d in self.all if e == name]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def screens():
    opened: list[Screen] = []

    def open_screen(*args, **kwargs) -> Screen:
        screen = Screen(*args, **kwargs)
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        screen.close()


def officer_session(server, username="petugas.dukcapil", counter_id=1) -> requests.Session:
    session = server.session(username)
    assert session.post(f"{server.url}/api/counters/{counter_id}/open", timeout=10).status_code == 200
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def test_a_display_gets_a_snapshot_then_each_call_with_its_announcement(live_server, screens):
    display = screens(live_server.url, {"room": "display", "display": "lobi"})
    snapshot = display.wait_for("snapshot")
    assert snapshot["mpp"]["timezone"] == "Asia/Jakarta" and len(snapshot["agencies"]) >= 8
    assert snapshot["display"]["name"] == "lobi" and snapshot["recent_calls"] == []
    requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
    changed = display.wait_for("queue_changed")
    assert changed["kind"] == "issued" and changed["services"][0]["waiting"] == 1
    assert "token" not in changed["ticket"]  # public screens never see a citizen's key
    officer = officer_session(live_server)
    started = time.monotonic()
    officer.post(f"{live_server.url}/api/counters/1/call-next", timeout=10)
    call = display.wait_for("ticket_called")
    assert time.monotonic() - started < 1.0
    assert call["number"] == "A001" and call["counter_id"] == 1 and call["counter"] == "Loket 1" and call["recall"] is False
    assert call["announcement"] == "Nomor antrean A nol nol satu, silakan menuju loket satu."
    assert {"ticket_id", "agency", "service", "called_at", "call_id"} <= call.keys()
    officer.post(f"{live_server.url}/api/counters/1/recall", timeout=10)
    recall = display.wait_for("ticket_called")
    assert recall["recall"] is True and recall["call_id"] != call["call_id"]


def test_a_display_filtered_by_agency_sees_only_its_calls(live_server, screens):
    dukcapil = screens(live_server.url, {"room": "display", "agency_ids": [1]})
    imigrasi = screens(live_server.url, {"room": "display", "agency_ids": [2]})
    for screen in (dukcapil, imigrasi):
        screen.wait_for("snapshot")
    for service_id in (1, 5):
        requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": service_id}, timeout=10)
    officer_session(live_server).post(f"{live_server.url}/api/counters/1/call-next", timeout=10)
    officer_session(live_server, "petugas.imigrasi", 5).post(f"{live_server.url}/api/counters/5/call-next", timeout=10)
    assert dukcapil.wait_for("ticket_called")["number"] == "A001"
    assert imigrasi.wait_for("ticket_called")["number"] == "E001"
    time.sleep(0.3)
    assert [c["number"] for c in dukcapil.received("ticket_called")] == ["A001"]
    assert [c["number"] for c in imigrasi.received("ticket_called")] == ["E001"]


def test_the_citizens_phone_hears_its_own_call(live_server, screens):
    ticket = requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    phone = screens(live_server.url, {"room": "ticket", "token": ticket["token"]})
    assert phone.wait_for("snapshot")["ticket"]["number"] == "A001"
    officer_session(live_server).post(f"{live_server.url}/api/counters/1/call-next", timeout=10)
    assert phone.wait_for("ticket_called")["counter"] == "Loket 1"
    assert phone.wait_for("ticket_changed")["status"] == "called"


def test_a_phone_follows_every_line_its_place_moves_with_not_only_its_counters_services(app, db):
    """Dukcapil's counters call {KTP}, {KTP}, {KTP, KK}, {KK, Akta, Pindah}: a call of Akta changes when the
    last counter takes KK, and so when the third takes KTP. A KTP ticket's phone is in all four lines' rooms
    (the pushes of loket/places.py go to the phones in the rooms of the lines that moved), none of Imigrasi's."""
    from loket import realtime, tickets

    ktp = tickets.issue(db, 1, app.config["CLOCK"]())
    phone = realtime.socketio.test_client(app)
    assert phone.emit("subscribe", {"room": "ticket", "token": ktp["token"]}, callback=True) == {"ok": True}
    manager = realtime.socketio.server.manager
    rooms = set(manager.get_rooms(manager.sid_from_eio_sid(phone.eio_sid, "/"), "/"))
    assert {r for r in rooms if r.startswith("service:")} == {"service:1", "service:2", "service:3", "service:4"}
    phone.disconnect()


def test_each_phone_is_told_its_new_place_when_its_line_moves(live_server, screens):
    officer = officer_session(live_server)
    lobby = screens(live_server.url, {"room": "display"})
    lobby.wait_for("snapshot")
    issued = [requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json() for _ in range(3)]
    other = requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 5}, timeout=10).json()
    # The phones open their pages once the issuing was told (else they would hear their own ticket's news).
    lobby.wait_for("queue_changed", where=lambda c: c["ticket"] and c["ticket"]["number"] == other["number"])
    second = screens(live_server.url, {"room": "ticket", "token": issued[1]["token"]})
    third = screens(live_server.url, {"room": "ticket", "token": issued[2]["token"]})
    elsewhere = screens(live_server.url, {"room": "ticket", "token": other["token"]})
    twin = screens(live_server.url, {"room": "ticket", "token": issued[2]["token"]})  # the same ticket open on a second phone
    assert second.wait_for("snapshot")["ticket"]["ahead"] == 1
    assert third.wait_for("snapshot")["ticket"]["ahead"] == 2
    assert twin.wait_for("snapshot")["ticket"]["ahead"] == 2
    elsewhere.wait_for("snapshot")

    assert officer.post(f"{live_server.url}/api/counters/1/call-next", timeout=10).json()["ticket"]["number"] == issued[0]["number"]
    moved = third.wait_for("ticket_place", where=lambda t: t["ahead"] == 1)
    assert moved["id"] == issued[2]["id"] and moved["status"] == "waiting" and moved["service_id"] == 1
    assert moved["open_counters"] == 1 and "token" not in moved and "number" not in moved  # only what moved
    asked = requests.get(f"{live_server.url}/api/tickets/{issued[2]['token']}", timeout=10).json()
    assert {field: asked[field] for field in moved} == moved  # the same fields as the ticket's own, same values
    assert twin.wait_for("ticket_place", where=lambda t: t["ahead"] == 1) == moved
    assert second.wait_for("ticket_place", where=lambda t: t["ahead"] == 0)["id"] == issued[1]["id"]
    time.sleep(0.5)
    assert elsewhere.received("ticket_place") == []  # a line it does not wait in

    # A newcomer behind them moves nobody's place: nothing is sent again.
    before = len(third.received("ticket_place"))
    newcomer = requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()
    lobby.wait_for("queue_changed", where=lambda c: c["ticket"] and c["ticket"]["number"] == newcomer["number"])
    time.sleep(0.5)
    assert len(third.received("ticket_place")) == before
    # Its own place, not the line's counts: a phone hears no queue_changed at all.
    assert third.received("queue_changed") == [] and second.received("queue_changed") == []
    metrics = requests.get(f"{live_server.url}/metrics", timeout=10).text  # the IT officer sees them too
    assert re.search(r"^loket_phones_following 4$", metrics, re.M)
    assert int(re.search(r"^loket_places_sent_total (\d+)$", metrics, re.M)[1]) >= 2


def test_the_counter_room_needs_a_login_of_that_agency(live_server, screens):
    anonymous = screens(live_server.url, {"room": "counter", "counter_id": 1})
    assert anonymous.wait_for("error")["error"] == "login_required"
    imigrasi = screens(
        live_server.url, {"room": "counter", "counter_id": 1}, cookies=cookie_header(live_server.session("petugas.imigrasi"))
    )
    assert imigrasi.wait_for("error")["error"] == "forbidden"
    officer = officer_session(live_server)
    counter = screens(live_server.url, {"room": "counter", "counter_id": 1}, cookies=cookie_header(officer))
    snapshot = counter.wait_for("snapshot")
    assert snapshot["counter"]["state"] == "open" and snapshot["waiting"] == []
    requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
    assert counter.wait_for("queue_changed", where=lambda c: c["ticket"] is not None)["ticket"]["number"] == "A001"


def test_a_bad_subscription_gets_an_error_not_a_crash(live_server, screens):
    screen = screens(live_server.url, {"room": "nowhere"})
    assert screen.wait_for("error")["error"] == "invalid_field"
    screen.client.emit("subscribe", {"room": "ticket", "token": "nope"})
    assert screen.wait_for("error")["error"] == "ticket_not_found"
    screen.client.emit("subscribe", "not an object")
    screen.client.emit("subscribe", {"room": "display"})
    assert screen.wait_for("snapshot")["room"] == "display"


def test_a_screen_resyncs_after_the_server_restarts(live_server, screens):
    display = screens(live_server.url, {"room": "display"})
    display.wait_for("snapshot")
    requests.post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
    officer_session(live_server).post(f"{live_server.url}/api/counters/1/call-next", timeout=10)
    display.wait_for("ticket_called")
    live_server.kill()
    live_server.start()
    snapshot = display.wait_for("snapshot", timeout=15)
    assert [c["number"] for c in snapshot["recent_calls"]] == ["A001"]  # history, not a new call
    assert any(c["current_ticket"] and c["current_ticket"]["number"] == "A001" for c in snapshot["counters"])


def test_demo_password_comes_from_the_environment(live_server):
    assert live_server.session("admin").get(f"{live_server.url}/api/me", timeout=10).json()["user"]["role"] == "admin"
    assert PASSWORD


def test_rooms_kept_by_socket_match_python_socketios_own():
    """LocalRooms (loket/emitter.py IndexedRooms) finds a socket's rooms from its own index: over random
    connects, joins, leaves, closed rooms and disconnects its rooms stay python-socketio's."""
    managers = []
    for manager in (LocalRooms(), socketio.Manager()):
        server = socketio.Server(client_manager=manager)
        ids = itertools.count()
        server.eio.generate_id = lambda ids=ids: f"s{next(ids)}"
        managers.append(manager)
    ours, theirs = managers
    chance = random.Random(27)
    connected: list[str] = []
    for step in range(3000):
        roll = chance.random()
        if roll < 0.2 or not connected:
            sids = {m.connect(f"e{step}", "/") for m in managers}
            assert len(sids) == 1
            connected.append(sids.pop())
        elif roll < 0.6:
            sid, room = chance.choice(connected), f"r{chance.randrange(30)}"
            for m in managers:
                m.enter_room(sid, "/", room)
        elif roll < 0.8:
            sid, room = chance.choice(connected), f"r{chance.randrange(30)}"
            for m in managers:
                m.leave_room(sid, "/", room)
        elif roll < 0.83:
            room = f"r{chance.randrange(30)}"
            for m in managers:
                m.close_room(room, "/")
        else:
            sid = connected.pop(chance.randrange(len(connected)))
            for m in managers:
                m.disconnect(sid, "/")
        assert ours.rooms == theirs.rooms, step
        if step % 50 == 0:
            for sid in connected:
                assert sorted(ours.get_rooms(sid, "/")) == sorted(theirs.get_rooms(sid, "/"))
    assert ours.pending_connect == theirs.pending_connect and ours.pending_disconnect == theirs.pending_disconnect
    assert set(ours.rooms_of) == {("/", sid) for sid in connected}
