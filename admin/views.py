"""The admin blueprint: pages at /admin/ (plain ES modules) and their JSON API at /api/admin/.

Pages are static shells; every read and write goes through the JSON API with fetch(), so the
core's Origin check guards the writes and there is one validation path for forms and imports.
Admins change everything; supervisors read their own agency and change nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, current_app, render_template, request

from loket import attendance, audit, auth, csvout, inputs, mpp_profile, publication, reports, serializers, standards
from loket.db import get_db, one, settings
from loket.errors import LoketError
from loket.i18n import N_, day_names
from loket.timeutil import day_start_utc, iso, local_day

from . import config, exchange

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
api = Blueprint("admin_api", __name__, url_prefix="/api/admin")
blueprints = (bp, api)

# URL names of the configuration tables.
ENTITY_URLS = {
    "agencies": "agencies",
    "services": "services",
    "counters": "counters",
    "kiosks": "kiosks",
    "displays": "displays",
    "breaks": "breaks",
    "closed-dates": "closed_dates",
    "users": "users",
    "counter-reasons": "counter_reasons",
}


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def reader() -> tuple[dict, int | None]:
    """The user and the agency their reading is limited to (None: the whole MPP)."""
    user = auth.require_user("admin", "supervisor")
    return user, None if user["role"] == "admin" else user["agency_id"]


def writer() -> dict:
    return auth.require_user("admin")


def entity_of(name: str) -> str:
    if name not in ENTITY_URLS:
        raise LoketError("not_found")
    return ENTITY_URLS[name]


# ---------------------------------------------------------------- pages


@bp.get("/")
def index():
    return render_template("admin/index.html")


@bp.get("/reports")
def reports_page():
    return render_template("admin/reports.html")


@bp.get("/reports/recap")
def recap_page():
    return render_template("admin/recap.html")


# ---------------------------------------------------------------- configuration


@api.get("/profile")
def get_profile():
    reader()
    return {"profile": mpp_profile.profile(get_db()), "timezones": mpp_profile.TIMEZONES}


@api.put("/profile")
def put_profile():
    user = writer()
    return {"profile": mpp_profile.save_profile(get_db(), inputs.body(), clock(), user)}


@api.get("/<name>")
def list_rows(name: str):
    entity = entity_of(name)
    user, agency_id = reader()
    if entity == "users" and user["role"] != "admin":
        raise LoketError("forbidden")
    return {"items": [config.for_reader(entity, r, user) for r in config.rows(get_db(), entity, agency_id)]}


@api.get("/<name>/<int:entity_id>")
def get_row(name: str, entity_id: int):
    entity = entity_of(name)
    user, agency_id = reader()
    found = config.row(get_db(), entity, entity_id)
    scope = found["id"] if entity == "agencies" else found.get("agency_id", "mpp")
    if agency_id is not None and (entity == "users" or scope not in (agency_id, None)):
        raise LoketError("forbidden")
    return {"item": config.for_reader(entity, found, user)}


@api.post("/<name>")
def create_row(name: str):
    entity = entity_of(name)
    user = writer()
    item = config.save(get_db(), entity, inputs.body(), clock(), user)
    return {"item": item}, 201


@api.put("/<name>/<int:entity_id>")
def update_row(name: str, entity_id: int):
    entity = entity_of(name)
    user = writer()
    item = config.save(get_db(), entity, inputs.body(), clock(), user, entity_id)
    return {"item": item}


@api.delete("/<name>/<int:entity_id>")
def delete_row(name: str, entity_id: int):
    entity = entity_of(name)
    user = writer()
    item = config.delete(get_db(), entity, entity_id, clock(), user)
    return {"deleted": item}


@api.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = writer()
    config.reset_password(get_db(), user_id, inputs.body().get("password"), clock(), user)
    return {"ok": True}


# ---------------------------------------------------------------- audit log


@api.get("/audit")
def audit_entries():
    _user, agency_id = reader()
    args = inputs.query()
    tz = settings(get_db()).get("timezone")
    since = until = None
    start, end = inputs.day(args, "from", required=False), inputs.day(args, "to", required=False)
    if start:
        since = iso(day_start_utc(start, tz))
    if end:
        until = iso(day_start_utc((date.fromisoformat(end) + timedelta(days=1)).isoformat(), tz))
    entity = inputs.text(args, "entity", max_length=50) or None
    if entity is not None:
        entity = ENTITY_URLS.get(entity, entity)
    limit = inputs.integer(args, "limit", required=False) or 200
    items = audit.entries(
        get_db(),
        entity=entity,
        username=inputs.text(args, "user", max_length=64) or None,
        action=inputs.text(args, "action", max_length=20) or None,
        since=since,
        until=until,
        agency_id=agency_id,
        limit=min(limit, 1000),
    )
    return {"items": items}


# ---------------------------------------------------------------- import / export


@api.get("/export")
def export_config():
    writer()
    data = exchange.export(get_db())
    kind = request.args.get("kind")
    if request.args.get("format") == "csv":
        if kind not in exchange.KINDS:
            raise LoketError("invalid_field", field="kind", reason=N_("agencies, services atau counters"))
        body = "\ufeff" + exchange.to_csv(kind, data[kind])
        return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="loket-{kind}.csv"'})
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="loket-konfigurasi.json"'},
    )


@api.post("/import")
def import_config():
    user = writer()
    data = inputs.body()
    if "csv" in data:
        kind = data.get("kind")
        if kind not in exchange.KINDS:
            raise LoketError("invalid_field", field="kind", reason=N_("agencies, services atau counters"))
        if not isinstance(data["csv"], str) or len(data["csv"]) > 2_000_000:
            raise LoketError("invalid_field", field="csv", reason=N_("teks CSV paling besar 2 MB"))
        data = {kind: exchange.from_csv(kind, data["csv"])}
    return {"written": exchange.import_config(get_db(), data, clock(), user)}


# ---------------------------------------------------------------- reports


SUMMARY_COLUMNS = [
    "id", "name", "issued", *reports.OUTCOMES, "wait_avg_min", "wait_median_min", "wait_p90_min", "service_avg_min",
    "service_median_min", "service_p90_min", "within_promised_pct", "quota", "quota_use_pct", "quota_full_days",
]  # fmt: skip


@api.get("/reports/summary")
def report_summary():
    agency_id, start, end, today = auth.report_scope()
    group = request.args.get("group", "agency")
    rows = reports.summary(get_db(), start, end, group, agency_id, today=today)
    if request.args.get("format") == "csv":
        columns = [c for c in SUMMARY_COLUMNS if group == "service" or not c.startswith("quota")]
        if group in ("counter", "officer"):
            columns.remove("issued")
        return csvout.table_response(rows, columns, f"laporan-{group}-{start}-{end}.csv")
    return {"from": start, "to": end, "group": group, "rows": rows}


@api.get("/reports/heatmap")
def report_heatmap():
    agency_id, start, end, today = auth.report_scope()
    data = reports.heatmap(get_db(), start, end, agency_id, today=today)
    if request.args.get("format") == "csv":
        days = day_names("id")
        rows = [{"hari": days[i], **{f"{h:02d}": n for h, n in enumerate(r)}} for i, r in enumerate(data["cells"])]
        return csvout.table_response(rows, ["hari", *[f"{h:02d}" for h in range(24)]], f"jam-sibuk-{start}-{end}.csv")
    return {"from": start, "to": end, **data}


@api.get("/reports/month")
def report_month():
    agency_id, _start, _end, today = auth.report_scope()
    data = reports.month_grid(get_db(), inputs.month(inputs.query(), "month", required=False, default=today[:7]), agency_id, today=today)
    if request.args.get("format") == "csv":
        rows = [
            {"jenis": r["kind"], "nama": r["name"], **{d[8:]: n for d, n in zip(data["days"], r["days"], strict=True)}, "total": r["total"]}
            for r in data["rows"]
        ]
        return csvout.table_response(rows, ["jenis", "nama", *[d[8:] for d in data["days"]], "total"], f"rekap-bulan-{data['month']}.csv")
    return data


@api.get("/reports/live")
def report_live():
    agency_id, _start, _end, _today = auth.report_scope()
    rows = reports.live(get_db(), clock(), agency_id)
    if request.args.get("format") == "csv":
        return csvout.table_response(
            rows, ["id", "name", "waiting", "serving", "longest_wait_min", "open_counters"], "antrean-saat-ini.csv"
        )
    return {"at": iso(clock()), "rows": rows}


@api.get("/reports/headline")
def report_headline():
    agency_id, start, end, today = auth.report_scope()
    return {"from": start, "to": end, **reports.headline(get_db(), start, end, clock(), agency_id, today=today)}


@api.get("/reports/hours")
def report_hours():
    agency_id, start, _end, _today = auth.report_scope()
    data = reports.hourly(get_db(), start, clock(), agency_id)
    if request.args.get("format") == "csv":
        rows = [
            {"jam": f"{h['hour']:02d}", "diambil": h["issued"], "dilayani": h["served"], "menunggu": h["waiting"]} for h in data["hours"]
        ]
        return csvout.table_response(rows, ["jam", "diambil", "dilayani", "menunggu"], f"per-jam-{start}.csv")
    return data


@api.get("/reports/recap")
def report_recap():
    agency_id, start, _end, today = auth.report_scope()
    db = get_db()
    mpp = serializers.mpp_json(db)
    agency = one(db, "SELECT name FROM agencies WHERE id = ?", (agency_id,)) if agency_id else None
    return {
        "date": start,
        "mpp": mpp,
        "agency": agency["name"] if agency else None,
        "agencies": reports.summary(db, start, start, "agency", agency_id, today=today),
        "services": reports.summary(db, start, start, "service", agency_id, today=today),
        "heatmap": reports.heatmap(db, start, start, agency_id, today=today),
        "generated_at": iso(clock()),
    }


# ---------------------------------------------------------------- publication (the public page's performance)


@bp.get("/publikasi")
def publication_page():
    return render_template("admin/publication.html")


@api.get("/publications")
def publications():
    writer()
    db = get_db()
    tz = settings(db)["timezone"]
    published = {p["period"]: p["published_at"] for p in publication.published(db)}
    periods = publication.closed_periods(local_day(clock(), tz))
    periods += sorted((p for p in published if p not in periods), reverse=True)
    return {"timezone": tz, "periods": [{"period": p, "published_at": published.get(p)} for p in periods]}


@api.post("/publications")
def publish_period():
    user = writer()
    period = inputs.text(inputs.body(), "period", required=True, max_length=7)
    return publication.publish(get_db(), period, user, clock()), 201


@api.delete("/publications/<period>")
def unpublish_period(period: str):
    user = writer()
    publication.unpublish(get_db(), period, user, clock())
    return {"ok": True}


# ---------------------------------------------------------------- the management day (issue 24)


def _month_scope() -> tuple[int | None, str, str]:
    """(agency the reader may see, month "YYYY-MM", the MPP's zone); a supervisor sees only their own agency."""
    agency_id, _start, _end, today = auth.report_scope()
    month = inputs.text(dict(request.args), "month", max_length=7) or today[:7]
    try:
        date.fromisoformat(f"{month}-01")
    except ValueError:
        raise LoketError("invalid_field", field="month", reason=N_("bulan YYYY-MM")) from None
    return agency_id, month, settings(get_db())["timezone"]


ATTENDANCE_COLUMNS = [
    "tanggal", "instansi", "petugas", "pertama_buka", "terakhir_tutup", "menit_buka", "istirahat", "menit_istirahat",
    "tutup_disetujui", "tutup_ditolak", "dilayani", "menit_melayani", "menit_menganggur",
]  # fmt: skip


@api.get("/reports/attendance")
def report_attendance():
    """A month of attendance per agency, officer and day, the hours "tidak terwakili", and the hour grid."""
    agency_id, month, tz = _month_scope()
    start, end = attendance.month_range(month)
    data = attendance.report(get_db(), start, end, clock(), agency_id)
    kind = request.args.get("kind", "officers")
    if request.args.get("format") != "csv":
        return {"month": month, **data}
    if kind == "unrepresented":
        rows = [
            {"tanggal": r["day"], "instansi": r["agency"], "jam": " ".join(r["hours"]), "jumlah_jam": r["count"]}
            for r in data["unrepresented"]
        ]
        return csvout.table_response(rows, ["tanggal", "instansi", "jam", "jumlah_jam"], f"tidak-terwakili-{month}.csv")
    rows = [
        {
            "tanggal": r["day"],
            "instansi": r["agency"],
            "petugas": r["officer"],
            "pertama_buka": attendance.local_time(r["first_opened"], tz),
            "terakhir_tutup": attendance.local_time(r["last_closed"], tz),
            "menit_buka": r["open_minutes"],
            "istirahat": "; ".join(f"{b['reason']} {b['minutes']:g}" for b in r["breaks"]),
            "menit_istirahat": r["break_minutes"],
            "tutup_disetujui": r["closures_approved"],
            "tutup_ditolak": r["closures_rejected"],
            "dilayani": r["served"],
            "menit_melayani": r["serving_minutes"],
            "menit_menganggur": r["idle_minutes"],
        }
        for r in data["officers"]
    ]
    return csvout.table_response(rows, ATTENDANCE_COLUMNS, f"kehadiran-{month}.csv")


@api.get("/reports/standards")
def report_standards():
    """Per service over a month: served, share within the waiting target, breaches, longest wait; per day the share."""
    agency_id, month, _tz = _month_scope()
    data = standards.month_report(get_db(), month, agency_id)
    if request.args.get("format") == "csv":
        columns = ["id", "agency", "name", "wait_target_minutes", "served", "within_target_pct", "wait_breaches", "service_breaches",
                   "longest_wait_minutes"]  # fmt: skip
        return csvout.table_response(data["services"], columns, f"standar-layanan-{month}.csv")
    return data


@api.get("/reports/standards-live")
def report_standards_live():
    """The admin's live page: per service now, against its targets, with the open alerts."""
    agency_id, _start, _end, _today = auth.report_scope()
    db = get_db()
    return {"at": iso(clock()), "services": standards.standings(db, clock(), agency_id), "alerts": standards.open_alerts(db, agency_id)}
