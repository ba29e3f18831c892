"""Socket.IO: the extension object, rooms, and what a screen asks for when it (re)connects.

The socket only pushes: commands travel over HTTP. A screen subscribes to one room and gets its
snapshot (loket/snapshots.py) at once; what changes after that is sent by the emitter
(loket/emitter.py) after each commit.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from urllib.parse import parse_qs

from flask import current_app, request, session
from flask_socketio import SocketIO, emit, join_room, leave_room, rooms
from sqlite_utils import Database

from . import auth, inputs, snapshots, tickets
from .db import get_db, one
from .errors import LoketError
from .i18n import N_, current_language
from .timeutil import iso

# The extension object, bound to an app in create_app (the Flask extension pattern).
socketio = SocketIO()


def connect_on_opening(server) -> None:
    """A websocket opened with `connect=1` in its query (loket/static/early-socket.js) is connected to the
    main namespace as it opens, as if its first frame had been Socket.IO's CONNECT (no auth: the same as a
    client's own `40`, so it can do nothing more). Engine.IO's open packet and Socket.IO's answer then
    follow the handshake's response at once; the client would have asked only after reading the open
    packet, a round trip later (400 ms on an MPP's weak Wi-Fi)."""
    opened = server._handle_eio_connect

    def handle_eio_connect(eio_sid, environ):
        result = opened(eio_sid, environ)
        if parse_qs(environ.get("QUERY_STRING", "")).get("connect") == ["1"]:
            server._handle_eio_message(eio_sid, "0")  # queued after the open packet, written after the handshake
        return result

    server.eio.on("connect", handle_eio_connect)


LINKED_SERVICES_SQL = (
    "WITH RECURSIVE linked(service_id) AS (SELECT ? UNION SELECT b.service_id FROM linked"
    " JOIN counter_services a ON a.service_id = linked.service_id JOIN counter_services b ON b.counter_id = a.counter_id)"
    " SELECT service_id FROM linked"
)


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def _leave_all(kind: str) -> None:
    """A socket shows one screen: drop earlier rooms, join the kind's "any" room for config pushes."""
    for room in rooms():
        if room != request.sid:
            leave_room(room)
    current_app.extensions["loket_places"].leave(request.sid)
    join_room(f"{kind}:any")


@socketio.on("disconnect")
def on_disconnect(*_reason):
    current_app.extensions["loket_places"].leave(request.sid)


def _int_list(value, field: str = "agency_ids") -> list[int] | None:
    return inputs.id_list({field: value}, field) or None


def _name(data: dict, field: str) -> str | None:
    """An optional screen name (display, kiosk, token, key): text of at most 100 characters."""
    return inputs.text(data, field, max_length=100) or None


@socketio.on("subscribe")
def on_subscribe(data):
    """Join one room and get its snapshot at once; a screen calls this on every (re)connect."""
    try:
        return _subscribe(data)
    except LoketError as err:
        emit("error", err.to_dict(current_language()))
        return err.to_dict(current_language())
    except (TypeError, ValueError, OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError):
        err = LoketError("bad_request")
        emit("error", err.to_dict(current_language()))
        return err.to_dict(current_language())


def _subscribe(data) -> dict:
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    room = data.get("room")
    db = get_db()
    now = clock()
    if room == "display":
        name = _name(data, "display")
        config = snapshots.display_config(db, name)
        agency_ids = snapshots.display_agencies(db, config, _int_list(data.get("agency_ids") or data.get("agency_id")))
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
        emit("snapshot", snapshots.snapshot(db, "display", now, display=name, agency_ids=agency_ids))
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
        emit("snapshot", snapshots.snapshot(db, "kiosk", now))
    elif room == "counter":
        counter_id = inputs.integer(data, "counter_id")
        counter = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
        if counter is None:
            raise LoketError("counter_not_found")
        user = _session_user(db)
        if user["role"] != "admin" and user["agency_id"] != counter["agency_id"]:
            raise LoketError("forbidden")
        _leave_all("counter")
        join_room(f"counter:{counter_id}")
        _join_session_room()
        emit("snapshot", snapshots.snapshot(db, "counter", now, counter_id=counter_id))
    elif room == "staff":
        user = _session_user(db)
        agency_id = None if user["role"] == "admin" else user["agency_id"]
        _leave_all("staff")
        join_room(f"staff:agency:{agency_id}" if agency_id else "staff:all")
        _join_session_room()
        emit("snapshot", snapshots.snapshot(db, "staff", now, agency_id=agency_id))
    elif room == "ticket":
        ticket = tickets.by_token(db, _name(data, "token") or "")
        _leave_all("ticket")
        join_room(f"ticket:{ticket['token']}")
        # Its place moves with every service linked to its own through counters (tickets.line_up): not only
        # those its counters also call, but theirs in turn (a call of Akta at the KK/Akta counter changes
        # when that counter takes KK, and so when the KTP/KK counter takes KTP).
        for (service_id,) in db.conn.execute(LINKED_SERVICES_SQL, (ticket["service_id"],)):
            join_room(f"service:{service_id}")
        snapshot = snapshots.snapshot(db, "ticket", now, token=ticket["token"])
        # Its place then comes as it moves (loket/places.py): the page never asks for it again.
        current_app.extensions["loket_places"].follow(request.sid, snapshot["ticket"])
        emit("snapshot", snapshot)
    elif room == "public":
        # the public page (/info/): the figures of this moment, then what changes, a few seconds apart
        _leave_all("public")
        join_room("public")
        emit("snapshot", snapshots.snapshot(db, "public", now))
    else:
        rooms = "display, kiosk, counter, staff, ticket, public"
        raise LoketError("invalid_field", field="room", reason=N_("pilih salah satu: {options}"), options=rooms)
    return {"ok": True}


@socketio.on("display_status")
def on_display_status(data):
    """A display reports which voice it runs with; only the socket subscribed as that registered display counts."""
    try:
        data = inputs.payload(data)
        name = inputs.text(data, "display", required=True, max_length=100)
        mode = inputs.text(data, "voice_mode", max_length=20, default="unknown")
    except LoketError as err:
        return err.to_dict(current_language())
    display_id = session.get("display_id")
    if not display_id:
        return {"error": "forbidden", "message": "subscribe as this display first"}
    updated = get_db().execute(
        "UPDATE displays SET voice_mode = ?, last_seen_at = ? WHERE id = ? AND name = ?", (mode, iso(clock()), display_id, name)
    )
    if not updated.rowcount:
        return {"error": "forbidden", "message": "subscribe as this display first"}
    return {"ok": True}


def _session_user(db: Database) -> dict:
    """The socket's user by the same rule as HTTP (auth.session_user); raises when there is none."""
    user, presented = auth.session_user(db, session, clock())
    if user is None:
        raise LoketError("session_expired" if presented else "login_required")
    return user


def _join_session_room() -> None:
    """Staff sockets sit in their session's room so the session's end can drop them (loket/emitter.py drops them)."""
    join_room(f"session:{auth.session_key(session['sid'])}")
