"""Socket.IO: rooms, the snapshot a screen gets on (re)connect, and broadcasts after each commit."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime

from flask import current_app, request, session
from flask_socketio import SocketIO, emit, join_room, leave_room, rooms
from sqlite_utils import Database

from . import views
from .db import get_db, one, settings
from .timeutil import iso

log = logging.getLogger(__name__)

# The extension object, bound to an app in create_app (the Flask extension pattern).
socketio = SocketIO()

RECENT_CALLS = 12


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def mpp_json(db: Database) -> dict:
    conf = settings(db)
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


def recent_calls(db: Database, now: datetime, agency_ids: list[int] | None, limit: int = RECENT_CALLS) -> list[dict]:
    """Today's last calls, newest first, each as its `ticket_called` payload with its call_id."""
    from .timeutil import day_start_utc, local_day

    tz = settings(db)["timezone"]
    since = iso(day_start_utc(local_day(now, tz), tz))
    filter_sql = ""
    params: list = [since]
    if agency_ids:
        filter_sql = f" AND e.agency_id IN ({','.join('?' * len(agency_ids))})"
        params += agency_ids
    calls = []
    for row in db.query(
        "SELECT e.id AS call_id, e.kind, e.at, e.counter_id AS event_counter, e.service_id AS event_service,"
        " e.agency_id AS event_agency, t.* FROM events e JOIN tickets t ON t.id = e.ticket_id"
        " WHERE e.kind IN ('called', 'recalled') AND e.at >= ?" + filter_sql + " ORDER BY e.id DESC LIMIT ?",
        (*params, limit),
    ):
        # Label the call as it was made: a transfer later moves the ticket, not its past calls.
        ticket = {
            **row,
            "counter_id": row["event_counter"],
            "service_id": row["event_service"] or row["service_id"],
            "agency_id": row["event_agency"] or row["agency_id"],
        }
        payload = views.called_event(db, ticket, now, recall=row["kind"] == "recalled")
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
    """Everything a screen needs to draw itself from nothing."""
    base = {"room": room, "server_time": iso(now), "mpp": mpp_json(db)}
    if room == "display":
        config = display_config(db, options.get("display"))
        agency_ids = _display_agencies(db, config, options.get("agency_ids"))
        counters = [c for c in views.counters_json(db, now) if not agency_ids or c["agency_id"] in agency_ids]
        return {
            **base,
            "display": config,
            "agency_ids": agency_ids or [],
            "agencies": views.agencies_json(db, now, agency_ids),
            "counters": counters,
            "recent_calls": recent_calls(db, now, agency_ids),
        }
    if room == "kiosk":
        return {**base, "agencies": views.agencies_json(db, now)}
    if room == "counter":
        counter_id = options["counter_id"]
        from . import tickets

        counter = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
        return {
            **base,
            "counter": views.counter_json(db, counter, now),
            "waiting": [views.ticket_json(db, t, now, private=False) for t in tickets.waiting_for_counter(db, counter_id, now)],
            "held": [views.ticket_json(db, t, now, private=False) for t in tickets.held_at(db, counter_id)],
            "agencies": views.agencies_json(db, now, [counter["agency_id"]]),
        }
    if room == "ticket":
        from . import tickets

        ticket = tickets.by_token(db, options["token"])
        return {**base, "ticket": views.ticket_json(db, ticket, now)}
    if room == "staff":
        agency_id = options.get("agency_id")
        return {
            **base,
            "counters": views.counters_json(db, now, agency_id),
            "agencies": views.agencies_json(db, now, [agency_id] if agency_id else None),
        }
    raise ValueError(room)


def _leave_all(kind: str) -> None:
    """A socket shows one screen: drop earlier rooms, join the kind's "any" room for config pushes."""
    for room in rooms():
        if room != request.sid:
            leave_room(room)
    join_room(f"{kind}:any")


def _int_list(value) -> list[int] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, (int, str)):
        value = [value]
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError, OverflowError):
        return None


