"""What the emitter sends for a called ticket and a changed line: payloads from rows read when sent.

Called by the emitter (loket/emitter.py) after the commit, never by a route.
"""

from __future__ import annotations

from sqlite_utils import Database

from . import places, serializers, tickets
from .db import rows
from .events import QueueChanged, TicketCalled
from .realtime import socketio
from .timeutil import iso


def ticket_called(db: Database, event: TicketCalled, base: str = "") -> dict:
    """Tell the lobby, the counter, staff and the citizen's own phone that a ticket was called."""
    ticket = event.ticket
    payload = serializers.called_event(db, ticket, event.now, event.recall, loaded=serializers.Loaded(db, event.now, base))
    payload["call_id"] = event.call_id
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


def queue_changed(db: Database, changes: list[tuple[QueueChanged, str]]) -> dict:
    """Every screen that shows these services learns of the changes, with counts read now.

    Several changes of a burst become one message: `kind` and `ticket` are the last change's (as a
    single change always had), `changes` lists each one in commit order.
    """
    now = max(change.now for change, _base in changes)
    loaded = serializers.Loaded(db, now, changes[-1][1], count_agencies=None)  # time, not statements, counts here
    latest: dict[int, dict] = {}
    service_ids: set[int] = set()
    counter_ids: set[int] = set()
    for change, _base in changes:
        ticket = change.ticket
        service_ids.update(s for s in change.service_ids if s)
        counter_ids.update(c for c in change.counter_ids if c)
        if ticket:
            latest[ticket["id"]] = ticket
            service_ids.add(ticket["service_id"])
            if ticket.get("counter_id"):
                counter_ids.add(ticket["counter_id"])
    fresh = {t["id"]: t for t in rows(db, f"SELECT * FROM tickets WHERE id IN ({','.join(map(str, latest))})")} if latest else {}
    full = {j["id"]: j for j in serializers.tickets_json(db, list(fresh.values()), now, private=True, loaded=loaded)}
    loaded.services(sorted(service_ids))
    stats = loaded.stats(sorted(service_ids))
    waits = loaded.new_ticket_places(sorted(service_ids))
    counters = loaded.counters(sorted(counter_ids))
    current = loaded.current(sorted(counter_ids))
    loaded.services([t["service_id"] for t in current.values() if t])
    tz = loaded.settings["timezone"]
    agency_ids = {loaded.service(s).get("agency_id") for s in service_ids}
    agency_ids |= {counters[c]["agency_id"] for c in counter_ids if c in counters}
    agency_ids.discard(None)
    listed = []
    for change, _base in changes:
        ticket = change.ticket
        listed.append(
            {
                "kind": change.kind,
                "ticket": _brief(full[ticket["id"]]) if ticket and ticket["id"] in full else None,
                "counter_ids": sorted(c for c in change.counter_ids if c),
            }
        )
    payload = {
        "kind": listed[-1]["kind"],
        "at": iso(now),
        "agency_ids": sorted(agency_ids),
        "services": [
            serializers.service_live(loaded.service(sid), st, tickets.refusal(loaded.service(sid), now, tz), waits.get(sid))
            for sid, st in sorted(stats.items())
            if sid in service_ids and loaded.service(sid)
        ],
        "counters": [serializers.counter_data(counters[c], current.get(c), loaded) for c in sorted(counter_ids) if c in counters],
        "ticket": serializers.public(full[changes[-1][0].ticket["id"]]) if listed[-1]["ticket"] else None,
        "changes": listed,
    }
    staff_rooms = ["staff:all", *(f"staff:agency:{a}" for a in sorted(agency_ids))]
    staff_rooms += _counter_rooms(db, service_ids) + [f"counter:{c}" for c in sorted(counter_ids)]
    public_rooms = ["display:all", "kiosk", *(f"display:agency:{a}" for a in sorted(agency_ids))]
    socketio.emit("queue_changed", payload, to=list(dict.fromkeys(staff_rooms)))
    socketio.emit("queue_changed", serializers.lobby_counters(payload, loaded.settings), to=public_rooms)
    # A citizen's phone is told its own place, not its lines' counts: every process works out the
    # places of the phones it holds in these lines (loket/places.py), and hears of them through this.
    if payload["services"]:
        socketio.emit(places.LINES_MOVED, {"service_ids": [entry["id"] for entry in payload["services"]]}, to=places.LINES_ROOM)
    for ticket_id, data in full.items():
        socketio.emit("ticket_changed", data, to=f"ticket:{fresh[ticket_id]['token']}")
    return payload


BRIEF_FIELDS = ("id", "number", "service_id", "service", "agency_id", "status", "priority", "counter_id")


def _brief(ticket: dict) -> dict:
    """A ticket in a burst's list of changes: enough to name it (the last one comes whole as `ticket`)."""
    return {k: ticket[k] for k in BRIEF_FIELDS if k in ticket}


def _counter_rooms(db: Database, service_ids: set[int]) -> list[str]:
    if not service_ids:
        return []
    marks = ",".join(str(int(s)) for s in service_ids)
    return [f"counter:{r[0]}" for r in db.conn.execute(f"SELECT DISTINCT counter_id FROM counter_services WHERE service_id IN ({marks})")]
