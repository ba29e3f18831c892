"""Online booking (reservasi antrean) as plain functions over the database. Time comes in as `now`.

A booking reserves a place in a slot of a service's day; it is not a ticket. The citizen joins the one
queue at check-in on site, inside a window around the slot, and gets a ticket whose place in the line
is the later of the slot's start and the check-in (tickets.issue with source "booking"). A booking not
checked in by the end of its window is *expired*: that is computed from `now` (checkin_closes_at),
never written, and reports count it as a no-show. Places are counted inside BEGIN IMMEDIATE, so
concurrent bookings never put one more citizen in a slot than it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from . import inputs, notify, tickets
from .db import after_commit, one, scalar, settings, transaction
from .errors import LoketError
from .events import BookingSlotsChanged, QueueChanged
from .i18n import N_
from .timeutil import day_start_utc, hhmm, iso, local, local_day, minutes_of_day, parse_iso, zone

# 32 symbols, none of 0/O or 1/I: read aloud over a counter and typed on a kiosk without doubt.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
STATUSES = ("booked", "checked_in", "cancelled", "expired")
# A check-in claimed but without its ticket (the process died between the two) may be retried after this.
STALE_CLAIM = timedelta(minutes=1)

# Per-service settings (columns of services, migration m15_bookings): field -> (default, minimum, maximum).
SETTINGS = {
    "booking_slot_minutes": (30, 5, 240),
    "booking_capacity": (4, 0, 1000),
    "booking_days_ahead": (7, 0, 90),
    "booking_quota_percent": (50, 0, 100),
    "booking_checkin_before": (30, 0, 240),
    "booking_checkin_after": (15, 0, 240),
}
FLAGS = ("booking_enabled", "booking_ask_nik")


# ---------------------------------------------------------------- settings


def clean_settings(data: dict) -> dict:
    """The booking fields of the admin's service form, read by the one validation layer (loket/inputs.py)."""
    values: dict = {field: int(inputs.boolean(data, field)) for field in FLAGS}
    for field, (default, low, high) in SETTINGS.items():
        values[field] = inputs.integer(data, field, required=False, default=default, minimum=low, maximum=high)
    return values


def _service(db: Database, service_id: int) -> dict:
    service = one(
        db,
        "SELECT s.*, a.active AS agency_active, a.name AS agency_name FROM services s JOIN agencies a ON a.id = s.agency_id WHERE s.id = ?",
        (service_id,),
    )
    if service is None:
        raise LoketError("service_not_found")
    return service


# ---------------------------------------------------------------- slots


def _parse_date(text: str) -> date:
    """`YYYY-MM-DD` only: "20261207" and "2026-W50-1" are the same day to Python, not to the bookings table."""
    return date.fromisoformat(inputs.day_value(text, "date"))


def day_plan(db: Database, service: dict, day: str, now: datetime) -> list[tuple[int, int]]:
    """The day's slots as (start, end) minutes of the local day, from the weekly hours minus breaks.

    Refuses with booking_closed when the service takes no bookings that day: switched off, outside
    its days ahead, a closed date or no hours.
    """
    tz = settings(db)["timezone"]
    when = _parse_date(day)
    today = local(now, tz).date()
    if not service["booking_enabled"] or not service["active"] or not service["agency_active"]:
        raise LoketError("booking_closed", reason=N_("layanan ini tidak menerima reservasi"))
    if when < today or when > today + timedelta(days=service["booking_days_ahead"]):
        ahead = service["booking_days_ahead"]
        raise LoketError("booking_closed", reason=N_("reservasi dibuka untuk hari ini sampai {ahead} hari ke depan"), ahead=ahead)
    closed = one(
        db,
        "SELECT reason FROM closed_dates WHERE date = ? AND (agency_id IS NULL OR agency_id = ?) LIMIT 1",
        (day, service["agency_id"]),
    )
    if closed:
        raise LoketError("booking_closed", reason=closed["reason"] or N_("hari libur"))
    hours = one(db, "SELECT opens, closes FROM service_hours WHERE service_id = ? AND weekday = ?", (service["id"], when.weekday()))
    if hours is None:
        raise LoketError("booking_closed", reason=N_("tidak ada layanan hari ini"))
    breaks = [
        (minutes_of_day(b["starts"]), minutes_of_day(b["ends"]))
        for b in db.query(
            "SELECT starts, ends FROM breaks WHERE weekday = ? AND (agency_id IS NULL OR agency_id = ?) ORDER BY starts",
            (when.weekday(), service["agency_id"]),
        )
    ]
    length = service["booking_slot_minutes"]
    opens, closes = minutes_of_day(hours["opens"]), minutes_of_day(hours["closes"])
    last_start = closes - service["cutoff_minutes"]  # issuing stops before closing: so do slots
    plan, start = [], opens
    while start + length <= closes and start < last_start:
        clash = next((b for b in breaks if start < b[1] and b[0] < start + length), None)
        if clash:
            start = max(clash[1], start + 1)  # the next slot begins when the break ends
            continue
        plan.append((start, start + length))
        start += length
    return plan


