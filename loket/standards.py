"""Service standards watched live: each service's waiting-time and service-time targets, who is past
them now, a projection to closing time, and alerts raised once per crossing.

A service's targets are `wait_target_minutes` and `service_target_minutes`; where the admin set
none, its promised minutes (`promised_minutes`) are the target. A *breach* starts when the first
citizen of the day waits (or is served) longer than the target and ends when nobody is past it
any more; each is kept in `standard_breaches` for the month's report. The check runs in the watcher
(loket/watcher.py) every WATCH_SECONDS, never on a request: issuing and calling cost nothing more.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlite_utils import Database

from . import tickets
from .db import after_commit, rows, settings, transaction
from .events import StandardAlert
from .timeutil import iso, local, local_day, minutes_of_day, parse_iso

KINDS = ("wait", "service")

LIVE_SQL = """
SELECT s.id, s.name, s.agency_id, a.name AS agency, s.promised_minutes,
       coalesce(s.wait_target_minutes, s.promised_minutes) AS wait_target,
       coalesce(s.service_target_minutes, s.promised_minutes) AS service_target,
       (SELECT min(queued_at) FROM tickets t WHERE t.service_id = s.id AND t.issued_on = :today AND t.status = 'waiting') AS oldest,
       (SELECT count(*) FROM tickets t WHERE t.service_id = s.id AND t.issued_on = :today AND t.status = 'waiting'
            AND julianday(:now) - julianday(t.queued_at) > coalesce(s.wait_target_minutes, s.promised_minutes) / 1440.0) AS wait_beyond,
       (SELECT min(started_at) FROM tickets t WHERE t.service_id = s.id AND t.status = 'serving' AND t.held = 0) AS longest_serving,
       (SELECT count(*) FROM tickets t WHERE t.service_id = s.id AND t.status = 'serving' AND t.held = 0
            AND julianday(:now) - julianday(t.started_at) > coalesce(s.service_target_minutes, s.promised_minutes) / 1440.0)
            AS service_beyond,
       (SELECT closes FROM service_hours h WHERE h.service_id = s.id AND h.weekday = :weekday) AS closes
