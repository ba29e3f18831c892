"""The officer's console pages (/counter/): login and counter choice, the one-screen console, the supervisor view.

What their buttons do is in counter/api.py.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from loket import auth
from loket.db import get_db, one
from loket.errors import LoketError, request_lang

from .api import STAFF_ROLES

bp = Blueprint("counter", __name__, url_prefix="/counter", static_folder="static", template_folder="templates")


def clock() -> datetime:
    return current_app.config["CLOCK"]()


# ---------------------------------------------------------------- pages


def _to_login():
    """Back to the login page, saying why, and returning here afterwards."""
    expired = "1" if g.get("session_expired") else None
    return redirect(url_for("counter.home", next=request.path, expired=expired))


def _refused(err: LoketError):
    return render_template("counter/refused.html", message=err.message(request_lang())), err.status


@bp.get("/")
def home():
    """Login, then the choice of counter; the page itself decides which to show from /api/me."""
    user = auth.current_user()
    expired = bool(g.get("session_expired")) or request.args.get("expired") == "1"
    return render_template("counter/home.html", logged_in=user is not None, expired=expired and user is None)


@bp.get("/<int:counter_id>")
def console(counter_id: int):
    user = auth.current_user()
    if user is None:
        return _to_login()
    try:
        counter = auth.counter_for(user, counter_id)
    except LoketError as err:
        return _refused(err)
    return render_template("counter/console.html", counter=counter, user=user)


@bp.get("/supervisor")
def supervisor():
    user = auth.current_user()
    if user is None:
        return _to_login()
    if user["role"] not in STAFF_ROLES:
        return _refused(LoketError("forbidden"))
    agency = one(get_db(), "SELECT name FROM agencies WHERE id = ?", (user["agency_id"],)) if user["agency_id"] else None
    return render_template("counter/supervisor.html", user=user, agency=agency["name"] if agency else None)
