"""What the MPP tells the public: the figures of this moment, and the performance of the months and
quarters it chose to publish (PermenPANRB 14/2017 asks that IKM results be published; the Zona
Integritas evaluation that they be open to all).

Nothing here carries a person: no name, phone, NIK, ticket token, booking code, complaint text or
officer (tests/test_public.py walks every public answer for them).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from . import audit, bookings, ikm, reports, serializers, survey_answers
from .db import one, rows, settings, transaction
from .errors import LoketError
from .i18n import N_
from .timeutil import day_start_utc, hhmm, iso, local, local_day, minutes_of_day, parse_iso

PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
BUSY_WEEKS = 8  # the busy-hours chart averages the last eight weeks
FRESH_SECONDS = 5  # the live figures are computed at most this often, however many phones ask


# ---------------------------------------------------------------- periods


def period_dates(period: str) -> tuple[str, str]:
    """First and last local date of a month (`2026-11`) or a quarter (`2026-Q4`)."""
    match = PERIOD.match(period or "")
    if not match:
        raise LoketError("invalid_field", field="period", reason=N_("bulan YYYY-MM atau triwulan YYYY-Qn"))
    year, month, quarter = int(match[1]), match[2], match[3]
    first_month, months = (int(month), 1) if month else (3 * int(quarter) - 2, 3)
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start.isoformat(), end.isoformat()


def closed_periods(today: str, months: int = 12, quarters: int = 4) -> list[str]:
    """The last closed months and quarters before `today`, newest first: what the admin may publish."""
    day = date.fromisoformat(today)
    out = []
    year, month = day.year, day.month
    for _ in range(months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append(f"{year}-{month:02d}")
    year, quarter = day.year, (day.month - 1) // 3 + 1
    for _ in range(quarters):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        out.append(f"{year}-Q{quarter}")
    return out


def is_closed(period: str, today: str) -> bool:
    return period_dates(period)[1] < today


# ---------------------------------------------------------------- performance of a period


def _ikm(answers: list[dict]) -> dict:
    result = ikm.compute(answers)
    return {
        "respondents": result["respondents"],
        "ikm": result["ikm"],
        "converted": result["converted"],
        "grade": result["grade"],
        "label": result["label"],
        "label_en": result["label_en"],
        "elements": [{k: e[k] for k in ("code", "name", "name_en", "answered", "nrr", "converted", "grade")} for e in result["elements"]],
    }


def _complaints(db: Database, start: str, end: str, tz: str) -> dict:
    """Per agency (None: not yet assigned): received in the period, answered, answered by the deadline."""
    out: dict = {}
    for r in rows(db, "SELECT agency_id, answered_at, due_on FROM complaints WHERE received_on BETWEEN ? AND ?", (start, end)):
        tally = out.setdefault(r["agency_id"], {"received": 0, "answered": 0, "answered_on_time": 0})
        tally["received"] += 1
        if r["answered_at"]:
            tally["answered"] += 1
            tally["answered_on_time"] += local_day(parse_iso(r["answered_at"]), tz) <= r["due_on"]
    return out


def _service_figures(row: dict) -> dict:
    return {
        "issued": row.get("issued") or 0,
        "served": row["served"],
        "no_show": row["no_show"],
        "wait_median_min": row["wait_median_min"],
        "wait_p90_min": row["wait_p90_min"],
        "service_median_min": row["service_median_min"],
        "within_target_pct": row["within_promised_pct"],
    }


def performance(db: Database, period: str, today: str) -> dict:
    """The period's figures per agency and for the whole MPP, computed now by the admin reports' own code."""
    start, end = period_dates(period)
    tz = settings(db)["timezone"]
    agencies = rows(db, "SELECT id, code, name FROM agencies WHERE active = 1 ORDER BY sort_order, name")
    summary = {r["id"]: r for r in reports.summary(db, start, end, "agency", today=today)}
    answers = survey_answers.responses(db, "skm", None, None, start, end)
    complaints = _complaints(db, start, end, tz)
    empty = {"received": 0, "answered": 0, "answered_on_time": 0}
    listed = []
    for agency in agencies:
        row = summary.get(agency["id"])
        listed.append(
            {
                "agency_id": agency["id"],
                "code": agency["code"],
                "name": agency["name"],
                **(_service_figures(row) if row else _service_figures({**dict.fromkeys(reports.OUTCOMES, 0), **_NO_TIMES})),
                "ikm": _ikm([a for a in answers if a["agency_id"] == agency["id"]]),
                "complaints": complaints.get(agency["id"], dict(empty)),
            }
        )
    total = {key: sum(c[key] for c in complaints.values()) for key in empty}
    return {
        "period": period,
        "from": start,
        "to": end,
        "timezone": tz,
        "mpp": {**_service_figures(reports.overall(db, start, end, today=today)), "ikm": _ikm(answers), "complaints": total},
        "agencies": listed,
    }


_NO_TIMES = {"issued": 0, "wait_median_min": None, "wait_p90_min": None, "service_median_min": None, "within_promised_pct": None}


def publish(db: Database, period: str, user: dict, now: datetime) -> dict:
    """Publish a closed period: its figures are computed now and kept as published (publish again to refresh)."""
    today = local_day(now, settings(db)["timezone"])
    period_dates(period)
    if not is_closed(period, today):
        raise LoketError("period_not_closed", period=period)
    figures = performance(db, period, today)
    with transaction(db):
        before = one(db, "SELECT period, published_at FROM published_periods WHERE period = ?", (period,))
        row = one(
            db,
            "INSERT INTO published_periods (period, published_at, published_by, figures) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (period) DO UPDATE SET published_at = excluded.published_at, published_by = excluded.published_by,"
            " figures = excluded.figures RETURNING period, published_at",
            (period, iso(now), user["id"], json.dumps(figures, ensure_ascii=False)),
        )
        audit.record(db, now, user, "update" if before else "create", "published_periods", None, before, row)
    return row


def unpublish(db: Database, period: str, user: dict, now: datetime) -> None:
    period_dates(period)
    with transaction(db):
        before = one(db, "DELETE FROM published_periods WHERE period = ? RETURNING period, published_at", (period,))
        if before is None:
            raise LoketError("period_not_published", period=period)
        audit.record(db, now, user, "delete", "published_periods", None, before, None)


def published(db: Database) -> list[dict]:
    """Every published period, newest first (months before quarters of the same year)."""
    return rows(db, "SELECT period, published_at FROM published_periods ORDER BY period DESC")


def published_figures(db: Database, period: str) -> dict:
    """A published period's figures as published, with when; 404 for any period not published."""
    period_dates(period)
    row = one(db, "SELECT published_at, figures FROM published_periods WHERE period = ?", (period,))
    if row is None:
        raise LoketError("period_not_published", period=period)
    return {**json.loads(row["figures"]), "published_at": row["published_at"]}