@socketio.on("subscribe")
def on_subscribe(data):
    """Join one room and get its snapshot at once; a screen calls this on every (re)connect."""
    if not isinstance(data, dict):
        return {"error": "bad_request", "message": "subscribe expects an object"}
    room = data.get("room")
    db = get_db()
    now = clock()
    from .errors import LoketError

    try:
        if room == "display":
            config = display_config(db, data.get("display"))
            agency_ids = _display_agencies(db, config, _int_list(data.get("agency_ids") or data.get("agency_id")))
            _leave_all("display")
            if agency_ids:
                for aid in agency_ids:
                    join_room(f"display:agency:{aid}")
            else:
                join_room("display:all")
            if config.get("id"):
                join_room(f"display:config:{config['id']}")
                db.execute("UPDATE displays SET last_seen_at = ? WHERE id = ?", (iso(now), config["id"]))
            emit("snapshot", snapshot(db, "display", now, display=data.get("display"), agency_ids=agency_ids))
        elif room == "kiosk":
            _leave_all("kiosk")
            join_room("kiosk")
            if data.get("kiosk"):
                db.execute("UPDATE kiosks SET last_seen_at = ? WHERE name = ?", (iso(now), str(data["kiosk"])))
                join_room(f"kiosk:{data['kiosk']}")
            if data.get("agent_key"):
                # Print jobs carry ticket tokens: only the kiosk's own print agent, holding its key, gets them.
                kiosk = one(db, "SELECT agent_key FROM kiosks WHERE name = ?", (str(data.get("kiosk")),))
                if kiosk is None or not kiosk["agent_key"] or not secrets.compare_digest(kiosk["agent_key"], str(data["agent_key"])):
                    raise LoketError("forbidden")
                join_room(f"kiosk-agent:{data['kiosk']}")
            emit("snapshot", snapshot(db, "kiosk", now))
        elif room == "counter":
            counter_id = int(data.get("counter_id") or 0)
            counter = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
            if counter is None:
                raise LoketError("counter_not_found")
            user = _session_user(db)
            if user is None:
                raise LoketError("login_required")
            if user["role"] != "admin" and user["agency_id"] != counter["agency_id"]:
                raise LoketError("forbidden")
            _leave_all("counter")
            join_room(f"counter:{counter_id}")
            emit("snapshot", snapshot(db, "counter", now, counter_id=counter_id))
        elif room == "staff":
            user = _session_user(db)
            if user is None:
                raise LoketError("login_required")
            agency_id = None if user["role"] == "admin" else user["agency_id"]
            _leave_all("staff")
            join_room(f"staff:agency:{agency_id}" if agency_id else "staff:all")
            emit("snapshot", snapshot(db, "staff", now, agency_id=agency_id))
        elif room == "ticket":
            from . import tickets

            ticket = tickets.by_token(db, str(data.get("token") or ""))
            _leave_all("ticket")
            join_room(f"ticket:{ticket['token']}")
            join_room(f"service:{ticket['service_id']}")
            emit("snapshot", snapshot(db, "ticket", now, token=ticket["token"]))
        else:
            raise LoketError("invalid_field", field="room", reason="display, kiosk, counter, staff atau ticket")
    except LoketError as err:
        emit("error", err.to_dict())
        return err.to_dict()
    except (TypeError, ValueError, OverflowError):
        err = LoketError("bad_request")
        emit("error", err.to_dict())
        return err.to_dict()
    return {"ok": True}


@socketio.on("display_status")
def on_display_status(data):
    """A display reports which voice it runs with, so the admin can see it."""
    if not isinstance(data, dict) or not data.get("display"):
        return {"error": "bad_request", "message": "display_status expects {display, voice_mode}"}
    mode = str(data.get("voice_mode", "unknown"))[:20]
    get_db().execute("UPDATE displays SET voice_mode = ?, last_seen_at = ? WHERE name = ?", (mode, iso(clock()), str(data["display"])))
    return {"ok": True}


