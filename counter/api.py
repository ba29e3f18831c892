"""The officer's actions and the console's JSON (every URL under /api): call the next ticket and the other
counter actions, open, pause or close a counter, today's figures, closure requests and live standards.

Each view validates, calls one rule in loket/tickets.py or loket/management.py and answers JSON; the
rule says what happened, and the emitter broadcasts it after the commit (loket/events.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, request
from sqlite_utils import Database

from loket import auth, inputs, management, serializers, standards, tickets
from loket.db import get_db, one, settings
from loket.errors import LoketError
from loket.i18n import N_
from loket.timeutil import day_start_utc, iso, local_day

bp = Blueprint("counter_api", __name__, url_prefix="/api")

STAFF_ROLES = ("supervisor", "admin")


def clock() -> datetime:
    return current_app.config["CLOCK"]()


# ---------------------------------------------------------------- the counter's actions


def _counter_action(counter_id: int) -> tuple:
    user = auth.require_user()
    counter = auth.counter_for(user, counter_id)
    return get_db(), clock(), user, counter


def _expected_current(data: dict) -> object:
    """The console's "expected_ticket_id" (null = nothing in front of the counter); absent = no check."""
    if "expected_ticket_id" not in data:
        return tickets.UNCHECKED
    return inputs.integer(data, "expected_ticket_id", required=False)


@bp.get("/counters/<int:counter_id>")
def counter_detail(counter_id: int):
    db, now, _user, counter = _counter_action(counter_id)
    loaded = serializers.Loaded(db, now)
    return {
        "counter": serializers.counter_json(db, counter, now, loaded=loaded),
        "waiting": serializers.tickets_json(db, tickets.waiting_for_counter(db, counter_id, now), now, loaded=loaded),
        "held": serializers.tickets_json(db, tickets.held_at(db, counter_id), now, loaded=loaded),
    }


def _answer(db, now, ticket: dict | None) -> dict:
    """A counter action's answer; its broadcasts were said by the rule and go out after the commit."""
    return {"ticket": serializers.ticket_json(db, ticket, now, private=False) if ticket else None}


@bp.post("/counters/<int:counter_id>/call-next")
def call_next(counter_id: int):
    db, now, user, _counter = _counter_action(counter_id)
    expected = _expected_current(inputs.body())
    called, _finished = tickets.call_next(db, counter_id, now, user["id"], expected=expected)
    return _answer(db, now, called)


@bp.post("/counters/<int:counter_id>/call")
def call_number(counter_id: int):
    """Call a specific number (a returning no-show, an appointment)."""
    db, now, user, _counter = _counter_action(counter_id)
    data = inputs.body()
    number = inputs.text(data, "number", required=True, max_length=20)
    expected = _expected_current(data)
    called, _finished = tickets.call_ticket(db, counter_id, number, now, user["id"], expected=expected)
    return _answer(db, now, called)


@bp.post("/counters/<int:counter_id>/recall")
def recall(counter_id: int):
    db, now, user, _counter = _counter_action(counter_id)
    return _answer(db, now, tickets.recall(db, counter_id, now, user["id"]))


def _simple_action(counter_id: int, rule):
    db, now, user, _counter = _counter_action(counter_id)
    return _answer(db, now, rule(db, counter_id, now, user["id"]))


@bp.post("/counters/<int:counter_id>/start")
def start(counter_id: int):
    return _simple_action(counter_id, tickets.start)


@bp.post("/counters/<int:counter_id>/complete")
def complete(counter_id: int):
    return _simple_action(counter_id, tickets.complete)


@bp.post("/counters/<int:counter_id>/no-show")
def no_show(counter_id: int):
    return _simple_action(counter_id, tickets.no_show)


@bp.post("/counters/<int:counter_id>/hold")
def hold(counter_id: int):
    return _simple_action(counter_id, tickets.hold)


