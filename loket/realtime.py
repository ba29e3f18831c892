"""Socket.IO: rooms, the snapshot a screen gets on (re)connect, and broadcasts after each commit."""

from __future__ import annotations

import collections
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from datetime import datetime

from flask import current_app, request, session
from flask_socketio import SocketIO, emit, join_room, leave_room, rooms
from sqlite_utils import Database

from . import serializers
from .db import after_commit, get_db, one, rows, settings
from .timeutil import iso

log = logging.getLogger(__name__)

# The extension object, bound to an app in create_app (the Flask extension pattern).
socketio = SocketIO()

RECENT_CALLS = 12


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def mpp_json(db: Database, conf: dict | None = None) -> dict:
    conf = conf or settings(db)
    return {
        "name": conf["mpp_name"],
        "address": conf["mpp_address"],
        "logo_url": conf["mpp_logo_url"],
        "timezone": conf["timezone"],
        "self_priority": conf["self_priority"] == "1",
        "phone_tickets": conf["phone_tickets"] == "1",
        "number_reading": conf["number_reading"],
        "announcement_repeat": int(conf["announcement_repeat"] or 1),
        "ticket_header": conf["ticket_header"],
        "ticket_footer": conf["ticket_footer"],
    }


def recent_calls(db: Database, now: datetime, agency_ids: list[int] | None, limit: int = RECENT_CALLS, loaded=None) -> list[dict]:
    """Today's last calls, newest first, each as its `ticket_called` payload with its call_id.

    Each call is labelled as it was made (the event row keeps the service, agency and counter of
    that moment), not with where the ticket went after a transfer.
    """
    from .timeutil import day_start_utc, local_day

    loaded = loaded or serializers.Loaded(db, now)
    tz = loaded.settings["timezone"]
    since = iso(day_start_utc(local_day(now, tz), tz))
    filter_sql = ""
    params: list = [since]
    if agency_ids:
        filter_sql = f" AND e.agency_id IN ({','.join('?' * len(agency_ids))})"
        params += agency_ids
    found = rows(
        db,
        "SELECT e.id AS call_id, e.kind, e.at, e.counter_id AS event_counter, e.service_id AS event_service,"
        " e.agency_id AS event_agency, t.* FROM events e JOIN tickets t ON t.id = e.ticket_id"
        " WHERE e.kind IN ('called', 'recalled') AND e.at >= ?" + filter_sql + " ORDER BY e.id DESC LIMIT ?",
        (*params, limit),
    )
    loaded.services([r["event_service"] or r["service_id"] for r in found])
    loaded.counters([r["event_counter"] for r in found])
    calls = []
    for row in found:
        # Label the call as it was made: a transfer later moves the ticket, not its past calls.
        ticket = {
            **row,
            "counter_id": row["event_counter"],
            "service_id": row["event_service"] or row["service_id"],
            "agency_id": row["event_agency"] or row["agency_id"],
        }
        payload = serializers.called_event(db, ticket, now, recall=row["kind"] == "recalled", loaded=loaded)
        payload["call_id"] = row["call_id"]
        payload["called_at"] = row["at"]
        calls.append(payload)
    return calls


def display_config(db: Database, name: str | None) -> dict:
    row = one(db, "SELECT * FROM displays WHERE name = ?", (name,)) if name else None
    if row is None:
        return {
            "name": name,
            "agency_ids": [],
            "zone": "",
            "layout": "landscape",
            "running_text": "",
            "speak": True,
            "repeat_count": 1,
            "registered": False,
        }
    return {
        "id": row["id"],
        "name": row["name"],
        "location": row["location"],
        "agency_ids": json.loads(row["agency_ids"] or "[]"),
        "zone": row["zone"],
        "layout": row["layout"],
        "running_text": row["running_text"],
        "speak": bool(row["speak"]),
        "repeat_count": row["repeat_count"],
        "registered": True,
    }


def _display_agencies(db: Database, config: dict, asked: list[int] | None) -> list[int] | None:
    agency_ids = asked or config["agency_ids"] or None
    if not agency_ids and config.get("zone"):
        agency_ids = [r["id"] for r in db.query("SELECT id FROM agencies WHERE zone = ?", (config["zone"],))] or None
    return agency_ids


