"""Each waiting citizen's place, sent to the phone that follows it.

A ticket page (/t/<token>) follows its own ticket and every line its place moves with (the
`service:<id>` rooms it joins, loket/realtime.py). It used to get each `queue_changed` of those lines
and ask for its ticket again: with a thousand phones open at 5 calls a second that was ~330
requests a second, each replaying an agency's line, and the lobby's calls waited behind them (p99
50 ms → 1 s, docs/performance.md). Now the process holding a phone's socket works out the places of
all its phones in the lines that moved at once (one read and one play of each agency's line) and sends
each phone whose place changed its new place (`ticket_place`, ~150 bytes), to its own sockets only.

It runs where the sockets are: the broadcast of a queue change says `lines_moved` with the services
(loket/broadcasts.py), and the socket manager of every process (one process, or several on Redis)
hands it to `moved()` (LocalRooms, SessionRooms in loket/emitter.py), so a change made by one process
moves the phones held by another. The phones' `service:<id>` rooms are only the index of who waits in
which line; nothing is sent to them.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time

from engineio import packet as eio_packet
from socketio import packet as sio_packet

from . import serializers, tickets
from .realtime import socketio
from .timeutil import local_day

log = logging.getLogger(__name__)

# The one message that says lines moved: sent to a room no socket can join (subscribe offers none of
# that name), so only the socket managers of the processes hear it.
LINES_MOVED = "lines_moved"
LINES_ROOM = "lines"
WINDOW_SECONDS = 0.05  # the lines moved by a burst of calls are worked out together
YIELD_EVERY = 100  # phones pushed between two turns of the event loop
SENT_LIMIT = 50_000  # the last place sent per ticket, kept for the tickets followed most recently


# What a waiting ticket's page shows of its place (anything else changes with a message of its own):
# the `ticket_place` payload, with the ticket's id.
MARKED = ("status", "service_id", "ahead", "estimated_wait_minutes", "open_counters", "called_around")


def _mark(ticket: dict) -> tuple:
    return tuple(ticket[field] for field in MARKED)


class PlaceFollowers:
    """The phones on this process following a ticket, and the pushing of their places."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.following: dict[str, tuple[int, str]] = {}  # socket id -> (ticket id, source: "kiosk", "booking"…)
        self.sent: collections.OrderedDict[int, tuple] = collections.OrderedDict()  # ticket id -> _mark last sent
        self.pending: set[int] = set()
        self.running = False
        self.pushed = 0  # tickets sent since start (metrics, tests)

    # ------------------------------------------------------------ who follows what (socket handlers)

    def follow(self, sid: str, ticket: dict) -> None:
        """The socket now shows this ticket, as its snapshot has it (`ticket`, the page's JSON)."""
        with self.lock:
            self.following[sid] = (ticket["id"], ticket["source"])
            self._sent(ticket["id"], _mark(ticket))

    def _sent(self, ticket_id: int, mark: tuple) -> None:
        self.sent[ticket_id] = mark
        self.sent.move_to_end(ticket_id)
        while len(self.sent) > SENT_LIMIT:
            self.sent.popitem(last=False)

    def leave(self, sid: str) -> None:
        with self.lock:
            self.following.pop(sid, None)

    # ------------------------------------------------------------ lines that moved (the socket manager)

    def moved(self, service_ids: list[int]) -> None:
        """Lines moved: their phones on this process get their places shortly (never blocks the caller)."""
        with self.lock:
            if not self.following:
                return
            self.pending.update(service_ids)
            if self.running:
                return
            self.running = True
        socketio.start_background_task(self._run)

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                time.sleep(WINDOW_SECONDS)
                with self.lock:
                    service_ids, self.pending = self.pending, set()
                    if not service_ids:
                        self.running = False
                        return
                try:
                    self.push(service_ids)
                except Exception:  # one bad line must not stop the phones' places for good
                    log.exception("pushing places failed")

    def push(self, service_ids: set[int]) -> int:
        """Send every phone here that follows a waiting ticket in these lines its place, if it changed."""
        manager = socketio.server.manager
        followed: dict[int, tuple[list[str], str]] = {}  # ticket id -> (its sockets here, by engine id; source)
        with self.lock:
            for service_id in service_ids:
                for sid, eio_sid in list(manager.get_participants("/", f"service:{service_id}")):
                    if sid in self.following:
                        ticket_id, source = self.following[sid]
                        sockets = followed.setdefault(ticket_id, ([], source))[0]
                        if eio_sid not in sockets:
                            sockets.append(eio_sid)
        if not followed:
            return 0
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        sent = 0
        try:
            now = self.app.config["CLOCK"]()
            loaded = serializers.Loaded(db, now)
            marks = ",".join(str(int(s)) for s in service_ids)
            agencies = {a for (a,) in db.conn.execute(f"SELECT DISTINCT agency_id FROM services WHERE id IN ({marks})")}
            lines = loaded.lines(agencies)
            # The followed tickets still waiting are in their agency's line, with all a place needs: no
            # read of them by id (4,500 phones: that read was a tenth of the server's time).
            today = local_day(now, loaded.settings["timezone"])
            waiting = [
                {"id": w.id, "service_id": w.service_id, "queued_at": w.queued_at, "status": "waiting", "issued_on": today,
                 "agency_id": agency, "source": followed[w.id][1]}
                for agency in sorted(agencies) for w in lines[agency].waiting if w.id in followed
            ]  # fmt: skip
            if not waiting:
                return 0
            stats = loaded.stats(sorted({t["service_id"] for t in waiting}))
            found = tickets.places_in_line(db, waiting, now, loaded.settings, lines)
            for number, ticket in enumerate(waiting, 1):
                if number % YIELD_EVERY == 0:
                    time.sleep(0)  # the lobby's calls and other requests go out between the phones (gevent)
                place = {"id": ticket["id"], "status": "waiting", "service_id": ticket["service_id"]}
                place.update(serializers.place_fields(ticket, found.get(ticket["id"]), stats.get(ticket["service_id"]), now))
                mark = _mark(place)
                with self.lock:
                    if self.sent.get(ticket["id"]) == mark:
                        continue
                    self._sent(ticket["id"], mark)
                _send(followed[ticket["id"]][0], "ticket_place", place)
                sent += 1
        finally:
            pool.give_back(db)
        self.pushed += sent
        return sent


class _PlainPacket(sio_packet.Packet):
    """A Socket.IO packet written by the standard library's JSON encoder: Flask-SocketIO gives every packet
    Flask's encoder (the app's provider, looked up per message), a fifth of a push to thousands of phones."""

    json = json


def _send(eio_sids: list[str], event: str, data: dict) -> None:
    """To these sockets of this process, as the manager's emit to a room sends it, without its search of
    the data for binary parts (a place has none; for thousands of phones that search was a tenth of the
    server's time). The phone is here: the other processes push their own."""
    server = socketio.server
    encoded = _PlainPacket(sio_packet.EVENT, data=[event, data], namespace="/", binary=False).encode()
    message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
    for eio_sid in eio_sids:
        server._send_eio_packet(eio_sid, message)


def moved_lines(event: str, data) -> list[int]:
    """The service ids of a `lines_moved` message (as sent, or as a Redis message carries it), else none."""
    if event != LINES_MOVED:
        return []
    if isinstance(data, list):  # python-socketio's message queue carries the arguments as a list
        data = data[0] if data else {}
    return [int(i) for i in (data or {}).get("service_ids", []) if isinstance(i, int)]
