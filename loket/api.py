"""The core's JSON API every role shares: health, the MPP, tickets and their messages, login.

Each role's own endpoints live in its folder (the officer's counter actions in counter/api.py).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import Blueprint, current_app

from . import auth, inputs, issuing, notify, serializers, tickets
from .db import get_db, settings
from .errors import LoketError, request_lang
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
