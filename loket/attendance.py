"""Attendance: who kept each agency's counters staffed, derived from the event log.

Every open, pause and close of a counter is a `counter_<state>` event (who, when, and for a pause or
closure its reason, note and expected return: loket/tickets.py set_counter_state). From them:
- per agency × officer × local day: first opened, last closed, the breaks (reason, minutes), minutes
  open, the closure requests (approved or not), citizens served, minutes serving (called → finished of
  the tickets they finished) and idle (open − serving);
- per agency × day: the hours of its published service hours in which no counter of it was open
  ("tidak terwakili"), and per agency × hour the share of days it was represented (the chart).

A state runs from its event to the counter's next event, cut at local midnight and at `now`; the
state a counter was in when the range starts is its last event before it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from .db import rows, settings
from .timeutil import day_start_utc, iso, local, local_day, minutes_of_day, parse_iso

STATE_KINDS = ("counter_open", "counter_paused", "counter_closed")


def _days(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _intervals(db: Database, since: datetime, until: datetime, agency_id: int | None) -> list[dict]:
    """Every counter's states between since and until: {counter_id, agency_id, state, user_id, reason, start, end}."""
    scope = " AND agency_id = :agency" if agency_id else ""
    params = {"since": iso(since), "until": iso(until), "agency": agency_id}
    kinds = ",".join(f"'{k}'" for k in STATE_KINDS)
    # SQLite takes the bare columns of the row that holds max(id): each counter's last state before the range
    before = rows(
        db,
        f"SELECT max(id) AS id, counter_id, agency_id, kind, user_id, data FROM events WHERE kind IN ({kinds}) AND at < :since{scope}"
        " GROUP BY counter_id",
        params,
    )
    during = rows(
        db,
        f"SELECT id, at, counter_id, agency_id, kind, user_id, data FROM events WHERE kind IN ({kinds})"
        f" AND at >= :since AND at < :until{scope} ORDER BY id",
        params,
    )
    by_counter: dict[int, list[dict]] = defaultdict(list)
    for e in before:
        by_counter[e["counter_id"]].append({**e, "at": iso(since)})
    for e in during:
        by_counter[e["counter_id"]].append(e)
    out = []
    for counter_id, events in by_counter.items():
        for i, e in enumerate(events):
            start = parse_iso(e["at"])
            end = parse_iso(events[i + 1]["at"]) if i + 1 < len(events) else until
            if end <= start:
                continue
            data = json.loads(e["data"] or "{}")
            out.append(
                {
                    "counter_id": counter_id,
                    "agency_id": e["agency_id"],
                    "state": e["kind"].removeprefix("counter_"),
                    "user_id": e["user_id"] if e["kind"] != "counter_closed" else None,
                    "reason": data.get("reason"),
                    "start": start,
                    "end": end,
                }
            )
    return out


def _split_by_day(interval: dict, tz: str) -> list[tuple[str, datetime, datetime]]:
    """(local day, start, end) pieces of an interval cut at local midnights."""
    pieces = []
    start = interval["start"]
    while start < interval["end"]:
        day = local_day(start, tz)
        midnight = day_start_utc((date.fromisoformat(day) + timedelta(days=1)).isoformat(), tz)
        end = min(interval["end"], midnight)
        pieces.append((day, start, end))
        start = end
    return pieces


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60


def _published(db: Database, agency_id: int | None) -> dict[int, dict[int, tuple[int, int]]]:
    """agency → weekday → (opens, closes) in local minutes: the widest span of its active services."""
    scope = " AND s.agency_id = :agency" if agency_id else ""
    found: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for r in rows(
        db,
        "SELECT s.agency_id, h.weekday, min(h.opens) AS opens, max(h.closes) AS closes FROM service_hours h"
        f" JOIN services s ON s.id = h.service_id AND s.active = 1 WHERE 1 = 1{scope} GROUP BY 1, 2",
        {"agency": agency_id},
    ):
        found[r["agency_id"]][r["weekday"]] = (minutes_of_day(r["opens"]), minutes_of_day(r["closes"]))
    return found