def snapshot(db: Database, room: str, now: datetime, **options) -> dict:
    """Everything a screen needs to draw itself from nothing, from a few set-based statements."""
    loaded = serializers.Loaded(db, now)
    base = {"room": room, "server_time": iso(now), "mpp": mpp_json(db, loaded.settings)}
    if room == "display":
        config = display_config(db, options.get("display"))
        agency_ids = _display_agencies(db, config, options.get("agency_ids"))
        counters = [c for c in serializers.counters_json(db, now, loaded=loaded) if not agency_ids or c["agency_id"] in agency_ids]
        counters = lobby_counters({"counters": counters}, loaded.settings)["counters"]
        return {
            **base,
            "display": config,
            "agency_ids": agency_ids or [],
            "agencies": serializers.agencies_json(db, now, agency_ids, loaded=loaded),
            "counters": counters,
            "recent_calls": recent_calls(db, now, agency_ids, loaded=loaded),
        }
    if room == "kiosk":
        return {**base, "agencies": serializers.agencies_json(db, now, loaded=loaded)}
    if room == "counter":
        counter_id = options["counter_id"]
        from . import tickets

        counter = loaded.counter(counter_id)
        return {
            **base,
            "counter": serializers.counter_json(db, counter, now, loaded=loaded),
            "waiting": serializers.tickets_json(db, tickets.waiting_for_counter(db, counter_id, now), now, loaded=loaded),
            "held": serializers.tickets_json(db, tickets.held_at(db, counter_id), now, loaded=loaded),
            "agencies": serializers.agencies_json(db, now, [counter["agency_id"]], loaded=loaded),
        }
    if room == "ticket":
        from . import tickets

        ticket = tickets.by_token(db, options["token"])
        return {**base, "ticket": serializers.ticket_json(db, ticket, now, loaded=loaded)}
    if room == "staff":
        agency_id = options.get("agency_id")
        return {
            **base,
            "counters": serializers.counters_json(db, now, agency_id, loaded=loaded),
            "agencies": serializers.agencies_json(db, now, [agency_id] if agency_id else None, loaded=loaded),
        }
    raise ValueError(room)


def _leave_all(kind: str) -> None:
    """A socket shows one screen: drop earlier rooms, join the kind's "any" room for config pushes."""
    for room in rooms():
        if room != request.sid:
            leave_room(room)
    join_room(f"{kind}:any")


def _int_list(value, field: str = "agency_ids") -> list[int] | None:
    from .errors import LoketError

    if value in (None, "", []):
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or len(value) > 200:
        raise LoketError("invalid_field", field=field, reason="daftar bilangan bulat")
    try:
        if any(isinstance(v, (bool, list, dict)) for v in value):
            raise TypeError
        return [int(v) for v in value] or None
    except (TypeError, ValueError, OverflowError):
        raise LoketError("invalid_field", field=field, reason="daftar bilangan bulat") from None


def _name(data: dict, field: str) -> str | None:
    """An optional screen name (display, kiosk, token, key): text of at most 100 characters."""
    from .errors import LoketError

    value = data.get(field)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 100:
        raise LoketError("invalid_field", field=field, reason="teks maksimal 100 karakter")
    return value


@socketio.on("subscribe")
def on_subscribe(data):
    """Join one room and get its snapshot at once; a screen calls this on every (re)connect."""
    from .errors import LoketError

    try:
        return _subscribe(data)
    except LoketError as err:
        emit("error", err.to_dict())
        return err.to_dict()
    except (TypeError, ValueError, OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError):
        err = LoketError("bad_request")
        emit("error", err.to_dict())
        return err.to_dict()


