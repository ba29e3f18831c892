"""Messages to citizens by SMS and WhatsApp: who asked for them, what each service sends, and the outbox.

A citizen's consent becomes a row of `notify_subscriptions` (the number stored as 62…, shown only masked).
Messages are rows of `outbox`, written by `scan()` in the sender's own transaction from the committed state
of today's subscribed tickets and bookings (turn near, called, recalled = the no-show warning, survey after
service, the booking reminders): the queue rules run no extra statement, a rolled-back call writes nothing,
and a process killed after a call's commit writes the message when it starts again.
UNIQUE (ticket_id, trigger) makes it one message per trigger per ticket, ever: across a restart, a retry, a
recall or a transfer. The sender (loket/sender.py) composes the text when it first hands a message over and
drops what is no longer true (a "turn near" for a ticket already called).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlite_utils import Database

from . import inputs, tickets
from .db import one, rows, scalar, settings, transaction
from .errors import LoketError
from .i18n import N_
from .timeutil import iso, local_day, parse_iso

CHANNELS = ("sms", "whatsapp")
TRIGGERS = ("turn_near", "called", "recalled", "reminder_day", "reminder_hour", "survey")
PLACEHOLDERS = ("number", "counter", "ahead", "minutes", "code", "link")
DEFAULT_PLACES = 3
SMS_LENGTH = 160  # one SMS in GSM 7-bit; 70 once a character needs UCS-2
UCS2_LENGTH = 70

# (Indonesian, English). Placeholders: {number} {counter} {ahead} {minutes} {code} {link}.
DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    "turn_near": (
        "Antrean {number}: tinggal {ahead} orang lagi (sekitar {minutes} menit). Mohon kembali ke ruang tunggu. {link}",
        "Ticket {number}: {ahead} ahead of you (about {minutes} min). Please come back to the waiting hall. {link}",
    ),
    "called": (
        "Nomor antrean {number} dipanggil. Silakan menuju {counter}.",
        "Ticket {number} is called. Please go to {counter}.",
    ),
    "recalled": (
        "Nomor {number} dipanggil ulang di {counter}. Segera datang agar tidak dianggap tidak hadir.",
        "Ticket {number} is called again at {counter}. Come now or it will be marked absent.",
    ),
    "reminder_day": (
        "Pengingat: reservasi Anda besok pukul {counter}. Kode check-in {code}. {link}",
        "Reminder: your booking is tomorrow at {counter}. Check-in code {code}. {link}",
    ),
    "reminder_hour": (
        "Reservasi Anda pukul {counter}, satu jam lagi. Kode check-in {code}.",
        "Your booking is at {counter}, in one hour. Check-in code {code}.",
    ),
    "survey": (
        "Terima kasih telah dilayani ({number}). Mohon isi survei kepuasan: {link}",
        "Thank you ({number}). Please rate our service: {link}",
    ),
}
TRIGGER_LABELS = {
    "turn_near": N_("Giliran hampir tiba"),
    "called": N_("Dipanggil ke loket"),
    "recalled": N_("Peringatan panggilan ulang"),
    "reminder_day": N_("Pengingat reservasi H-1"),
    "reminder_hour": N_("Pengingat reservasi 1 jam"),
    "survey": N_("Tautan survei"),
}
# A message not handed over within this long after it was written is no longer worth sending.
LIFETIME = {
    "turn_near": timedelta(minutes=60),
    "called": timedelta(minutes=10),
    "recalled": timedelta(minutes=10),
    "reminder_day": timedelta(hours=12),
    "reminder_hour": timedelta(minutes=50),
    "survey": timedelta(hours=12),
    "test": timedelta(minutes=30),
}
# The gammu-smsd character set (GSM 03.38 basic table and its extension): anything else makes it UCS-2.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "^{}\\[~]|€"
)
SAMPLE = {  # the longest ordinary values, to check that a text still fits one SMS
    "number": "PH-0123",
    "counter": "Loket 12",
    "ahead": "10",
    "minutes": "120",
    "code": "ABCD2345",
    "link": "http://192.168.100.100:5000/t/AbCdEfGhIjKlMnOpQrStUv",
}
PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")


# ---------------------------------------------------------------- consent


def subscribe(db: Database, token: str, phone: str, channel: str, lang: str, now: datetime) -> dict:
    """The holder of a ticket asks to be told by SMS or WhatsApp; a new number replaces the old one.

    Messages already sent for this ticket are not sent again to the new number (one per trigger, ever).
    """
    if channel not in CHANNELS:
        raise inputs.invalid("channel", N_("pilih salah satu: {options}"), options=", ".join(CHANNELS))
    with transaction(db):
        ticket = tickets.by_token(db, token)
        if ticket["status"] not in ("waiting", "called", "serving"):
            raise LoketError("invalid_state", current=ticket["status"])
        if channel not in enabled_channels(settings(db)):
            raise LoketError("notify_unavailable")
        return one(
            db,
            "INSERT INTO notify_subscriptions (ticket_id, service_id, day, phone, channel, lang, consent_at)"
            " VALUES (:t, :s, :d, :p, :c, :l, :now) ON CONFLICT (ticket_id) DO UPDATE SET phone = :p, channel = :c, lang = :l,"
            " consent_at = :now, stopped_at = NULL RETURNING *",
            {"t": ticket["id"], "s": ticket["service_id"], "d": ticket["issued_on"], "p": phone, "c": channel, "l": lang, "now": iso(now)},
        )


def unsubscribe(db: Database, token: str, now: datetime) -> dict:
    """Stop every message for this ticket; what is still queued is dropped."""
    with transaction(db):
        ticket = tickets.by_token(db, token)
        found = one(
            db,
            "UPDATE notify_subscriptions SET stopped_at = :now WHERE ticket_id = :t AND stopped_at IS NULL RETURNING id",
            {"t": ticket["id"], "now": iso(now)},
        )
        if found:
            db.conn.execute(
                "UPDATE outbox SET status = 'dropped', error = 'stopped by the citizen' WHERE subscription_id = ? AND status = 'queued'",
                (found["id"],),
            )
        return ticket


def subscribe_booking(db: Database, booking: dict, channel: str, lang: str, now: datetime) -> None:
    """A booking made with consent: its reminders, and once checked in its ticket's messages, go to its phone."""
    db.conn.execute(
        "INSERT INTO notify_subscriptions (booking_id, service_id, day, phone, channel, lang, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (booking_id) DO NOTHING",
        (booking["id"], booking["service_id"], booking["date"], "62" + booking["phone"][1:], channel, lang, iso(now)),
    )