FROM services s JOIN agencies a ON a.id = s.agency_id
WHERE s.active = 1 AND a.active = 1
"""


def _minutes_since(start: str | None, now: datetime) -> float:
    moment = parse_iso(start)
    return round(max((now - moment).total_seconds() / 60, 0), 1) if moment else 0.0


def standings(db: Database, now: datetime, agency_id: int | None = None) -> list[dict]:
    """Per active service now: waiting, waiting beyond target, the longest wait, serving beyond target,
    and how many of those waiting will not be served before closing at the current pace
    (minutes left × open counters ÷ recent average service minutes)."""
    conf = settings(db)
    tz = conf["timezone"]
    moment = local(now, tz)
    params = {"today": local_day(now, tz), "now": iso(now), "weekday": moment.weekday()}
    sql = LIVE_SQL + (" AND s.agency_id = :agency" if agency_id else "") + " ORDER BY a.sort_order, s.agency_id, s.sort_order, s.name"
    found = rows(db, sql, {**params, "agency": agency_id})
    stats = tickets.service_stats(db, now, [r["id"] for r in found], conf)
    minute = moment.hour * 60 + moment.minute
    out = []
    for r in found:
        stat = stats.get(r["id"]) or {"waiting": 0, "open_counters": 0, "avg_service_minutes": 5}
        left = max(minutes_of_day(r["closes"]) - minute, 0) if r["closes"] else 0
        can_serve = math.floor(left * stat["open_counters"] / max(stat["avg_service_minutes"], 0.5))
        out.append(
            {
                "id": r["id"],
                "name": r["name"],
                "agency_id": r["agency_id"],
                "agency": r["agency"],
                "wait_target_minutes": r["wait_target"],
                "service_target_minutes": r["service_target"],
                "waiting": stat["waiting"],
                "waiting_beyond_target": r["wait_beyond"] if r["wait_target"] else 0,
                "longest_wait_minutes": _minutes_since(r["oldest"], now),
                "serving_beyond_target": r["service_beyond"] if r["service_target"] else 0,
                "longest_service_minutes": _minutes_since(r["longest_serving"], now),
                "open_counters": stat["open_counters"],
                "closes": r["closes"],
                "projected_unserved": max(stat["waiting"] - can_serve, 0),
            }
        )
    return out


def notify(db: Database, alert: dict) -> None:
    """The hook for messages to supervisors (SMS, WhatsApp) once notifications exist: write the message
    to their outbox here, inside the alert's own transaction, so it is sent once after the commit.
    Today the live `standard_alert` event and the banner are the whole alert."""


def _alert(row: dict, service: dict, state: str) -> dict:
    return {
        "id": row["id"],
        "state": state,
        "kind": row["kind"],
        "service_id": row["service_id"],
        "service": service.get("name"),
        "agency_id": row["agency_id"],
        "agency": service.get("agency"),
        "target_minutes": row["target_minutes"],
        "started_at": row["started_at"],
        "ended_at": row.get("ended_at"),
        "tickets": row.get("peak_tickets", 0),
        "longest_minutes": row.get("peak_minutes", 0),
    }


def check(db: Database, now: datetime) -> list[dict]:
    """Raise an alert for each service that crossed a target since the last check, clear those that
    came back within it; returns the alerts said. One write transaction, only when something changed."""
    current = {(s["id"], kind): s for s in standings(db, now) for kind in KINDS}
    today = local_day(now, settings(db)["timezone"])
    said: list[dict] = []
    with transaction(db):
        open_rows = {(r["service_id"], r["kind"]): r for r in rows(db, "SELECT * FROM standard_breaches WHERE ended_at IS NULL")}
        for key, service in current.items():
            kind = key[1]
            beyond = service["waiting_beyond_target"] if kind == "wait" else service["serving_beyond_target"]
            longest = service["longest_wait_minutes"] if kind == "wait" else service["longest_service_minutes"]
            target = service["wait_target_minutes"] if kind == "wait" else service["service_target_minutes"]
            breach = open_rows.pop(key, None)
            if breach is not None and breach["day"] != today:
                said.append(_end(db, breach, service, now))
                breach = None
            if beyond and breach is None:
                row = rows(
                    db,
                    "INSERT INTO standard_breaches (service_id, agency_id, kind, day, target_minutes, started_at,"
                    " peak_minutes, peak_tickets) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                    (service["id"], service["agency_id"], kind, today, target, iso(now), longest, beyond),
                )[0]
                alert = _alert(row, service, "raised")
                notify(db, alert)
                after_commit(db, StandardAlert(alert))
                said.append(alert)
            elif beyond and (longest > breach["peak_minutes"] or beyond > breach["peak_tickets"]):
                db.conn.execute(
                    "UPDATE standard_breaches SET peak_minutes = max(peak_minutes, ?), peak_tickets = max(peak_tickets, ?) WHERE id = ?",
                    (longest, beyond, breach["id"]),
                )
            elif not beyond and breach is not None:
                said.append(_end(db, breach, service, now))
        for breach in open_rows.values():  # a service made inactive while in breach
            said.append(_end(db, breach, {}, now))
    return said


def _end(db: Database, breach: dict, service: dict, now: datetime) -> dict:
    ended = rows(db, "UPDATE standard_breaches SET ended_at = ? WHERE id = ? RETURNING *", (iso(now), breach["id"]))[0]
    alert = _alert(ended, service, "cleared")
    after_commit(db, StandardAlert(alert))
    return alert


def open_alerts(db: Database, agency_id: int | None = None) -> list[dict]:
    """Breaches not yet resolved, for a screen that (re)loads: the banner it must show."""
    sql = (
        "SELECT b.*, s.name AS service, a.name AS agency FROM standard_breaches b JOIN services s ON s.id = b.service_id"
        " JOIN agencies a ON a.id = b.agency_id WHERE b.ended_at IS NULL" + (" AND b.agency_id = ?" if agency_id else "") + " ORDER BY b.id"
    )
    return [_alert(r, {"name": r["service"], "agency": r["agency"]}, "raised") for r in rows(db, sql, (agency_id,) if agency_id else ())]


def month_report(db: Database, month: str, agency_id: int | None = None) -> dict:
    """Per service over a month: citizens served, the share served within the waiting target, the
    breaches and the longest wait; and per day the share within target (the chart)."""
    start = f"{month}-01"
    end = (datetime.fromisoformat(start) + timedelta(days=32)).strftime("%Y-%m-01")
    params = {"start": start, "end": end, "agency": agency_id}
    scope = " AND t.agency_id = :agency" if agency_id else ""
    per_service = rows(
        db,
        "SELECT s.id, s.name, a.name AS agency, coalesce(s.wait_target_minutes, s.promised_minutes) AS target,"
        " count(t.id) AS served, sum((julianday(t.called_at) - julianday(t.queued_at)) * 1440"
        "  <= coalesce(s.wait_target_minutes, s.promised_minutes)) AS within,"
        " max((julianday(t.called_at) - julianday(t.queued_at)) * 1440) AS longest"
        " FROM tickets t JOIN services s ON s.id = t.service_id JOIN agencies a ON a.id = s.agency_id"
        " WHERE t.issued_on >= :start AND t.issued_on < :end AND t.status = 'done' AND t.called_at IS NOT NULL" + scope + ""
        " GROUP BY s.id ORDER BY a.sort_order, s.sort_order, s.name",
        params,
    )
    breaches = {
        (r["service_id"], r["kind"]): r
        for r in rows(
            db,
            "SELECT service_id, kind, count(*) AS n, max(peak_minutes) AS peak FROM standard_breaches b"
            " WHERE b.day >= :start AND b.day < :end" + (" AND b.agency_id = :agency" if agency_id else "") + " GROUP BY 1, 2",
            params,
        )
    }
    services = []
    for r in per_service:
        wait = breaches.get((r["id"], "wait"), {})
        service = breaches.get((r["id"], "service"), {})
        services.append(
            {
                "id": r["id"],
                "name": r["name"],
                "agency": r["agency"],
                "wait_target_minutes": r["target"],
                "served": r["served"],
                "within_target_pct": round(100 * (r["within"] or 0) / r["served"], 1) if r["target"] and r["served"] else None,
                "wait_breaches": wait.get("n", 0),
                "service_breaches": service.get("n", 0),
                "longest_wait_minutes": round(r["longest"] or 0, 1),
            }
        )
    days = rows(
        db,
        "SELECT t.issued_on AS day, count(t.id) AS served, sum((julianday(t.called_at) - julianday(t.queued_at)) * 1440"
        "  <= coalesce(s.wait_target_minutes, s.promised_minutes)) AS within"
        " FROM tickets t JOIN services s ON s.id = t.service_id"
        " WHERE t.issued_on >= :start AND t.issued_on < :end AND t.status = 'done' AND t.called_at IS NOT NULL"
        " AND coalesce(s.wait_target_minutes, s.promised_minutes) IS NOT NULL" + scope + " GROUP BY 1 ORDER BY 1",
        params,
    )
    return {
        "month": month,
        "services": services,
        "days": [
            {"day": d["day"], "served": d["served"], "within_target_pct": round(100 * (d["within"] or 0) / d["served"], 1)} for d in days
        ],
    }
