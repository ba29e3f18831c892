"""The public JSON API: validate, call one queue rule, broadcast after the commit, answer JSON."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import Blueprint, current_app

from . import auth, inputs, issuing, management, notify, serializers, tickets
from .db import get_db, one, settings
from .errors import LoketError, request_lang
from .i18n import N_
from .ratelimit import clear, hit, refuse_over

bp = Blueprint("api", __name__, url_prefix="/api")

LOGIN_ATTEMPTS = 10  # per username and address, per 5 minutes
# Failed logins per address across every username (password spraying; each try costs a scrypt hash).
# An MPP's officers share one office address: 20 typos in 5 minutes is far above what they make.
LOGIN_FAILURES_PER_ADDRESS = 20


def clock() -> datetime:
    return current_app.config["CLOCK"]()


client_address = issuing.client_address


@bp.get("/health")
def health():
    """Ready (200, "ok" or "degraded" with reasons) or not (503): loket/health.py says what is checked."""
    from . import health as checks

    body, status = checks.report(get_db())
    return body, status


@bp.get("/mpp")
def mpp():
    return serializers.mpp_json(get_db())


@bp.get("/agencies")
def agencies():
    return serializers.agencies_json(get_db(), clock())


@bp.get("/counters")
def counters():
    agency_id = inputs.integer(inputs.query(), "agency_id", required=False)
    db = get_db()
    rows = serializers.counters_json(db, clock(), agency_id)
    # The lobby needs the counter and its state, not who works there, unless the MPP opts in.
    if auth.current_user() is None:
        rows = serializers.lobby_counters({"counters": rows}, settings(db))["counters"]
    return rows


# ---------------------------------------------------------------- tickets


@bp.post("/tickets")
def issue_ticket():
    """Staff and paired kiosks issue as they always did; anyone else gets the phone rules (loket/issuing.py)."""
    return issuing.issue_from_request(inputs.body(), "api"), 201


@bp.get("/tickets/<token>")
def ticket(token: str):
    db = get_db()
    found = tickets.by_token(db, token)
    return {**serializers.ticket_json(db, found, clock()), "notify": notify.subscription_json(notify.subscription_of(db, found["id"]))}


@bp.get("/notify")
def notify_channels():
    """Which channels the MPP set up: the opt-in on the kiosk and the ticket page offers only these."""
    return {"channels": notify.enabled_channels(settings(get_db()))}


NOTIFY_PER_ADDRESS = 10  # numbers one address may sign up per hour: a kiosk serves many, a spammer is stopped
NOTIFY_PER_KIOSK = 120  # … and a kiosk's tickets from the kiosk's own address, a busy hour's opt-ins
NOTIFY_PER_NUMBER = 3  # tickets one number may be signed up for per hour: nobody floods a stranger's phone


def phone_bucket(phone: str) -> str:
    """A rate-limit bucket for a number that does not hold the number (the table outlives the day)."""
    key = current_app.config["SECRET_KEY"]
    return "notify-number:" + hmac.new(str(key).encode(), phone.encode(), hashlib.sha256).hexdigest()[:24]


@bp.post("/tickets/<token>/notify")
def notify_ticket(token: str):
    """The ticket's holder asks for SMS or WhatsApp messages (consent given where the number was typed)."""
    data = inputs.body()
    phone = inputs.phone(data)
    channel = inputs.choice(data, "channel", notify.CHANNELS, required=False, default="sms")
    db = get_db()
    now = clock()
    ticket = tickets.by_token(db, token)
    # A kiosk is one address for a hall full of citizens; a phone or a script is one person.
    per_address = NOTIFY_PER_KIOSK if ticket["source"] == "kiosk" and ticket["kiosk_id"] else NOTIFY_PER_ADDRESS
    hit(db, f"notify-address:{client_address()}", per_address, 3600, now)
    hit(db, phone_bucket(phone), NOTIFY_PER_NUMBER, 3600, now)
    row = notify.subscribe(db, token, phone, channel, request_lang(), now)
    return {"notify": notify.subscription_json(row)}


@bp.delete("/tickets/<token>/notify")
def stop_notify(token: str):
    db = get_db()
    ticket = notify.unsubscribe(db, token, clock())
    return {"notify": notify.subscription_json(notify.subscription_of(db, ticket["id"]))}


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