def _subscribe(data) -> dict:
    from .errors import LoketError

    if not isinstance(data, dict):
        raise LoketError("bad_request")
    room = data.get("room")
    db = get_db()
    now = clock()
    if room == "display":
        name = _name(data, "display")
        config = display_config(db, name)
        agency_ids = _display_agencies(db, config, _int_list(data.get("agency_ids") or data.get("agency_id")))
        _leave_all("display")
        if agency_ids:
            for aid in agency_ids:
                join_room(f"display:agency:{aid}")
        else:
            join_room("display:all")
        # The socket is this registered display's screen: only it may report the display's state.
        session["display_id"] = config.get("id")
        if config.get("id"):
            join_room(f"display:config:{config['id']}")
            db.execute("UPDATE displays SET last_seen_at = ? WHERE id = ?", (iso(now), config["id"]))
        emit("snapshot", snapshot(db, "display", now, display=name, agency_ids=agency_ids))
    elif room == "kiosk":
        name, key = _name(data, "kiosk"), _name(data, "agent_key")
        kiosk = None
        if key:
            # Print jobs carry ticket tokens: only the kiosk's own print agent, holding its key, gets them.
            kiosk = one(db, "SELECT id, agent_key FROM kiosks WHERE name = ?", (name,))
            if kiosk is None or not kiosk["agent_key"] or not secrets.compare_digest(kiosk["agent_key"], key):
                raise LoketError("forbidden")
        _leave_all("kiosk")
        join_room("kiosk")
        if name:
            join_room(f"kiosk:{name}")
        if kiosk:
            # Only a kiosk that proved itself (its key) is marked alive: a name alone is anyone's.
            db.execute("UPDATE kiosks SET last_seen_at = ? WHERE id = ?", (iso(now), kiosk["id"]))
            join_room(f"kiosk-agent:{name}")
        emit("snapshot", snapshot(db, "kiosk", now))
    elif room == "counter":
        counter_id = int(data.get("counter_id") or 0)
        counter = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
        if counter is None:
            raise LoketError("counter_not_found")
        user = _session_user(db)
        if user["role"] != "admin" and user["agency_id"] != counter["agency_id"]:
            raise LoketError("forbidden")
        _leave_all("counter")
        join_room(f"counter:{counter_id}")
        _join_session_room()
        emit("snapshot", snapshot(db, "counter", now, counter_id=counter_id))
    elif room == "staff":
        user = _session_user(db)
        agency_id = None if user["role"] == "admin" else user["agency_id"]
        _leave_all("staff")
        join_room(f"staff:agency:{agency_id}" if agency_id else "staff:all")
        _join_session_room()
        emit("snapshot", snapshot(db, "staff", now, agency_id=agency_id))
    elif room == "ticket":
        from . import tickets

        ticket = tickets.by_token(db, _name(data, "token") or "")
        _leave_all("ticket")
        join_room(f"ticket:{ticket['token']}")
        join_room(f"service:{ticket['service_id']}")
        emit("snapshot", snapshot(db, "ticket", now, token=ticket["token"]))
    else:
        raise LoketError("invalid_field", field="room", reason="display, kiosk, counter, staff atau ticket")
    return {"ok": True}


@socketio.on("display_status")
def on_display_status(data):
    """A display reports which voice it runs with; only the socket subscribed as that registered display counts."""
    if not isinstance(data, dict) or not isinstance(data.get("display"), str) or not data["display"]:
        return {"error": "bad_request", "message": "display_status expects {display, voice_mode}"}
    display_id = session.get("display_id")
    if not display_id:
        return {"error": "forbidden", "message": "subscribe as this display first"}
    mode = str(data.get("voice_mode", "unknown"))[:20]
    updated = get_db().execute(
        "UPDATE displays SET voice_mode = ?, last_seen_at = ? WHERE id = ? AND name = ?", (mode, iso(clock()), display_id, data["display"])
    )
    if not updated.rowcount:
        return {"error": "forbidden", "message": "subscribe as this display first"}
    return {"ok": True}


def _session_user(db: Database) -> dict:
    """The socket's user by the same rule as HTTP (auth.session_user); raises when there is none."""
    from . import auth
    from .errors import LoketError

    user, presented = auth.session_user(db, session, clock())
    if user is None:
        raise LoketError("session_expired" if presented else "login_required")
    return user


def _join_session_room() -> None:
    """Staff sockets sit in their session's room so the session's end can drop them (drop_sessions)."""
    from . import auth

    join_room(f"session:{auth.session_key(session['sid'])}")


def drop_sessions(keys: list[str]) -> None:
    """Disconnect the sockets of ended sessions: they leave every staff and counter room at once.

    The screens reconnect, subscribe again and are refused (session_expired), so they show the login.
    """
    server = socketio.server
    if server is None or not keys:
        return
    for key in keys:
        for sid, _eio_sid in list(server.manager.get_participants("/", f"session:{key}")):
            server.disconnect(sid, namespace="/")


# ---------------------------------------------------------------- after the commit: the emitter

COALESCE_SECONDS = 0.05  # queue_changed of a burst within this window go out as one
IDLE_SECONDS = 30  # the emitter's thread ends after this long without work, and starts again on the next commit
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_RETRY_SECONDS = 0.2


