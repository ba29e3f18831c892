"""Queue rules as plain functions over the database. Time always comes in as `now` (aware, any zone).

Every command runs inside one BEGIN IMMEDIATE transaction, so two kiosks or two counters acting
at the same instant are serialised by SQLite's write lock, in one process or several.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlite_utils import Database

from .db import after_commit, one, rows, scalar, settings, transaction
from .errors import LoketError
from .events import PrintRequested, QueueChanged, TicketCalled
from .i18n import N_
from .priority import PRIORITY_REASONS
from .timeutil import day_start_utc, hhmm, iso, local, local_day, minutes_of_day

OPEN_STATUSES = ("called", "serving")
COUNTER_STATES = ("open", "paused", "closed")
RECENT_SERVICE_SAMPLE = 20  # completed tickets that set a service's average service time


# ---------------------------------------------------------------- helpers


def _event(db: Database, now: datetime, kind: str, ticket: dict | None = None, **fields) -> int:
    data = fields.pop("data", {})
    cursor = db.conn.execute(
        "INSERT INTO events (at, kind, ticket_id, service_id, agency_id, counter_id, user_id, kiosk_id, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(now),
            kind,
            ticket["id"] if ticket else fields.get("ticket_id"),
            fields.get("service_id", ticket["service_id"] if ticket else None),
            fields.get("agency_id", ticket["agency_id"] if ticket else None),
            fields.get("counter_id", ticket.get("counter_id") if ticket else None),
            fields.get("user_id"),
            fields.get("kiosk_id"),
            json.dumps(data, ensure_ascii=False),
        ),
    )
    return cursor.lastrowid


SERVICE_ROW_SQL = (
    "SELECT s.*, a.name AS agency_name, a.code AS agency_code, a.color AS agency_color, a.active AS agency_active,"
    " a.zone AS agency_zone, a.sort_order AS agency_sort,"
    " (SELECT reason FROM closed_dates WHERE date = :today AND (agency_id IS NULL OR agency_id = s.agency_id) LIMIT 1) AS rule_closed,"
    " (SELECT opens FROM service_hours WHERE service_id = s.id AND weekday = :weekday) AS rule_opens,"
    " (SELECT closes FROM service_hours WHERE service_id = s.id AND weekday = :weekday) AS rule_closes,"
    " (SELECT json_array(label, ends) FROM breaks WHERE weekday = :weekday AND (agency_id IS NULL OR agency_id = s.agency_id)"
    "  AND starts <= :minute AND ends > :minute ORDER BY ends DESC LIMIT 1) AS rule_break,"
    " (SELECT count(*) FROM counter_services cs JOIN counters c ON c.id = cs.counter_id"
    "  WHERE cs.service_id = s.id AND c.state = 'open') AS rule_open_counters"
    " FROM services s JOIN agencies a ON a.id = s.agency_id"
)


def service_rows(db: Database, now: datetime, tz: str, service_ids: list[int] | None = None) -> dict[int, dict]:
    """Services with their agency and the rules that decide whether they issue now, in one statement."""
    moment = local(now, tz)
    params = {"today": moment.date().isoformat(), "weekday": moment.weekday(), "minute": hhmm(moment.hour * 60 + moment.minute)}
    sql = SERVICE_ROW_SQL
    if service_ids is not None:
        if not service_ids:
            return {}
        sql += f" WHERE s.id IN ({','.join(str(int(i)) for i in service_ids)})"
    return {row["id"]: row for row in rows(db, sql, params)}


def _service(db: Database, service_id: int, now: datetime, tz: str) -> dict:
    row = service_rows(db, now, tz, [service_id]).get(service_id)
    if row is None:
        raise LoketError("service_not_found")
    return row


def _counter(db: Database, counter_id: int) -> dict:
    row = one(db, "SELECT * FROM counters WHERE id = ?", (counter_id,))
    if row is None:
        raise LoketError("counter_not_found")
    return row


def _current(db: Database, counter_id: int) -> dict | None:
    """The ticket in front of the counter now (parked ones are not current)."""
    return one(
        db,
        "SELECT * FROM tickets WHERE counter_id = ? AND status IN ('called', 'serving') AND held = 0 ORDER BY called_at DESC LIMIT 1",
        (counter_id,),
    )


def _require_current(db: Database, counter_id: int, allowed: tuple[str, ...]) -> dict:
    ticket = _current(db, counter_id)
    if ticket is None:
        raise LoketError("no_current_ticket")
    if ticket["status"] not in allowed:
        raise LoketError("invalid_state", current=ticket["status"])
    return ticket


def _not_before(now: datetime, *earlier: str | None) -> str:
    """`now` as stored, but never before the ticket's earlier steps.

    A request reads the clock before it waits for the write lock, so under load a call can carry
    an instant older than the issue it follows; the lifecycle's order must hold regardless.
    """
    return max([iso(now), *(e for e in earlier if e)])


def _update(db: Database, ticket_id: int, **values) -> dict:
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    return one(db, f"UPDATE tickets SET {assignments} WHERE id = :id RETURNING *", {**values, "id": ticket_id})


# ---------------------------------------------------------------- issuing


def refusal(service: dict, now: datetime, tz: str) -> LoketError | None:
    """Why a ticket cannot be issued for this service at this moment, or None when it can.

    `service` is a row of `service_rows` (its rule_* columns hold today's closure, hours and break).
    """
    if not service["active"] or not service.get("agency_active", 1):
        return LoketError("service_inactive")
    if service["rule_closed"] is not None:
        return LoketError("closed_today", reason=service["rule_closed"] or N_("hari libur"))
    if service["rule_opens"] is None:
        return LoketError("service_closed", hours=N_("tidak ada layanan hari ini"))
    moment = local(now, tz)
    minute = moment.hour * 60 + moment.minute
    opens, closes = minutes_of_day(service["rule_opens"]), minutes_of_day(service["rule_closes"])
    if minute < opens or minute >= closes:
        return LoketError("service_closed", hours=f"{service['rule_opens']}–{service['rule_closes']}")
    stop = closes - service["cutoff_minutes"]
    if minute >= stop:
        return LoketError("issuing_stopped", cutoff=hhmm(stop))
    if service["rule_break"]:
        label, until = json.loads(service["rule_break"])
        return LoketError("on_break", label=label, until=until)
    if service.get("requires_open_counter") and not service.get("rule_open_counters"):
        return LoketError("no_counter_open")
    return None


def issuing_state(db: Database, service: dict, now: datetime, tz: str) -> LoketError | None:
    """Why a ticket cannot be issued for this service now (loads its rules; see `refusal`)."""
    row = service_rows(db, now, tz, [service["id"]]).get(service["id"])
    if row is None:
        return LoketError("service_not_found")
    return refusal({**row, "active": service.get("active", row["active"])}, now, tz)


def held_bookings(db: Database, service: dict, day: str, now: datetime) -> int:
    """Today's bookings of the service not yet checked in nor expired: places of the quota they keep."""
    return scalar(
        db,
        "SELECT count(*) FROM bookings WHERE service_id = ? AND date = ? AND status = 'booked' AND checkin_closes_at > ?",
        (service["id"], day, iso(now)),
    )


def issue(
    db: Database,
    service_id: int,
    now: datetime,
    *,
    priority: bool = False,
    priority_reason: str | None = None,
    granted_by: str | None = None,
    kiosk_id: int | None = None,
    source: str = "kiosk",
    queued_at: str | None = None,
    phone_share_percent: int | None = None,
) -> dict:
    """Hand out the next number of the service's daily series, if it is open and under quota.

    Phones (and every client that is neither staff nor a paired kiosk) may take at most
    `phone_share_percent` of a service's daily quota: the rest stays for the kiosks and the counters.

    A checked-in booking (source "booking", loket/bookings.py) already holds its place in the quota and
    checked the service's days itself; it joins the line at `queued_at`, the later of its slot and now.
    """
    booked = source == "booking"
    if priority and priority_reason not in PRIORITY_REASONS:
        raise LoketError("invalid_priority_reason")
    if not priority:
        priority_reason = None
    with transaction(db):
        conf = settings(db)
        tz = conf["timezone"]
        service = _service(db, service_id, now, tz)
        refused = None if booked else refusal(service, now, tz)
        if refused:
            raise refused
        today = local_day(now, tz)
        # The day's counters are kept with the write: the quota costs the same at ticket 1 and 6,000.
        sequence, cancelled = db.conn.execute(
            "INSERT INTO daily_sequences (service_id, issued_on, last_number) VALUES (?, ?, 1)"
            " ON CONFLICT (service_id, issued_on) DO UPDATE SET last_number = last_number + 1"
            " RETURNING last_number, cancelled",
            (service_id, today),
        ).fetchone()
        if service["daily_quota"] is not None and not booked:
            # Bookings not yet checked in (nor expired) keep their places in the quota.
            held = held_bookings(db, service, today, now) if service.get("booking_enabled") else 0
            if sequence - 1 - cancelled + held >= service["daily_quota"]:
                raise LoketError("quota_reached")  # the rollback takes the number back
            if phone_share_percent is not None and source == "phone":
                taken = scalar(
                    db,
                    "SELECT count(*) FROM tickets WHERE origin_service_id = ? AND issued_on = ? AND source = 'phone'"
                    " AND status != 'cancelled'",
                    (service_id, today),
                )
                if taken >= service["daily_quota"] * phone_share_percent // 100:
                    raise LoketError("phone_quota_reached")
        stamp = iso(now)
        # A server clock stepped back (NTP, a wrong RTC) must not put a new ticket ahead of earlier ones.
        last_queued = scalar(
            db, "SELECT max(queued_at) FROM tickets WHERE service_id = ? AND issued_on = ? AND source != 'booking'", (service_id, today)
        )
        queued = max(stamp, queued_at or stamp) if booked else max(stamp, last_queued or stamp)
        ticket = one(
            db,
            "INSERT INTO tickets (token, number, sequence, origin_service_id, service_id, agency_id, issued_on,"
            " issued_at, queued_at, priority, priority_reason, priority_granted_by, source, kiosk_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                secrets.token_urlsafe(16),
                f"{service['prefix']}{sequence:0{service['padding']}d}",
                sequence,
                service_id,
                service_id,
                service["agency_id"],
                today,
                stamp,
                queued,
                int(bool(priority)),
                priority_reason,
                granted_by,
                source,
                kiosk_id,
            ),
        )
        _event(db, now, "issued", ticket, kiosk_id=kiosk_id, data={"priority": ticket["priority"], "source": source})
        after_commit(db, QueueChanged(kind="issued", ticket=ticket, now=now))
    return ticket