def report(db: Database, start: str, end: str, now: datetime, agency_id: int | None = None) -> dict:
    """Attendance from `start` to `end` (local dates, inclusive), figures up to `now`."""
    tz = settings(db)["timezone"]
    since = day_start_utc(start, tz)
    until = min(day_start_utc((date.fromisoformat(end) + timedelta(days=1)).isoformat(), tz), now)
    if until <= since:
        return {"from": start, "to": end, "officers": [], "unrepresented": [], "hours": []}
    intervals = _intervals(db, since, until, agency_id)
    agencies = {r["id"]: r["name"] for r in rows(db, "SELECT id, name FROM agencies ORDER BY sort_order, name")}
    users = {r["id"]: r["name"] for r in rows(db, "SELECT id, coalesce(nullif(full_name, ''), username) AS name FROM users")}

    officers: dict[tuple, dict] = {}

    def row_for(aid: int, uid: int, day: str) -> dict:
        key = (aid, uid, day)
        if key not in officers:
            officers[key] = {
                "day": day,
                "agency_id": aid,
                "agency": agencies.get(aid),
                "officer_id": uid,
                "officer": users.get(uid),
                "first_opened": None,
                "last_closed": None,
                "open_minutes": 0.0,
                "breaks": [],
                "break_minutes": 0.0,
                "closures": [],
                "served": 0,
                "serving_minutes": 0.0,
            }
        return officers[key]

    for interval in intervals:
        if interval["user_id"] is None:
            continue
        for day, a, b in _split_by_day(interval, tz):
            row = row_for(interval["agency_id"], interval["user_id"], day)
            if interval["state"] == "open":
                row["open_minutes"] += _minutes(a, b)
            elif interval["state"] == "paused":
                row["breaks"].append({"reason": interval["reason"] or "lainnya", "from": iso(a), "minutes": round(_minutes(a, b), 1)})
                row["break_minutes"] += _minutes(a, b)
    scope = " AND agency_id = :agency" if agency_id else ""
    params = {"since": iso(since), "until": iso(until), "agency": agency_id, "start": start, "end": end}
    for e in rows(
        db,
        "SELECT at, kind, agency_id, user_id FROM events WHERE kind IN ('counter_open', 'counter_closed') AND user_id IS NOT NULL"
        f" AND at >= :since AND at < :until{scope} ORDER BY id",
        params,
    ):
        row = row_for(e["agency_id"], e["user_id"], local_day(parse_iso(e["at"]), tz))
        if e["kind"] == "counter_open" and row["first_opened"] is None:
            row["first_opened"] = e["at"]
        if e["kind"] == "counter_closed":
            row["last_closed"] = e["at"]
    for r in rows(
        db,
        "SELECT day, agency_id, user_id, reason, until, rest_of_day, status FROM closure_requests"
        f" WHERE day BETWEEN :start AND :end{scope}",
        params,
    ):
        if r["user_id"] is not None:
            row_for(r["agency_id"], r["user_id"], r["day"])["closures"].append(
                {"reason": r["reason"], "until": r["until"], "rest_of_day": bool(r["rest_of_day"]), "status": r["status"]}
            )
    for t in rows(
        db,
        "SELECT agency_id, officer_id, called_at, finished_at FROM tickets WHERE status = 'done' AND officer_id IS NOT NULL"
        f" AND finished_at >= :since AND finished_at < :until{scope}",
        params,
    ):
        row = row_for(t["agency_id"], t["officer_id"], local_day(parse_iso(t["finished_at"]), tz))
        row["served"] += 1
        if t["called_at"]:
            row["serving_minutes"] += max(_minutes(parse_iso(t["called_at"]), parse_iso(t["finished_at"])), 0)

    out = []
    for row in sorted(officers.values(), key=lambda r: (r["day"], r["agency"] or "", r["officer"] or "")):
        row["open_minutes"] = round(row["open_minutes"], 1)
        row["break_minutes"] = round(row["break_minutes"], 1)
        row["serving_minutes"] = round(row["serving_minutes"], 1)
        row["idle_minutes"] = round(max(row["open_minutes"] - row["serving_minutes"], 0), 1)
        row["closures_approved"] = sum(c["status"] == "approved" for c in row["closures"])
        row["closures_rejected"] = sum(c["status"] == "rejected" for c in row["closures"])
        out.append(row)
    unrepresented, hours = _representation(db, intervals, start, end, now, tz, agency_id, agencies)
    return {"from": start, "to": end, "officers": out, "unrepresented": unrepresented, "hours": hours}


def _representation(db, intervals, start, end, now, tz, agency_id, agencies) -> tuple[list[dict], list[dict]]:
    """The published hours of each agency and day with no counter open, and per agency × hour the
    share of days it was represented. Only hours already over count."""
    published = _published(db, agency_id)
    found = rows(db, "SELECT date, agency_id FROM closed_dates WHERE date BETWEEN ? AND ?", (start, end))
    closed = {(r["date"], r["agency_id"]) for r in found}
    open_by_agency: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for i in intervals:
        if i["state"] == "open":
            open_by_agency[i["agency_id"]].append((i["start"], i["end"]))
    unrepresented = []
    tally: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # agency → hour → [represented, published]
    for day in _days(start, end):
        weekday = date.fromisoformat(day).weekday()
        midnight = day_start_utc(day, tz)
        for aid, week in published.items():
            if weekday not in week or (day, None) in closed or (day, aid) in closed:
                continue
            opens, closes = week[weekday]
            missing = []
            for hour in range(opens // 60, (closes + 59) // 60):
                a = midnight + timedelta(minutes=max(hour * 60, opens))
                b = midnight + timedelta(minutes=min(hour * 60 + 60, closes))
                if b > now or b <= a:
                    continue
                represented = any(s < b and e > a for s, e in open_by_agency.get(aid, ()))
                tally[aid][hour][1] += 1
                if represented:
                    tally[aid][hour][0] += 1
                else:
                    missing.append(f"{hour:02d}:00")
            if missing:
                unrepresented.append({"day": day, "agency_id": aid, "agency": agencies.get(aid), "hours": missing, "count": len(missing)})
    hours = [
        {
            "agency_id": aid,
            "agency": agencies.get(aid),
            "hours": {f"{h:02d}": round(100 * n[0] / n[1]) for h, n in sorted(by_hour.items()) if n[1]},
        }
        for aid, by_hour in sorted(tally.items(), key=lambda kv: list(agencies).index(kv[0]) if kv[0] in agencies else 0)
    ]
    return unrepresented, hours


def month_range(month: str) -> tuple[str, str]:
    first = date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


def local_time(instant: str | None, tz: str) -> str | None:
    """ "08:02" of a stored instant, for the CSV and the month view."""
    moment = parse_iso(instant)
    return local(moment, tz).strftime("%H:%M") if moment else None