@bp.post("/counters/<int:counter_id>/resume")
def resume(counter_id: int):
    db, now, user, _counter = _counter_action(counter_id)
    ticket_id = inputs.integer(inputs.body(), "ticket_id")
    return _answer(db, now, tickets.resume(db, counter_id, ticket_id, now, user["id"]))


@bp.post("/counters/<int:counter_id>/transfer")
def transfer(counter_id: int):
    db, now, user, _counter = _counter_action(counter_id)
    data = inputs.body()
    service_id = inputs.integer(data, "service_id")
    note = inputs.text(data, "note", max_length=500)
    ticket, _left = tickets.transfer(db, counter_id, service_id, now, user["id"], note)
    return _answer(db, now, ticket)


def _set_state(counter_id: int, state: str, data: dict | None = None):
    """Open, pause or close. A pause or closure may say why: {"reason", "note", "until": "HH:MM"}
    (absent: "lainnya"); a long closure in the counter's hours becomes a request (202) instead."""
    db, now, user, _counter = _counter_action(counter_id)
    data = data or {}
    if state == "open":
        counter = tickets.set_counter_state(db, counter_id, state, now, user["id"])
        return {"counter": serializers.counter_json(db, counter, now)}
    reason = inputs.text(data, "reason", max_length=32) or None
    note = inputs.text(data, "note", max_length=200)
    until = inputs.hhmm(data, "until") if not inputs.blank(data.get("until")) else None
    if state == "paused":
        counter = management.pause(db, counter_id, now, user, reason, note, until)
        return {"counter": serializers.counter_json(db, counter, now)}
    if state != "closed":
        raise LoketError("invalid_field", field="state", reason=N_("pilih salah satu: {options}"), options="open, paused, closed")
    counter, request = management.close(db, counter_id, now, user, reason, note, until, inputs.boolean(data, "rest_of_day"))
    answer = {"counter": serializers.counter_json(db, counter, now), "closure_request": request}
    return (answer, 202) if request else answer


@bp.post("/counters/<int:counter_id>/state")
def counter_state(counter_id: int):
    data = inputs.body()
    return _set_state(counter_id, inputs.text(data, "state", required=True, max_length=10), data)


@bp.post("/counters/<int:counter_id>/open")
def open_counter(counter_id: int):
    return _set_state(counter_id, "open")


@bp.post("/counters/<int:counter_id>/pause")
def pause_counter(counter_id: int):
    return _set_state(counter_id, "paused", inputs.body())


@bp.post("/counters/<int:counter_id>/close")
def close_counter(counter_id: int):
    return _set_state(counter_id, "closed", inputs.body())


@bp.get("/counter-reasons")
def counter_reasons():
    """The reasons a counter may pause or close for, as the admin keeps them (labels in both languages)."""
    auth.require_user()
    return {"items": management.reasons(get_db())}


@bp.post("/tickets/<int:ticket_id>/requeue")
@auth.login_required()
def requeue(ticket_id: int):
    db = get_db()
    now = clock()
    found = one(db, "SELECT agency_id FROM tickets WHERE id = ?", (ticket_id,))
    if found is None:
        raise LoketError("ticket_not_found")
    user = auth.current_user()
    if not auth.can_act_for_agency(user, found["agency_id"]):
        raise LoketError("forbidden")
    ticket = tickets.requeue(db, ticket_id, now, user["id"])
    return {"ticket": serializers.ticket_json(db, ticket, now, private=False)}


# ---------------------------------------------------------------- today's figures