def cancel(db: Database, token: str, now: datetime) -> dict:
    """The citizen gives up a waiting ticket; it no longer counts toward the quota."""
    with transaction(db):
        ticket = by_token(db, token)
        if ticket["status"] != "waiting":
            raise LoketError("ticket_not_waiting")
        ticket = _update(db, ticket["id"], status="cancelled", finished_at=iso(now))
        db.conn.execute(
            "UPDATE daily_sequences SET cancelled = cancelled + 1 WHERE service_id = ? AND issued_on = ?",
            (ticket["origin_service_id"], ticket["issued_on"]),
        )
        _event(db, now, "cancelled", ticket)
        after_commit(db, QueueChanged(kind="cancelled", ticket=ticket, now=now))
    return ticket


def record_print(db: Database, ticket_id: int, printed: bool, error: str, now: datetime) -> dict:
    with transaction(db):
        ticket = _update(db, ticket_id, printed=int(printed), print_error=error[:500])
        _event(db, now, "printed" if printed else "print_failed", ticket, kiosk_id=ticket["kiosk_id"], data={"error": error[:500]})
    return ticket


def hand_to_print_agent(db: Database, ticket: dict, kiosk: dict, job: dict, now: datetime) -> None:
    """The kiosk's printer hangs off its PC: the job goes to that kiosk's agent once the hand-off is recorded."""
    with transaction(db):
        _event(db, now, "print_sent", ticket, kiosk_id=kiosk["id"])
        after_commit(db, PrintRequested(kiosk["name"], job))


# ---------------------------------------------------------------- who is next


def _waiting_sql(extra: str) -> str:
    return (
        "SELECT * FROM tickets WHERE status = 'waiting' AND issued_on = :today"
        " AND service_id IN (SELECT service_id FROM counter_services WHERE counter_id = :counter)"
        f" {extra} ORDER BY queued_at, id LIMIT 1"
    )