def attach_ticket(db: Database, booking_id: int, ticket_id: int) -> None:
    """A booking checked in: its subscription follows its ticket (inside the check-in's transaction)."""
    db.conn.execute("UPDATE notify_subscriptions SET ticket_id = ? WHERE booking_id = ? AND ticket_id IS NULL", (ticket_id, booking_id))


def subscription_json(row: dict | None) -> dict:
    """What the ticket's holder sees: whether messages are on, to which masked number, by which channel."""
    if row is None or row["stopped_at"] is not None or not row["phone"]:
        return {"on": False, "phone": None, "channel": None}
    return {"on": True, "phone": inputs.masked_phone(row["phone"]), "channel": row["channel"]}


def subscription_of(db: Database, ticket_id: int) -> dict | None:
    return one(db, "SELECT * FROM notify_subscriptions WHERE ticket_id = ?", (ticket_id,))


def enabled_channels(conf: dict) -> list[str]:
    """The channels the MPP set up in the admin (a provider chosen for each)."""
    return [c for c in CHANNELS if conf.get(f"notify_{c}_provider", "off") not in ("", "off")]


# ---------------------------------------------------------------- what each service sends


def service_triggers(db: Database, service_id: int) -> dict[str, dict]:
    """Every trigger of the service with its settings; triggers never saved have the defaults."""
    saved = {r["trigger"]: r for r in rows(db, "SELECT * FROM notify_triggers WHERE service_id = ?", (service_id,))}
    out = {}
    for trigger in TRIGGERS:
        row = saved.get(trigger, {})
        out[trigger] = {
            "trigger": trigger,
            "enabled": bool(row.get("enabled", 1)),
            "places": row.get("places") or (DEFAULT_PLACES if trigger == "turn_near" and not row.get("minutes") else None),
            "minutes": row.get("minutes"),
            "text_id": row.get("text_id") or DEFAULT_TEXTS[trigger][0],
            "text_en": row.get("text_en") or DEFAULT_TEXTS[trigger][1],
        }
    return out


def sms_limit(text: str) -> int:
    return SMS_LENGTH if set(text) <= GSM7 else UCS2_LENGTH