def _instant(day: str, minute: int, tz: str) -> datetime:
    return (datetime.fromisoformat(day).replace(tzinfo=zone(tz)) + timedelta(minutes=minute)).astimezone(UTC)


def _day_left(db: Database, service: dict, day: str) -> int | None:
    """Places left for bookings in the day's share of the quota (None: the service has no quota)."""
    if service["daily_quota"] is None:
        return None
    kept = service["daily_quota"] * service["booking_quota_percent"] // 100
    taken = scalar(db, "SELECT count(*) FROM bookings WHERE service_id = ? AND date = ? AND status != 'cancelled'", (service["id"], day))
    return max(kept - taken, 0)


def slots(db: Database, service_id: int, day: str, now: datetime) -> dict:
    """The day's bookable slots (those not yet started) with the places left in each."""
    service = _service(db, service_id)
    plan = day_plan(db, service, day, now)
    tz = settings(db)["timezone"]
    taken = {
        r["slot_start"]: r["n"]
        for r in db.query(
            "SELECT slot_start, count(*) AS n FROM bookings WHERE service_id = ? AND date = ? AND status != 'cancelled'"
            " GROUP BY slot_start",
            (service_id, day),
        )
    }
    day_left = _day_left(db, service, day)
    stamp = iso(now)
    out = []
    for start, end in plan:
        if iso(_instant(day, start, tz)) <= stamp:
            continue
        left = max(service["booking_capacity"] - taken.get(hhmm(start), 0), 0)
        if day_left is not None:
            left = min(left, day_left)
        out.append({"start": hhmm(start), "end": hhmm(end), "capacity": service["booking_capacity"], "left": left})
    return {"service_id": service_id, "date": day, "slots": out}


def days(db: Database, service_id: int, now: datetime) -> dict:
    """Every day of the booking window with its places left, or why it takes no bookings."""
    service = _service(db, service_id)
    if not service["booking_enabled"]:
        raise LoketError("booking_closed", reason=N_("layanan ini tidak menerima reservasi"))
    today = local(now, settings(db)["timezone"]).date()
    out = []
    for offset in range(service["booking_days_ahead"] + 1):
        day = (today + timedelta(days=offset)).isoformat()
        try:
            listed = slots(db, service_id, day, now)["slots"]
        except LoketError as err:
            out.append({"date": day, "open": False, "left": 0, "reason": err.params.get("reason", "")})
            continue
        left = sum(s["left"] for s in listed)
        day_left = _day_left(db, service, day)
        if day_left is not None:
            left = min(left, day_left)
        out.append({"date": day, "open": bool(listed), "left": left, "reason": "" if listed else "tidak ada sesi lagi"})
    return {
        "service_id": service_id,
        "ask_nik": bool(service["booking_ask_nik"]),
        "slot_minutes": service["booking_slot_minutes"],
        "days": out,
    }


def places_left(db: Database, service: dict, day: str, now: datetime) -> int | None:
    """Booking places still free on a day, as the booking page counts them (None: no bookings that day)."""
    try:
        listed = slots(db, service["id"], day, now)["slots"]
    except LoketError:
        return None
    left = sum(s["left"] for s in listed)
    day_left = _day_left(db, service, day)
    return left if day_left is None else min(left, day_left)


# ---------------------------------------------------------------- citizens' input


