"""Complaint rules as plain functions over the database: filing, due dates, the staff workflow.

Deadlines are working days (PermenPANRB 62/2018 practice): information 5, complaint about service
quality 14, misconduct or maladministration 60. Weekends and the MPP's own holidays (closed_dates
with no agency) do not count.
"""

from __future__ import annotations

import secrets
import statistics
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlite_utils import Database

from loket.db import after_commit, one, settings, transaction
from loket.errors import LoketError
from loket.events import ComplaintChanged
from loket.i18n import N_, bilingual
from loket.timeutil import iso, local_day, parse_iso

# value -> Bilingual(id, en) label; the Indonesian is the catalog id, the English comes from the catalogs.
KINDS = {
    "complaint": bilingual(N_("Pengaduan")),
    "suggestion": bilingual(N_("Aspirasi/saran")),
    "information": bilingual(N_("Permintaan informasi")),
}
CATEGORIES = {
    "service": bilingual(N_("Kualitas pelayanan")),
    "misconduct": bilingual(N_("Perilaku petugas/maladministrasi")),
}
STATUSES = {
    "received": bilingual(N_("Diterima")),
    "verified": bilingual(N_("Diverifikasi")),
    "rejected": bilingual(N_("Ditolak")),
    "not_our_authority": bilingual(N_("Bukan kewenangan")),
    "assigned": bilingual(N_("Diteruskan ke instansi")),
    "in_progress": bilingual(N_("Sedang ditindaklanjuti")),
    "answered": bilingual(N_("Dijawab")),
    "closed": bilingual(N_("Selesai")),
}
# Statuses in which the clock no longer runs against the MPP.
SETTLED = ("answered", "closed", "rejected", "not_our_authority")


class Step(NamedTuple):
    """One workflow action: the statuses it may start from and the status it leads to."""

    sources: tuple[str, ...]
    target: str | None  # None keeps the status (a note)


ACTIONS: dict[str, Step] = {
    "verify": Step(("received",), "verified"),
    "reject": Step(("received", "verified"), "rejected"),
    "not_our_authority": Step(("received", "verified"), "not_our_authority"),
    "assign": Step(("verified", "assigned", "in_progress"), "assigned"),
    "start": Step(("assigned",), "in_progress"),
    "answer": Step(("assigned", "in_progress"), "answered"),
    "reopen": Step(("answered",), "in_progress"),
    "close": Step(("answered", "rejected", "not_our_authority"), "closed"),
    "note": Step(tuple(STATUSES), None),
}
# The MPP organiser (admin) triages and forwards; the agency that received it works on it.
AGENCY_ACTIONS = {"officer": {"start", "answer", "note"}, "supervisor": {"start", "answer", "note", "reopen", "close"}}
# Actions whose text is the public answer the citizen reads on the tracking page.
PUBLIC_TEXT_ACTIONS = ("answer", "reject", "not_our_authority")

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
TEXT_LIMIT = 4000


