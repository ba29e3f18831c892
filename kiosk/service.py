"""Kiosk printing on the server's side: who prints a ticket, recording the outcome, reprints, kiosk records."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime
from urllib.parse import quote

from sqlite_utils import Database

from loket import pairing, serializers, tickets
from loket.db import after_commit, one, transaction
from loket.errors import LoketError
from loket.events import PrintWanted, TicketPrinted
from loket.i18n import N_
from loket.issuing import kiosk_by_name
from loket.printers import printer_kind, public_printer_error
from loket.timeutil import iso

from . import printing

log = logging.getLogger(__name__)

# The whole print attempt inside a request: the citizen must not stand at the kiosk for longer.
PRINT_TIMEOUT = 2.5
# Printers the server reaches itself; the others hang off the kiosk PC and its print agent.
SERVER_PRINTED = ("tcp", "dummy", "cups")
AGENT_PRINTED = ("usb", "serial", "file")


def set_printer_state(db: Database, kiosk_id: int, ok: bool, error: str) -> None:
    db.execute(
        "UPDATE kiosks SET printer_state = ?, printer_error = ? WHERE id = ?",
        ("ok" if ok else "error", "" if ok else error[:500], kiosk_id),
    )


def record_outcome(db: Database, ticket: dict, kiosk: dict, ok: bool, error: str, now: datetime) -> dict:
    """Store printed/print_error on the ticket and the printer's state on the kiosk, in one transaction,
    and tell the kiosk screen that issued it (it shows "printed" or offers a reprint); returns the fresh row."""
    with transaction(db):
        fresh = tickets.record_print(db, ticket["id"], ok, error, now)
        set_printer_state(db, kiosk["id"], ok, error)
        after_commit(db, TicketPrinted(kiosk["name"], fresh["id"], fresh["number"], ok, public_printer_error(kiosk, fresh["print_error"])))
    return fresh


def print_payload(
    db: Database, ticket: dict, kiosk: dict, now: datetime, reprint: bool = False, base_url: str | None = None, lang: str | None = None
) -> dict:
    """What the printer (here or at the agent) needs: the ticket as its holder sees it, the MPP, the kiosk's settings."""
    return {
        "ticket": serializers.ticket_json(db, ticket, now, loaded=serializers.Loaded(db, now, base_url, lang)),
        "mpp": serializers.mpp_json(db),
        "kiosk": kiosk["name"],
        "profile": kiosk["printer_profile"] or None,
        "qr_mode": kiosk["qr_mode"],
        "reprint": reprint,
    }


def print_for_kiosk(
    db: Database, ticket: dict, kiosk: dict, now: datetime, reprint: bool = False, base_url: str | None = None, lang: str | None = None
) -> dict:
    """Print now, or hand the ticket to the kiosk's agent. Never raises."""
    kind = printer_kind(kiosk["printer_url"])
    if kind is None:
        if kiosk["printer_url"].strip():
            return record_outcome(db, ticket, kiosk, False, f"alamat printer tidak valid: {kiosk['printer_url']}", now)
        return ticket
    payload = print_payload(db, ticket, kiosk, now, reprint, base_url, lang)
    if kind in AGENT_PRINTED:
        # The printer is on the kiosk PC: its agent prints and reports back; until then printed stays NULL.
        tickets.hand_to_print_agent(db, ticket, kiosk, payload, now)
        return ticket
    try:
        result = printing.print_ticket(
            kiosk["printer_url"],
            payload["ticket"],
            payload["mpp"],
            qr_mode=kiosk["qr_mode"],
            profile=payload["profile"],
            timeout=PRINT_TIMEOUT,
        )
        ok, error = result.ok, result.error or ""
    except Exception as exc:  # a bad profile or a printing bug must not take the ticket down with it
        log.exception("printing ticket %s failed", ticket["number"])
        ok, error = False, f"{type(exc).__name__}: {exc}"
    return record_outcome(db, ticket, kiosk, ok, error, now)


PRINTS_AT_ONCE = 8  # a hung printer holds one of these for PRINT_TIMEOUT at most


