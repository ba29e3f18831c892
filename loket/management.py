"""The MPP's management day: pausing and closing a counter with a reason, closures that wait for a
supervisor's approval, and counters closed for the day that reopen by themselves.

A closure during the counter's service hours that is longer than the admin's threshold
(`closure_approval_minutes`), or that has no expected return (the rest of the day), is a request:
the counter stays as it is until the agency's supervisor (or the MPP admin) approves it. A shorter
closure, a closure outside the hours, and every pause take effect at once. Every step is written to
the audit log in its own transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from . import audit, tickets
from .db import after_commit, one, rows, settings, transaction
from .errors import LoketError
from .events import ClosureRequestChanged
from .i18n import N_
from .timeutil import iso, local, local_day, minutes_of_day

DEFAULT_REASON = "lainnya"  # a pause or closure sent without a body (older consoles, scripts)
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")


def reasons(db: Database, active_only: bool = True) -> list[dict]:
    """The reasons the admin keeps, in their order."""
    where = " WHERE active = 1" if active_only else ""
    return rows(db, f"SELECT code, label, label_en, sort_order, active FROM counter_reasons{where} ORDER BY sort_order, label")


def check_reason(db: Database, code: str | None) -> str:
    """The reason code as stored: one of the admin's active reasons, or "lainnya" when none is given."""
    if not code:
        return DEFAULT_REASON
    found = one(db, "SELECT code FROM counter_reasons WHERE code = ? AND active = 1", (code,))
    if found is None and code != DEFAULT_REASON:
        raise LoketError("invalid_field", field="reason", reason=N_("bukan salah satu alasan yang disediakan admin"))
    return code


def hours_today(db: Database, counter_id: int, now: datetime, tz: str) -> tuple[int, int] | None:
    """(opens, closes) in local minutes of the counter's services today, or None on a day without
    service (no hours this weekday, or a closed date of the MPP or of the agency)."""
    moment = local(now, tz)
    found = one(
        db,
        "SELECT min(h.opens) AS opens, max(h.closes) AS closes FROM counter_services cs"
        " JOIN services s ON s.id = cs.service_id AND s.active = 1"
        " JOIN service_hours h ON h.service_id = s.id AND h.weekday = :weekday"
        " WHERE cs.counter_id = :counter AND NOT EXISTS (SELECT 1 FROM closed_dates d WHERE d.date = :day"
        " AND (d.agency_id IS NULL OR d.agency_id = s.agency_id))",
        {"weekday": moment.weekday(), "counter": counter_id, "day": moment.date().isoformat()},
    )
    if not found or found["opens"] is None:
        return None
    return minutes_of_day(found["opens"]), minutes_of_day(found["closes"])


def _minute(now: datetime, tz: str) -> int:
    moment = local(now, tz)
    return moment.hour * 60 + moment.minute


def pause(
    db: Database, counter_id: int, now: datetime, user: dict, reason: str | None = None, note: str = "", until: str | None = None
) -> dict:
    """Pause the counter (no new citizens) with a reason and an expected return; always at once."""
    with transaction(db):
        code = check_reason(db, reason)
        before = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
        counter = tickets.set_counter_state(db, counter_id, "paused", now, user["id"], reason=code, note=note, until=until)
        audit.record(db, now, user, "update", "counters", counter_id, _state_of(before), _state_of(counter))
    return counter


def close(
    db: Database,
    counter_id: int,
    now: datetime,
    user: dict,
    reason: str | None = None,
    note: str = "",
    until: str | None = None,
    rest_of_day: bool = False,
) -> tuple[dict, dict | None]:
    """Close the counter, or ask for approval when the closure is long and falls in its hours.

    Returns (the counter as it is now, the closure request or None).
    """
    with transaction(db):
        conf = settings(db)
        tz = conf["timezone"]
        code = check_reason(db, reason)
        counter = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
        if counter is None:
            raise LoketError("counter_not_found")
        minute = _minute(now, tz)
        if until is not None and minutes_of_day(until) <= minute:
            raise LoketError("invalid_field", field="until", reason=N_("jam kembali harus setelah sekarang"))
        if until is None:
            rest_of_day = True
        hours = hours_today(db, counter_id, now, tz)
        in_hours = hours is not None and hours[0] <= minute < hours[1]
        threshold = int(conf.get("closure_approval_minutes") or 0)
        long = rest_of_day or (until is not None and minutes_of_day(until) - minute > threshold)
        if in_hours and long and threshold >= 0:
            return counter, _request(db, counter, now, user, code, note, None if rest_of_day else until, rest_of_day, tz)
        closed = tickets.set_counter_state(db, counter_id, "closed", now, user["id"], reason=code, note=note, until=until)
        audit.record(db, now, user, "update", "counters", counter_id, _state_of(counter), _state_of(closed))
    return closed, None


def _request(
    db: Database, counter: dict, now: datetime, user: dict, code: str, note: str, until: str | None, rest_of_day: bool, tz: str
) -> dict:
    if one(db, "SELECT id FROM closure_requests WHERE counter_id = ? AND status = 'pending'", (counter["id"],)):
        raise LoketError("closure_pending")
    request = one(
        db,
        "INSERT INTO closure_requests (counter_id, agency_id, user_id, day, requested_at, reason, note, until, rest_of_day)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (counter["id"], counter["agency_id"], user["id"], local_day(now, tz), iso(now), code, note, until, int(rest_of_day)),
    )
    audit.record(db, now, user, "create", "closure_requests", request["id"], None, request, agency_id=counter["agency_id"])
    shown = request_json(db, request["id"])
    after_commit(db, ClosureRequestChanged(shown))
    return shown