def new_code() -> str:
    """ADU-7K3M-Q9PX: 31^8 ≈ 8.5 × 10^11 codes, too many to guess, short enough to type."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"ADU-{chars[:4]}-{chars[4:]}"


def normalize_code(text: str) -> str | None:
    """Accept what people type: lower case, spaces, missing dashes."""
    raw = "".join(c for c in str(text).upper() if c.isalnum())
    raw = raw.removeprefix("ADU")
    if len(raw) != 8 or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"ADU-{raw[:4]}-{raw[4:]}"


def due_days(kind: str, category: str | None) -> int:
    if kind == "information":
        return 5
    if category == "misconduct":
        return 60
    return 14


def add_working_days(db: Database, start: date, days: int) -> date:
    """The `days`-th working day after `start`: no Saturdays, Sundays or MPP-wide closed dates.

    Every later MPP-wide closed date is read (a few dozen a year), not a window: a closure of months
    (a renovation) must push the due date past its end.
    """
    holidays = {r[0] for r in db.execute("SELECT date FROM closed_dates WHERE agency_id IS NULL AND date > ?", (start.isoformat(),))}
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day.isoformat() not in holidays:
            left -= 1
    return day


def file(
    db: Database,
    now: datetime,
    *,
    kind: str,
    text: str,
    title: str = "",
    category: str | None = None,
    agency_id: int | None = None,
    ticket_id: int | None = None,
    photo: str | None = None,
    name: str = "",
    contact: str = "",
    anonymous: bool = False,
    source: str = "web",
) -> dict:
    """Record a new complaint with its tracking code and due date; the first step is 'received'."""
    if kind not in KINDS:
        raise LoketError("invalid_field", field="kind", reason=N_("pilih salah satu: {options}"), options=", ".join(KINDS))
    if category is not None and category not in CATEGORIES:
        raise LoketError("invalid_field", field="category", reason=N_("pilih salah satu: {options}"), options=", ".join(CATEGORIES))
    if kind != "complaint":
        category = None
    title = title.strip() or _title_from(text)
    received_on = local_day(now, settings(db)["timezone"])
    with transaction(db):
        if agency_id is not None and one(db, "SELECT id FROM agencies WHERE id = ?", (agency_id,)) is None:
            raise LoketError("agency_not_found")
        due_on = add_working_days(db, date.fromisoformat(received_on), due_days(kind, category)).isoformat()
        for _attempt in range(5):
            code = new_code()
            if one(db, "SELECT id FROM complaints WHERE code = ?", (code,)) is None:
                break
        complaint = one(
            db,
            "INSERT INTO complaints (code, kind, category, agency_id, ticket_id, title, text, photo, name, contact, anonymous, source,"
            " received_on, received_at, due_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                code,
                kind,
                category,
                agency_id,
                ticket_id,
                title,
                text,
                photo,
                name,
                contact,
                int(anonymous),
                source,
                received_on,
                iso(now),
                due_on,
            ),
        )
        _log(db, complaint, now, "received", "received", None, "")
    return complaint


def _title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:77].rstrip() + "…"


def _log(
    db: Database, complaint: dict, now: datetime, action: str, status: str, user: dict | None, note: str, agency_id: int | None = None
) -> None:
    db.execute(
        "INSERT INTO complaint_steps (complaint_id, at, status, action, user_id, username, agency_id, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (complaint["id"], iso(now), status, action, user["id"] if user else None, user["username"] if user else "", agency_id, note),
    )


def by_code(db: Database, code: str) -> dict:
    canonical = normalize_code(code)
    complaint = one(db, "SELECT * FROM complaints WHERE code = ?", (canonical,)) if canonical else None
    if complaint is None:
        raise LoketError("complaint_not_found")
    return complaint


def can_see(user: dict, complaint: dict) -> bool:
    """Admin sees every complaint; agency staff only those of their own agency."""
    return user["role"] == "admin" or (complaint["agency_id"] is not None and complaint["agency_id"] == user["agency_id"])


def allowed_actions(user: dict, complaint: dict) -> list[str]:
    mine = set(ACTIONS) if user["role"] == "admin" else AGENCY_ACTIONS.get(user["role"], set())
    if not can_see(user, complaint):
        return []
    return [a for a, rule in ACTIONS.items() if a in mine and complaint["status"] in rule.sources]


def step(
    db: Database,
    complaint_id: int,
    action: str,
    user: dict,
    now: datetime,
    *,
    note: str = "",
    answer: str = "",
    agency_id: int | None = None,
    category: str | None = None,
) -> dict:
    """Move a complaint one step along the workflow and log who did it, when and why."""
    if action not in ACTIONS:
        raise LoketError("invalid_field", field="action", reason=N_("pilih salah satu: {options}"), options=", ".join(ACTIONS))
    with transaction(db):
        complaint = one(db, "SELECT * FROM complaints WHERE id = ?", (complaint_id,))
        if complaint is None or not can_see(user, complaint):
            # Agency staff must not learn that another agency's complaint exists.
            raise LoketError("complaint_not_found")
        target = ACTIONS[action].target
        if complaint["status"] not in ACTIONS[action].sources:
            raise LoketError("invalid_transition", action=action, current=complaint["status"])
        if action not in allowed_actions(user, complaint):
            raise LoketError("forbidden")
        changes: dict = {}
        if target:
            changes["status"] = target
        if action == "assign":
            if agency_id is None:
                raise LoketError("missing_field", field="agency_id")
            if one(db, "SELECT id FROM agencies WHERE id = ?", (agency_id,)) is None:
                raise LoketError("agency_not_found")
            changes["agency_id"] = agency_id
        if action == "verify" and category is not None:
            if category not in CATEGORIES or complaint["kind"] != "complaint":
                raise LoketError("invalid_field", field="category", reason=N_("hanya untuk pengaduan: service atau misconduct"))
            # A complaint verified as misconduct gets the longer legal deadline, counted from receipt.
            changes["category"] = category
            changes["due_on"] = add_working_days(
                db, date.fromisoformat(complaint["received_on"]), due_days("complaint", category)
            ).isoformat()
        if action in PUBLIC_TEXT_ACTIONS:
            if action == "answer" and not answer.strip():
                raise LoketError("missing_field", field="answer")
            if answer.strip():
                changes["answer"] = answer.strip()
        if action == "answer":
            changes["answered_at"] = iso(now)
        if action == "reopen":
            changes["answered_at"] = None
        if action == "close":
            changes["closed_at"] = iso(now)
        if changes:
            assignments = ", ".join(f"{k} = :{k}" for k in changes)
            complaint = one(db, f"UPDATE complaints SET {assignments} WHERE id = :id RETURNING *", {**changes, "id": complaint_id})
        _log(db, complaint, now, action, complaint["status"], user, note.strip(), changes.get("agency_id"))
        # its public tracking page redraws once the step has committed
        after_commit(db, ComplaintChanged(complaint["code"], public_json(db, complaint)))
    return complaint


def steps(db: Database, complaint_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM complaint_steps WHERE complaint_id = ? ORDER BY id", (complaint_id,)))


def is_overdue(complaint: dict, today: str) -> bool:
    return complaint["status"] not in SETTLED and today > complaint["due_on"]


def _names(db: Database, complaint: dict) -> dict:
    agency = one(db, "SELECT name FROM agencies WHERE id = ?", (complaint["agency_id"],)) if complaint["agency_id"] else None
    ticket = one(db, "SELECT number, issued_on FROM tickets WHERE id = ?", (complaint["ticket_id"],)) if complaint["ticket_id"] else None
    return {"agency": agency["name"] if agency else None, "ticket_number": ticket["number"] if ticket else None}


def public_json(db: Database, complaint: dict) -> dict:
    """What anyone holding the code sees: never the text's author, contact or staff notes."""
    timeline = []
    for s in steps(db, complaint["id"]):
        if s["action"] == "note":
            continue
        timeline.append({"status": s["status"], "label": STATUSES[s["status"]][0], "label_en": STATUSES[s["status"]][1], "at": s["at"]})
    return {
        "code": complaint["code"],
        "kind": complaint["kind"],
        "kind_label": KINDS[complaint["kind"]][0],
        "kind_label_en": KINDS[complaint["kind"]][1],
        "agency": _names(db, complaint)["agency"],
        "status": complaint["status"],
        "status_label": STATUSES[complaint["status"]][0],
        "status_label_en": STATUSES[complaint["status"]][1],
        "received_on": complaint["received_on"],
        "due_on": complaint["due_on"],
        "answer": complaint["answer"] or None,
        "answered_at": complaint["answered_at"],
        "timeline": timeline,
    }


