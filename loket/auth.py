"""Officer login: hashed passwords, server-side sessions, roles, CSRF checks, and who may act where."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from . import inputs, pairing, reports
from .db import after_commit, get_db, one, settings, transaction
from .errors import LoketError
from .events import SessionsEnded
from .i18n import N_
from .offload import heavy
from .timeutil import iso, local_day

ROLES = ("admin", "supervisor", "officer")
SESSION_HOURS = 12
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def hash_password(password: str) -> str:
    """A salted scrypt hash, computed off the event loop (a hash costs ~50 ms of CPU by design)."""
    return heavy(generate_password_hash, password)


def create_user(
    db: Database,
    username: str,
    password: str,
    role: str,
    now: datetime,
    agency_id: int | None = None,
    full_name: str = "",
    password_hash: str | None = None,
) -> dict:
    """Add a login; officers and supervisors belong to one agency. A known hash of `password` may be passed to save work."""
    if role not in ROLES:
        raise LoketError("invalid_field", field="role", reason=N_("pilih salah satu: {options}"), options="admin, supervisor, officer")
    if role != "admin" and agency_id is None:
        raise LoketError("invalid_field", field="agency", reason=N_("petugas dan supervisor harus punya instansi"))
    if len(password) < 8:
        raise LoketError("invalid_field", field="password", reason=N_("minimal 8 karakter"))
    if not username.strip() or len(username) > 64:
        raise LoketError("invalid_field", field="username", reason=N_("1–64 karakter"))
    with transaction(db):
        if one(db, "SELECT id FROM users WHERE username = ?", (username.strip(),)):
            raise LoketError("conflict")
        return one(
            db,
            "INSERT INTO users (username, full_name, password_hash, role, agency_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (username.strip(), full_name, password_hash or hash_password(password), role, agency_id, iso(now)),
        )


def authenticate(db: Database, username: str, password: str) -> dict:
    user = one(db, "SELECT * FROM users WHERE username = ? AND active = 1", (username,))
    # Hash even for unknown names so response time does not reveal which usernames exist.
    stored = user["password_hash"] if user else _dummy_hash()
    if not heavy(check_password_hash, stored, password) or user is None:
        raise LoketError("invalid_credentials")
    return user


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def session_key(token: str) -> str:
    """What the sessions table stores of a cookie's session id: its SHA-256 (a database copy holds no live session)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(user: dict, now: datetime) -> None:
    """Open a server-side session: the signed cookie carries only its random id and the CSRF token.

    A login from a browser that already had a session ends that earlier session in the database: a
    copy of the old cookie must not stay valid for its 12 hours beside the new one."""
    token = secrets.token_urlsafe(32)
    earlier = session.get("sid")
    db = get_db()
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE expires_at < ?", (iso(now),))
        if isinstance(earlier, str) and earlier:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_key(earlier),))
        db.execute(
            "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (session_key(token), user["id"], iso(now), iso(now + timedelta(hours=SESSION_HOURS))),
        )
    session.clear()
    session.permanent = True
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(24)


def logout() -> None:
    """End this session on the server too, so a copied cookie is worthless afterwards."""
    token = session.get("sid")
    session.clear()
    if isinstance(token, str) and token:
        db = get_db()
        key = session_key(token)
        with transaction(db):
            db.execute("DELETE FROM sessions WHERE id = ?", (key,))
            after_commit(db, SessionsEnded((key,)))


def end_sessions(db: Database, user_id: int) -> None:
    """End every session of a user (password reset, deactivation); call inside the write transaction.

    Their sockets are dropped once the end has committed (a rolled-back reset drops nobody)."""
    keys = [r[0] for r in db.execute("DELETE FROM sessions WHERE user_id = ? RETURNING id", (user_id,)).fetchall()]
    if keys:
        after_commit(db, SessionsEnded(tuple(keys)))


def session_user(db: Database, cookie: dict, now: datetime) -> tuple[dict | None, bool]:
    """The active user of a session cookie (HTTP or socket) and whether a session was presented at all."""
    token = cookie.get("sid")
    if not isinstance(token, str) or not token:
        return None, bool(cookie.get("user_id"))  # a cookie from before server-side sessions counts as expired
    user = one(
        db,
        "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ? AND u.active = 1",
        (session_key(token), iso(now)),
    )
    return user, True


def current_user() -> dict | None:
    """The logged-in, active user of this request, or None (an expired or ended session counts as none)."""
    if "user" in g:
        return g.user
    user, presented = session_user(get_db(), session, current_app.config["CLOCK"]())
    g.user = user
    if user is None and presented:
        g.session_expired = True
    return g.user


def require_user(*roles: str) -> dict:
    user = current_user()
    if user is None:
        raise LoketError("session_expired" if g.get("session_expired") else "login_required")
    if roles and user["role"] not in roles:
        raise LoketError("forbidden")
    return user


def login_required(*roles: str):
    """Decorator: a logged-in user with one of these roles (any role when none is named)."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            require_user(*roles)
            return view(*args, **kwargs)

        return inner

    return wrap


def can_act_for_agency(user: dict, agency_id: int) -> bool:
    return user["role"] == "admin" or user["agency_id"] == agency_id


def counter_for(user: dict, counter_id: int) -> dict:
    """The counter, if this user may work it: officers and supervisors only within their own agency."""
    counter = one(get_db(), "SELECT * FROM counters WHERE id = ?", (counter_id,))
    if counter is None:
        raise LoketError("counter_not_found")
    if not can_act_for_agency(user, counter["agency_id"]):
        raise LoketError("forbidden")
    return counter


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse state changes from other sites.

    JSON API calls are checked by Origin (browsers always send it on cross-site POSTs) on top of
    SameSite=Lax cookies; HTML form posts must also carry the session's csrf_token.
    """
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.host:
            raise LoketError("csrf_failed")
    elif origin == "null":
        raise LoketError("csrf_failed")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and session.get("sid"):
        # A token that cannot be one (non-ASCII, too long) is a wrong token, never a 500 in compare_digest.
        sent = pairing.readable(request.form.get("csrf_token") or request.headers.get("X-CSRF-Token"))
        if not sent or not secrets.compare_digest(sent, str(session.get("csrf", ""))):
            raise LoketError("csrf_failed")


def user_json(user: dict) -> dict:
    agency = one(get_db(), "SELECT code, name FROM agencies WHERE id = ?", (user["agency_id"],)) if user["agency_id"] else None
    return {
        "id": user["id"],
        "username": user["username"],
        "full_name": user["full_name"],
        "role": user["role"],
        "agency_id": user["agency_id"],
        "agency": agency["name"] if agency else None,
        "csrf_token": csrf_token(),
    }


def report_scope() -> tuple[int | None, str, str, str]:
    """A report's (agency_id, from, to, today): an admin reads any agency or the whole MPP (None), a
    supervisor only their own agency; the dates from ?from= and ?to= (default: today)."""
    user = require_user("admin", "supervisor")
    scoped = None if user["role"] == "admin" else user["agency_id"]
    db = get_db()
    today = local_day(current_app.config["CLOCK"](), settings(db)["timezone"])
    args = inputs.query()
    start, end = reports.date_range(args.get("from"), args.get("to"), today)
    asked = inputs.integer(args, "agency_id", required=False)
    if scoped is not None and asked not in (None, scoped):
        raise LoketError("forbidden")
    return scoped or asked, start, end, today