def normalize_phone(text: str) -> str:
    """Indonesian mobile numbers as 08…: '+62 812-3456-7890' and '0812 3456 7890' are one number."""
    reason = N_("nomor ponsel Indonesia, misalnya 0812 3456 7890")
    # ASCII digits only: "٠٨١٢…" or "０８１２…" must not count as another person's number
    digits = inputs.ascii_digits(text or "", "phone", reason)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"08[0-9]{7,11}", digits):
        raise LoketError("invalid_field", field="phone", reason=reason)
    return digits


def nik_hash(nik: str, secret: str) -> str:
    """A keyed hash of the NIK: equal NIKs match, but the number cannot be recovered without the app's secret."""
    key = hmac.new(secret.encode(), b"loket:nik", hashlib.sha256).digest()
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def clean_nik(text: str | None) -> str | None:
    value = re.sub(r"\s", "", text or "")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{16}", value):  # ASCII digits only, as stored and hashed
        raise LoketError("invalid_field", field="nik", reason=N_("16 angka sesuai KTP-el"))
    return value


def normalize_code(text: str) -> str | None:
    """A typed or scanned booking code: case, spaces and dashes do not matter."""
    value = re.sub(r"[\s\-]", "", str(text or "")).upper()
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return None
    return value


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ---------------------------------------------------------------- commands


def status_of(booking: dict, now: datetime) -> str:
    """The stored status, or 'expired' once an unchecked booking's check-in window has closed."""
    if booking["status"] == "booked" and iso(now) >= booking["checkin_closes_at"]:
        return "expired"
    return booking["status"]


def client_key(address: str, secret: str) -> str:
    """A keyed hash of the address a booking came from: counts one network's bookings, never stores its address."""
    key = hmac.new(secret.encode(), b"loket:client", hashlib.sha256).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def book(
    db: Database,
    service_id: int,
    day: str,
    start: str,
    name: str,
    phone: str,
    now: datetime,
    *,
    nik: str | None = None,
    secret: str,
    client: str | None = None,
    per_client: int | None = None,
    notify_channel: str | None = None,
    lang: str = "id",
) -> dict:
    """Reserve a place in a slot: one active booking per phone (and NIK where asked) per service and day,
    and at most `per_client` of the service's day from one address (`client`, see client_key)."""
    phone = normalize_phone(phone)
    nik = clean_nik(nik)
    with transaction(db):
        service = _service(db, service_id)
        if service["booking_ask_nik"] and nik is None:
            raise LoketError("missing_field", field="nik")
        plan = day_plan(db, service, day, now)
        slot = next(((s, e) for s, e in plan if hhmm(s) == start), None)
        if slot is None:
            raise LoketError("invalid_field", field="start", reason=N_("bukan jam sesi layanan ini"))
        tz = settings(db)["timezone"]
        slot_at = _instant(day, slot[0], tz)
        stamp = iso(now)
        if iso(slot_at) <= stamp:
            raise LoketError("booking_closed", reason=N_("sesi {start} sudah dimulai"), start=start)
        active = "(status = 'checked_in' OR (status = 'booked' AND checkin_closes_at > :now))"
        params = {"s": service_id, "d": day, "now": stamp}
        if one(db, f"SELECT id FROM bookings WHERE service_id = :s AND date = :d AND phone = :p AND {active}", {**params, "p": phone}):
            raise LoketError("booking_exists", field="phone")
        if client and per_client is not None:
            mine = scalar(
                db,
                "SELECT count(*) FROM bookings WHERE client_key = ? AND service_id = ? AND date = ? AND status != 'cancelled'",
                (client, service_id, day),
            )
            if mine >= per_client:
                raise LoketError("too_many_bookings")
        hashed = nik_hash(nik, secret) if nik else None
        same_nik = f"SELECT id FROM bookings WHERE service_id = :s AND date = :d AND nik_hash = :h AND {active}"
        if hashed and service["booking_ask_nik"] and one(db, same_nik, {**params, "h": hashed}):
            raise LoketError("booking_exists", field="nik")
        taken = scalar(
            db,
            "SELECT count(*) FROM bookings WHERE service_id = ? AND date = ? AND slot_start = ? AND status != 'cancelled'",
            (service_id, day, start),
        )
        day_left = _day_left(db, service, day)
        if taken >= service["booking_capacity"] or day_left == 0:
            raise LoketError("slot_full")
        if day == local_day(now, tz) and service["daily_quota"] is not None:
            # Today the walk-ins may already have used the rest of the quota.
            used = scalar(
                db,
                "SELECT (SELECT count(*) FROM tickets WHERE origin_service_id = :s AND issued_on = :d AND status != 'cancelled')"
                " + (SELECT count(*) FROM bookings WHERE service_id = :s AND date = :d AND status = 'booked' AND checkin_closes_at > :now)",
                params,
            )
            if used >= service["daily_quota"]:
                raise LoketError("slot_full")
        # Never before the slot's own day begins: the ticket is of that day (a 00:00 slot opens at 00:00).
        opens = max(slot_at - timedelta(minutes=service["booking_checkin_before"]), day_start_utc(day, tz))
        # The window's last minute is included: "until 15 minutes after" still admits 08:15:59 for 08:00.
        closes = slot_at + timedelta(minutes=service["booking_checkin_after"] + 1)
        for _attempt in range(10):
            code = new_code()
            if scalar(db, "SELECT count(*) FROM bookings WHERE code = ?", (code,)) == 0:
                break
        booking = one(
            db,
            "INSERT INTO bookings (code, token, service_id, agency_id, date, slot_start, slot_end, slot_at, checkin_opens_at,"
            " checkin_closes_at, name, phone, nik_hash, nik_last4, created_at, client_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING *",
            (
                code,
                secrets.token_urlsafe(16),
                service_id,
                service["agency_id"],
                day,
                start,
                hhmm(slot[1]),
                iso(slot_at),
                iso(opens),
                iso(closes),
                name,
                phone,
                hashed,
                nik[-4:] if nik else None,
                stamp,
                client,
            ),
        )
        _event(db, now, "booked", booking)
        if notify_channel:  # consent given on the form: reminders and, once checked in, the ticket's messages
            notify.subscribe_booking(db, booking, notify_channel, lang, now)
        _slots_changed(db, booking, now)
    return booking


