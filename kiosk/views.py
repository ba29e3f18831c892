"""The kiosk's pages (/kiosk/, /ambil/, /t/<token>) and its endpoints: issue at a kiosk, from a phone, reprint,
agent reports, and the admin's test print on a kiosk's printer."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime

from flask import Blueprint, current_app, make_response, render_template, request

from loket import audit, auth, inputs, issuing, notify, pairing, printers, serializers, snapshots, tickets
from loket.db import get_db, one, settings, transaction
from loket.errors import LoketError
from loket.events import PrintWanted
from loket.i18n import N_
from loket.qr import qr_svg
from loket.ratelimit import hit
from loket.timeutil import iso

from . import opening, printing, service

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates", static_folder="static")
phone = Blueprint("kiosk_phone", __name__, url_prefix="/ambil")  # the kiosk on a citizen's phone
ticket_page = Blueprint("kiosk_ticket", __name__, url_prefix="/t")  # the ticket's own page, its QR's target
api = Blueprint("kiosk_api", __name__, url_prefix="/api")
blueprints = (bp, phone, ticket_page, api)

REPRINTS_PER_TICKET = 5  # per 10 minutes
TOKEN_MAX = 64


@bp.record_once
def _install_printer(state) -> None:
    # The core says a ticket wants paper (PrintWanted, after its commit); the kiosk owns how it reaches paper.
    worker = service.PrintWorker(state.app)
    state.app.extensions["kiosk_print_worker"] = worker
    state.app.extensions["loket_emitter"].subscribe(PrintWanted, worker)


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def _with_qr(ticket: dict) -> dict:
    return {**ticket, "qr_svg": str(qr_svg(ticket["status_url"]))}


def _token(token: str) -> str:
    if not token or len(token) > TOKEN_MAX:
        raise LoketError("ticket_not_found")
    return token


# ---------------------------------------------------------------- pages


@bp.get("/")
def kiosk_page():
    name = request.args.get("kiosk", "")[:64]
    # the check-in screen writes a booking's call time in the MPP's zone before any snapshot arrives
    timezone = settings(get_db())["timezone"]
    return render_template("kiosk/kiosk.html", kiosk_name=name, layout=request.args.get("layout", ""), timezone=timezone)


@phone.get("/")
def phone_page():
    db = get_db()
    enabled = settings(db)["phone_tickets"] == "1"
    # The first data rides in the page (what the socket's subscribe would answer): on a phone at 400 ms a
    # round trip the list is there without waiting for the websocket's handshake; the socket then keeps it live.
    first = snapshots.snapshot(db, "kiosk", current_app.config["CLOCK"]()) if enabled else None
    return render_template("kiosk/ambil.html", enabled=enabled, mpp=serializers.mpp_json(db), first=first)


@ticket_page.get("/<token>")
def ticket_page(token: str):
    db = get_db()
    try:
        ticket = tickets.by_token(db, _token(token))
    except LoketError:
        return render_template("kiosk/ticket_missing.html", mpp=serializers.mpp_json(db)), 404
    data = {**serializers.ticket_json(db, ticket, clock()), "notify": notify.subscription_json(notify.subscription_of(db, ticket["id"]))}
    mpp = serializers.mpp_json(db)
    around = printing.local_clock_text(data["called_around"], mpp["timezone"]) if data["called_around"] else None
    page = render_template("kiosk/ticket.html", ticket=data, qr=qr_svg(data["status_url"]), mpp=mpp, called_around=around)
    response = make_response(page)
    # The URL is the key to the ticket: keep it out of shared caches and other sites' Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------- kiosk endpoints


@api.get("/kiosks/<name>")
def kiosk_info(name: str):
    """The kiosk as its screen may know it; `paired` says whether the key the screen sends (X-Kiosk-Key) is this kiosk's."""
    kiosk = issuing.kiosk_by_name(get_db(), name)
    paired = pairing.matches(kiosk["key_hash"], request.headers.get(issuing.KIOSK_KEY_HEADER))
    return {"kiosk": {**service.kiosk_json(kiosk), "paired": paired}}


@api.post("/kiosks/<name>/pair")
def kiosk_pair(name: str):
    """Issue the kiosk's key (an earlier kiosk PC stops issuing); shown once, inside a link the kiosk opens."""
    user = auth.require_user("admin")
    db = get_db()
    kiosk, key = service.pair_kiosk(db, name, clock(), user)
    return {"kiosk": service.kiosk_json(kiosk), "kiosk_key": key, "pair_url": service.pair_url(serializers.public_base_url(), name, key)}


@api.delete("/kiosks/<name>/pair")
def kiosk_unpair(name: str):
    user = auth.require_user("admin")
    kiosk = service.unpair_kiosk(get_db(), name, clock(), user)
    return {"kiosk": {**service.kiosk_json(kiosk), "paired": False}}


@api.get("/agencies/<int:agency_id>/logo")
def agency_logo(agency_id: int):
    """The logo an admin uploaded for the agency's kiosk badge (stored as a PNG/JPEG/WebP data URL)."""
    found = one(get_db(), "SELECT logo FROM agencies WHERE id = ?", (agency_id,))
    match = re.match(r"^data:(image/(?:png|jpeg|webp));base64,(.+)$", (found or {}).get("logo") or "")
    if not match:
        raise LoketError("not_found")
    response = make_response(base64.b64decode(match.group(2)))
    response.headers["Content-Type"] = match.group(1)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@api.get("/services/<int:service_id>/next-opening")
