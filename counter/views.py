"""The officer's console: login and counter choice, the one-screen console, the supervisor view, today's figures."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from sqlite_utils import Database

from loket import auth, inputs, management, standards
from loket.db import get_db, one, settings
from loket.errors import LoketError, request_lang
from loket.timeutil import day_start_utc, iso, local_day

bp = Blueprint("counter", __name__, static_folder="static", static_url_path="/counter/static", template_folder="templates")

STAFF_ROLES = ("supervisor", "admin")


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def today_stats(db: Database, now: datetime, *, user_id: int | None = None, counter_id: int | None = None) -> dict:
    """Today's served, no-shows, transfers and average service time, from the event log (local day)."""
    tz = settings(db)["timezone"]
    day = local_day(now, tz)
    start = day_start_utc(day, tz)
    params = {"since": iso(start), "until": iso(start + timedelta(days=1)), "user": user_id, "counter": counter_id}
    scope = " AND (:user IS NULL OR e.user_id = :user) AND (:counter IS NULL OR e.counter_id = :counter)"
    counts = {
        row["kind"]: row["n"]
        for row in db.query(
            "SELECT e.kind, count(*) AS n FROM events e WHERE e.at >= :since AND e.at < :until"
            " AND e.kind IN ('called', 'completed', 'no_show', 'transferred')" + scope + " GROUP BY e.kind",
            params,
        )
    }
    # Service time is finished − started of each ticket this officer/counter completed; a ticket
    # completed without "Mulai layani" counts from its call (tickets.complete sets started_at so).
    service = one(
        db,
        "SELECT avg((julianday(t.finished_at) - julianday(t.started_at)) * 1440) AS minutes FROM events e"
        " JOIN tickets t ON t.id = e.ticket_id WHERE e.at >= :since AND e.at < :until AND e.kind = 'completed'"
        " AND t.status = 'done' AND t.started_at IS NOT NULL" + scope,
        params,
    )
    minutes = service["minutes"] if service else None
    return {
        "date": day,
        "called": counts.get("called", 0),
        "served": counts.get("completed", 0),
        "no_shows": counts.get("no_show", 0),
        "transferred": counts.get("transferred", 0),
        "average_service_minutes": None if minutes is None else round(max(minutes, 0), 1),
    }


# ---------------------------------------------------------------- JSON


@bp.get("/api/me/today")
def my_today():
    """The logged-in officer's own day, across every counter they worked."""
    user = auth.require_user()
    return {"today": today_stats(get_db(), clock(), user_id=user["id"])}


@bp.get("/api/counters/<int:counter_id>/today")
def counter_today(counter_id: int):
    """One counter's day, all officers together (its own agency, or admin)."""
    user = auth.require_user()
    auth.counter_for(user, counter_id)
    return {"today": today_stats(get_db(), clock(), counter_id=counter_id)}


# ---------------------------------------------------------------- closures and standards (issue 24)


def _staff_scope() -> tuple[dict, int | None]:
    """A supervisor sees their own agency; the admin every agency (or one, with ?agency_id=)."""
    user = auth.require_user(*STAFF_ROLES)
    if user["role"] == "admin":
        return user, inputs.integer(dict(request.args), "agency_id", required=False)
    return user, user["agency_id"]


@bp.get("/api/closure-requests")
def closure_requests():
    """Closure requests of the agency (admin: all), newest first; ?status=pending|approved|rejected, ?date=."""
    _user, agency_id = _staff_scope()
    args = dict(request.args)
    status = inputs.choice(args, "status", management.REQUEST_STATUSES, required=False)
    day = inputs.text(args, "date", max_length=10) or None
    return {"items": management.requests(get_db(), agency_id, status, day)}


@bp.get("/api/counters/<int:counter_id>/closure-requests")
def counter_closure_requests(counter_id: int):
    """Today's closure requests of one counter, for its officer's console (the answer and its note)."""
    user = auth.require_user()
    auth.counter_for(user, counter_id)
    db = get_db()
    today = local_day(clock(), settings(db)["timezone"])
    return {"items": management.requests(db, day=today, counter_id=counter_id)}


@bp.post("/api/closure-requests/<int:request_id>/approve")
def approve_closure(request_id: int):
    user = auth.require_user(*STAFF_ROLES)
    note = inputs.text(inputs.body(), "note", max_length=500)
    return {"request": management.approve(get_db(), request_id, clock(), user, note)}


@bp.post("/api/closure-requests/<int:request_id>/reject")
def reject_closure(request_id: int):
    user = auth.require_user(*STAFF_ROLES)
    note = inputs.text(inputs.body(), "note", required=True, max_length=500)
    return {"request": management.reject(get_db(), request_id, clock(), user, note)}


@bp.get("/api/standards/live")
def standards_live():
    """Per service now: waiting beyond its target, the longest wait, the projection to closing, open alerts."""
    _user, agency_id = _staff_scope()
    db = get_db()
    now = clock()
    return {"at": iso(now), "services": standards.standings(db, now, agency_id), "alerts": standards.open_alerts(db, agency_id)}


# ---------------------------------------------------------------- pages


def _to_login():
    """Back to the login page, saying why, and returning here afterwards."""
    expired = "1" if g.get("session_expired") else None
    return redirect(url_for("counter.home", next=request.path, expired=expired))


def _refused(err: LoketError):
    return render_template("counter/refused.html", message=err.message(request_lang())), err.status


@bp.get("/counter/")
def home():
    """Login, then the choice of counter; the page itself decides which to show from /api/me."""
    user = auth.current_user()
    expired = bool(g.get("session_expired")) or request.args.get("expired") == "1"
    return render_template("counter/home.html", logged_in=user is not None, expired=expired and user is None)


@bp.get("/counter/<int:counter_id>")
def console(counter_id: int):
    user = auth.current_user()
    if user is None:
        return _to_login()
    try:
        counter = auth.counter_for(user, counter_id)
    except LoketError as err:
        return _refused(err)
    return render_template("counter/console.html", counter=counter, user=user)


@bp.get("/counter/supervisor")
def supervisor():
    user = auth.current_user()
    if user is None:
        return _to_login()
    if user["role"] not in STAFF_ROLES:
        return _refused(LoketError("forbidden"))
    agency = one(get_db(), "SELECT name FROM agencies WHERE id = ?", (user["agency_id"],)) if user["agency_id"] else None
    return render_template("counter/supervisor.html", user=user, agency=agency["name"] if agency else None)