def staff_json(db: Database, complaint: dict, user: dict, today: str, with_steps: bool = False) -> dict:
    """The staff view; an anonymous citizen's identity is for the MPP organiser (admin) only."""
    hide_identity = bool(complaint["anonymous"]) and user["role"] != "admin"
    data = {
        "id": complaint["id"],
        "code": complaint["code"],
        "kind": complaint["kind"],
        "kind_label": KINDS[complaint["kind"]][0],
        "kind_label_en": KINDS[complaint["kind"]][1],
        "category": complaint["category"],
        "category_label": CATEGORIES[complaint["category"]][0] if complaint["category"] else None,
        "category_label_en": CATEGORIES[complaint["category"]][1] if complaint["category"] else None,
        "agency_id": complaint["agency_id"],
        **_names(db, complaint),
        "title": complaint["title"],
        "text": complaint["text"],
        "has_photo": bool(complaint["photo"]),
        "name": None if hide_identity else complaint["name"],
        "contact": None if hide_identity else complaint["contact"],
        "anonymous": bool(complaint["anonymous"]),
        "source": complaint["source"],
        "status": complaint["status"],
        "status_label": STATUSES[complaint["status"]][0],
        "status_label_en": STATUSES[complaint["status"]][1],
        "received_on": complaint["received_on"],
        "received_at": complaint["received_at"],
        "due_on": complaint["due_on"],
        "overdue": is_overdue(complaint, today),
        "answer": complaint["answer"],
        "answered_at": complaint["answered_at"],
        "closed_at": complaint["closed_at"],
        "actions": allowed_actions(user, complaint),
    }
    if with_steps:
        data["steps"] = [
            {
                "at": s["at"],
                "action": s["action"],
                "status": s["status"],
                "status_label": STATUSES[s["status"]][0],
                "status_label_en": STATUSES[s["status"]][1],
                "username": s["username"],
                "note": s["note"],
            }
            for s in steps(db, complaint["id"])
        ]
    return data