PERFORMANCE_COLUMNS = [
    "period", "level", "agency_code", "agency", "issued", "served", "no_show", "wait_median_min", "wait_p90_min",
    "service_median_min", "within_target_pct", "ikm_respondents", "ikm", "ikm_converted", "ikm_grade",
    *(f"u{i}_converted" for i in range(1, 10)), "complaints_received", "complaints_answered", "complaints_answered_on_time",
    "published_at",
]  # fmt: skip


def performance_rows(figures: dict) -> list[dict]:
    """The figures as CSV rows: the whole MPP first, then one row per agency."""
    out = []
    for level, entry in [("mpp", {**figures["mpp"], "code": "", "name": ""}), *(("agency", a) for a in figures["agencies"])]:
        out.append(
            {
                "period": figures["period"],
                "level": level,
                "agency_code": entry["code"],
                "agency": entry["name"],
                **{k: entry[k] for k in ("issued", "served", "no_show", "wait_median_min", "wait_p90_min", "service_median_min")},
                "within_target_pct": entry["within_target_pct"],
                "ikm_respondents": entry["ikm"]["respondents"],
                "ikm": entry["ikm"]["ikm"],
                "ikm_converted": entry["ikm"]["converted"],
                "ikm_grade": entry["ikm"]["grade"],
                **{f"u{i + 1}_converted": e["converted"] for i, e in enumerate(entry["ikm"]["elements"])},
                "complaints_received": entry["complaints"]["received"],
                "complaints_answered": entry["complaints"]["answered"],
                "complaints_answered_on_time": entry["complaints"]["answered_on_time"],
                "published_at": figures.get("published_at"),
            }
        )
    return out