def check_text(text: str, field: str) -> str:
    """A message text: known placeholders only, and one SMS long with the longest ordinary values."""
    for name in PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            raise inputs.invalid(field, N_("tanda {{{name}}} tidak dikenal; pakai {known}"), name=name, known=" ".join(PLACEHOLDERS))
    filled = render(text, SAMPLE)
    limit = sms_limit(filled)
    if len(filled) > limit:
        raise inputs.invalid(field, N_("terlalu panjang untuk satu SMS: {length} dari {limit} karakter"), length=len(filled), limit=limit)
    return text


def save_triggers(db: Database, service_id: int, data: dict) -> dict[str, dict]:
    """The admin's settings of one service's triggers: {"turn_near": {"enabled", "places", "minutes", "text_id", "text_en"}, …}."""
    if scalar(db, "SELECT id FROM services WHERE id = ?", (service_id,)) is None:
        raise LoketError("service_not_found")
    values = []
    for trigger, item in data.items():
        if trigger not in TRIGGERS:
            raise inputs.invalid(trigger, N_("pilih salah satu: {options}"), options=", ".join(TRIGGERS))
        if not isinstance(item, dict):
            raise LoketError("bad_request")
        places = inputs.integer(item, "places", required=False, maximum=50)
        minutes = inputs.integer(item, "minutes", required=False, maximum=240)
        if trigger == "turn_near" and places is None and minutes is None:
            places = DEFAULT_PLACES
        text_id = inputs.text(item, "text_id", max_length=500)
        text_en = inputs.text(item, "text_en", max_length=500)
        for field, text in (("text_id", text_id), ("text_en", text_en)):
            if text:
                check_text(text, field)
        values.append((service_id, trigger, int(inputs.boolean(item, "enabled", default=True)), places, minutes, text_id, text_en))
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO notify_triggers (service_id, trigger, enabled, places, minutes, text_id, text_en) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (service_id, trigger) DO UPDATE SET enabled = excluded.enabled, places = excluded.places,"
            " minutes = excluded.minutes, text_id = excluded.text_id, text_en = excluded.text_en",
            values,
        )
    return service_triggers(db, service_id)


def render(text: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


def ordered_params(text: str, values: dict) -> list[str]:
    """The values of the text's placeholders in their order: a WhatsApp template's body parameters {{1}}, {{2}} …"""
    return [str(values.get(name, "")) for name in PLACEHOLDER.findall(text)]


# ---------------------------------------------------------------- the triggers the sender evaluates


def scan(db: Database, now: datetime) -> int:
    """Write the messages the committed state of today's subscribed tickets calls for; returns how many.

    Runs in the sender, off every request, so call-next, recall and complete run no extra statement:
    one read of today's subscribed tickets with the triggers already written for each, one read of the
    lines they wait in, one insert. Services without a subscriber today cost nothing. Each trigger is
    written once per ticket, ever (UNIQUE (ticket_id, trigger)), whatever happens to the ticket later.
    """
    conf = settings(db)
    today = local_day(now, conf["timezone"])
    found = rows(
        db,
        "SELECT t.id, t.service_id, t.agency_id, t.issued_on, t.queued_at, t.priority, t.status, t.call_count,"
        " s.id AS subscription_id, s.channel AS sub_channel, s.phone AS sub_phone,"
        " (SELECT group_concat(o.trigger) FROM outbox o WHERE o.ticket_id = t.id) AS written"
        " FROM notify_subscriptions s JOIN tickets t ON t.id = s.ticket_id"
        " WHERE s.day = :today AND s.stopped_at IS NULL AND s.phone != ''"
        " AND (t.status IN ('waiting', 'called', 'serving') OR (t.status = 'done' AND t.finished_at > :recent))",
        {"today": today, "recent": iso(now - LIFETIME["survey"])},
    )
    configs = {sid: service_triggers(db, sid) for sid in {t["service_id"] for t in found}}
    due: list[tuple] = []
    waiting = [t for t in found if t["status"] == "waiting" and "turn_near" not in (t["written"] or "")]
    near_candidates = {t["id"] for t in waiting}
    places = tickets.places_in_line(db, waiting, now, conf) if waiting else {}
    stats = tickets.service_stats(db, now, sorted({t["service_id"] for t in waiting}), conf) if waiting else {}
    for t in found:
        rules = configs[t["service_id"]]
        written = set((t["written"] or "").split(","))
        wanted = []
        if t["id"] in near_candidates:
            rule = rules["turn_near"]
            place = places.get(t["id"])
            ahead = place.ahead if place else 0
            # No counter open: nobody can say when the turn comes, so no "near" by minutes (places still count).
            minutes = None
            if place and t["service_id"] in stats:
                minutes = tickets.estimate_minutes(stats[t["service_id"]], ahead, place.open_counters)
            if (rule["places"] is not None and ahead <= rule["places"]) or (
                rule["minutes"] is not None and minutes is not None and minutes <= rule["minutes"]
            ):
                wanted.append("turn_near")
        if t["status"] == "called":
            wanted.append("called")
            if t["call_count"] > 1:
                wanted.append("recalled")
        if t["status"] == "done":
            wanted.append("survey")
        for trigger in wanted:
            if trigger not in written and rules[trigger]["enabled"]:
                due.append((trigger, t["id"], None, t["subscription_id"], t["service_id"], today, t["sub_channel"], t["sub_phone"]))
    due += _reminders(db, now)
    if not due:
        return 0
    with transaction(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT OR IGNORE INTO outbox (trigger, ticket_id, booking_id, subscription_id, service_id, day, channel, phone,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*d, iso(now), iso(now)) for d in due],
        )
        return db.conn.total_changes - before


