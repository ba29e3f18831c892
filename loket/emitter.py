"""After the commit: the one emitter that sends what committed transactions said (loket/events.py).

The pool hands it each transaction's events right after COMMIT, still under the write lock, so its
queue holds transactions in commit order; one thread (a greenlet under gevent) sends them without
the write lock. Between deliveries the same thread starts the WAL checkpoint, so no writer waits
for it.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable

from socketio import Manager, PubSubManager

from . import broadcasts, places, serializers
from .events import BookingSlotsChanged, ConfigChanged, Event, Message, PrintWanted, QueueChanged, SessionsEnded, TicketCalled
from .publication import LiveFigures
from .pubsub import HealingRedisManager
from .realtime import socketio

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.05  # queue_changed of a burst within this window go out as one
IDLE_SECONDS = 30  # the emitter's thread ends after this long without work, and starts again on the next commit
PUBLIC_SECONDS = 3.0  # the public room (/info/) hears of changes at most this often: it is for planning a visit
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_RETRY_SECONDS = 0.2


class Emitter:
    """Sends what committed transactions said happened, in commit order, without the write lock.

    `ticket_called` goes out at once and is never merged, dropped or reordered; the `queue_changed`
    of a burst is merged into one message whose counts are read fresh when it is sent.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.last_checkpoint = 0.0
        self.restart_wanted = False
        self.checkpointing = False
        self.public_pending = False
        self.public_pushed = 0.0
        self.published: collections.deque[float] = collections.deque()  # when each undelivered publish came in
        # In-process receivers of an event type (the kiosk's print worker for PrintWanted), called in commit order.
        self.subscribers: dict[type[Event], list[Callable[[Event], None]]] = {}

    def subscribe(self, kind: type[Event], receiver: Callable[[Event], None]) -> None:
        """Call `receiver(event)` right after each commit that said an event of this type (still under the
        write lock, in commit order): it must return at once, handing any real work to a thread of its own."""
        self.subscribers.setdefault(kind, []).append(receiver)

    def lag(self) -> float:
        """Seconds the oldest publish not yet delivered has waited (0 when everything went out)."""
        return time.monotonic() - self.published[0] if self.published else 0.0

    def publish(self, said: list[Event]) -> None:
        # In-process receivers get their events at once, right after the COMMIT (a print job starts
        # before the answer leaves, as fast as a call in the request); they only start work, so the
        # write lock is not held for long. The rest goes to the sockets from the emitter's thread.
        handed = [event for event in said if type(event) in self.subscribers]
        for event in handed:
            self._hand_over(event)
        said = [event for event in said if type(event) not in self.subscribers]
        if not said:
            return
        try:
            base = serializers.public_base_url()
        except RuntimeError:
            base = ""
        self.published.append(time.monotonic())
        self.queue.put((said, base))
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="loket-emitter", daemon=True)
                self.thread.start()

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until everything published so far was sent (tests; a clean shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.queue.unfinished_tasks == 0:
                    return True
            time.sleep(0.005)
        return False

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                wait = self._public_due() if self.public_pending else IDLE_SECONDS
                try:
                    first = self.queue.get(timeout=wait)
                except queue.Empty:
                    if self.public_pending:
                        self._push_public()
                        continue
                    with self.lock:
                        if self.queue.empty():
                            self.thread = None
                            return
                    continue
                try:
                    self._deliver(first)
                except Exception:  # a broken payload must not stop every later event
                    log.exception("delivering events failed")
                if self.public_pending and self._public_due() <= 0:
                    self._push_public()
                self._maintain()

    def _deliver(self, first) -> None:
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        taken = [first]
        changes: list[tuple[QueueChanged, str]] = []
        try:
            deadline = None
            item = first
            while True:
                said, base = item
                for event in said:
                    if isinstance(event, (QueueChanged, ConfigChanged, BookingSlotsChanged)):
                        self._public_changed()
                    if isinstance(event, QueueChanged):
                        changes.append((event, base))
                        deadline = deadline or time.monotonic() + COALESCE_SECONDS
                    else:
                        send(db, event, base)
                if deadline is None:
                    break
                try:
                    item = self.queue.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                taken.append(item)
            if changes:
                broadcasts.queue_changed(db, changes)
        finally:
            pool.give_back(db)
            for _ in taken:
                if self.published:
                    self.published.popleft()
                self.queue.task_done()

    def _hand_over(self, event: Event) -> None:
        for receiver in self.subscribers[type(event)]:
            try:
                receiver(event)
            except Exception:  # one receiver's bug must not stop the events after it
                log.exception("%s receiver failed", type(event).__name__)

    def _public_changed(self) -> None:
        self.app.extensions["loket_public"].mark_changed()
        self.public_pending = True

    def _public_due(self) -> float:
        return max(self.public_pushed + PUBLIC_SECONDS - time.monotonic(), 0.0)

    def _push_public(self) -> None:
        """The services whose public figures changed, to the public room: one message for every phone on /info/."""
        self.public_pending = False
        self.public_pushed = time.monotonic()
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        try:
            generated_at, changed = self.app.extensions["loket_public"].changes(db, self.app.config["CLOCK"]())
            if changed:
                socketio.emit("public_changed", {"generated_at": generated_at, "services": changed}, to="public")
        except Exception:
            log.exception("public figures failed")
        finally:
            pool.give_back(db)

    def _maintain(self) -> None:
        """Start a WAL checkpoint beside the deliveries, never in their way: copying a long log can
        take longer than a lobby may wait for its next call."""
        # A long log that a reader kept from restarting is tried again soon: the gap between two of a
        # backup's or a report's reads is short.
        every = CHECKPOINT_RETRY_SECONDS if self.restart_wanted else CHECKPOINT_SECONDS
        if self.checkpointing or time.monotonic() - self.last_checkpoint < every:
            return
        self.last_checkpoint = time.monotonic()
        self.checkpointing = True
        threading.Thread(target=self._checkpoint, name="loket-checkpoint", daemon=True).start()

    def _checkpoint(self) -> None:
        try:
            started = time.monotonic()
            pages, self.restart_wanted = self.app.extensions["loket_pool"].checkpoint()
            if time.monotonic() - started > 1:
                log.info("WAL checkpoint of %s pages took %.1f s", pages, time.monotonic() - started)
        except Exception:
            log.exception("WAL checkpoint failed")
        finally:
            self.checkpointing = False


def send(db, event: Event, base: str = "") -> None:
    """Send one event that is not merged with others (every type but QueueChanged)."""
    if isinstance(event, TicketCalled):
        broadcasts.ticket_called(db, event, base)
    elif isinstance(event, Message):
        socketio.emit(event.names[0], event.payload(), to=event.to())
    elif isinstance(event, SessionsEnded):
        drop_sessions(list(event.keys))
    elif isinstance(event, PrintWanted):
        return  # no kiosk print worker subscribed in this app: nothing prints
    else:
        raise TypeError(f"no delivery for {type(event).__name__}")


def drop_sessions(keys: list[str]) -> None:
    """Disconnect the sockets of ended sessions on every process: they leave every staff and counter room.

    The screens reconnect, subscribe again and are refused (session_expired), so they show the login.
    With the Redis queue, closing a `session:` room is published to the other processes, whose
    manager (SessionRooms) disconnects their own sockets in it.
    """
    server = socketio.server
    if server is None or not keys:
        return
    for key in keys:
        room = f"session:{key}"
        if isinstance(server.manager, PubSubManager):
            server.manager.close_room(room, "/")
        else:
            for sid, _eio_sid in list(server.manager.get_participants("/", room)):
                server.disconnect(sid, namespace="/")


class IndexedRooms:
    """python-socketio finds a socket's rooms by looking in every room of the namespace, at each
    subscribe (`rooms()`) and each disconnect: with 5,000 sockets, each in its own room and most phones
    in their ticket's, that is ~10,000 checks a socket (0.7 ms of the loop), and a lobby-wide reconnect
    after a restart is quadratic. Here each socket's rooms are also kept by socket.

    `basic_disconnect` is python-socketio 5's own, with the search replaced by the index
    (tests/test_realtime.py holds both managers' rooms equal over random joins, leaves and disconnects).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rooms_of: dict[tuple[str, str], dict] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), {})[room] = None

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        joined = self.rooms_of.get((namespace, sid))
        if joined is not None:
            joined.pop(room, None)
            if not joined:
                del self.rooms_of[(namespace, sid)]

    def get_rooms(self, sid, namespace):
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]

    def basic_disconnect(self, sid, namespace, **kwargs):
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]


class LocalRooms(IndexedRooms, Manager):
    """The rooms of the one process (no Redis); `lines_moved` moves the places of the phones following
    those lines (loket/places.py)."""

    lines_moved: Callable[[list[int]], None] | None = None

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
        moved = places.moved_lines(event, data)
        if moved and self.lines_moved:
            self.lines_moved(moved)


class SessionRooms(IndexedRooms, HealingRedisManager):
    """The Redis message queue of several processes (loket/pubsub.py: never blocks, heals with a resync),
    where closing a `session:` room also disconnects the sockets in it, on whichever process holds them
    (a logout on one must reach the others).

    Also takes `redis+sentinel://` URLs, which Flask-SocketIO's own choice of manager does not route.
    """

    lines_moved: Callable[[list[int]], None] | None = None

    def _handle_emit(self, message: dict) -> None:
        # Every process handles every published message, its own too: each moves the phones it holds.
        super()._handle_emit(message)
        moved = places.moved_lines(message.get("event"), message.get("data"))
        if moved and self.lines_moved:
            self.lines_moved(moved)

    def _handle_close_room(self, message: dict) -> None:
        room, namespace = message.get("room") or "", message.get("namespace") or "/"
        if room.startswith("session:"):
            for sid, _eio_sid in list(self.get_participants(namespace, room)):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        super()._handle_close_room(message)


def client_manager(app, url: str | None) -> LocalRooms | SessionRooms:
    """The socket manager: for a message queue URL (redis://, rediss://, redis+sentinel://), or one process's."""
    # the channel Flask-SocketIO uses, so a process of an older Loket on the same Redis still hears us
    manager = SessionRooms(url) if url else LocalRooms()
    manager.lines_moved = app.extensions["loket_places"].moved
    return manager


def install(app) -> Emitter:
    emitter = Emitter(app)
    app.extensions["loket_emitter"] = emitter
    app.extensions["loket_public"] = LiveFigures()
    app.extensions["loket_places"] = places.PlaceFollowers(app)
    app.extensions["loket_pool"].deliver = emitter.publish
    return emitter
