"""The public JSON API: validate, call one queue rule, broadcast after the commit, answer JSON."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, request

from . import auth, inputs, realtime, serializers, tickets
from .db import get_db, one, settings
from .errors import LoketError
from .ratelimit import clear, hit, refuse_over

bp = Blueprint("api", __name__, url_prefix="/api")

LOGIN_ATTEMPTS = 10  # per username and address, per 5 minutes
# Failed logins per address across every username (password spraying; each try costs a scrypt hash).
# An MPP's officers share one office address: 20 typos in 5 minutes is far above what they make.
LOGIN_FAILURES_PER_ADDRESS = 20


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def client_address() -> str:
    return request.remote_addr or "unknown"


@bp.get("/health")
def health():
    """Ready (200, "ok" or "degraded" with reasons) or not (503): loket/health.py says what is checked."""
    from . import health as checks

    body, status = checks.report(get_db())
    return body, status


@bp.get("/mpp")
def mpp():
    return realtime.mpp_json(get_db())


@bp.get("/agencies")
def agencies():
    return serializers.agencies_json(get_db(), clock())


@bp.get("/counters")
def counters():
    agency_id = request.args.get("agency_id", type=int)
    db = get_db()
    rows = serializers.counters_json(db, clock(), agency_id)
    # The lobby needs the counter and its state, not who works there, unless the MPP opts in.
    if auth.current_user() is None and settings(db).get("public_officer_names") != "1":
        rows = [{**c, "officer": None} for c in rows]
    return rows


# ---------------------------------------------------------------- tickets


def issue_from_request(data: dict, source: str) -> dict:
    """Shared by the kiosk, the phone page and the API: validates, issues, prints, broadcasts."""
    db = get_db()
    now = clock()
    service_id = inputs.integer(data, "service_id")
    priority = inputs.boolean(data, "priority")
    reason = inputs.text(data, "priority_reason", max_length=20) or None
    kiosk_id = inputs.integer(data, "kiosk_id", required=False)
    kiosk = None
    if kiosk_id is not None:
        kiosk = one(db, "SELECT * FROM kiosks WHERE id = ?", (kiosk_id,))
        if kiosk is None:
            raise LoketError("invalid_field", field="kiosk_id", reason="kios tidak terdaftar")
    user = auth.current_user()
    granted_by = None
    if priority:
        if reason not in tickets.PRIORITY_REASONS:
            raise LoketError("invalid_priority_reason")
        if user is not None:
            granted_by = f"user:{user['username']}"
        elif settings(db)["self_priority"] == "1":
            granted_by = f"kiosk:{kiosk['name']}" if kiosk else f"self:{source}"
        else:
            raise LoketError("self_priority_disabled")
    ticket = tickets.issue(
        db, service_id, now, priority=priority, priority_reason=reason, granted_by=granted_by, kiosk_id=kiosk_id, source=source
    )
    # Paper comes off the request path: the answer (printed: null) and the lobby never wait for a
    # printer; the outcome reaches the kiosk as `ticket_printed`.
    printer = current_app.extensions.get("loket_printer")
    if kiosk is not None and printer is not None:
        printer(ticket, kiosk, serializers.public_base_url())
    return serializers.ticket_json(db, ticket, now)


@bp.post("/tickets")
def issue_ticket():
    data = inputs.body()
    return issue_from_request(data, "kiosk" if data.get("kiosk_id") else "api"), 201


@bp.get("/tickets/<token>")
def ticket(token: str):
    db = get_db()
    return serializers.ticket_json(db, tickets.by_token(db, token), clock())


@bp.post("/tickets/<token>/cancel")
def cancel_ticket(token: str):
    db = get_db()
    now = clock()
    ticket = tickets.cancel(db, token, now)
    return serializers.ticket_json(db, ticket, now)


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


# ---------------------------------------------------------------- login


@bp.post("/login")
def login():
    data = inputs.body()
    username = inputs.text(data, "username", required=True, max_length=64)
    password = inputs.text(data, "password", required=True, max_length=200)
    db = get_db()
    now = clock()
    bucket = f"login:{username.lower()}:{client_address()}"
    failures = f"login-failures:{client_address()}"
    refuse_over(db, failures, LOGIN_FAILURES_PER_ADDRESS, 300, now)
    hit(db, bucket, LOGIN_ATTEMPTS, 300, now)
    try:
        user = auth.authenticate(db, username, password)
    except LoketError:
        hit(db, failures, LOGIN_FAILURES_PER_ADDRESS + 1, 300, now)
        raise
    clear(db, bucket)
    auth.login(user, now)
    return {"user": auth.user_json(user)}


@bp.post("/logout")
def logout():
    auth.logout()
    return {"ok": True}


@bp.get("/me")
@auth.login_required()
def me():
    return {"user": auth.user_json(auth.current_user())}


# ---------------------------------------------------------------- counters


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


def _set_state(counter_id: int, state: str):
    db, now, user, _counter = _counter_action(counter_id)
    counter = tickets.set_counter_state(db, counter_id, state, now, user["id"])
    return {"counter": serializers.counter_json(db, counter, now)}


@bp.post("/counters/<int:counter_id>/state")
def counter_state(counter_id: int):
    return _set_state(counter_id, inputs.text(inputs.body(), "state", required=True, max_length=10))


@bp.post("/counters/<int:counter_id>/open")
def open_counter(counter_id: int):
    return _set_state(counter_id, "open")


@bp.post("/counters/<int:counter_id>/pause")
def pause_counter(counter_id: int):
    return _set_state(counter_id, "paused")


@bp.post("/counters/<int:counter_id>/close")
def close_counter(counter_id: int):
    return _set_state(counter_id, "closed")