def _reminders(db: Database, now: datetime) -> list[tuple]:
    """Bookings with consent whose slot is within a day (`reminder_day`, if booked before that) or an hour."""
    stamp = iso(now)
    found = rows(
        db,
        "SELECT b.id, b.service_id, b.date, b.slot_at, b.created_at, s.id AS subscription_id, s.channel, s.phone"
        " FROM notify_subscriptions s JOIN bookings b ON b.id = s.booking_id"
        " WHERE s.booking_id IS NOT NULL AND s.stopped_at IS NULL AND s.phone != '' AND b.status = 'booked' AND b.slot_at > :now"
        " AND b.slot_at <= :day_ahead",
        {"now": stamp, "day_ahead": iso(now + timedelta(days=1))},
    )
    due = []
    for b in found:
        slot = parse_iso(b["slot_at"])
        if now >= slot - timedelta(hours=1):
            trigger = "reminder_hour"
        elif parse_iso(b["created_at"]) < slot - timedelta(days=1) and now < slot - timedelta(hours=2):
            trigger = "reminder_day"
        else:
            continue
        due.append((trigger, None, b["id"], b["subscription_id"], b["service_id"], b["date"], b["channel"], b["phone"]))
    if not due:
        return []
    disabled = {
        (r[0], r[1])
        for r in db.conn.execute(
            f"SELECT service_id, trigger FROM notify_triggers WHERE enabled = 0 AND service_id IN ({','.join(str(d[4]) for d in due)})"
        )
    }
    return [d for d in due if (d[4], d[0]) not in disabled]


# ---------------------------------------------------------------- composing, at the moment of sending


def compose(db: Database, message: dict, now: datetime, base_url: str) -> tuple[str, list[str]] | str:
    """The text of a queued message and its template parameters, or why it is no longer sent:
    "dropped: …" (no longer true) or "expired: …" (too late)."""
    if message["trigger"] == "test":
        return message["text"], json.loads(message["params"] or "[]")
    lifetime = LIFETIME[message["trigger"]]
    if now - parse_iso(message["created_at"]) > lifetime:
        return "expired: not handed over in time"
    sub = one(db, "SELECT * FROM notify_subscriptions WHERE id = ?", (message["subscription_id"],)) if message["subscription_id"] else None
    if sub is None or sub["stopped_at"] is not None or not sub["phone"]:
        return "dropped: the citizen stopped the messages"
    rule = service_triggers(db, message["service_id"])[message["trigger"]]
    if not rule["enabled"]:
        return "dropped: the trigger is off for this service"
    values: dict = {"link": base_url}
    if message["ticket_id"]:
        ticket = one(db, "SELECT * FROM tickets WHERE id = ?", (message["ticket_id"],))
        why = _no_longer_true(message["trigger"], ticket)
        if why:
            return "dropped: " + why
        values["number"] = ticket["number"]
        values["link"] = f"{base_url}/t/{ticket['token']}"
        if message["trigger"] == "survey":
            values["link"] = f"{base_url}/survey/?ticket={ticket['token']}"
        if ticket["counter_id"]:
            values["counter"] = scalar(db, "SELECT name FROM counters WHERE id = ?", (ticket["counter_id"],))
        if ticket["status"] == "waiting":
            ahead, minutes = tickets.estimated_wait(db, ticket, now)
            values.update(ahead=ahead, minutes=minutes if minutes is not None else "?")
        values["code"] = scalar(db, "SELECT code FROM bookings WHERE ticket_id = ?", (ticket["id"],)) or ""
    if message["booking_id"]:
        booking = one(db, "SELECT * FROM bookings WHERE id = ?", (message["booking_id"],))
        if booking is None or booking["status"] != "booked" or parse_iso(booking["slot_at"]) <= now:
            return "dropped: the booking is no longer waiting for its slot"
        values.update(code=booking["code"], counter=booking["slot_start"], link=f"{base_url}/reservasi/{booking['token']}")
    text = rule["text_en"] if sub["lang"] == "en" else rule["text_id"]
    return render(text, values), ordered_params(text, values)