def today_stats(db: Database, now: datetime, *, user_id: int | None = None, counter_id: int | None = None) -> dict:
    """Today's served, no-shows, transfers and average service time, from the event log (local day)."""
    tz = settings(db)["timezone"]
    day = local_day(now, tz)
    start = day_start_utc(day, tz)
    params = {"since": iso(start), "until": iso(start + timedelta(days=1)), "user": user_id, "counter": counter_id}
    scope = " AND (:user IS NULL OR e.user_id = :user) AND (:counter IS NULL OR e.counter_id = :counter)"
    counts = {
        row["kind"]: row["n"]
        for row in db.query(
            "SELECT e.kind, count(*) AS n FROM events e WHERE e.at >= :since AND e.at < :until"
            " AND e.kind IN ('called', 'completed', 'no_show', 'transferred')" + scope + " GROUP BY e.kind",
            params,
        )
    }
    # Service time is finished − started of each ticket this officer/counter completed; a ticket
    # completed without "Mulai layani" counts from its call (tickets.complete sets started_at so).
    service = one(
        db,
        "SELECT avg((julianday(t.finished_at) - julianday(t.started_at)) * 1440) AS minutes FROM events e"
        " JOIN tickets t ON t.id = e.ticket_id WHERE e.at >= :since AND e.at < :until AND e.kind = 'completed'"
        " AND t.status = 'done' AND t.started_at IS NOT NULL" + scope,
        params,
    )
    minutes = service["minutes"] if service else None
    return {
        "date": day,
        "called": counts.get("called", 0),
        "served": counts.get("completed", 0),
        "no_shows": counts.get("no_show", 0),
        "transferred": counts.get("transferred", 0),
        "average_service_minutes": None if minutes is None else round(max(minutes, 0), 1),
    }


@bp.get("/me/today")
def my_today():
    """The logged-in officer's own day, across every counter they worked."""
    user = auth.require_user()
    return {"today": today_stats(get_db(), clock(), user_id=user["id"])}


@bp.get("/counters/<int:counter_id>/today")
def counter_today(counter_id: int):
    """One counter's day, all officers together (its own agency, or admin)."""
    user = auth.require_user()
    auth.counter_for(user, counter_id)
    return {"today": today_stats(get_db(), clock(), counter_id=counter_id)}


# ---------------------------------------------------------------- closures and standards (issue 24)


def _staff_scope() -> tuple[dict, int | None]:
    """A supervisor sees their own agency; the admin every agency (or one, with ?agency_id=)."""
    user = auth.require_user(*STAFF_ROLES)
    if user["role"] == "admin":
        return user, inputs.integer(dict(request.args), "agency_id", required=False)
    return user, user["agency_id"]


@bp.get("/closure-requests")
def closure_requests():
    """Closure requests of the agency (admin: all), newest first; ?status=pending|approved|rejected, ?date=."""
    _user, agency_id = _staff_scope()
    args = dict(request.args)
    status = inputs.choice(args, "status", management.REQUEST_STATUSES, required=False)
    day = inputs.text(args, "date", max_length=10) or None
    return {"items": management.requests(get_db(), agency_id, status, day)}


@bp.get("/counters/<int:counter_id>/closure-requests")
def counter_closure_requests(counter_id: int):
    """Today's closure requests of one counter, for its officer's console (the answer and its note)."""
    user = auth.require_user()
    auth.counter_for(user, counter_id)
    db = get_db()
    today = local_day(clock(), settings(db)["timezone"])
    return {"items": management.requests(db, day=today, counter_id=counter_id)}


@bp.post("/closure-requests/<int:request_id>/approve")
def approve_closure(request_id: int):
    user = auth.require_user(*STAFF_ROLES)
    note = inputs.text(inputs.body(), "note", max_length=500)
    return {"request": management.approve(get_db(), request_id, clock(), user, note)}


@bp.post("/closure-requests/<int:request_id>/reject")
def reject_closure(request_id: int):
    user = auth.require_user(*STAFF_ROLES)
    note = inputs.text(inputs.body(), "note", required=True, max_length=500)
    return {"request": management.reject(get_db(), request_id, clock(), user, note)}


@bp.get("/standards/live")
def standards_live():
    """Per service now: waiting beyond its target, the longest wait, the projection to closing, open alerts."""
    _user, agency_id = _staff_scope()
    db = get_db()
    now = clock()
    return {"at": iso(now), "services": standards.standings(db, now, agency_id), "alerts": standards.open_alerts(db, agency_id)}
