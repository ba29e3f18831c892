"""The MPP's profile: its name, address, logo, zone and the settings of the whole MPP, saved with an audit row.

The admin's profile form and the survey tablets' mode switch save through `save_profile`, so both
validate the same way and push the same `config_changed`.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlite_utils import Database

from . import audit
from .db import DEFAULT_SETTINGS, after_commit, set_setting, settings, transaction
from .errors import LoketError
from .events import ConfigChanged
from .i18n import N_, zone_abbreviation
from .inputs import boolean, choice, integer, text
from .inputs import invalid as _bad

TIMEZONES = {tz: zone_abbreviation(tz) for tz in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")}  # the zones an MPP may choose


def _flag(data: dict, field: str) -> str:
    return str(int(boolean(data, field)))


PROFILE_KEYS = (
    "mpp_name", "mpp_address", "mpp_logo_url", "timezone", "ticket_header", "ticket_footer", "number_reading",
    "self_priority", "phone_tickets", "phone_tickets_per_hour", "phone_quota_percent", "priority_policy", "priority_interleave_n",
    "max_regular_wait_minutes", "announcement_repeat", "survey_mode", "public_officer_names", "closure_approval_minutes",
)  # fmt: skip


def profile(db: Database) -> dict:
    """The profile as stored, a default for every key never saved."""
    conf = settings(db)
    return {k: conf.get(k, DEFAULT_SETTINGS.get(k, "")) for k in PROFILE_KEYS}


def clean(data: dict) -> dict[str, str]:
    """The whole profile validated, as the settings table stores it (text)."""
    logo = text(data, "mpp_logo_url", max_length=500)
    # a path on this server: the pages' CSP (img-src 'self' data:) loads no picture from elsewhere
    if logo and not re.match(r"^/(?!/)[^\s<>\"'\\]*$", logo):
        raise _bad("mpp_logo_url", N_("jalur berkas di server ini, misalnya /static/logo.png"))
    return {
        "mpp_name": text(data, "mpp_name", required=True, max_length=200),
        "mpp_address": text(data, "mpp_address", max_length=500),
        "mpp_logo_url": logo,
        "timezone": choice(data, "timezone", TIMEZONES),
        "ticket_header": text(data, "ticket_header", max_length=200),
        "ticket_footer": text(data, "ticket_footer", max_length=300),
        "number_reading": choice(data, "number_reading", ("digits", "whole")),
        "self_priority": _flag(data, "self_priority"),
        "phone_tickets": _flag(data, "phone_tickets"),
        "phone_tickets_per_hour": str(integer(data, "phone_tickets_per_hour", minimum=1, maximum=100)),
        "phone_quota_percent": str(integer(data, "phone_quota_percent", minimum=0, maximum=100)),
        "priority_policy": choice(data, "priority_policy", ("strict", "interleave")),
        "priority_interleave_n": str(integer(data, "priority_interleave_n", minimum=1, maximum=50)),
        "max_regular_wait_minutes": str(integer(data, "max_regular_wait_minutes", minimum=0, maximum=1440)),
        "announcement_repeat": str(integer(data, "announcement_repeat", minimum=1, maximum=3)),
        "survey_mode": choice(data, "survey_mode", ("skm", "quick")),
        # Officers' names on public screens and /api/counters: off unless the MPP opts in.
        "public_officer_names": _flag(data, "public_officer_names"),
        # a closure in service hours longer than this needs the supervisor's approval (issue 24)
        "closure_approval_minutes": str(integer(data, "closure_approval_minutes", minimum=0, maximum=1440)),
    }


def save_profile(db: Database, data: dict, now: datetime, user: dict) -> dict:
    """Merge `data` into the stored profile, validate the whole, save it with its audit row and tell the screens."""
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    with transaction(db):
        before = profile(db)
        merged = {**before, **data}
        if "mpp_logo_url" not in data and not before["mpp_logo_url"].startswith("/"):
            merged["mpp_logo_url"] = ""  # an external logo of an earlier version: the CSP no longer shows it
        values = clean(merged)
        for key, value in values.items():
            set_setting(db, key, value)
        after = profile(db)
        audit.record(db, now, user, "update", "settings", None, before, after)
        after_commit(db, ConfigChanged("mpp"))
    return after
