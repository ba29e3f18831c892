"""When a closed or full service next takes numbers: the day and hour a refused citizen can come back."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from loket import tickets
from loket.db import one, settings
from loket.timeutil import hhmm, local, minutes_of_day

LOOK_AHEAD_DAYS = 21


def next_opening(db: sqlite_utils.Database, service_id: int, now: datetime) -> dict | None:
    """The first moment from now when the service issues numbers, or None when none is set in three weeks.

    Today counts only when the service is not already open and its quota is not used up; a break ends
    at a known hour, so that is the answer during the Friday prayer break.
    """
    service = one(
        db, "SELECT s.*, a.active AS agency_active FROM services s JOIN agencies a ON a.id = s.agency_id WHERE s.id = ?", (service_id,)
    )
    if service is None or not service["active"] or not service["agency_active"]:
        return None
    tz = settings(db)["timezone"]
    moment = local(now, tz)
    minute = moment.hour * 60 + moment.minute
    hours = {h["weekday"]: h for h in db.query("SELECT weekday, opens, closes FROM service_hours WHERE service_id = ?", (service_id,))}
    if not hours:
        return None
    closed = {
        r["date"]
        for r in db.query(
            "SELECT date FROM closed_dates WHERE date >= ? AND (agency_id IS NULL OR agency_id = ?)",
            (moment.date().isoformat(), service["agency_id"]),
        )
    }
    full_today = False
    if service["daily_quota"] is not None:
        # the quota as tickets.issue counts it: the day's numbers, less the cancelled, plus held bookings
        stat = tickets.service_stats(db, now, [service_id])[service_id]
        full_today = stat["issued_today"] + stat["held"] >= service["daily_quota"]
    for ahead in range(LOOK_AHEAD_DAYS):
        day = moment.date() + timedelta(days=ahead)
        slot = hours.get(day.weekday())
        if slot is None or day.isoformat() in closed:
            continue
        if ahead == 0:
            if full_today:
                continue
            refusal = tickets.issuing_state(db, service, now, tz)
            if refusal is None:
                continue  # open now: nothing to wait for
            if refusal.code == "on_break":
                return {"date": day.isoformat(), "time": refusal.params.get("until", slot["opens"]), "today": True}
            if minute < minutes_of_day(slot["opens"]):
                return {"date": day.isoformat(), "time": slot["opens"], "today": True}
            continue
        return {"date": day.isoformat(), "time": hhmm(minutes_of_day(slot["opens"])), "today": False}
    return None