def _session_user(db: Database) -> dict | None:
    user_id = session.get("user_id")
    if not user_id:
        return None
    return one(db, "SELECT * FROM users WHERE id = ? AND active = 1", (user_id,))


# ---------------------------------------------------------------- broadcasts (call only after commit)


def _counter_rooms(db: Database, service_ids: set[int]) -> list[str]:
    if not service_ids:
        return []
    marks = ",".join("?" * len(service_ids))
    return [
        f"counter:{r['counter_id']}"
        for r in db.query(f"SELECT DISTINCT counter_id FROM counter_services WHERE service_id IN ({marks})", tuple(service_ids))
    ]


def broadcast_ticket_called(db: Database, ticket: dict, now: datetime, recall: bool = False) -> dict:
    """Tell the lobby, the counter, staff and the citizen's own phone that a ticket was called."""
    payload = views.called_event(db, ticket, now, recall)
    call = one(db, "SELECT id FROM events WHERE ticket_id = ? AND kind IN ('called', 'recalled') ORDER BY id DESC LIMIT 1", (ticket["id"],))
    payload["call_id"] = call["id"] if call else None
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


def broadcast_queue_changed(
    db: Database, kind: str, now: datetime, ticket: dict | None = None, services: tuple = (), counter_ids: tuple = ()
) -> None:
    """Every screen that shows these services learns of the change, with fresh counts."""
    service_ids = {s for s in services if s}
    if ticket:
        service_ids.add(ticket["service_id"])
    service_rows = (
        list(db.query(f"SELECT id, agency_id FROM services WHERE id IN ({','.join('?' * len(service_ids))})", tuple(service_ids)))
        if service_ids
        else []
    )
    agency_ids = {r["agency_id"] for r in service_rows}
    counters = {cid for cid in counter_ids if cid}
    if ticket and ticket.get("counter_id"):
        counters.add(ticket["counter_id"])
    counter_rows = [one(db, "SELECT * FROM counters WHERE id = ?", (cid,)) for cid in counters]
    agency_ids |= {c["agency_id"] for c in counter_rows if c}
    stats = views.tickets.service_stats(db, now, list(service_ids))
    # One build of the ticket, stripped for the public rooms: this runs on every issue and call.
    full = views.ticket_json(db, ticket, now) if ticket else None
    payload = {
        "kind": kind,
        "at": iso(now),
        "agency_ids": sorted(agency_ids),
        "services": [
            {
                "id": sid,
                "waiting": st["waiting"],
                "issued_today": st["issued_today"],
                "open_counters": st["open_counters"],
                "quota": st["quota"],
                "quota_left": None if st["quota"] is None else max(st["quota"] - st["issued_today"], 0),
                "estimated_wait_minutes": views.tickets.estimate_minutes(st, st["waiting"]),
            }
            for sid, st in sorted(stats.items())
        ],
        "counters": [views.counter_json(db, c, now) for c in counter_rows if c],
        "ticket": views.public(full) if full else None,
    }
    rooms_to = ["display:all", "kiosk", "staff:all"]
    rooms_to += [f"display:agency:{a}" for a in agency_ids] + [f"staff:agency:{a}" for a in agency_ids]
    rooms_to += [f"service:{s}" for s in service_ids]
    rooms_to += _counter_rooms(db, service_ids) + [f"counter:{c}" for c in counters]
    socketio.emit("queue_changed", payload, to=rooms_to)
    if ticket:
        socketio.emit("ticket_changed", full, to=f"ticket:{ticket['token']}")


def broadcast_config_changed(what: str, data: dict | None = None) -> None:
    """Admin changes apply live: screens re-subscribe and redraw from a fresh snapshot."""
    socketio.emit("config_changed", {"what": what, **(data or {})}, to=["display:any", "kiosk:any", "staff:any", "counter:any"])