class Emitter:
    """Sends what committed transactions said happened, in commit order, without the write lock.

    `publish` is called by the pool right after each COMMIT, still under the write lock, so the
    queue holds transactions in commit order; one thread (a greenlet under gevent) drains it.
    `ticket_called` goes out at once and is never merged, dropped or reordered; the `queue_changed`
    of a burst is merged into one message whose counts are read fresh when it is sent. Between
    deliveries the same thread checkpoints the WAL, so no writer ever waits for it.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.last_checkpoint = 0.0
        self.restart_wanted = False
        self.checkpointing = False
        self.published: collections.deque[float] = collections.deque()  # when each undelivered publish came in

    def lag(self) -> float:
        """Seconds the oldest publish not yet delivered has waited (0 when everything went out)."""
        return time.monotonic() - self.published[0] if self.published else 0.0

    def publish(self, outbox: list) -> None:
        try:
            base = serializers.public_base_url()
        except RuntimeError:
            base = ""
        self.published.append(time.monotonic())
        self.queue.put((outbox, base))
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
                try:
                    first = self.queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self.lock:
                        if self.queue.empty():
                            self.thread = None
                            return
                    continue
                try:
                    self._deliver(first)
                except Exception:  # a broken payload must not stop every later event
                    log.exception("delivering events failed")
                self._maintain()

    def _deliver(self, first) -> None:
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        taken = [first]
        changes: list[tuple[dict, str]] = []
        try:
            deadline = None
            item = first
            while True:
                outbox, base = item
                for kind, data in outbox:
                    if kind == "ticket_called":
                        broadcast_ticket_called(db, data["ticket"], data["now"], data["recall"], data["call_id"], base)
                    elif kind == "queue_changed":
                        changes.append((data, base))
                        deadline = deadline or time.monotonic() + COALESCE_SECONDS
                    elif kind == "emit":
                        socketio.emit(data["event"], data["payload"], to=data["to"])
                if deadline is None:
                    break
                try:
                    item = self.queue.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                taken.append(item)
            if changes:
                broadcast_queue_changed(db, changes)
        finally:
            pool.give_back(db)
            for _ in taken:
                self.published.popleft()
                self.queue.task_done()

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


def install(app) -> Emitter:
    emitter = Emitter(app)
    app.extensions["loket_emitter"] = emitter
    app.extensions["loket_pool"].deliver = emitter.publish
    return emitter


def publish(outbox: list) -> None:
    """Hand events to the emitter outside a transaction (what no commit orders, e.g. a slot count read after one)."""
    if outbox:
        current_app.extensions["loket_emitter"].publish(outbox)


def emit_after_commit(db: Database, event: str, payload: dict, to) -> None:
    """An event that must leave only if the transaction commits, in order with the others."""
    after_commit(db, "emit", event=event, payload=payload, to=to)


# ---------------------------------------------------------------- broadcasts (the emitter calls these)


def broadcast_ticket_called(db: Database, ticket: dict, now: datetime, recall: bool, call_id: int | None, base: str = "") -> dict:
    """Tell the lobby, the counter, staff and the citizen's own phone that a ticket was called."""
    payload = serializers.called_event(db, ticket, now, recall, loaded=serializers.Loaded(db, now, base))
    payload["call_id"] = call_id
    aid = ticket["agency_id"]
    socketio.emit(
        "ticket_called",
        payload,
        to=[
            "display:all",
            f"display:agency:{aid}",
            f"counter:{ticket['counter_id']}",
            "staff:all",
            f"staff:agency:{aid}",
            f"ticket:{ticket['token']}",
        ],
    )
    return payload