def listing(
    db: Database,
    user: dict,
    *,
    status: str | None = None,
    kind: str | None = None,
    agency_id: int | None = None,
    overdue_on: str | None = None,
) -> list[dict]:
    """Complaints this user may see, oldest due first; `overdue_on` keeps only those late on that day."""
    sql = "SELECT * FROM complaints WHERE 1 = 1"
    params: list = []
    if user["role"] != "admin":
        sql += " AND agency_id = ?"
        params.append(user["agency_id"])
    for clause, value in (("status = ?", status), ("kind = ?", kind), ("agency_id = ?", agency_id)):
        if value is not None:
            sql += " AND " + clause
            params.append(value)
    if overdue_on:
        sql += f" AND status NOT IN ({','.join('?' * len(SETTLED))}) AND due_on < ?"
        params += [*SETTLED, overdue_on]
    return list(db.query(sql + " ORDER BY (status IN ('answered', 'closed', 'rejected', 'not_our_authority')), due_on, id", params))


def report(
    db: Database, today: str, tz: str, *, agency_id: int | None = None, date_from: str | None = None, date_to: str | None = None
) -> dict:
    """Counts by kind, agency and status; median days to answer; share answered within the deadline."""
    sql = "SELECT * FROM complaints WHERE 1 = 1"
    params: list = []
    for clause, value in (("agency_id = ?", agency_id), ("received_on >= ?", date_from), ("received_on <= ?", date_to)):
        if value is not None:
            sql += " AND " + clause
            params.append(value)
    rows = list(db.query(sql, params))
    agencies = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agencies")}

    def tally(key, labels):
        out = []
        for value in labels:
            count = sum(1 for r in rows if r[key] == value)
            label = labels[value] if isinstance(labels[value], tuple) else (labels[value], labels[value])
            out.append({key: value, "label": label[0], "label_en": label[1], "count": count})
        return out

    by_agency_ids = sorted({r["agency_id"] for r in rows}, key=lambda a: (a is None, agencies.get(a, "")))
    answered = [r for r in rows if r["answered_at"]]
    durations = [(parse_iso(r["answered_at"]) - parse_iso(r["received_at"])) / timedelta(days=1) for r in answered]
    on_time = sum(1 for r in answered if local_day(parse_iso(r["answered_at"]), tz) <= r["due_on"])
    open_late = sum(1 for r in rows if is_overdue(r, today))
    judged = len(answered) + open_late
    return {
        "period": {"from": date_from, "to": date_to},
        "total": len(rows),
        "by_kind": tally("kind", KINDS),
        "by_status": tally("status", STATUSES),
        "by_agency": [
            {
                "agency_id": a,
                "agency": agencies.get(a) if a else "Belum ditentukan",
                "count": sum(1 for r in rows if r["agency_id"] == a),
                "overdue": sum(1 for r in rows if r["agency_id"] == a and is_overdue(r, today)),
            }
            for a in by_agency_ids
        ],
        "answered": len(answered),
        "median_days_to_answer": round(statistics.median(durations), 1) if durations else None,
        "answered_on_time": on_time,
        "overdue_open": open_late,
        # Late answers and still-open overdue complaints both count against the deadline.
        "on_time_percent": round(100 * on_time / judged, 1) if judged else None,
    }


def lapor_rows(db: Database, user: dict, date_from: str | None = None, date_to: str | None = None) -> list[dict]:
    """Rows an operator retypes into SP4N-LAPOR!: no identity when the citizen chose anonymity."""
    out = []
    for c in listing(db, user):
        if (date_from and c["received_on"] < date_from) or (date_to and c["received_on"] > date_to):
            continue
        names = _names(db, c)
        out.append(
            {
                "tanggal": c["received_on"],
                "kode": c["code"],
                "judul": c["title"],
                "isi": c["text"],
                "kategori": KINDS[c["kind"]][0] + (f" — {CATEGORIES[c['category']][0]}" if c["category"] else ""),
                "instansi": names["agency"] or "",
                "status": STATUSES[c["status"]][0],
                "anonim": "Ya" if c["anonymous"] else "Tidak",
                "nama": "" if c["anonymous"] else c["name"],
                "kontak": "" if c["anonymous"] else c["contact"],
                "tanggapan": c["answer"],
            }
        )
    return out