class PrintWorker:
    """Prints off the request path: a kiosk's answer and the lobby's update never wait for paper.

    Each job runs in its own thread (a greenlet under gevent), so a dead printer at one kiosk does
    not delay another's; the outcome is stored and sent to the kiosk as `ticket_printed`.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.slots = threading.BoundedSemaphore(PRINTS_AT_ONCE)
        self.running = 0
        self.lock = threading.Lock()

    def __call__(self, job: PrintWanted) -> None:
        """Take a print job (subscribed to PrintWanted, so called after the ticket's commit); returns at once."""
        with self.lock:
            self.running += 1
        # The QR on the paper opens the ticket page in the kiosk's language: the job carries it, the thread has no request.
        args = (job.ticket_id, job.kiosk_id, job.base_url, job.reprint, job.lang)
        threading.Thread(target=self._print, args=args, name="loket-print", daemon=True).start()

    def idle(self) -> bool:
        with self.lock:
            return self.running == 0

    def _print(self, ticket_id: int, kiosk_id: int, base_url: str, reprint: bool, lang: str) -> None:
        try:
            with self.slots, self.app.app_context():
                pool = self.app.extensions["loket_pool"]
                db = pool.take()
                try:
                    ticket = one(db, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
                    kiosk = one(db, "SELECT * FROM kiosks WHERE id = ?", (kiosk_id,))
                    if ticket and kiosk:
                        print_for_kiosk(db, ticket, kiosk, self.app.config["CLOCK"](), reprint, base_url, lang)
                finally:
                    pool.give_back(db)
        except Exception:
            log.exception("print job for ticket %s failed", ticket_id)
        finally:
            with self.lock:
                self.running -= 1


def pair_kiosk(db: Database, name: str, now: datetime, user: dict | None = None) -> tuple[dict, str]:
    """Issue a new key for the kiosk PC (the one paired before stops issuing); returns (kiosk, key), the key only now."""
    key = pairing.new_key()
    with transaction(db):
        before = kiosk_by_name(db, name)
        kiosk = one(
            db, "UPDATE kiosks SET key_hash = ?, paired_at = ? WHERE id = ? RETURNING *", (pairing.digest(key), iso(now), before["id"])
        )
        if user is not None:
            from loket import audit

            audit.record(db, now, user, "update", "kiosks", kiosk["id"], {"paired_at": before["paired_at"]}, {"paired_at": iso(now)})
    return kiosk, key


def unpair_kiosk(db: Database, name: str, now: datetime, user: dict) -> dict:
    from loket import audit

    with transaction(db):
        before = kiosk_by_name(db, name)
        kiosk = one(db, "UPDATE kiosks SET key_hash = '', paired_at = NULL WHERE id = ? RETURNING *", (before["id"],))
        audit.record(db, now, user, "update", "kiosks", kiosk["id"], {"paired_at": before["paired_at"]}, {"paired_at": None})
    return kiosk


def pair_url(base_url: str, name: str, key: str) -> str:
    """The link a kiosk PC opens once: the key rides in the #fragment, so no server log ever holds it."""
    return f"{base_url}/kiosk/?kiosk={quote(name)}#pair={key}"


def kiosk_json(kiosk: dict) -> dict:
    """What a kiosk screen may know of itself; the printer's address stays on the server."""
    return {
        "id": kiosk["id"],
        "name": kiosk["name"],
        "location": kiosk["location"],
        "printer": printer_kind(kiosk["printer_url"]),
        "printer_state": kiosk["printer_state"],
        "printer_error": public_printer_error(kiosk, kiosk["printer_error"]),
        "paired_at": kiosk.get("paired_at"),
    }


def save_kiosk(
    db: Database, name: str, printer_url: str, location: str = "", profile: str = "", qr_mode: str = "native"
) -> tuple[dict, bool]:
    """Register a kiosk, or update the one with this name. Returns (kiosk, created)."""
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "/?#&:"):
        raise LoketError("invalid_field", field="name", reason=N_("1–64 karakter, tanpa / ? # & :"))
    if qr_mode not in ("native", "image"):
        raise LoketError("invalid_field", field="qr", reason=N_("pilih salah satu: {options}"), options="native, image")
    if printer_url.strip():
        try:
            printing.parse_printer_url(printer_url)
        except printing.PrinterError as err:
            reason = N_("alamat printer tidak dapat dipakai ({detail})")
            raise LoketError("invalid_field", field="printer", reason=reason, detail=str(err)) from None
    if profile:
        try:
            printing.open_printer("dummy", profile)
        except printing.PrinterError as err:
            reason = N_("profil printer tidak dikenal ({detail})")
            raise LoketError("invalid_field", field="profile", reason=reason, detail=str(err)) from None
    existing = one(db, "SELECT id FROM kiosks WHERE name = ?", (name,))
    row = {"name": name, "location": location, "printer_url": printer_url.strip(), "printer_profile": profile, "qr_mode": qr_mode}
    if existing:
        kiosk = one(
            db,
            "UPDATE kiosks SET location = :location, printer_url = :printer_url, printer_profile = :printer_profile, qr_mode = :qr_mode,"
            " printer_state = 'unknown', printer_error = '',"
            " agent_key = CASE agent_key WHEN '' THEN :agent_key ELSE agent_key END WHERE name = :name RETURNING *",
            {**row, "agent_key": secrets.token_urlsafe(24)},
        )
        return kiosk, False
    kiosk = one(
        db,
        "INSERT INTO kiosks (name, location, printer_url, printer_profile, qr_mode, agent_key)"
        " VALUES (:name, :location, :printer_url, :printer_profile, :qr_mode, :agent_key) RETURNING *",
        {**row, "agent_key": secrets.token_urlsafe(24)},
    )
    return kiosk, True