def _priority_due(db: Database, counter_id: int, since: str, every: int) -> bool:
    """Interleave: a priority ticket is due after `every` regular calls since this counter's last
    priority call today, or when it has made no priority call yet today."""
    last = scalar(
        db,
        "SELECT max(id) FROM events WHERE counter_id = :c AND kind = 'called' AND at >= :since AND json_extract(data, '$.priority') = 1",
        {"c": counter_id, "since": since},
    )
    if last is None:
        return True
    regulars = scalar(
        db,
        "SELECT count(*) FROM events WHERE counter_id = :c AND kind = 'called' AND id > :last AND json_extract(data, '$.priority') = 0",
        {"c": counter_id, "last": last},
    )
    return regulars >= every


def next_for_counter(db: Database, counter_id: int, now: datetime, conf: dict) -> dict | None:
    """The most urgent waiting ticket across the counter's services, under the MPP's priority policy."""
    tz = conf["timezone"]
    today = local_day(now, tz)
    params = {"today": today, "counter": counter_id}
    cap = int(conf.get("max_regular_wait_minutes") or 0)
    if cap > 0:
        overdue = one(db, _waiting_sql("AND priority = 0 AND queued_at <= :limit"), {**params, "limit": iso(now - timedelta(minutes=cap))})
        if overdue:
            return overdue
    urgent = one(db, _waiting_sql("AND priority = 1"), params)
    regular = one(db, _waiting_sql("AND priority = 0"), params)
    if urgent is None or regular is None:
        return urgent or regular
    if conf.get("priority_policy") == "interleave":
        every = max(int(conf.get("priority_interleave_n") or 1), 1)
        since = iso(day_start_utc(today, tz))
        return urgent if _priority_due(db, counter_id, since, every) else regular
    return urgent


def _close_current(db: Database, counter_id: int, now: datetime, user_id: int | None) -> dict | None:
    """Finish the ticket still open at the counter: pressing "next" means the officer is done with it."""
    current = _current(db, counter_id)
    if current is None:
        return None
    started = current["started_at"] or current["called_at"]
    done = _update(db, current["id"], status="done", started_at=started, finished_at=_not_before(now, started))
    _event(db, now, "completed", done, user_id=user_id, data={"auto": True})
    after_commit(db, QueueChanged(kind="completed", ticket=done, now=now, counter_ids=(counter_id,)))
    return done


def _call(db: Database, ticket: dict, counter: dict, now: datetime, user_id: int | None, kind: str) -> dict:
    called = one(
        db,
        "UPDATE tickets SET status = 'called', counter_id = :c, officer_id = :u, called_at = :now,"
        " call_count = call_count + 1, held = 0 WHERE id = :id AND status IN ('waiting', 'no_show') RETURNING *",
        {
            "c": counter["id"],
            "u": user_id,
            "now": _not_before(now, ticket["issued_at"], None if ticket["source"] == "booking" else ticket["queued_at"]),
            "id": ticket["id"],
        },
    )
    if called is None:  # cannot happen under the write lock; refuse rather than double-call
        raise LoketError("ticket_not_waiting")
    call_id = _event(db, now, kind, called, user_id=user_id, data={"priority": called["priority"], "recall": False})
    after_commit(db, TicketCalled(ticket=called, call_id=call_id, recall=False, now=now))
    after_commit(db, QueueChanged(kind="called", ticket=called, now=now, counter_ids=(counter["id"],)))
    return called


UNCHECKED = object()  # call_next/call_ticket without a screen's expected current ticket


def _check_expected(db: Database, counter_id: int, expected: object) -> None:
    """A console sends the ticket it shows: if another tab of the counter acted meanwhile, refuse
    rather than finish a citizen the officer never saw."""
    if expected is UNCHECKED:
        return
    current = _current(db, counter_id)
    if (current["id"] if current else None) != expected:
        raise LoketError("counter_changed")


def call_next(
    db: Database, counter_id: int, now: datetime, user_id: int | None = None, expected: object = UNCHECKED
) -> tuple[dict | None, dict | None]:
    """Finish the counter's open ticket and give it the most urgent waiting one. Returns (called, finished)."""
    with transaction(db):
        counter = _counter(db, counter_id)
        if counter["state"] != "open":
            raise LoketError("counter_not_open")
        _check_expected(db, counter_id, expected)
        finished = _close_current(db, counter_id, now, user_id)
        candidate = next_for_counter(db, counter_id, now, settings(db))
        called = _call(db, candidate, counter, now, user_id, "called") if candidate else None
        if called is None:
            after_commit(db, QueueChanged(kind="queue_empty", ticket=None, now=now, counter_ids=(counter_id,)))
    return called, finished


def call_ticket(
    db: Database, counter_id: int, number: str, now: datetime, user_id: int | None = None, expected: object = UNCHECKED
) -> tuple[dict, dict | None]:
    """Call a given number of today (an appointment, a returning no-show) from the counter's services."""
    with transaction(db):
        counter = _counter(db, counter_id)
        if counter["state"] != "open":
            raise LoketError("counter_not_open")
        today = local_day(now, settings(db)["timezone"])
        ticket = one(
            db,
            "SELECT * FROM tickets WHERE number = :n COLLATE NOCASE AND issued_on = :today"
            " AND service_id IN (SELECT service_id FROM counter_services WHERE counter_id = :c)"
            " ORDER BY id DESC LIMIT 1",
            {"n": number.strip(), "today": today, "c": counter_id},
        )
        if ticket is None:
            raise LoketError("ticket_not_found")
        if ticket["status"] not in ("waiting", "no_show"):
            raise LoketError("invalid_state", current=ticket["status"])
        _check_expected(db, counter_id, expected)
        finished = _close_current(db, counter_id, now, user_id)
        called = _call(db, ticket, counter, now, user_id, "called")
    return called, finished


# ---------------------------------------------------------------- at the counter


def recall(db: Database, counter_id: int, now: datetime, user_id: int | None = None) -> dict:
    """Call the current ticket again; its first call time stays, for honest waiting times."""
    with transaction(db):
        ticket = _require_current(db, counter_id, ("called",))
        ticket = _update(db, ticket["id"], call_count=ticket["call_count"] + 1)
        call_id = _event(db, now, "recalled", ticket, user_id=user_id, data={"priority": ticket["priority"], "recall": True})
        after_commit(db, TicketCalled(ticket=ticket, call_id=call_id, recall=True, now=now))
    return ticket


