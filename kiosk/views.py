"""The kiosk's pages (/kiosk/, /ambil/, /t/<token>) and its endpoints: issue at a kiosk, from a phone, reprint, agent reports."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime

import qrcode
from flask import Blueprint, current_app, make_response, render_template, request
from markupsafe import Markup

from loket import inputs, notify, serializers, tickets
from loket.api import client_address, issue_from_request
from loket.db import get_db, one, settings
from loket.errors import LoketError
from loket.ratelimit import hit, peek

from . import opening, service

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static", static_url_path="/kiosk/static")

DEVICE_COOKIE = "loket_device"
PHONE_WINDOW = 3600
# One address may be a whole MPP's guest Wi-Fi behind NAT: a wide ceiling only stops scripts that drop cookies.
PHONE_PER_ADDRESS_FACTOR = 20
REPRINTS_PER_TICKET = 5  # per 10 minutes
TOKEN_MAX = 64


@bp.record_once
def _install_printer(state) -> None:
    # loket/api.py calls this after issuing at a kiosk; the kiosk package owns how tickets reach paper.
    state.app.extensions.setdefault("loket_printer", service.PrintWorker(state.app))


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def qr_svg(data: str) -> Markup:
    """The QR code as inline SVG: one path of dark runs, so a cheap phone draws it at once."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    # Built from integers only, so nothing in it needs escaping.
    return Markup(  # noqa: S704
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="QR"'
        ' shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def _with_qr(ticket: dict) -> dict:
    return {**ticket, "qr_svg": str(qr_svg(ticket["status_url"]))}


def _token(token: str) -> str:
    if not token or len(token) > TOKEN_MAX:
        raise LoketError("ticket_not_found")
    return token


# ---------------------------------------------------------------- pages


@bp.get("/kiosk/")
def kiosk_page():
    name = request.args.get("kiosk", "")[:64]
    return render_template("kiosk/kiosk.html", kiosk_name=name, layout=request.args.get("layout", ""))


@bp.get("/ambil/")
def phone_page():
    db = get_db()
    return render_template("kiosk/ambil.html", enabled=settings(db)["phone_tickets"] == "1", mpp=serializers.mpp_json(db))


@bp.get("/t/<token>")
def ticket_page(token: str):
    db = get_db()
    try:
        ticket = tickets.by_token(db, _token(token))
    except LoketError:
        return render_template("kiosk/ticket_missing.html", mpp=serializers.mpp_json(db)), 404
    data = {**serializers.ticket_json(db, ticket, clock()), "notify": notify.subscription_json(notify.subscription_of(db, ticket["id"]))}
    response = make_response(render_template("kiosk/ticket.html", ticket=data, qr=qr_svg(data["status_url"]), mpp=serializers.mpp_json(db)))
    # The URL is the key to the ticket: keep it out of shared caches and other sites' Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------- kiosk endpoints


@bp.get("/api/kiosks/<name>")
def kiosk_info(name: str):
    return {"kiosk": service.kiosk_json(service.kiosk_by_name(get_db(), name))}


@bp.get("/api/agencies/<int:agency_id>/logo")
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


@bp.get("/api/services/<int:service_id>/next-opening")
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


@bp.post("/api/kiosks/<name>/tickets")
def issue_at_kiosk(name: str):
    """Take a ticket at this kiosk: printed by the server or the kiosk's agent; the answer carries the QR as SVG."""
    kiosk = service.kiosk_by_name(get_db(), name)
    data = {**inputs.body(), "kiosk_id": kiosk["id"]}
    return {"ticket": _with_qr(issue_from_request(data, "kiosk"))}, 201


@bp.post("/api/tickets/<token>/reprint")
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
    if service.printer_kind(kiosk["printer_url"]) is None:
        raise LoketError("no_printer")
    hit(db, f"reprint:{ticket['id']}", REPRINTS_PER_TICKET, 600, now)
    current_app.extensions["loket_printer"](ticket, kiosk, serializers.public_base_url(), reprint=True)
    # The outcome arrives as `ticket_printed`; until then the ticket reads "printing".
    return {"ticket": _with_qr({**serializers.ticket_json(db, ticket, now), "printed": None})}


@bp.post("/api/kiosks/<name>/print-result")
def print_result(name: str):
    """The print agent reports whether a ticket of its kiosk came out of the printer."""
    db = get_db()
    now = clock()
    kiosk = service.kiosk_by_name(db, name)
    data = inputs.body()
    key = request.headers.get("X-Agent-Key") or inputs.text(data, "agent_key", max_length=100)
    if not kiosk["agent_key"] or not key or not secrets.compare_digest(kiosk["agent_key"], key):
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


def _device_id() -> tuple[str, bool]:
    """The phone's random id from its cookie, or a new one (True when it must be set)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return value, False
    return secrets.token_urlsafe(18), True


@bp.post("/api/phone/tickets")
def issue_by_phone():
    """A paperless ticket on the citizen's own phone, limited per device and address so nobody hoards numbers."""
    db = get_db()
    now = clock()
    conf = settings(db)
    if conf["phone_tickets"] != "1":
        raise LoketError("phone_tickets_disabled")
    limit = max(int(conf["phone_tickets_per_hour"] or 0), 0)
    device, new_device = _device_id()
    address = client_address()
    buckets = [(f"phone:{device}:{address}", limit), (f"phone-address:{address}", limit * PHONE_PER_ADDRESS_FACTOR)]
    # Count only tickets actually issued: a citizen who met a closed service three times is no hoarder.
    for bucket, allowed in buckets:
        if peek(db, bucket, PHONE_WINDOW, now) >= allowed:
            stamp = int(now.timestamp())
            raise LoketError("rate_limited", retry_after=PHONE_WINDOW - stamp % PHONE_WINDOW)
    data = {k: v for k, v in inputs.body().items() if k != "kiosk_id"}
    ticket = issue_from_request(data, "phone")
    for bucket, allowed in buckets:
        try:
            hit(db, bucket, allowed, PHONE_WINDOW, now)
        except LoketError:
            pass  # already issued; the next request is the one refused
    response = make_response({"ticket": ticket}, 201)
    if new_device:
        response.set_cookie(
            DEVICE_COOKIE, device, max_age=365 * 86400, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
        )
    return response