def _event(db: Database, now: datetime, kind: str, booking: dict, **data) -> None:
    db.execute(
        "INSERT INTO events (at, kind, ticket_id, service_id, agency_id, kiosk_id, data) VALUES (?, ?, ?, ?, ?, ?, json(?))",
        (
            iso(now),
            "booking_" + kind,
            booking.get("ticket_id"),
            booking["service_id"],
            booking["agency_id"],
            data.pop("kiosk_id", None),
            json.dumps({"booking_id": booking["id"], "date": booking["date"], "start": booking["slot_start"], **data}, ensure_ascii=False),
        ),
    )


def _slots_changed(db: Database, booking: dict, now: datetime) -> None:
    """Said inside the booking's transaction: open booking pages of its service and day redraw the places
    left; a booking for today also changes the quota left that kiosks show for walk-ins."""
    service_id, day = booking["service_id"], booking["date"]
    if day == local_day(now, settings(db)["timezone"]):
        after_commit(db, QueueChanged(kind="booking_changed", now=now, service_ids=(service_id,)))
    try:
        after_commit(db, BookingSlotsChanged(service_id, day, slots(db, service_id, day, now)))
    except LoketError:
        pass  # a day the service no longer takes bookings: no page shows its slots


def by_token(db: Database, token: str) -> dict:
    booking = one(db, "SELECT * FROM bookings WHERE token = ?", (token,)) if token and len(token) <= 64 else None
    if booking is None:
        raise LoketError("booking_not_found")
    return booking


def by_code(db: Database, code: str) -> dict:
    normal = normalize_code(code)
    booking = one(db, "SELECT * FROM bookings WHERE code = ?", (normal,)) if normal else None
    if booking is None:
        raise LoketError("booking_not_found")
    return booking


def cancel(db: Database, token: str, now: datetime) -> dict:
    """The citizen gives up the booking: the place is free for someone else at once."""
    with transaction(db):
        booking = by_token(db, token)
        state = status_of(booking, now)
        if state == "cancelled":
            raise LoketError("booking_cancelled")
        if state == "checked_in":
            raise LoketError("already_checked_in")
        if state == "expired":
            raise LoketError("too_late", closes=_local_hhmm(db, booking["checkin_closes_at"], -1))
        booking = one(db, "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ? RETURNING *", (iso(now), booking["id"]))
        _event(db, now, "cancelled", booking)
        _slots_changed(db, booking, now)
    return booking