def start(db: Database, counter_id: int, now: datetime, user_id: int | None = None) -> dict:
    """The citizen sat down: service time starts."""
    with transaction(db):
        ticket = _require_current(db, counter_id, ("called",))
        ticket = _update(db, ticket["id"], status="serving", started_at=_not_before(now, ticket["called_at"]))
        _event(db, now, "started", ticket, user_id=user_id)
        after_commit(db, QueueChanged(kind="started", ticket=ticket, now=now, counter_ids=(counter_id,)))
    return ticket


def complete(db: Database, counter_id: int, now: datetime, user_id: int | None = None) -> dict:
    """Service finished. A ticket never started counts from its call."""
    with transaction(db):
        ticket = _require_current(db, counter_id, OPEN_STATUSES)
        started = ticket["started_at"] or ticket["called_at"]
        ticket = _update(db, ticket["id"], status="done", started_at=started, finished_at=_not_before(now, started))
        _event(db, now, "completed", ticket, user_id=user_id, data={"auto": False})
        after_commit(db, QueueChanged(kind="completed", ticket=ticket, now=now, counter_ids=(counter_id,)))
    return ticket


def no_show(db: Database, counter_id: int, now: datetime, user_id: int | None = None) -> dict:
    """The called citizen did not come."""
    with transaction(db):
        ticket = _require_current(db, counter_id, ("called",))
        ticket = _update(db, ticket["id"], status="no_show", no_show_at=_not_before(now, ticket["called_at"]))
        _event(db, now, "no_show", ticket, user_id=user_id)
        after_commit(db, QueueChanged(kind="no_show", ticket=ticket, now=now, counter_ids=(counter_id,)))
    return ticket


