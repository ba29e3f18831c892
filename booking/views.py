"""Booking pages (/reservasi/, /reservasi/<token>) and endpoints: slots, book, cancel, check-in, the report.

Each view validates, calls one rule in loket/bookings.py, pushes after the commit and answers JSON.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from flask import Blueprint, current_app, make_response, render_template, request
from flask_socketio import emit, join_room, leave_room, rooms

from loket import auth, bookings, csvout, inputs, issuing, notify, serializers
from loket.db import get_db, one, settings, transaction
from loket.errors import LoketError, request_lang
from loket.events import slots_room
from loket.i18n import N_, current_language
from loket.qr import qr_svg
from loket.ratelimit import hit, refuse_over
from loket.realtime import socketio
from loket.timeutil import local_day

bp = Blueprint("booking", __name__, url_prefix="/reservasi", template_folder="templates", static_folder="static")
api = Blueprint("booking_api", __name__, url_prefix="/api")
blueprints = (bp, api)

# (bookings, seconds): only bookings actually made count, as for phone tickets; one address may be a
# whole MPP's guest Wi-Fi behind NAT, so its ceiling is wide. "address_service_day": (bookings of one
# service and day from one address, -): a script cannot hoard a day's places with fresh cookies.
# "check_in_misses": wrong booking codes per kiosk and per address before a 429 (codes cannot be guessed).
DEFAULT_LIMITS = {"device": (5, 3600), "address": (100, 3600), "address_service_day": (10, 0), "check_in_misses": (10, 60)}


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def limits() -> dict:
    return {**DEFAULT_LIMITS, **current_app.config.get("BOOKING_LIMITS", {})}


def status_url(token: str) -> str:
    return f"{serializers.public_base_url()}/reservasi/{token}"


def booking_answer(db, booking: dict, now: datetime) -> dict:
    """The booking JSON with its page's address and, once checked in, its ticket."""
    data = bookings.booking_json(db, booking, now)
    data["status_url"] = status_url(booking["token"])
    data["ticket"] = None
    if booking["ticket_id"]:
        ticket = one(db, "SELECT * FROM tickets WHERE id = ?", (booking["ticket_id"],))
        data["ticket"] = serializers.ticket_json(db, ticket, now) if ticket else None
    return data


# ---------------------------------------------------------------- pages


@bp.get("/")
def booking_page():
    db = get_db()
    today = local_day(clock(), settings(db)["timezone"])
    issuing.device_id()  # the phone keeps one id from this page to its bookings
    # The agencies ride in the page (what GET /api/agencies answers): one round trip less on a weak phone.
    agencies = serializers.agencies_json(db, clock())
    return render_template("booking/book.html", mpp=serializers.mpp_json(db), today=today, agencies=agencies)


@bp.get("/poster")
def poster_page():
    """A printable poster for beside the kiosk: the QR of /reservasi/ and the three steps."""
    db = get_db()
    url = f"{serializers.public_base_url()}/reservasi/"
    services = [
        r["name"]
        for r in db.query(
            "SELECT s.name FROM services s JOIN agencies a ON a.id = s.agency_id"
            " WHERE s.booking_enabled = 1 AND s.active = 1 AND a.active = 1 ORDER BY a.sort_order, s.sort_order"
        )
    ]
    return render_template("booking/poster.html", mpp=serializers.mpp_json(db), qr=qr_svg(url), url=url, services=services)


@bp.get("/<token>")
def status_page(token: str):
    db = get_db()
    try:
        booking = bookings.by_token(db, token)
    except LoketError:
        return render_template("booking/missing.html", mpp=serializers.mpp_json(db)), 404
    data = booking_answer(db, booking, clock())
    page = render_template("booking/status.html", booking=data, qr=qr_svg(data["code"]), mpp=serializers.mpp_json(db))
    response = make_response(page)
    # The address is the key to the booking (and its cancel button): no shared caches, no Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------- the citizen's API


@api.get("/bookings/slots")
def get_slots():
    args = inputs.query()
    service_id = inputs.integer(args, "service_id")
    day = inputs.day(args, "date")
    return bookings.slots(get_db(), service_id, day, clock())


@api.get("/bookings/days")
def get_days():
    """The days a service can be booked, each with its places left (the phone's day picker)."""
    service_id = inputs.integer(inputs.query(), "service_id")
    return bookings.days(get_db(), service_id, clock())


@api.post("/bookings")
def create_booking():
    db = get_db()
    now = clock()
    lim = limits()
    device = issuing.device_id()
    address = issuing.client_address()
    buckets = [(f"booking:{device}:{address}", *lim["device"]), (f"booking-address:{address}", *lim["address"])]
    data = inputs.body()
    service_id = inputs.integer(data, "service_id")
    day = inputs.day(data, "date")
    start = inputs.hhmm(data, "start")
    name = inputs.text(data, "name", required=True, max_length=100)
    if len(name) < 2:
        raise LoketError("invalid_field", field="name", reason=N_("minimal 2 huruf"))
    phone = inputs.text(data, "phone", required=True, max_length=20)
    nik = inputs.text(data, "nik", max_length=20) or None
    secret = current_app.config["SECRET_KEY"]
    wants_messages = inputs.boolean(data, "notify")  # the consent box beside the phone field
    channel = inputs.choice(data, "notify_channel", notify.CHANNELS, required=False, default="sms")
    if wants_messages and channel not in notify.enabled_channels(settings(db)):
        raise LoketError("notify_unavailable")
    # Counted in the booking's own transaction: only bookings made count, and six at once against a
    # limit of five cannot all pass a check made before it.
    with transaction(db):
        for bucket, allowed, window in buckets:
            hit(db, bucket, allowed, window, now)
        booking = bookings.book(
            db,
            service_id,
            day,
            start,
            name,
            phone,
            now,
            nik=nik,
            secret=secret,
            client=bookings.client_key(address, secret),
            per_client=lim["address_service_day"][0],
            notify_channel=channel if wants_messages else None,
            lang=request_lang(),
        )
    return booking_answer(db, booking, now), 201


