"""Who may answer the survey, when, and storing one anonymous answer set per ticket."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from loket import inputs
from loket.db import one, settings, transaction
from loket.errors import LoketError
from loket.i18n import N_
from loket.timeutil import day_start_utc, iso, local_day, parse_iso

from .ikm import ELEMENTS, PROFILE

# The counter's tablet may rate a ticket this long after the officer finished it: long enough to
# answer nine questions, short enough that a later visitor cannot rate someone else's service.
COUNTER_WINDOW = timedelta(minutes=15)
MODES = ("skm", "quick")


def mode(db: Database) -> str:
    """The MPP's choice: the nine SKM elements, or the one-question quick mode."""
    value = settings(db).get("survey_mode", "skm")
    return value if value in MODES else "skm"


def token_deadline(ticket: dict, tz: str) -> datetime:
    """From the ticket page the survey stays open until the end of the day after the service."""
    served_on = local_day(parse_iso(ticket["finished_at"]), tz)
    next_day = (datetime.fromisoformat(served_on) + timedelta(days=2)).date().isoformat()
    return day_start_utc(next_day, tz)


def check_ticket(db: Database, ticket: dict, now: datetime, channel: str, counter_id: int | None = None) -> None:
    """Refuse a ticket that is not finished, already rated, or past its survey window."""
    if ticket["status"] != "done" or not ticket["finished_at"]:
        raise LoketError("survey_not_yet")
    if one(db, "SELECT 1 AS x FROM survey_responses WHERE ticket_id = ?", (ticket["id"],)):
        raise LoketError("survey_already_answered")
    finished = parse_iso(ticket["finished_at"])
    if channel == "counter":
        if ticket["counter_id"] != counter_id or now - finished > COUNTER_WINDOW:
            raise LoketError("survey_closed")
    elif now >= token_deadline(ticket, settings(db)["timezone"]):
        raise LoketError("survey_closed")


def status(db: Database, ticket: dict, now: datetime) -> dict:
    """What the ticket page needs to offer (or not) the survey."""
    try:
        check_ticket(db, ticket, now, "ticket")
    except LoketError as err:
        return {"open": False, "reason": err.code, "message": err.message()}
    return {"open": True, "reason": None, "message": None, "until": iso(token_deadline(ticket, settings(db)["timezone"]))}


def clean_answers(raw: object, survey_mode: str) -> dict:
    """Answers by element code, each 1–4; skipped elements may be absent, but not all of them."""
    if not isinstance(raw, dict):
        raise LoketError("invalid_field", field="answers", reason=N_("harus objek {{U1: 1–4, …}}"))
    allowed = ELEMENTS if survey_mode == "skm" else ("quick",)
    answers = {}
    for key, value in raw.items():
        code = str(key).lower()
        if code not in allowed:
            raise LoketError("invalid_field", field="answers", reason=N_("unsur tidak dikenal: {element}"), element=str(key)[:10])
        try:
            value = inputs.integer(raw, key, minimum=1, maximum=4, required=False)
        except LoketError:
            raise LoketError("invalid_field", field="answers", reason=N_("{element} harus 1, 2, 3 atau 4"), element=code.upper()) from None
        if value is not None:
            answers[code] = value
    if not answers:
        raise LoketError("missing_field", field="answers")
    return answers


def clean_profile(raw: object) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise LoketError("invalid_field", field="profile", reason=N_("harus objek"))
    profile = {}
    for field, options in PROFILE.items():
        value = inputs.choice(raw, field, [o[0] for o in options], required=False)
        if value is not None:
            profile[field] = value
    return profile


def record(
    db: Database, ticket_id: int, now: datetime, channel: str, answers: object, profile: object, counter_id: int | None = None
) -> dict:
    """Store the answer set; the UNIQUE ticket_id and the write lock make a second one a 409."""
    survey_mode = mode(db)
    answers = clean_answers(answers, survey_mode)
    profile = clean_profile(profile)
    tz = settings(db)["timezone"]
    with transaction(db):
        ticket = one(db, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if ticket is None:
            raise LoketError("ticket_not_found")
        check_ticket(db, ticket, now, channel, counter_id)
        row = {
            "ticket_id": ticket["id"],
            "agency_id": ticket["agency_id"],
            "service_id": ticket["service_id"],
            "counter_id": ticket["counter_id"],
            "mode": survey_mode,
            "channel": channel,
            "served_on": local_day(parse_iso(ticket["finished_at"]), tz),
            "answered_at": iso(now),
            **answers,
            **profile,
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        saved = one(db, f"INSERT INTO survey_responses ({columns}) VALUES ({marks}) RETURNING id, mode, served_on", row)
    return saved


def responses(
    db: Database,
    survey_mode: str,
    agency_id: int | None = None,
    service_id: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[dict]:
    """Answer sets of one mode in a period (local dates, inclusive), optionally for one agency or service."""
    sql = "SELECT * FROM survey_responses WHERE mode = ?"
    params: list = [survey_mode]
    for clause, value in (
        ("agency_id = ?", agency_id),
        ("service_id = ?", service_id),
        ("served_on >= ?", date_from),
        ("served_on <= ?", date_to),
    ):
        if value is not None:
            sql += " AND " + clause
            params.append(value)
    return list(db.query(sql + " ORDER BY id", params))