def _state_of(counter: dict | None) -> dict | None:
    if counter is None:
        return None
    keys = ("id", "agency_id", "state", "officer_id", "pause_reason", "pause_note", "pause_until", "closed_for_day")
    return {k: counter.get(k) for k in keys}


REQUESTS_SQL = (
    "SELECT r.*, c.name AS counter, c.number AS counter_number, a.name AS agency,"
    " coalesce(nullif(u.full_name, ''), u.username) AS officer, coalesce(nullif(d.full_name, ''), d.username) AS decided_by_name,"
    " cr.label AS reason_label, cr.label_en AS reason_label_en"
    " FROM closure_requests r JOIN counters c ON c.id = r.counter_id JOIN agencies a ON a.id = r.agency_id"
    " LEFT JOIN users u ON u.id = r.user_id LEFT JOIN users d ON d.id = r.decided_by"
    " LEFT JOIN counter_reasons cr ON cr.code = r.reason"
)


def _shape(row: dict) -> dict:
    return {
        "id": row["id"],
        "counter_id": row["counter_id"],
        "counter": row["counter"],
        "counter_number": row["counter_number"],
        "agency_id": row["agency_id"],
        "agency": row["agency"],
        "officer": row["officer"],
        "day": row["day"],
        "requested_at": row["requested_at"],
        "reason": row["reason"],
        "reason_label": row["reason_label"] or row["reason"],
        "reason_label_en": row["reason_label_en"] or row["reason_label"] or row["reason"],
        "note": row["note"],
        "until": row["until"],
        "rest_of_day": bool(row["rest_of_day"]),
        "status": row["status"],
        "decided_by": row["decided_by_name"],
        "decided_at": row["decided_at"],
        "decision_note": row["decision_note"],
    }


def request_json(db: Database, request_id: int) -> dict:
    found = one(db, REQUESTS_SQL + " WHERE r.id = ?", (request_id,))
    if found is None:
        raise LoketError("not_found")
    return _shape(found)


def requests(
    db: Database, agency_id: int | None = None, status: str | None = None, day: str | None = None, counter_id: int | None = None
) -> list[dict]:
    """Closure requests, newest first: an agency's (or all), by status, day and counter."""
    where, params = [], []
    for column, value in (("r.agency_id", agency_id), ("r.status", status), ("r.day", day), ("r.counter_id", counter_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = REQUESTS_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.id DESC LIMIT 200"
    return [_shape(r) for r in rows(db, sql, params)]


def _decide(db: Database, request_id: int, now: datetime, user: dict, note: str, status: str) -> tuple[dict, dict | None]:
    before = one(db, "SELECT * FROM closure_requests WHERE id = ?", (request_id,))
    if before is None:
        raise LoketError("not_found")
    if user["role"] != "admin" and (user["role"] != "supervisor" or user["agency_id"] != before["agency_id"]):
        raise LoketError("forbidden")
    if before["status"] != "pending":
        raise LoketError("closure_decided", status=before["status"])
    counter = None
    if status == "approved":
        tz = settings(db)["timezone"]
        if before["day"] != local_day(now, tz):
            raise LoketError("closure_decided", status="kedaluwarsa")
        previous = one(db, "SELECT * FROM counters WHERE id = ?", (before["counter_id"],))
        counter = tickets.set_counter_state(
            db,
            before["counter_id"],
            "closed",
            now,
            before["user_id"],
            reason=before["reason"],
            note=before["note"],
            until=before["until"],
            closed_for_day=before["day"] if before["rest_of_day"] else None,
        )
        audit.record(db, now, user, "update", "counters", counter["id"], _state_of(previous), _state_of(counter))
    after = one(
        db,
        "UPDATE closure_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? RETURNING *",
        (status, user["id"], iso(now), note, request_id),
    )
    audit.record(db, now, user, "update", "closure_requests", request_id, before, after, agency_id=before["agency_id"])
    shown = request_json(db, request_id)
    after_commit(db, ClosureRequestChanged(shown))
    return shown, counter


def approve(db: Database, request_id: int, now: datetime, user: dict, note: str = "") -> dict:
    """The supervisor agrees: the counter closes now (the officer must have finished the citizen in front)."""
    with transaction(db):
        shown, _counter = _decide(db, request_id, now, user, note, "approved")
    return shown


def reject(db: Database, request_id: int, now: datetime, user: dict, note: str) -> dict:
    """The supervisor refuses, saying why: the counter stays as it is and the officer reads the note."""
    if not note:
        raise LoketError("missing_field", field="note")
    with transaction(db):
        shown, _counter = _decide(db, request_id, now, user, note, "rejected")
    return shown


def reopen_due(db: Database, now: datetime) -> list[int]:
    """Counters closed for an earlier day open again once the next service day's hours begin.

    Not on a day without service (a holiday in closed_dates, a weekday without hours): the counter
    then waits for the next day that has them. Run by the watcher (loket/watcher.py), not by a request.
    """
    tz = settings(db)["timezone"]
    today = local_day(now, tz)
    due = rows(db, "SELECT * FROM counters WHERE state = 'closed' AND closed_for_day IS NOT NULL AND closed_for_day < ?", (today,))
    reopened = []
    for counter in due:
        hours = hours_today(db, counter["id"], now, tz)
        if hours is None or _minute(now, tz) < hours[0]:
            continue
        with transaction(db):
            fresh = one(db, "SELECT * FROM counters WHERE id = ?", (counter["id"],))
            if fresh["state"] != "closed" or fresh["closed_for_day"] != counter["closed_for_day"]:
                continue  # someone opened it meanwhile
            opened = tickets.set_counter_state(db, counter["id"], "open", now, None)
            audit.record(db, now, None, "update", "counters", counter["id"], _state_of(fresh), _state_of(opened))
        reopened.append(counter["id"])
    return reopened