# ---------------------------------------------------------------- the figures of this moment


def _next_change(services: list[dict], now: datetime, tz: str) -> str | None:
    """The next moment today at which some service opens, stops issuing, closes or starts/ends a break:
    a public page asks again then, so "open" and "closed" turn when the MPP's do."""
    moment = local(now, tz)
    minute = moment.hour * 60 + moment.minute
    marks: set[int] = set()
    for s in services:
        if s["rule_opens"] is None or s["rule_closed"] is not None:
            continue
        opens, closes = minutes_of_day(s["rule_opens"]), minutes_of_day(s["rule_closes"])
        marks |= {opens, closes - s["cutoff_minutes"], closes}
        if s["rule_break"]:
            marks.add(minutes_of_day(json.loads(s["rule_break"])[1]))
    later = [m for m in marks if minute < m <= 24 * 60]
    if not later:
        return None
    today = moment.date().isoformat()
    return iso(day_start_utc(today, tz) + timedelta(minutes=min(later)))


def _break_starts(db: Database, now: datetime, tz: str) -> list[int]:
    moment = local(now, tz)
    minute = hhmm(moment.hour * 60 + moment.minute)
    return [
        minutes_of_day(r[0])
        for r in db.conn.execute("SELECT starts FROM breaks WHERE weekday = ? AND starts > ?", (moment.weekday(), minute))
    ]


def state_of(service: dict) -> str:
    """open (issuing, a counter open), no_counter (issuing but no counter open yet) or closed."""
    if not service["open"]:
        return "closed"
    return "open" if service["open_counters"] else "no_counter"


def now_figures(db: Database, now: datetime) -> dict:
    """Every agency and service of this moment, as the kiosk sees them, plus hours and booking places."""
    loaded = serializers.Loaded(db, now)
    tz = loaded.settings["timezone"]
    services = loaded.services()
    today = local_day(now, tz)
    tomorrow = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
    agencies = []
    for agency in serializers.agencies_json(db, now, loaded=loaded):
        listed = []
        for s in agency["services"]:
            row = services[s["id"]]
            booking = None
            if row.get("booking_enabled"):
                booking = {"today": bookings.places_left(db, row, today, now), "tomorrow": bookings.places_left(db, row, tomorrow, now)}
            listed.append(
                {
                    "id": s["id"],
                    "code": s["code"],
                    "name": s["name"],
                    "short_name": s["short_name"],
                    "state": state_of(s),
                    "open": s["open"],
                    "closed_reason": s["closed_reason"],
                    "hours": None
                    if row["rule_opens"] is None or row["rule_closed"] is not None
                    else {
                        "opens": row["rule_opens"],
                        "closes": row["rule_closes"],
                        "issuing_until": hhmm(minutes_of_day(row["rule_closes"]) - row["cutoff_minutes"]),
                    },
                    "closed_today": row["rule_closed"],
                    "waiting": s["waiting"],
                    "estimated_wait_minutes": s["estimated_wait_minutes"] if s["open_counters"] else None,
                    "open_counters": s["open_counters"],
                    "quota": s["quota"],
                    "quota_left": s["quota_left"],
                    "booking": booking,
                    "standard": s["standard"],
                }
            )
        agencies.append(
            {
                "id": agency["id"],
                "code": agency["code"],
                "name": agency["name"],
                "color": agency["color"],
                "zone": agency["zone"],
                "maklumat": agency["maklumat"],
                "maklumat_signer": agency["maklumat_signer"],
                "waiting": agency["waiting"],
                "services": listed,
            }
        )
    starts = _break_starts(db, now, tz)
    changes = [c for c in [_next_change(list(services.values()), now, tz)] if c]
    if starts:
        changes.append(iso(day_start_utc(today, tz) + timedelta(minutes=min(starts))))
    return {
        "generated_at": iso(now),
        "date": today,
        "timezone": tz,
        "mpp": {"name": loaded.settings["mpp_name"], "address": loaded.settings["mpp_address"]},
        "next_change_at": min(changes) if changes else None,
        "agencies": agencies,
    }