def _local_hhmm(db: Database, instant: str, minutes: int = 0) -> str:
    moment = local(parse_iso(instant) + timedelta(minutes=minutes), settings(db)["timezone"])
    return moment.strftime("%H:%M")


def _refuse_check_in(db: Database, booking: dict, now: datetime) -> None:
    state = status_of(booking, now)
    if state == "cancelled":
        raise LoketError("booking_cancelled")
    if state == "expired":
        raise LoketError("too_late", closes=_local_hhmm(db, booking["checkin_closes_at"], -1))
    if iso(now) < booking["checkin_opens_at"]:
        tz = settings(db)["timezone"]
        opens = local(parse_iso(booking["checkin_opens_at"]), tz)
        same_day = opens.date() == local(now, tz).date()
        raise LoketError(
            "too_early",
            opens=opens.strftime("%H:%M"),
            date=opens.date().isoformat(),
            opens_at=booking["checkin_opens_at"],
            day=N_("hari ini") if same_day else N_("pada {opens_on}"),
            opens_on=opens.date(),  # named in the reader's language (errors.LoketError.shown_params)
        )


def check_in(
    db: Database, code: str, now: datetime, *, kiosk_id: int | None = None, by: str = "", agency_id: int | None = None
) -> tuple[dict, dict]:
    """Turn a booking into a ticket in the service's one queue, once: a second scan answers already_checked_in.

    The claim, the ticket (tickets.issue joins the transaction) and the link are one transaction, so a
    failure leaves the booking as it was. Returns (booking, ticket).
    """
    with transaction(db):
        booking = by_code(db, code)
        if agency_id is not None and booking["agency_id"] != agency_id:
            raise LoketError("forbidden")  # an officer checks in their own agency's bookings only
        if booking["status"] == "checked_in":
            stale = booking["ticket_id"] is None and iso(now - STALE_CLAIM) > (booking["checked_in_at"] or "")
            if not stale:
                raise LoketError("already_checked_in", ticket_id=booking["ticket_id"])
        else:
            _refuse_check_in(db, booking, now)
        closed = one(
            db,
            "SELECT reason FROM closed_dates WHERE date = ? AND (agency_id IS NULL OR agency_id = ?) LIMIT 1",
            (booking["date"], booking["agency_id"]),
        )
        if closed:
            raise LoketError("closed_today", reason=closed["reason"] or "hari libur")
        service = _service(db, booking["service_id"])
        if not service["active"] or not service["agency_active"]:
            raise LoketError("service_inactive")
        booking = one(
            db,
            "UPDATE bookings SET status = 'checked_in', checked_in_at = ?, checked_in_by = ? WHERE id = ? RETURNING *",
            (iso(now), by[:100], booking["id"]),
        )
        # tickets.issue joins this transaction: the claim, the ticket and the link commit together or not at all
        ticket = tickets.issue(db, booking["service_id"], now, kiosk_id=kiosk_id, source="booking", queued_at=booking["slot_at"])
        booking = one(db, "UPDATE bookings SET ticket_id = ? WHERE id = ? RETURNING *", (ticket["id"], booking["id"]))
        notify.attach_ticket(db, booking["id"], ticket["id"])
        _event(db, now, "checked_in", booking, kiosk_id=kiosk_id, by=by[:100])
    return booking, ticket


# ---------------------------------------------------------------- reading


def mask_phone(phone: str) -> str:
    return inputs.masked_phone(phone)


