"""JSON shapes of tickets, counters and agencies as screens and the API see them."""

from __future__ import annotations

import zlib
from datetime import datetime

from flask import current_app, request
from sqlite_utils import Database

from . import tickets
from .db import one, settings
from .speech import announcement
from .timeutil import iso

# Never leave the server for a public room: the token is the key to a citizen's ticket page.
PRIVATE_FIELDS = ("token", "status_url", "officer_id", "priority_granted_by", "kiosk_id", "print_error")


def public_base_url() -> str:
    """Where phones reach this server: LOKET_PUBLIC_URL on a LAN behind a proxy, else the request's host."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    try:
        return request.host_url.rstrip("/")
    except RuntimeError:
        return ""


def names(db: Database, ticket: dict) -> dict:
    row = one(
        db,
        "SELECT s.name AS service, s.code AS service_code, a.name AS agency, a.code AS agency_code, a.color AS agency_color,"
        " c.name AS counter, c.number AS counter_number FROM services s JOIN agencies a ON a.id = s.agency_id"
        " LEFT JOIN counters c ON c.id = ? WHERE s.id = ?",
        (ticket.get("counter_id"), ticket["service_id"]),
    )
    return row or {}


def ticket_json(db: Database, ticket: dict, now: datetime, *, private: bool = True) -> dict:
    """The ticket as the API documents it; `private=False` strips what only its holder may see."""
    ahead, estimate = tickets.estimated_wait(db, ticket, now)
    label = names(db, ticket)
    data = {
        "id": ticket["id"],
        "token": ticket["token"],
        "number": ticket["number"],
        "service_id": ticket["service_id"],
        "agency_id": ticket["agency_id"],
        "service": label.get("service"),
        "agency": label.get("agency"),
        "agency_color": label.get("agency_color"),
        "priority": bool(ticket["priority"]),
        "priority_reason": ticket["priority_reason"],
        "status": ticket["status"],
        "held": bool(ticket["held"]),
        "ahead": ahead,
        "issued_on": ticket["issued_on"],
        "issued_at": ticket["issued_at"],
        "called_at": ticket["called_at"],
        "started_at": ticket["started_at"],
        "finished_at": ticket["finished_at"],
        "call_count": ticket["call_count"],
        "counter_id": ticket["counter_id"] if ticket["status"] in tickets.OPEN_STATUSES else None,
        "counter": label.get("counter") if ticket["status"] in tickets.OPEN_STATUSES else None,
        "counter_number": label.get("counter_number") if ticket["status"] in tickets.OPEN_STATUSES else None,
        "transfer_count": ticket["transfer_count"],
        "transfer_note": ticket["transfer_note"],
        "estimated_wait_minutes": estimate,
        "printed": None if ticket["printed"] is None else bool(ticket["printed"]),
        "status_url": f"{public_base_url()}/t/{ticket['token']}",
    }
    return data if private else public(data)


def public(ticket: dict) -> dict:
    """A ticket's JSON without what only its holder may see."""
    return {k: v for k, v in ticket.items() if k not in PRIVATE_FIELDS}


def counter_json(db: Database, counter: dict, now: datetime) -> dict:
    current = tickets.current_of(db, counter["id"])
    officer = one(db, "SELECT full_name, username FROM users WHERE id = ?", (counter["officer_id"],)) if counter["officer_id"] else None
    service_ids = [
        r["service_id"]
        for r in db.query("SELECT service_id FROM counter_services WHERE counter_id = ? ORDER BY service_id", (counter["id"],))
    ]
    return {
        "id": counter["id"],
        "name": counter["name"],
        "number": counter["number"],
        "agency_id": counter["agency_id"],
        "zone": counter["zone"],
        "service_ids": service_ids,
        "state": counter["state"],
        "officer": (officer["full_name"] or officer["username"]) if officer else None,
        "current_ticket": ticket_json(db, current, now, private=False) if current else None,
    }


def counters_json(db: Database, now: datetime, agency_id: int | None = None) -> list[dict]:
    sql = "SELECT * FROM counters" + (" WHERE agency_id = ?" if agency_id else "") + " ORDER BY agency_id, number, id"
    return [counter_json(db, c, now) for c in db.query(sql, (agency_id,) if agency_id else ())]


def agencies_json(db: Database, now: datetime, agency_ids: list[int] | None = None, include_inactive: bool = False) -> list[dict]:
    """Agencies with their services, each with live waiting counts, open state and estimate."""
    conf = settings(db)
    stats = tickets.service_stats(db, now)
    out = []
    where = "" if include_inactive else " WHERE active = 1"
    for agency in db.query("SELECT * FROM agencies" + where + " ORDER BY sort_order, name"):
        if agency_ids and agency["id"] not in agency_ids:
            continue
        services = []
        for s in db.query(
            "SELECT * FROM services WHERE agency_id = ?" + ("" if include_inactive else " AND active = 1") + " ORDER BY sort_order, name",
            (agency["id"],),
        ):
            stat = stats.get(s["id"])
            refusal = tickets.issuing_state(db, {**s, "agency_active": agency["active"]}, now, conf["timezone"])
            services.append(
                {
                    "id": s["id"],
                    "code": s["code"],
                    "name": s["name"],
                    "prefix": s["prefix"],
                    "open": refusal is None,
                    "closed_reason": refusal.code if refusal else None,
                    "closed_message": refusal.message() if refusal else None,
                    "waiting": stat["waiting"],
                    "quota": s["daily_quota"],
                    "issued_today": stat["issued_today"],
                    "quota_left": None if s["daily_quota"] is None else max(s["daily_quota"] - stat["issued_today"], 0),
                    "open_counters": stat["open_counters"],
                    "estimated_wait_minutes": tickets.estimate_minutes(stat, stat["waiting"]),
                    "standard": {
                        "requirements": s["requirements"],
                        "procedure": s["procedure"],
                        "completion_time": s["completion_time"],
                        "fee": s["fee"],
                        "product": s["product"],
                        "complaint_channel": s["complaint_channel"],
                        "sk_number": s["sk_number"],
                    },
                }
            )
        out.append(
            {
                "id": agency["id"],
                "code": agency["code"],
                "name": agency["name"],
                "color": agency["color"],
                "zone": agency["zone"],
                "short_code": agency.get("short_code") or "",
                "logo_url": f"/api/agencies/{agency['id']}/logo?v={zlib.crc32(agency['logo'].encode())}" if agency.get("logo") else "",
                "maklumat": agency["maklumat"],
                "maklumat_signer": agency["maklumat_signer"],
                "waiting": sum(s["waiting"] for s in services),
                "services": services,
            }
        )
    return out


def called_event(db: Database, ticket: dict, now: datetime, recall: bool) -> dict:
    """The `ticket_called` payload, with the Indonesian sentence the lobby speaks."""
    label = names(db, ticket)
    reading = settings(db)["number_reading"]
    return {
        "ticket_id": ticket["id"],
        "number": ticket["number"],
        "counter_id": ticket["counter_id"],
        "counter": label.get("counter"),
        "counter_number": label.get("counter_number"),
        "agency_id": ticket["agency_id"],
        "agency": label.get("agency"),
        "service_id": ticket["service_id"],
        "service": label.get("service"),
        "priority": bool(ticket["priority"]),
        "recall": recall,
        "call_count": ticket["call_count"],
        "called_at": ticket["called_at"],
        "announced_at": iso(now),
        "announcement": announcement(ticket["number"], label.get("counter_number") or 0, reading),
    }
