"""Who may take a ticket, and under which limits: the one gate in front of `tickets.issue`.

Three kinds of client ask for a number:
- a logged-in officer or admin issues as before (a ticket for a citizen at the counter);
- a paired kiosk PC (its key in `X-Kiosk-Key`, loket/pairing.py) issues without limits, prints, and
  may grant priority when the MPP lets citizens declare it at the kiosk;
- everyone else is a phone on the Wi-Fi, whatever route it uses: limits per device and per
  address, only a share of each service's daily quota, and never a priority of its own.
So a script on the MPP's Wi-Fi can take a few numbers, never a day's queue.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import after_this_request, current_app, request
from sqlite_utils import Database

from . import auth, inputs, pairing, serializers, tickets
from .db import after_commit, get_db, one, settings, transaction
from .errors import LoketError
from .events import PrintWanted
from .i18n import N_, current_language
from .ratelimit import hit

KIOSK_KEY_HEADER = "X-Kiosk-Key"
DEVICE_COOKIE = "loket_device"  # one random id per phone: tickets, bookings and complaints read the same cookie
PHONE_WINDOW = 3600
# One address may be a whole MPP's guest Wi-Fi behind NAT: a wide ceiling only stops scripts that drop cookies.
PHONE_PER_ADDRESS_FACTOR = 20


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def client_address() -> str:
    return request.remote_addr or "unknown"


def paired_kiosk(db: Database) -> dict | None:
    """The kiosk whose key this request carries (header X-Kiosk-Key), or None; a wrong key is no kiosk."""
    key = pairing.readable(request.headers.get(KIOSK_KEY_HEADER))
    if key is None:
        return None
    return one(db, "SELECT * FROM kiosks WHERE key_hash = ?", (pairing.digest(key),))


def kiosk_by_name(db: Database, name: str) -> dict:
    """The kiosk of a route's <name> (its tickets, a booking's check-in there), or 404 kiosk_not_found."""
    kiosk = one(db, "SELECT * FROM kiosks WHERE name = ?", (name,))
    if kiosk is None:
        raise LoketError("kiosk_not_found")
    return kiosk


def device_id(give: bool = True) -> str:
    """The phone's random id from its `loket_device` cookie, the one every role reads (tickets, bookings,
    complaints). A phone without a valid one gets a new id, set on this response, unless `give` is False
    (then the answer is "")."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if 16 <= len(value) <= 64 and value.isascii() and value.replace("-", "").replace("_", "").isalnum():
        return value
    if not give:
        return ""
    value = secrets.token_urlsafe(18)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    after_this_request(
        lambda response: (
            response.set_cookie(DEVICE_COOKIE, value, max_age=365 * 86400, httponly=True, samesite="Lax", secure=secure) or response
        )
    )
    return value


def phone_buckets(conf: dict, device: str, address: str) -> list[tuple[str, int]]:
    limit = max(int(conf["phone_tickets_per_hour"] or 0), 0)
    return [(f"phone:{device}:{address}", limit), (f"phone-address:{address}", limit * PHONE_PER_ADDRESS_FACTOR)]


def issue_from_request(data: dict, source: str, kiosk: dict | None = None) -> dict:
    """Validate, decide who is asking, issue (and print at a kiosk); the broadcasts follow the commit.

    `kiosk` is the kiosk of the route (/api/kiosks/<name>/tickets); `source` "phone" always applies the
    phone rules (/api/phone/tickets)."""
    db = get_db()
    now = clock()
    service_id = inputs.integer(data, "service_id")
    priority = inputs.boolean(data, "priority")
    reason = inputs.text(data, "priority_reason", max_length=20) or None
    if priority and reason not in tickets.PRIORITY_REASONS:
        raise LoketError("invalid_priority_reason")
    user = auth.current_user()
    paired = paired_kiosk(db)
    if kiosk is None and source != "phone":
        kiosk_id = inputs.integer(data, "kiosk_id", required=False)
        if kiosk_id is not None:
            kiosk = one(db, "SELECT * FROM kiosks WHERE id = ?", (kiosk_id,))
            if kiosk is None:
                raise LoketError("invalid_field", field="kiosk_id", reason=N_("kios tidak terdaftar"))
    if kiosk is not None and user is None and (paired is None or paired["id"] != kiosk["id"]):
        raise LoketError("kiosk_not_paired")
    anonymous = source == "phone" or (user is None and paired is None)
    granted_by = None
    if priority:
        if user is not None and not anonymous:
            granted_by = f"user:{user['username']}"
        elif paired is not None and not anonymous and settings(db)["self_priority"] == "1":
            granted_by = f"kiosk:{paired['name']}"
        else:
            raise LoketError("self_priority_disabled")
    if anonymous:
        ticket = _issue_as_phone(db, service_id, now)
    else:
        with transaction(db):  # tickets.issue joins it: the ticket and its print job are said together
            ticket = tickets.issue(
                db,
                service_id,
                now,
                priority=priority,
                priority_reason=reason,
                granted_by=granted_by,
                kiosk_id=kiosk["id"] if kiosk else None,
                source="kiosk" if kiosk else source,
            )
            if kiosk is not None:
                want_print(db, ticket, kiosk)
    return serializers.ticket_json(db, ticket, now)


def want_print(db: Database, ticket: dict, kiosk: dict, reprint: bool = False) -> None:
    """Say, inside the transaction that made the ticket, that it wants paper at this kiosk.

    Paper comes off the request path: the answer (printed: null) and the lobby never wait for a printer.
    After the commit the kiosk's print worker takes the job; the outcome reaches the kiosk as `ticket_printed`.
    """
    after_commit(db, print_wanted(ticket, kiosk, reprint))


def print_wanted(ticket: dict, kiosk: dict, reprint: bool = False) -> PrintWanted:
    """The print job of this request: its QR opens the ticket page at this server, in the asker's language."""
    return PrintWanted(ticket["id"], kiosk["id"], serializers.public_base_url(), current_language(), reprint)


def _issue_as_phone(db: Database, service_id: int, now: datetime) -> dict:
    """The phone rules: on, under the device's and the address's limits, within the phones' share of the quota.

    The limits are counted in the issuing transaction, so only tickets actually issued count (a citizen
    who met a closed service three times is no hoarder) and fifty requests at once cannot all pass.
    """
    conf = settings(db)
    if conf["phone_tickets"] != "1":
        raise LoketError("phone_tickets_disabled")
    device = device_id()
    share = min(max(int(conf["phone_quota_percent"] or 0), 0), 100)
    with transaction(db):
        for bucket, allowed in phone_buckets(conf, device, client_address()):
            hit(db, bucket, allowed, PHONE_WINDOW, now)
        ticket = tickets.issue(db, service_id, now, source="phone", phone_share_percent=share)
    return ticket