@api.get("/bookings/<token>")
def get_booking(token: str):
    db = get_db()
    now = clock()
    return booking_answer(db, bookings.by_token(db, token), now)


@api.post("/bookings/<token>/cancel")
def cancel_booking(token: str):
    db = get_db()
    now = clock()
    booking = bookings.cancel(db, token, now)
    return booking_answer(db, booking, now)


@socketio.on("follow_booking_slots")
def follow_booking_slots(data):
    """The booking page joins the room of the service and day it shows, and hears places change."""
    try:
        data = inputs.payload(data)
        service_id = inputs.integer(data, "service_id")
        day = inputs.day(data, "date")
    except LoketError as err:
        return err.to_dict(current_language())  # Infinity, "\ud800", "20261207": an answer, never a crashed handler
    for room in rooms():
        if room.startswith("booking-slots:"):
            leave_room(room)
    room = slots_room(service_id, day)
    join_room(room)
    # The places left as of the join, to this page alone: a booking made between the page's own read and
    # its join (a slow phone, a reconnect) would otherwise stay unheard until the next change.
    try:
        emit("booking_slots_changed", bookings.slots(get_db(), service_id, day, clock()))
    except LoketError as err:
        leave_room(room)
        return err.to_dict(current_language())
    return {"ok": True}


# ---------------------------------------------------------------- check-in


def _check_in(code: str, *, kiosk: dict | None = None, by: str = "", agency_id: int | None = None) -> dict:
    """Check a booking in: the ticket is issued, printed at a kiosk as a walk-in's is, and broadcast."""
    db = get_db()
    now = clock()
    allowed, window = limits()["check_in_misses"]
    # Wrong codes are counted per address and per kiosk: 32^6 codes cannot be tried at 750 a second.
    misses = [f"check-in-miss:{issuing.client_address()}"] + ([f"check-in-miss-kiosk:{kiosk['name']}"] if kiosk else [])
    for bucket in misses:
        refuse_over(db, bucket, allowed, window, now)
    try:
        with transaction(db):  # bookings.check_in joins it: the ticket and its print job are said together
            _booking, ticket = bookings.check_in(db, code, now, kiosk_id=kiosk["id"] if kiosk else None, by=by, agency_id=agency_id)
            if kiosk is not None:  # printed like a walk-in's ticket, off the request path (the outcome follows as ticket_printed)
                issuing.want_print(db, ticket, kiosk)
    except LoketError as err:
        if err.code == "booking_not_found":
            for bucket in misses:
                with contextlib.suppress(LoketError):
                    hit(db, bucket, allowed, window, now)
        if err.code == "already_checked_in" and err.params.get("ticket_id"):
            existing = one(db, "SELECT * FROM tickets WHERE id = ?", (err.params["ticket_id"],))
            if existing:
                # A second scan shows which number it was, never the ticket's token: whoever holds the
                # code must not get the key that cancels the citizen's ticket.
                err.params["ticket"] = _without_keys(serializers.ticket_json(db, existing, now))
        raise
    # The first check-in at a kiosk is the citizen's own screen (its QR is their ticket page); an
    # officer's answer never carries the token or the status URL.
    answer = serializers.ticket_json(db, ticket, now)
    return answer if kiosk is not None else _without_keys(answer)


def _without_keys(ticket: dict) -> dict:
    """The ticket without what opens it (its token and status URL): the code's holder knows the rest already."""
    return {k: v for k, v in ticket.items() if k not in ("token", "status_url")}


@api.post("/kiosks/<name>/check-in")
def check_in_at_kiosk(name: str):
    """Typed or scanned booking code at a kiosk: the ticket comes out of its printer, with its QR as SVG."""
    kiosk = issuing.kiosk_by_name(get_db(), name)
    code = inputs.text(inputs.body(), "code", required=True, max_length=40)
    ticket = _check_in(code, kiosk=kiosk, by=f"kiosk:{kiosk['name']}")
    return {"ticket": {**ticket, "qr_svg": str(qr_svg(ticket["status_url"]))}}, 201


@api.post("/bookings/check-in")
@auth.login_required()
def check_in_by_officer():
    user = auth.current_user()
    code = inputs.text(inputs.body(), "code", required=True, max_length=40)
    agency_id = None if user["role"] == "admin" else user["agency_id"]
    return {"ticket": _check_in(code, by=f"user:{user['username']}", agency_id=agency_id)}, 201


# ---------------------------------------------------------------- report


REPORT_COLUMNS = [
    "date", "agency", "service", "booked", "checked_in", "expired", "cancelled", "upcoming", "wait_booked_avg_min", "wait_walk_in_avg_min",
]  # fmt: skip


@api.get("/admin/reports/bookings")
def bookings_report():
    """Bookings per service and day (expired = no-show) and waiting of booked vs walk-in tickets; CSV too."""
    agency_id, start, end, _today = auth.report_scope()
    data = bookings.report(get_db(), start, end, clock(), agency_id)
    if request.args.get("format") == "csv":
        return csvout.table_response(data["rows"], REPORT_COLUMNS, f"reservasi-{start}-{end}.csv")
    return data