def broadcast_queue_changed(db: Database, changes: list[tuple[dict, str]]) -> dict:
    """Every screen that shows these services learns of the changes, with counts read now.

    Several changes of a burst become one message: `kind` and `ticket` are the last change's (as a
    single change always had), `changes` lists each one in commit order.
    """
    now = max(data["now"] for data, _base in changes)
    loaded = serializers.Loaded(db, now, changes[-1][1])
    latest: dict[int, dict] = {}
    service_ids: set[int] = set()
    counter_ids: set[int] = set()
    for data, _base in changes:
        ticket = data.get("ticket")
        service_ids.update(s for s in data.get("service_ids", ()) if s)
        counter_ids.update(c for c in data.get("counter_ids", ()) if c)
        if ticket:
            latest[ticket["id"]] = ticket
            service_ids.add(ticket["service_id"])
            if ticket.get("counter_id"):
                counter_ids.add(ticket["counter_id"])
    fresh = {t["id"]: t for t in rows(db, f"SELECT * FROM tickets WHERE id IN ({','.join(map(str, latest))})")} if latest else {}
    full = {j["id"]: j for j in serializers.tickets_json(db, list(fresh.values()), now, private=True, loaded=loaded)}
    loaded.services(sorted(service_ids))
    stats = loaded.stats(sorted(service_ids))
    counters = loaded.counters(sorted(counter_ids))
    current = loaded.current(sorted(counter_ids))
    loaded.services([t["service_id"] for t in current.values() if t])
    agency_ids = {loaded.service(s).get("agency_id") for s in service_ids}
    agency_ids |= {counters[c]["agency_id"] for c in counter_ids if c in counters}
    agency_ids.discard(None)
    listed = []
    for data, _base in changes:
        ticket = data.get("ticket")
        listed.append(
            {
                "kind": data["kind"],
                "ticket": _brief(full[ticket["id"]]) if ticket and ticket["id"] in full else None,
                "counter_ids": sorted(c for c in data.get("counter_ids", ()) if c),
            }
        )
    payload = {
        "kind": listed[-1]["kind"],
        "at": iso(now),
        "agency_ids": sorted(agency_ids),
        "services": [
            {
                "id": sid,
                "waiting": st["waiting"],
                "issued_today": st["issued_today"],
                "open_counters": st["open_counters"],
                "quota": st["quota"],
                "quota_left": None if st["quota"] is None else max(st["quota"] - st["issued_today"] - st["held"], 0),
                "estimated_wait_minutes": serializers.tickets.estimate_minutes(st, st["waiting"]),
            }
            for sid, st in sorted(stats.items())
            if sid in service_ids
        ],
        "counters": [serializers.counter_data(counters[c], current.get(c), loaded) for c in sorted(counter_ids) if c in counters],
        "ticket": serializers.public(full[changes[-1][0]["ticket"]["id"]]) if listed[-1]["ticket"] else None,
        "changes": listed,
    }
    staff_rooms = ["staff:all", *(f"staff:agency:{a}" for a in sorted(agency_ids))]
    staff_rooms += _counter_rooms(db, service_ids) + [f"counter:{c}" for c in sorted(counter_ids)]
    public_rooms = ["display:all", "kiosk", *(f"display:agency:{a}" for a in sorted(agency_ids))]
    socketio.emit("queue_changed", payload, to=list(dict.fromkeys(staff_rooms)))
    socketio.emit("queue_changed", lobby_counters(payload, loaded.settings), to=public_rooms)
    # A citizen's phone follows one service: its own line's counts, not every counter and change of a
    # burst (a thousand phones parsing the whole burst each made the lobby's calls wait behind them).
    for entry in payload["services"]:
        socketio.emit("queue_changed", {"kind": payload["kind"], "at": payload["at"], "services": [entry]}, to=f"service:{entry['id']}")
    for ticket_id, data in full.items():
        socketio.emit("ticket_changed", data, to=f"ticket:{fresh[ticket_id]['token']}")
    return payload


BRIEF_FIELDS = ("id", "number", "service_id", "service", "agency_id", "status", "priority", "counter_id")


def _brief(ticket: dict) -> dict:
    """A ticket in a burst's list of changes: enough to name it (the last one comes whole as `ticket`)."""
    return {k: ticket[k] for k in BRIEF_FIELDS if k in ticket}


def lobby_counters(data: dict, conf: dict) -> dict:
    """What a public room may know of counters: the counter and its state, not who works there
    (unless the MPP opts in with `public_officer_names`)."""
    if conf.get("public_officer_names") == "1" or not data.get("counters"):
        return data
    return {**data, "counters": [{**c, "officer": None} for c in data["counters"]]}


def _counter_rooms(db: Database, service_ids: set[int]) -> list[str]:
    if not service_ids:
        return []
    marks = ",".join(str(int(s)) for s in service_ids)
    return [f"counter:{r[0]}" for r in db.conn.execute(f"SELECT DISTINCT counter_id FROM counter_services WHERE service_id IN ({marks})")]


CONFIG_ROOMS = ["display:any", "kiosk:any", "staff:any", "counter:any"]


def config_changed_after_commit(db: Database, what: str, data: dict | None = None) -> None:
    """Admin changes apply live: after the commit, screens re-subscribe and redraw from a fresh snapshot."""
    after_commit(db, "emit", event="config_changed", payload={"what": what, **(data or {})}, to=CONFIG_ROOMS)