NOW_COLUMNS = [
    "generated_at", "agency_code", "agency", "service_code", "service", "state", "opens", "closes", "waiting",
    "estimated_wait_minutes", "open_counters", "quota", "quota_left", "booking_left_today", "booking_left_tomorrow",
]  # fmt: skip


def now_rows(figures: dict) -> list[dict]:
    return [
        {
            "generated_at": figures["generated_at"],
            "agency_code": a["code"],
            "agency": a["name"],
            "service_code": s["code"],
            "service": s["name"],
            "state": s["state"],
            "opens": (s["hours"] or {}).get("opens"),
            "closes": (s["hours"] or {}).get("closes"),
            **{k: s[k] for k in ("waiting", "estimated_wait_minutes", "open_counters", "quota", "quota_left")},
            "booking_left_today": (s["booking"] or {}).get("today"),
            "booking_left_tomorrow": (s["booking"] or {}).get("tomorrow"),
        }
        for a in figures["agencies"]
        for s in a["services"]
    ]


def etag_of(data: dict, *, leave_out: tuple[str, ...] = ("generated_at",)) -> str:
    body = json.dumps({k: v for k, v in data.items() if k not in leave_out}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


class LiveFigures:
    """The figures of this moment, computed at most every FRESH_SECONDS (or sooner after a change that
    the emitter marks), so five hundred phones on /info/ cost the server one computation, not five hundred."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.figures: dict | None = None
        self.etag = ""
        self.computed = 0.0
        self.minute: str | None = None
        self.changed = True
        self.pushed: dict[int, dict] = {}

    def mark_changed(self) -> None:
        self.changed = True

    def get(self, db: Database, now: datetime) -> tuple[dict, str]:
        minute = iso(now)[:16]
        with self.lock:
            stale = self.figures is None or minute != self.minute or (self.changed and time.monotonic() - self.computed >= FRESH_SECONDS)
            if stale:
                self.figures = now_figures(db, now)
                self.etag = etag_of(self.figures)
                self.computed, self.minute, self.changed = time.monotonic(), minute, False
            return self.figures, self.etag

    def changes(self, db: Database, now: datetime) -> tuple[str, list[dict]]:
        """When the figures were computed, and the services whose public figures differ from what was last
        pushed to the public room."""
        with self.lock:
            self.changed = True
            self.computed = 0.0
        figures, _etag = self.get(db, now)
        fresh = {s["id"]: {**s, "agency_id": a["id"]} for a in figures["agencies"] for s in a["services"]}
        changed = [s for sid, s in fresh.items() if self.pushed.get(sid) != s]
        self.pushed = fresh
        return figures["generated_at"], changed


# ---------------------------------------------------------------- busy hours


def busy_hours(db: Database, service_id: int, today: str) -> dict:
    """Average citizens waiting per weekday × hour over the last BUSY_WEEKS weeks (before today): the minutes
    each ticket spent waiting inside an hour, summed and divided by 60 and by the number of such weekdays."""
    tz = settings(db)["timezone"]
    if one(db, "SELECT id FROM services WHERE id = ?", (service_id,)) is None:
        raise LoketError("service_not_found")
    last = date.fromisoformat(today) - timedelta(days=1)
    first = last - timedelta(days=7 * BUSY_WEEKS - 1)
    minutes = [[0.0] * 24 for _ in range(7)]
    found = rows(
        db,
        "SELECT issued_on, queued_at, coalesce(called_at, finished_at, no_show_at) AS left_at FROM tickets"
        " WHERE origin_service_id = ? AND issued_on BETWEEN ? AND ? AND source != 'booking'",
        (service_id, first.isoformat(), last.isoformat()),
    )
    for r in found:
        if not r["left_at"]:
            continue
        begin, end = local(parse_iso(r["queued_at"]), tz), local(parse_iso(r["left_at"]), tz)
        cursor = begin
        while cursor < end:
            hour_end = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            upto = min(end, hour_end)
            minutes[cursor.weekday()][cursor.hour] += (upto - cursor).total_seconds() / 60
            cursor = upto
    weeks = BUSY_WEEKS  # each weekday occurs once a week in the window
    return {
        "service_id": service_id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": tz,
        "weeks": weeks,
        "waiting": [[round(m / 60 / weeks, 1) for m in day] for day in minutes],
    }