def requeue(db: Database, ticket_id: int, now: datetime, user_id: int | None = None) -> dict:
    """A late returner joins the back of the line again, same number, same day only."""
    with transaction(db):
        ticket = one(db, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if ticket is None:
            raise LoketError("ticket_not_found")
        if ticket["status"] != "no_show":
            raise LoketError("invalid_state", current=ticket["status"])
        if ticket["issued_on"] != local_day(now, settings(db)["timezone"]):
            raise LoketError("ticket_expired")
        ticket = _update(
            db, ticket_id, status="waiting", queued_at=_not_before(now, ticket["no_show_at"]), counter_id=None, no_show_at=None
        )
        _event(db, now, "requeued", ticket, user_id=user_id)
        after_commit(db, QueueChanged(kind="requeued", ticket=ticket, now=now))
    return ticket


def transfer(
    db: Database, counter_id: int, service_id: int, now: datetime, user_id: int | None = None, note: str = ""
) -> tuple[dict, dict]:
    """Send the current ticket to another service (any agency), keeping its number and its place in time.

    The transferred citizen has already waited once, so the ticket keeps its original queue time
    and is called ahead of tickets issued after it. Returns (ticket, the service it left).
    """
    with transaction(db):
        ticket = _require_current(db, counter_id, OPEN_STATUSES)
        target = _service(db, service_id, now, settings(db)["timezone"])
        if not target["active"]:
            raise LoketError("service_inactive")
        if target["id"] == ticket["service_id"]:
            raise LoketError("same_service")
        left = {"service_id": ticket["service_id"], "agency_id": ticket["agency_id"]}
        segment = {
            "from_service_id": ticket["service_id"],
            "from_agency_id": ticket["agency_id"],
            "to_service_id": target["id"],
            "to_agency_id": target["agency_id"],
            "called_at": ticket["called_at"],
            "started_at": ticket["started_at"] or ticket["called_at"],
            "note": note,
        }
        moved = _update(
            db,
            ticket["id"],
            status="waiting",
            service_id=target["id"],
            agency_id=target["agency_id"],
            counter_id=None,
            called_at=None,
            started_at=None,
            transfer_count=ticket["transfer_count"] + 1,
            transfer_note=note[:500],
        )
        _event(db, now, "transferred", ticket, user_id=user_id, counter_id=counter_id, data=segment)
        after_commit(
            db, QueueChanged(kind="transferred", ticket=moved, now=now, counter_ids=(counter_id,), service_ids=(left["service_id"],))
        )
    return moved, left


def hold(db: Database, counter_id: int, now: datetime, user_id: int | None = None) -> dict:
    """Tunda: the citizen fetches a missing document; the ticket waits on this counter's held list."""
    with transaction(db):
        ticket = _require_current(db, counter_id, OPEN_STATUSES)
        ticket = _update(db, ticket["id"], held=1)
        _event(db, now, "held", ticket, user_id=user_id)
        after_commit(db, QueueChanged(kind="held", ticket=ticket, now=now, counter_ids=(counter_id,)))
    return ticket


def resume(db: Database, counter_id: int, ticket_id: int, now: datetime, user_id: int | None = None) -> dict:
    """Bring a held ticket back in front of the counter, without a new number."""
    with transaction(db):
        if _current(db, counter_id) is not None:
            raise LoketError("counter_busy")
        ticket = one(db, "SELECT * FROM tickets WHERE id = ? AND counter_id = ? AND held = 1", (ticket_id, counter_id))
        if ticket is None:
            raise LoketError("ticket_not_found")
        ticket = _update(db, ticket_id, held=0)
        _event(db, now, "resumed", ticket, user_id=user_id)
        after_commit(db, QueueChanged(kind="resumed", ticket=ticket, now=now, counter_ids=(counter_id,)))
    return ticket


def set_counter_state(
    db: Database,
    counter_id: int,
    state: str,
    now: datetime,
    user_id: int | None = None,
    *,
    reason: str | None = None,
    note: str = "",
    until: str | None = None,
    closed_for_day: str | None = None,
) -> dict:
    """Open (buka), pause (istirahat: takes no new citizens) or close (tutup) a counter.

    A pause or closure keeps its reason, note and expected return ("HH:MM") on the counter for the
    screens (loket/management.py decides them); opening clears them. The `counter_<state>` event
    keeps them too: attendance is read from these events.
    """
    if state not in COUNTER_STATES:
        raise LoketError("invalid_field", field="state", reason=N_("pilih salah satu: {options}"), options="open, paused, closed")
    if state == "open":
        reason, note, until, closed_for_day = None, "", None, None
    with transaction(db):
        counter = _counter(db, counter_id)
        if state == "closed" and _current(db, counter_id) is not None:
            raise LoketError("counter_busy")
        officer = user_id if state != "closed" else None
        counter = one(
            db,
            "UPDATE counters SET state = ?, officer_id = ?, state_changed_at = ?, pause_reason = ?, pause_note = ?, pause_until = ?,"
            " closed_for_day = ? WHERE id = ? RETURNING *",
            (state, officer, iso(now), reason, note, until, closed_for_day, counter_id),
        )
        data = {"reason": reason, "note": note, "until": until} if reason else {}
        _event(db, now, "counter_" + state, None, counter_id=counter_id, agency_id=counter["agency_id"], user_id=user_id, data=data)
        served = tuple(r[0] for r in db.conn.execute("SELECT service_id FROM counter_services WHERE counter_id = ?", (counter_id,)))
        after_commit(db, QueueChanged(kind="counter_" + state, ticket=None, now=now, counter_ids=(counter_id,), service_ids=served))
    return counter


# ---------------------------------------------------------------- queries


def by_token(db: Database, token: str) -> dict:
    ticket = one(db, "SELECT * FROM tickets WHERE token = ?", (token,))
    if ticket is None:
        raise LoketError("ticket_not_found")
    return ticket


STATS_SQL = (
    "SELECT s.id, s.default_service_minutes, s.daily_quota,"
    " (SELECT count(*) FROM tickets t WHERE t.status = 'waiting' AND t.issued_on = :today AND t.service_id = s.id) AS waiting,"
    " (SELECT last_number - cancelled FROM daily_sequences d WHERE d.service_id = s.id AND d.issued_on = :today) AS issued,"
    " (SELECT count(*) FROM counter_services cs JOIN counters c ON c.id = cs.counter_id"
    "  WHERE cs.service_id = s.id AND c.state = 'open') AS open_counters,"
    # The last N completed tickets of the service, newest first: an index walk of N rows, however
    # long the history (a window over the week scanned every finished ticket).
    " (SELECT avg((julianday(r.finished_at) - julianday(r.started_at)) * 1440) FROM"
    "  (SELECT finished_at, started_at FROM tickets WHERE service_id = s.id AND status = 'done'"
    "   AND finished_at >= :since AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT :n) AS r) AS recent,"
    # today's bookings not yet checked in: their places of the quota are kept
    " (SELECT count(*) FROM bookings b WHERE b.service_id = s.id AND b.date = :today AND b.status = 'booked'"
    "  AND b.checkin_closes_at > :now) AS held"
    " FROM services s"
)


def service_stats(db: Database, now: datetime, service_ids: list[int] | None = None, conf: dict | None = None) -> dict[int, dict]:
    """Per service: waiting now, issued today, open counters, recent average service minutes.

    One statement of index lookups per service: the same cost with 50 or 6,000 tickets in the day.
    """
    tz = (conf or settings(db))["timezone"]
    today = local_day(now, tz)
    since = (local(now, tz).date() - timedelta(days=7)).isoformat()
    sql = STATS_SQL
    if service_ids is not None:
        if not service_ids:
            return {}
        sql += f" WHERE s.id IN ({','.join(str(int(i)) for i in service_ids)})"
    stats: dict[int, dict] = {}
    params = {"today": today, "since": iso(day_start_utc(since, tz)), "n": RECENT_SERVICE_SAMPLE, "now": iso(now)}
    for row in db.conn.execute(sql, params):
        sid, default_minutes, quota, waiting, issued, open_counters, recent, held = row
        stats[sid] = {
            "waiting": waiting,
            "issued_today": issued or 0,
            "open_counters": open_counters,
            # julianday() arithmetic carries float noise; a hundredth of a minute is plenty
            "avg_service_minutes": default_minutes if recent is None else max(round(recent, 2), 0.5),
            "quota": quota,
            "held": held,
        }
    return stats


def estimate_minutes(stat: dict, ahead: int, counters: int | None = None) -> int | None:
    """Ahead × recent average service time ÷ the open counters that can call the ticket; None when
    none is open (nobody can say when one opens)."""
    counters = stat["open_counters"] if counters is None else counters
    if not counters:
        return None
    return math.ceil(ahead * stat["avg_service_minutes"] / counters)


def ahead_of(db: Database, ticket: dict, now: datetime, conf: dict | None = None) -> int:
    """How many calls the counters that can call this waiting ticket make before it (see `line_up`)."""
    place = places_in_line(db, [ticket], now, conf or settings(db)).get(ticket["id"])
    return place.ahead if place else 0


def estimated_wait(db: Database, ticket: dict, now: datetime, conf: dict | None = None) -> tuple[int, int | None]:
    if ticket["status"] != "waiting":
        return 0, None
    conf = conf or settings(db)
    place = places_in_line(db, [ticket], now, conf).get(ticket["id"])
    stat = service_stats(db, now, [ticket["service_id"]], conf).get(ticket["service_id"])
    if place is None or stat is None:
        return 0, None
    return place.ahead, estimate_minutes(stat, place.ahead, place.open_counters)


def current_of(db: Database, counter_id: int) -> dict | None:
    return _current(db, counter_id)


def current_tickets(db: Database, counter_ids: list[int] | None = None) -> dict[int, dict]:
    """The ticket in front of each counter, for many counters in one statement."""
    sql = "SELECT * FROM tickets WHERE status IN ('called', 'serving') AND held = 0 AND counter_id IS NOT NULL"
    if counter_ids is not None:
        if not counter_ids:
            return {}
        sql += f" AND counter_id IN ({','.join(str(int(i)) for i in counter_ids)})"
    found: dict[int, dict] = {}
    for row in rows(db, sql + " ORDER BY called_at"):
        found[row["counter_id"]] = row  # the latest call wins, as in _current
    return found


def held_at(db: Database, counter_id: int) -> list[dict]:
    return rows(db, "SELECT * FROM tickets WHERE counter_id = ? AND held = 1 ORDER BY called_at", (counter_id,))


def waiting_for_counter(db: Database, counter_id: int, now: datetime, limit: int = 200) -> list[dict]:
    """The counter's waiting list in the order call-next would take it (priority first, then time)."""
    today = local_day(now, settings(db)["timezone"])
    return rows(
        db,
        "SELECT * FROM tickets WHERE status = 'waiting' AND issued_on = ?"
        " AND service_id IN (SELECT service_id FROM counter_services WHERE counter_id = ?)"
        " ORDER BY priority DESC, queued_at, id LIMIT ?",
        (today, counter_id, limit),
    )


# ---------------------------------------------------------------- place in line


class Waiting(NamedTuple):
    """A waiting ticket as call-next sees it. A tuple whose order is the line's (queued_at, then id), so a
    long line sorts and its heads compare as plain tuples: a day's line is read into thousands of these."""

    queued_at: str
    id: int
    service_id: int
    priority: int  # 1 urgent, 0 regular, as the row has it (only its truth is read)


@dataclass
class Caller:
    """A counter as call-next sees it: the services it calls from and, for the interleave policy, the
    regular calls it made since its last priority call today (None: no priority call yet today)."""

    id: int
    services: frozenset[int]
    regulars_since_priority: int | None = None


def line_up(waiting: list[Waiting], callers: list[Caller], conf: dict, now: datetime) -> dict[int, int]:
    """How many calls the counters that serve each ticket make before they call it.

    The promise: with the clock stopped at `now`, no new ticket, no transfer and no counter changing
    state, if these counters press call-next in turn (in the order given, a counter with nothing to call
    passing), then ticket T is called after exactly `line_up(...)[T]` calls made by the counters that
    serve T's service (calls by counters that cannot call T do not delay it and are not counted).
    A ticket no counter here can call is left out. Pure: the same rule as `next_for_counter`, on rows.
    """
    return _simulate(waiting, callers, conf, now, frozenset())[0]


def _simulate(
    waiting: list[Waiting], callers: list[Caller], conf: dict, now: datetime, newcomers: frozenset[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """`line_up`, and for each service in `newcomers` the place a regular ticket taken now would get.

    A newcomer is the newest regular ticket but for bookings whose slot is still ahead. Until a counter
    would call it, the line runs exactly as without it; the first turn at which a counter serving its
    service would choose it (no older regular ticket left, and the policy takes a regular one) is its
    place. So one run answers for every service, with nothing added to the line.

    Each pick is `next_for_counter`'s rule (the oldest regular ticket if it is overdue, else the oldest
    urgent one, else the oldest regular one; under interleave a regular one when the counter's urgent
    call is not yet due). It runs once per waiting ticket, so it reads the heads of prepared lists.
    """
    if not callers:
        return {}, {}  # nobody calls: nobody is placed (and a long line is not sorted for nothing)
    cap = int(conf.get("max_regular_wait_minutes") or 0)
    limit = iso(now - timedelta(minutes=cap)) if cap > 0 else None
    interleave = conf.get("priority_policy") == "interleave"
    every = max(int(conf.get("priority_interleave_n") or 1), 1)
    now_at = iso(now)
    groups = None if interleave else _separate_groups(callers)
    if groups is not None:
        return _counted(waiting, groups, limit, now_at, newcomers)
    heads: dict[int, tuple[list, list]] = {}
    for ticket in sorted(waiting, reverse=True):  # each line newest first: [-1] is the oldest, pop() takes it
        heads.setdefault(ticket[2], ([], []))[0 if ticket[3] else 1].append(ticket)
    # Per service, the calls made so far by the counters that serve it: a ticket's place when picked.
    made = dict.fromkeys({s for c in callers for s in c.services}, 0)
    turns = [
        [
            c.regulars_since_priority,
            [heads[s][0] for s in sorted(c.services) if s in heads],
            [heads[s][1] for s in sorted(c.services) if s in heads],
            tuple(c.services),
            [s for s in sorted(c.services) if s in newcomers],
        ]
        for c in callers
    ]  # simulated state, never the caller's own
    places: dict[int, int] = {}
    found: dict[int, int] = {}
    urgent_left = sum(1 for t in waiting if t[3])  # none left (most of a day): no urgent line is looked at
    while turns:
        still = []
        for turn in turns:
            since, urgent_lines, regular_lines, services, watched = turn
            # The heads of the counter's lines, compared in place: this runs once per ticket in the line.
            urgent = None
            if urgent_left:
                for line in urgent_lines:
                    if line and (urgent is None or line[-1] < urgent):
                        urgent = line[-1]
            regular = None
            for line in regular_lines:
                if line and (regular is None or line[-1] < regular):
                    regular = line[-1]
            # A newcomer's turn: nothing older than it left, and (never overdue, it is taken now) no
            # urgent ticket the policy would take first.
            takes_regular = urgent is None or (interleave and since is not None and since < every)
            if watched and takes_regular and (regular is None or regular[0] > now_at):
                for s in watched:
                    found.setdefault(s, made[s])
                turn[4] = []
            if regular is not None and limit is not None and regular[0] <= limit:
                picked = regular  # overdue: the oldest regular ticket is the oldest overdue one
            elif urgent is None or regular is None:
                picked = urgent or regular
                if picked is None:
                    continue  # with nobody arriving, a counter with nothing to call stays so
            elif interleave and since is not None and since < every:
                picked = regular
            else:
                picked = urgent
            places[picked[1]] = made[picked[2]]
            if picked[3]:
                urgent_left -= 1
            heads[picked[2]][0 if picked[3] else 1].pop()
            for s in services:
                made[s] += 1
            if picked[3]:
                turn[0] = 0
            elif since is not None:
                turn[0] = since + 1
            still.append(turn)
        turns = still
    return places, found


def _separate_groups(callers: list[Caller]) -> list[frozenset[int]] | None:
    """The counters' service sets when any two are the same set or share no service (each set then a line
    of its own that every one of its counters calls from whole), or None when two only overlap."""
    return _separate_sets([c.services for c in callers])


def _separate_sets(sets: list[frozenset[int]]) -> list[frozenset[int]] | None:
    groups = list({services for services in sets if services})
    seen: set[int] = set()
    for services in groups:
        if not seen.isdisjoint(services):
            return None
        seen |= services
    return groups


def _counted(
    waiting: list[Waiting], groups: list[frozenset[int]], limit: str | None, now_at: str, newcomers: frozenset[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """`_simulate` under the strict policy for separate groups, by counting instead of playing the calls.

    Every counter of a group calls from the group's whole line, so who calls makes no difference and
    each call counts for every ticket of the group: the group's line is taken as one list — the overdue
    regular tickets (oldest first), then the urgent ones, then the other regular ones — and a ticket's
    place is its index in it. A newcomer comes after every urgent ticket and every regular one taken
    before now (bookings whose slot is still ahead come after it).
    """
    group_of = {s: i for i, services in enumerate(groups) for s in services}
    lines: list[tuple[list, list]] = [([], []) for _ in groups]
    for ticket in sorted(waiting):
        group = group_of.get(ticket[2])
        if group is not None:
            lines[group][0 if ticket[3] else 1].append(ticket)
    places: dict[int, int] = {}
    found: dict[int, int] = {}
    for services, (urgent, regular) in zip(groups, lines, strict=True):
        overdue = bisect_right(regular, (limit, math.inf)) if limit is not None else 0
        for i, ticket in enumerate(regular):
            places[ticket[1]] = i if i < overdue else i + len(urgent)
        for i, ticket in enumerate(urgent):
            places[ticket[1]] = overdue + i
        before_now = bisect_right(regular, (now_at, math.inf))
        found.update({s: len(urgent) + before_now for s in services & newcomers})
    return places, found


# ---------------------------------------------------------------- place in line: reading the rows


class Place(NamedTuple):
    ahead: int  # calls before this ticket by the counters that can call it (see `line_up`)
    open_counters: int  # of those counters, how many are open now (0: none, and `ahead` is the place once they open)


# The counters of the agencies and their waiting tickets of today, in one statement (two shapes of row,
# told apart by the first column). {regulars} is the interleave state `_priority_due` reads, or NULL.
LINE_SQL = (
    "SELECT 'counter', x.id, x.open, x.services, {regulars}, x.agency_id FROM (SELECT c.id, c.agency_id, c.state = 'open' AS open,"
    " (SELECT group_concat(service_id) FROM counter_services WHERE counter_id = c.id) AS services, {last} AS last_priority"
    " FROM counters c WHERE c.agency_id IN ({agencies})) AS x"
    " UNION ALL SELECT 'ticket', t.id, t.service_id, t.priority, t.queued_at, s.agency_id"
    " FROM tickets t JOIN services s ON s.id = t.service_id WHERE t.status = 'waiting' AND t.issued_on = :today"
    " AND t.service_id IN (SELECT id FROM services WHERE agency_id IN ({agencies}))"
)  # the tickets' columns all come from tickets_status_day: a line of thousands is read from the index alone
# As `_priority_due` reads it; the id bound (today's first event, one seek of events_at) keeps the index
# walk to today's calls of the counter instead of its whole history.
LAST_PRIORITY_SQL = (
    "(SELECT max(id) FROM events WHERE counter_id = c.id AND kind = 'called'"
    " AND id >= (SELECT id FROM events WHERE at >= :since ORDER BY at, id LIMIT 1)"
    " AND at >= :since AND json_extract(data, '$.priority') = 1)"
)
REGULARS_SQL = (
    "CASE WHEN x.last_priority IS NULL THEN NULL ELSE (SELECT count(*) FROM events e WHERE e.counter_id = x.id AND e.kind = 'called'"
    " AND e.id > x.last_priority AND json_extract(e.data, '$.priority') = 0) END"
)


@dataclass
class Line:
    """One agency's counters (with whether each is open) and its waiting tickets of today."""

    waiting: list[Waiting]
    counters: list[tuple[Caller, bool]]


def _service_set(text: str | None) -> frozenset[int]:
    """A counter's services as the line statements give them (group_concat: "1,2,5")."""
    return frozenset(int(s) for s in (text or "").split(",") if s)


def _open_by_service(counters) -> dict[int, int]:
    """For (services, open) pairs: how many open counters call each service."""
    found: dict[int, int] = {}
    for services, is_open in counters:
        for s in services if is_open else ():
            found[s] = found.get(s, 0) + 1
    return found


def load_lines(db: Database, agency_ids: set[int], now: datetime, conf: dict) -> dict[int, Line]:
    """The lines of these agencies, in one statement (a counter serves only its agency's services)."""
    if not agency_ids:
        return {}
    tz = conf["timezone"]
    today = local_day(now, tz)
    interleave = conf.get("priority_policy") == "interleave"
    sql = LINE_SQL.format(
        agencies=",".join(str(int(a)) for a in sorted(agency_ids)),
        last=LAST_PRIORITY_SQL if interleave else "NULL",
        regulars=REGULARS_SQL if interleave else "NULL",
    )
    lines = {int(a): Line([], []) for a in agency_ids}
    make = tuple.__new__  # a Waiting without NamedTuple's keyword handling: a third of the cost, thousands a read
    for kind, row_id, a, b, c, agency in db.conn.execute(sql, {"today": today, "since": iso(day_start_utc(today, tz))}):
        line = lines[agency]
        if kind == "ticket":
            line.waiting.append(make(Waiting, (c, row_id, a, b)))
        else:
            line.counters.append((Caller(row_id, _service_set(b), c), bool(a)))
    for line in lines.values():
        line.counters.sort(key=lambda pair: pair[0].id)
    return lines


def places_in_line(db: Database, waiting: list[dict], now: datetime, conf: dict, lines: dict[int, Line] | None = None) -> dict[int, Place]:
    """The place of each of these waiting tickets, as call-next will take them (`line_up`), from one
    read of their agencies' lines (`load_lines`, or the lines given).

    A ticket whose counters are all closed gets its place for when they open (every counter of the
    agency calling; a service without any counter as if it had one) and `open_counters` 0.
    """
    asked = [t for t in waiting if t["status"] == "waiting" and t["issued_on"] == local_day(now, conf["timezone"])]
    if not asked:
        return {}
    agencies = {t["agency_id"] for t in asked}
    lines = lines if lines is not None and agencies <= lines.keys() else load_lines(db, agencies, now, conf)
    places: dict[int, Place] = {}
    for agency in agencies:
        places.update(_place(lines[agency], [t for t in asked if t["agency_id"] == agency], now, conf))
    return places


def _place(line: Line, asked: list[dict], now: datetime, conf: dict, newcomers: frozenset[int] = frozenset()) -> dict:
    """Places of these tickets of one agency's line (and, keyed by -service id, of a newcomer to each of `newcomers`)."""
    opened = [caller for caller, is_open in line.counters if is_open]
    open_by_service = _open_by_service((caller.services, is_open) for caller, is_open in line.counters)
    now_places, now_new = _simulate(line.waiting, opened, conf, now, newcomers)
    make = tuple.__new__  # a Place without NamedTuple's keyword handling: a push places thousands
    places = {t["id"]: make(Place, (now_places[t["id"]], open_by_service.get(t["service_id"], 0))) for t in asked if t["id"] in now_places}
    places.update({-s: Place(n, open_by_service.get(s, 0)) for s, n in now_new.items()})
    later = [t for t in asked if t["id"] not in now_places]
    later_new = frozenset(s for s in newcomers if s not in now_new)
    if later or later_new:
        # Nobody can call these now: their place once every counter (and each counterless service) calls.
        served = {s for caller, _open in line.counters for s in caller.services}
        everyone = [caller for caller, _open in line.counters]
        everyone += [Caller(-s, frozenset([s])) for s in sorted(({t["service_id"] for t in later} | later_new) - served)]
        when_open, when_new = _simulate(line.waiting, everyone, conf, now, later_new)
        places.update({t["id"]: Place(when_open.get(t["id"], 0), 0) for t in later})
        places.update({-s: Place(n, 0) for s, n in when_new.items()})
    return places


# One agency's counters (kind 0: whether open, the services it calls) and its waiting tickets of today
# in figures per service and kind (kind 1: urgent or not, how many, how many taken up to now, how many
# overdue, and {before} how many before each asked ticket in line order) — one statement, from
# tickets_status_day without reading a row.
COUNTED_SQL = (
    "SELECT 0, c.state = 'open', (SELECT group_concat(service_id) FROM counter_services WHERE counter_id = c.id), 0, 0, 0{zeros}"
    " FROM counters c WHERE c.agency_id = :agency"
    " UNION ALL SELECT 1, service_id, priority <> 0, count(*), count(*) FILTER (WHERE queued_at <= :now),"
    " count(*) FILTER (WHERE queued_at <= :limit){before}"
    " FROM tickets WHERE status = 'waiting' AND issued_on = :today"
    " AND service_id IN (SELECT id FROM services WHERE agency_id = :agency) GROUP BY service_id, priority <> 0"
)
BEFORE = ", count(*) FILTER (WHERE queued_at < :q{n} OR (queued_at = :q{n} AND id < :id{n}))"
COUNT, TAKEN, OVERDUE, BEFORE_ASKED = 0, 1, 2, 3  # the figures' columns after kind, service and urgency
# An agency whose counters overlap is not counted again for this long: its line is read and played
# straight away, without a statement spent finding that out. Only the way is remembered, never a
# place: a stale hint costs a line read, not a wrong answer.
OVERLAP_SECONDS = 60.0
_overlapping: dict[tuple[str | None, int], float] = {}  # (database, agency id) -> until when (time.monotonic())


def counted_places(
    db: Database, agency_id: int, asked: list[dict], newcomers: frozenset[int], now: datetime, conf: dict
) -> dict[int, Place] | None:
    """`_place` for one agency without reading its line: the places `_counted` gives, counted by SQLite
    over the index (tens of nanoseconds a ticket instead of a row read into Python), for a few asked
    tickets (rows with id, service_id, priority, queued_at) and newcomers to services. Only where
    `_counted` answers — the strict policy, and the counters (the open ones; for tickets nobody open
    serves, all of them) in separate groups; None elsewhere, and the caller plays the line instead."""
    hint = (getattr(db, "path", None), agency_id)
    if conf.get("priority_policy") == "interleave" or _overlapping.get(hint, 0.0) > time.monotonic():
        return None
    cap = int(conf.get("max_regular_wait_minutes") or 0)
    limit = iso(now - timedelta(minutes=cap)) if cap > 0 else ""  # "" precedes every time: nothing overdue
    bound: dict = {"agency": agency_id, "now": iso(now), "limit": limit, "today": local_day(now, conf["timezone"])}
    for n, ticket in enumerate(asked):
        bound.update({f"q{n}": ticket["queued_at"], f"id{n}": ticket["id"]})
    sql = COUNTED_SQL.format(zeros=", 0" * len(asked), before="".join(BEFORE.format(n=n) for n in range(len(asked))))
    counters: list[tuple[frozenset[int], bool]] = []
    figures: dict[tuple[int, bool], tuple] = {}  # (service, urgent) -> (count, taken by now, overdue, before asked 0, 1, …)
    for kind, a, b, *counts in db.conn.execute(sql, bound):
        if kind == 0:
            counters.append((_service_set(b), bool(a)))
        else:
            figures[(a, bool(b))] = counts
    open_by_service = _open_by_service(counters)
    now_groups = _separate_sets([services for services, is_open in counters if is_open])
    if now_groups is None:
        _overlapping[hint] = time.monotonic() + OVERLAP_SECONDS
        return None
    group_now = {s: g for g in now_groups for s in g}
    later = {t["service_id"] for t in asked if t["service_id"] not in group_now} | {s for s in newcomers if s not in group_now}
    group_later: dict[int, frozenset[int]] = {}
    if later:
        # Nobody open calls these: their place once every counter (and each counterless service) calls.
        served = {s for services, _open in counters for s in services}
        everyone = _separate_sets([services for services, _open in counters] + [frozenset([s]) for s in later - served])
        if everyone is None:
            _overlapping[hint] = time.monotonic() + OVERLAP_SECONDS
            return None
        group_later = {s: g for g in everyone for s in g}

    def summed(group: frozenset[int], urgent: bool, column: int) -> int:
        return sum(figures[(s, urgent)][column] for s in group if (s, urgent) in figures)

    places: dict[int, Place] = {}
    for n, ticket in enumerate(asked):
        service = ticket["service_id"]
        group = group_now.get(service) or group_later[service]
        before = summed(group, bool(ticket["priority"]), BEFORE_ASKED + n)
        # as `_counted` lists the line: overdue regular tickets, the urgent ones, the other regular ones
        if ticket["priority"]:
            ahead = summed(group, False, OVERDUE) + before
        else:
            ahead = before if ticket["queued_at"] <= limit else before + summed(group, True, COUNT)
        places[ticket["id"]] = Place(ahead, open_by_service.get(service, 0) if service in group_now else 0)
    for service in newcomers:
        group = group_now.get(service) or group_later[service]
        places[-service] = Place(
            summed(group, True, COUNT) + summed(group, False, TAKEN), open_by_service.get(service, 0) if service in group_now else 0
        )
    return places


def new_ticket_places(lines: dict[int, Line], services: list[dict], now: datetime, conf: dict) -> dict[int, Place]:
    """Where a regular ticket taken now would stand in each of these services (rows with id and
    agency_id): what a kiosk's service card can honestly promise before the citizen takes one."""
    places: dict[int, Place] = {}
    for agency in {s["agency_id"] for s in services}:
        if agency in lines:
            wanted = frozenset(s["id"] for s in services if s["agency_id"] == agency)
            found = _place(lines[agency], [], now, conf, wanted)
            places.update({s: found[-s] for s in wanted if -s in found})
    return places