def next_opening(service_id: int):
    """When a refused citizen can come back, and (where phone tickets are on) a QR to take the number from a phone."""
    db = get_db()
    service = one(db, "SELECT id, booking_enabled FROM services WHERE id = ?", (service_id,))
    if service is None:
        raise LoketError("service_not_found")
    answer: dict = {"service_id": service_id, "next_opening": opening.next_opening(db, service_id, clock())}
    if settings(db)["phone_tickets"] == "1":
        url = f"{serializers.public_base_url()}/ambil/?service={service_id}"
        answer["phone_url"] = url
        answer["phone_qr_svg"] = str(qr_svg(url))
    if service["booking_enabled"]:
        # a full or closed day is when a booked time helps most
        url = f"{serializers.public_base_url()}/reservasi/?service={service_id}"
        answer["booking_url"] = url
        answer["booking_qr_svg"] = str(qr_svg(url))
    return answer


@api.post("/kiosks/<name>/tickets")
def issue_at_kiosk(name: str):
    """Take a ticket at this paired kiosk (its key in X-Kiosk-Key): printed by the server or the kiosk's agent;
    the answer carries the QR as SVG."""
    kiosk = issuing.kiosk_by_name(get_db(), name)
    return {"ticket": _with_qr(issuing.issue_from_request(inputs.body(), "kiosk", kiosk=kiosk))}, 201


@api.post("/tickets/<token>/reprint")
def reprint(token: str):
    """Print a kiosk ticket again (printer was out of paper); the token is the holder's proof."""
    db = get_db()
    now = clock()
    ticket = tickets.by_token(db, _token(token))
    if ticket["kiosk_id"] is None:
        raise LoketError("no_printer")
    if ticket["status"] not in ("waiting", "called", "serving"):
        raise LoketError("ticket_not_waiting")
    kiosk = one(db, "SELECT * FROM kiosks WHERE id = ?", (ticket["kiosk_id"],))
    if printers.printer_kind(kiosk["printer_url"]) is None:
        raise LoketError("no_printer")
    hit(db, f"reprint:{ticket['id']}", REPRINTS_PER_TICKET, 600, now)
    # nothing was written, so nothing to commit first: the kiosk hands the job to its own worker
    current_app.extensions["kiosk_print_worker"](issuing.print_wanted(ticket, kiosk, reprint=True))
    # The outcome arrives as `ticket_printed`; until then the ticket reads "printing".
    return {"ticket": _with_qr({**serializers.ticket_json(db, ticket, now), "printed": None})}


@api.post("/kiosks/<name>/print-result")
def print_result(name: str):
    """The print agent reports whether a ticket of its kiosk came out of the printer."""
    db = get_db()
    now = clock()
    kiosk = issuing.kiosk_by_name(db, name)
    data = inputs.body()
    # a header or body that cannot be a key (non-ASCII, too long) is simply a wrong key, never a 500
    key = pairing.readable(request.headers.get("X-Agent-Key") or inputs.text(data, "agent_key", max_length=100))
    if not kiosk["agent_key"] or key is None or not secrets.compare_digest(kiosk["agent_key"], key):
        raise LoketError("forbidden")
    token = inputs.text(data, "token", required=True, max_length=TOKEN_MAX)
    ok = inputs.boolean(data, "ok")
    error = inputs.text(data, "error", max_length=500)
    ticket = one(db, "SELECT * FROM tickets WHERE token = ? AND kiosk_id = ?", (token, kiosk["id"]))
    if ticket is None:
        raise LoketError("ticket_not_found")
    service.record_outcome(db, ticket, kiosk, ok, "" if ok else (error or "gagal mencetak"), now)
    return {"ok": True, "printed": ok}


# ---------------------------------------------------------------- the phone (/ambil/)


@api.post("/phone/tickets")
def issue_by_phone():
    """A paperless ticket on the citizen's own phone, under the phone rules (loket/issuing.py) whoever asks."""
    return {"ticket": issuing.issue_from_request(inputs.body(), "phone")}, 201


# ---------------------------------------------------------------- the admin's test print


def _kiosk_row(db, kiosk_id: int) -> dict:
    """The kiosk's row as the admin API shows it."""
    kiosk = one(db, "SELECT * FROM kiosks WHERE id = ?", (kiosk_id,))
    if kiosk is None:
        raise LoketError("not_found")
    return kiosk


@api.post("/admin/kiosks/<int:kiosk_id>/test-print")
def test_print(kiosk_id: int):
    """Print a sample ticket on the kiosk's printer and keep the outcome as its last printer state."""
    user = auth.require_user("admin")
    db = get_db()
    now = clock()
    kiosk = _kiosk_row(db, kiosk_id)
    if not kiosk["printer_url"]:
        raise LoketError("invalid_field", field="printer_url", reason=N_("kios ini belum punya alamat printer"))
    conf = settings(db)
    mpp = {**serializers.mpp_json(db), "ticket_header": conf["ticket_header"], "ticket_footer": conf["ticket_footer"]}
    sample = {
        "number": "TES-001",
        "agency": "Uji cetak / Test print",
        "service": kiosk["name"],
        "issued_at": iso(now),
        "ahead": 0,
        "estimated_wait_minutes": 0,
        "priority": False,
        "status_url": request.host_url.rstrip("/") + "/",
    }
    result = printing.print_ticket(kiosk["printer_url"], sample, mpp, qr_mode=kiosk["qr_mode"], profile=kiosk["printer_profile"] or None)
    state, error = ("ok", "") if result.ok else ("error", result.error or "gagal mencetak")
    with transaction(db):  # the printer state and its audit row: both or neither
        db.execute("UPDATE kiosks SET printer_state = ?, printer_error = ? WHERE id = ?", (state, error[:500], kiosk_id))
        audit.record(db, now, user, "print_test", "kiosks", kiosk_id, None, {"printer_state": state, "printer_error": error})
    return {"ok": result.ok, "error": result.error, "seconds": round(result.seconds, 2), "item": _kiosk_row(db, kiosk_id)}