def booking_json(db: Database, booking: dict, now: datetime) -> dict:
    """The booking as its holder sees it (the token is the key to this)."""
    service = one(
        db,
        "SELECT s.name, s.name_en, s.requirements, s.requirements_en, s.fee, s.prefix, a.name AS agency, a.color AS agency_color"
        " FROM services s JOIN agencies a ON a.id = s.agency_id WHERE s.id = ?",
        (booking["service_id"],),
    )
    return {
        "code": booking["code"],
        "token": booking["token"],
        "service_id": booking["service_id"],
        "agency_id": booking["agency_id"],
        "service": service["name"],
        "service_en": service["name_en"],
        "agency": service["agency"],
        "agency_color": service["agency_color"],
        "date": booking["date"],
        "start": booking["slot_start"],
        "end": booking["slot_end"],
        "status": status_of(booking, now),
        "name": booking["name"],
        "phone": mask_phone(booking["phone"]),
        "notify": notify.subscription_json(one(db, "SELECT * FROM notify_subscriptions WHERE booking_id = ?", (booking["id"],))),
        "nik_last4": booking["nik_last4"],
        "checkin_opens": _local_hhmm(db, booking["checkin_opens_at"]),
        "checkin_closes": _local_hhmm(db, booking["checkin_closes_at"], -1),
        "requirements": service["requirements"],
        "requirements_en": service["requirements_en"],
        "fee": service["fee"],
        "created_at": booking["created_at"],
        "checked_in_at": booking["checked_in_at"],
        "cancelled_at": booking["cancelled_at"],
    }


def code_of_ticket(db: Database, ticket: dict) -> str | None:
    """The booking code a ticket came from (only tickets of source 'booking' have one)."""
    if ticket.get("source") != "booking":
        return None
    return scalar(db, "SELECT code FROM bookings WHERE ticket_id = ?", (ticket["id"],))


def report(db: Database, start: str, end: str, now: datetime, agency_id: int | None = None) -> dict:
    """Per service and day: booked, checked in, expired (no-show), cancelled, still to come; and waiting
    of booked vs walk-in tickets (called − the moment it joined the line)."""
    stamp = iso(now)
    scope = " AND b.agency_id = :a" if agency_id else ""
    params = {"from": start, "to": end, "now": stamp, "a": agency_id}
    days = list(
        db.query(
            "SELECT b.date, b.service_id, s.name AS service, ag.name AS agency, count(*) AS booked,"
            " sum(b.status = 'checked_in') AS checked_in,"
            " sum(b.status = 'booked' AND b.checkin_closes_at <= :now) AS expired,"
            " sum(b.status = 'cancelled') AS cancelled,"
            " sum(b.status = 'booked' AND b.checkin_closes_at > :now) AS upcoming"
            " FROM bookings b JOIN services s ON s.id = b.service_id JOIN agencies ag ON ag.id = b.agency_id"
            " WHERE b.date BETWEEN :from AND :to" + scope + " GROUP BY b.date, b.service_id ORDER BY b.date, ag.sort_order, s.sort_order",
            params,
        )
    )
    tscope = " AND agency_id = :a" if agency_id else ""
    per_day: dict = {}
    for r in db.query(
        "SELECT issued_on, origin_service_id AS sid, source = 'booking' AS booked,"
        " avg(max((julianday(called_at) - julianday(queued_at)) * 1440, 0)) AS avg_min"
        " FROM tickets WHERE issued_on BETWEEN :from AND :to AND called_at IS NOT NULL" + tscope + " GROUP BY issued_on, sid, booked",
        params,
    ):
        per_day[(r["issued_on"], r["sid"], bool(r["booked"]))] = round(r["avg_min"], 1) if r["avg_min"] is not None else None
    for row in days:
        row["wait_booked_avg_min"] = per_day.get((row["date"], row["service_id"], True))
        row["wait_walk_in_avg_min"] = per_day.get((row["date"], row["service_id"], False))
    waits = {
        r["kind"]: r
        for r in db.query(
            "SELECT CASE source WHEN 'booking' THEN 'booking' ELSE 'walk_in' END AS kind, count(*) AS n,"
            " avg(max((julianday(called_at) - julianday(queued_at)) * 1440, 0)) AS avg_min"
            " FROM tickets WHERE issued_on BETWEEN :from AND :to AND called_at IS NOT NULL" + tscope + " GROUP BY kind",
            params,
        )
    }
    waiting = {
        kind: {
            "called": waits.get(kind, {}).get("n", 0) or 0,
            "wait_avg_min": round(waits[kind]["avg_min"], 1) if kind in waits and waits[kind]["avg_min"] is not None else None,
        }
        for kind in ("booking", "walk_in")
    }
    return {"from": start, "to": end, "rows": days, "waiting": waiting}
