"""What a screen gets when it (re)connects: everything it needs to draw itself from nothing.

A few set-based statements per snapshot, whatever the size of the day (tests/test_statement_counts.py).
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import current_app
from sqlite_utils import Database

from . import serializers, tickets
from .db import one, rows
from .timeutil import day_start_utc, iso, local_day

RECENT_CALLS = 12


def recent_calls(db: Database, now: datetime, agency_ids: list[int] | None, limit: int = RECENT_CALLS, loaded=None) -> list[dict]:
    """Today's last calls, newest first, each as its `ticket_called` payload with its call_id.

    Each call is labelled as it was made (the event row keeps the service, agency and counter of
    that moment), not with where the ticket went after a transfer.
    """
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


def display_agencies(db: Database, config: dict, asked: list[int] | None) -> list[int] | None:
    agency_ids = asked or config["agency_ids"] or None
    if not agency_ids and config.get("zone"):
        agency_ids = [r["id"] for r in db.query("SELECT id FROM agencies WHERE zone = ?", (config["zone"],))] or None
    return agency_ids


def snapshot(db: Database, room: str, now: datetime, **options) -> dict:
    """Everything a screen needs to draw itself from nothing, from a few set-based statements."""
    loaded = serializers.Loaded(db, now)
    base = {"room": room, "server_time": iso(now), "mpp": serializers.mpp_json(db, loaded.settings)}
    if room == "display":
        config = display_config(db, options.get("display"))
        agency_ids = display_agencies(db, config, options.get("agency_ids"))
        counters = [c for c in serializers.counters_json(db, now, loaded=loaded) if not agency_ids or c["agency_id"] in agency_ids]
        counters = serializers.lobby_counters({"counters": counters}, loaded.settings)["counters"]
        return {
            **base,
            "display": config,
            "agency_ids": agency_ids or [],
            "agencies": serializers.agencies_json(db, now, agency_ids, loaded=loaded),
            "counters": counters,
            "recent_calls": recent_calls(db, now, agency_ids, loaded=loaded),
        }
    if room == "kiosk":
        # counters (public: no officer, no note) so the kiosk can say "Loket 3 — Istirahat, kembali ±13.00"
        counters = serializers.lobby_counters({"counters": serializers.counters_json(db, now, loaded=loaded)}, loaded.settings)["counters"]
        return {**base, "agencies": serializers.agencies_json(db, now, loaded=loaded), "counters": counters}
    if room == "counter":
        counter_id = options["counter_id"]
        counter = loaded.counter(counter_id)
        return {
            **base,
            "counter": serializers.counter_json(db, counter, now, loaded=loaded),
            "waiting": serializers.tickets_json(db, tickets.waiting_for_counter(db, counter_id, now), now, loaded=loaded),
            "held": serializers.tickets_json(db, tickets.held_at(db, counter_id), now, loaded=loaded),
            "agencies": serializers.agencies_json(db, now, [counter["agency_id"]], loaded=loaded),
        }
    if room == "ticket":
        ticket = tickets.by_token(db, options["token"])
        return {**base, "ticket": serializers.ticket_json(db, ticket, now, loaded=loaded)}
    if room == "staff":
        agency_id = options.get("agency_id")
        return {
            **base,
            "counters": serializers.counters_json(db, now, agency_id, loaded=loaded),
            "agencies": serializers.agencies_json(db, now, [agency_id] if agency_id else None, loaded=loaded),
        }
    if room == "public":
        figures, _etag = current_app.extensions["loket_public"].get(db, now)
        return {**base, "figures": figures}
    raise ValueError(room)