def _no_longer_true(trigger: str, ticket: dict | None) -> str:
    if ticket is None:
        return "the ticket is gone"
    if trigger == "turn_near" and ticket["status"] != "waiting":
        return f"the ticket is already {ticket['status']}"
    if trigger in ("called", "recalled") and ticket["status"] != "called":
        return f"the ticket is now {ticket['status']}"
    return ""


# ---------------------------------------------------------------- the end of the day


def erase_past(db: Database, today: str) -> int:
    """Erase every phone number of days before `today` (tickets, bookings, messages), and overwrite the
    freed bytes: the number must not stay readable in the database file (UU 27/2022)."""
    db.conn.execute("PRAGMA secure_delete=ON")
    with transaction(db):
        erased = db.conn.execute("UPDATE notify_subscriptions SET phone = '' WHERE day < ? AND phone != ''", (today,)).rowcount
        db.conn.execute("UPDATE outbox SET phone = '', text = '', params = '[]' WHERE day < ? AND phone != ''", (today,))
        db.conn.execute("UPDATE bookings SET phone = '' WHERE date < ? AND phone != ''", (today,))
    return erased


# ---------------------------------------------------------------- reports


def report(db: Database, start: str, end: str, agency_id: int | None = None) -> dict:
    """Messages per day, channel and trigger by outcome; and of the citizens called, those who had asked to
    be told and those who had not: how many came (served) and how many were absent (no-show)."""
    scope = " AND o.service_id IN (SELECT id FROM services WHERE agency_id = :a)" if agency_id else ""
    found = rows(
        db,
        "SELECT o.day, o.channel, o.trigger, sum(o.status = 'sent') AS sent, sum(o.status = 'failed') AS failed,"
        " sum(o.status = 'expired') AS expired, sum(o.status = 'dropped') AS dropped,"
        " sum(o.status IN ('queued', 'sending', 'handed')) AS waiting"
        " FROM outbox o WHERE o.day BETWEEN :from AND :to AND o.trigger != 'test'" + scope + " GROUP BY o.day, o.channel, o.trigger"
        " ORDER BY o.day, o.channel, o.trigger",
        {"from": start, "to": end, "a": agency_id},
    )
    tscope = " AND t.agency_id = :a" if agency_id else ""
    came = {
        bool(r["asked"]): r
        for r in rows(
            db,
            "SELECT EXISTS (SELECT 1 FROM notify_subscriptions s WHERE s.ticket_id = t.id) AS asked, count(*) AS called,"
            " sum(t.status IN ('serving', 'done') OR t.started_at IS NOT NULL) AS came, sum(t.status = 'no_show') AS no_show"
            " FROM tickets t WHERE t.issued_on BETWEEN :from AND :to AND t.called_at IS NOT NULL" + tscope + " GROUP BY asked",
            {"from": start, "to": end, "a": agency_id},
        )
    }

    def share(asked: bool) -> dict:
        r = came.get(asked) or {"called": 0, "came": 0, "no_show": 0}
        called = r["called"] or 0
        return {
            "called": called,
            "came": r["came"] or 0,
            "no_show": r["no_show"] or 0,
            "came_pct": round(100 * (r["came"] or 0) / called, 1) if called else None,
            "no_show_pct": round(100 * (r["no_show"] or 0) / called, 1) if called else None,
        }

    return {"from": start, "to": end, "rows": found, "notified": share(True), "not_notified": share(False)}
