"""The survey's pages and JSON: the counter tablet, the ticket-page survey, and the IKM reports."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates
from flask import Blueprint, current_app, render_template, request

from loket import auth, csvout, errors, ikm, inputs, mpp_profile, serializers
from loket import survey_answers as answers
from loket.db import get_db, one, settings
from loket.errors import LoketError
from loket.i18n import N_, gettext
from loket.qr import qr_svg
from loket.ratelimit import hit
from loket.timeutil import local, parse_iso

from . import tablets

bp = Blueprint("survey", __name__, url_prefix="/survey", template_folder="templates", static_folder="static")
admin_pages = Blueprint("survey_admin", __name__, url_prefix="/admin")  # the survey's pages in the admin's menu
api = Blueprint("survey_api", __name__, url_prefix="/api")
blueprints = (bp, admin_pages, api)

TABLET_HEADER = "X-Tablet-Key"
ANSWERS_PER_ADDRESS = 60  # per 10 minutes: a busy counter tablet answers a few per minute at most


def clock() -> datetime:
    return current_app.config["CLOCK"]()


# ---------------------------------------------------------------- citizen side


@bp.get("/")
def survey_page():
    args = inputs.query()
    counter_id = inputs.integer(args, "counter", required=False)
    return render_template("survey/survey.html", counter_id=counter_id, token=inputs.text(args, "ticket", max_length=100))


@api.get("/survey/questions")
def questions():
    db = get_db()
    return {
        "mode": answers.mode(db),
        "mpp_name": settings(db)["mpp_name"],
        "questions": [
            {"code": code.upper(), "name": name, "question": question, "options": [{"value": i + 1, **o} for i, o in enumerate(options)]}
            for code, name, question, options in ikm.QUESTIONS
        ],
        "quick": {
            "code": "QUICK",
            "question": ikm.QUICK_QUESTION[0],
            "options": [{"value": i + 1, **o} for i, o in enumerate(ikm.QUICK_QUESTION[1])],
        },
        "profile": {
            field: [{"value": v, "id": label, "en": label_en} for v, label, label_en in options] for field, options in ikm.PROFILE.items()
        },
    }


@api.get("/survey/tickets/<token>")
def ticket_survey(token: str):
    db = get_db()
    ticket = one(
        db,
        "SELECT t.*, s.name AS service, a.name AS agency FROM tickets t JOIN services s ON s.id = t.service_id"
        " JOIN agencies a ON a.id = t.agency_id WHERE t.token = ?",
        (token,),
    )
    if ticket is None:
        raise LoketError("ticket_not_found")
    answer = {
        "ticket": {"number": ticket["number"], "service": ticket["service"], "agency": ticket["agency"], "status": ticket["status"]},
        "survey": answers.status(db, ticket, clock()),
    }
    # The answer changes once the survey is sent: a page restored by the Back button must not reuse it.
    return answer, 200, {"Cache-Control": "no-store"}


@api.post("/survey/answers")
def answer():
    """Either the ticket's token (ticket page) or counter_id + ticket_id (the counter's tablet)."""
    db = get_db()
    now = clock()
    data = inputs.body()
    hit(db, f"survey:{request.remote_addr or 'unknown'}", ANSWERS_PER_ADDRESS, 600, now)
    token = inputs.text(data, "ticket_token", max_length=100)
    if token:
        found = one(db, "SELECT id FROM tickets WHERE token = ?", (token,))
        if found is None:
            raise LoketError("ticket_not_found")
        saved = answers.record(db, found["id"], now, "ticket", data.get("answers"), data.get("profile"))
    else:
        counter_id = inputs.integer(data, "counter_id")
        ticket_id = inputs.integer(data, "ticket_id")
        tablets.require_paired(db, counter_id, request.headers.get(TABLET_HEADER) or data.get("tablet_key"))
        saved = answers.record(db, ticket_id, now, "counter", data.get("answers"), data.get("profile"), counter_id=counter_id)
    return {"ok": True, "id": saved["id"], "mode": saved["mode"]}, 201


# ---------------------------------------------------------------- tablet pairing


@api.get("/survey/tablets/<int:counter_id>/status")
def tablet_status(counter_id: int):
    """A tablet asks whether the key it keeps is still the counter's (an admin may have unpaired it)."""
    return {"counter_id": counter_id, "paired": tablets.is_paired(get_db(), counter_id, request.headers.get(TABLET_HEADER))}


@api.get("/survey/tablets")
def tablet_list():
    auth.require_user("admin")
    return {"items": tablets.listing(get_db())}


@api.post("/survey/tablets/<int:counter_id>/pair")
def tablet_pair(counter_id: int):
    """Issue the counter's tablet key; shown once, inside a link the tablet opens (the key rides in the #fragment)."""
    user = auth.require_user("admin")
    db = get_db()
    key = tablets.pair(db, counter_id, clock(), user)
    # LOKET_PUBLIC_URL where set: the tablet reaches the server by the LAN's address, not the admin's.
    url = f"{serializers.public_base_url()}/survey/?counter={counter_id}#pair={key}"
    # A QR beside the link: the admin pairs by pointing the tablet's camera, no typing of a long key.
    return {"counter_id": counter_id, "tablet_key": key, "pair_url": url, "pair_qr_svg": str(qr_svg(url))}


@api.delete("/survey/tablets/<int:counter_id>")
def tablet_unpair(counter_id: int):
    user = auth.require_user("admin")
    tablets.unpair(get_db(), counter_id, clock(), user)
    return {"counter_id": counter_id, "paired": False}


@admin_pages.get("/survey-tablets")
def admin_tablets_page():
    user = auth.current_user()
    if user is None:
        return render_template("survey/login.html", title=gettext("Tablet survei"))
    if user["role"] != "admin":
        return render_template("survey/login.html", title=gettext("Tablet survei — khusus admin")), 403
    db = get_db()
    tz = settings(db)["timezone"]
    items = [
        {**t, "paired_at_local": local(parse_iso(t["paired_at"]), tz).strftime("%d-%m-%Y %H.%M") if t["paired_at"] else ""}
        for t in tablets.listing(db)
    ]
    return render_template("survey/admin_tablets.html", items=items, user=user, mpp_name=settings(db)["mpp_name"])


@api.put("/survey/settings")
def survey_settings():
    """The survey mode is part of the MPP profile: the same save, audit row and live push as the admin's."""
    user = auth.require_user("admin")
    data = inputs.body()
    value = inputs.choice(data, "mode", answers.MODES)
    saved = mpp_profile.save_profile(get_db(), {"survey_mode": value}, clock(), user)
    return {"mode": saved["survey_mode"]}


# ---------------------------------------------------------------- reports


def quarter_dates(year: int, quarter: int) -> tuple[str, str]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start.isoformat(), date.fromordinal(end.toordinal() - 1).isoformat()


def report_filters() -> dict:
    """agency_id, service_id and a period from from/to, or year (+ quarter); default: this quarter."""
    user = auth.require_user()
    db = get_db()
    args = inputs.query()
    agency_id = inputs.integer(args, "agency_id", required=False)
    service_id = inputs.integer(args, "service_id", required=False)
    if user["role"] != "admin":
        if agency_id not in (None, user["agency_id"]):
            raise LoketError("forbidden")
        agency_id = user["agency_id"]
    if service_id is not None:
        service = one(db, "SELECT agency_id FROM services WHERE id = ?", (service_id,))
        if service is None:
            raise LoketError("service_not_found")
        if agency_id is not None and service["agency_id"] != agency_id:
            raise LoketError("invalid_field", field="service_id", reason=N_("bukan layanan instansi ini"))
    date_from, date_to = inputs.day(args, "from", required=False), inputs.day(args, "to", required=False)
    if bool(date_from) != bool(date_to):  # a range has both ends (or neither: a quarter or a year)
        raise LoketError("missing_field", field="to" if date_from else "from")
    year = inputs.integer(args, "year", required=False, minimum=2000, maximum=2100)
    quarter = inputs.integer(args, "quarter", required=False, minimum=1, maximum=4)
    if not (date_from or date_to):
        today = local(clock(), settings(db)["timezone"]).date()
        year = year or today.year
        if quarter is None and args.get("year"):
            date_from, date_to = f"{year}-01-01", f"{year}-12-31"
        else:
            date_from, date_to = quarter_dates(year, quarter or (today.month - 1) // 3 + 1)
    if date_from and date_to and date_from > date_to:
        raise LoketError("invalid_field", field="to", reason=N_("harus sesudah tanggal awal"))
    return {"agency_id": agency_id, "service_id": service_id, "date_from": date_from, "date_to": date_to, "user": user}


def ikm_report(db, agency_id: int | None, service_id: int | None, date_from: str | None, date_to: str | None) -> dict:
    rows = answers.responses(db, "skm", agency_id, service_id, date_from, date_to)
    quick_rows = answers.responses(db, "quick", agency_id, service_id, date_from, date_to)
    agency = one(db, "SELECT id, code, name FROM agencies WHERE id = ?", (agency_id,)) if agency_id else None
    service = one(db, "SELECT id, code, name FROM services WHERE id = ?", (service_id,)) if service_id else None
    per_agency = []
    if agency_id is None:
        for a in db.query("SELECT id, code, name FROM agencies ORDER BY sort_order, name"):
            result = ikm.compute([r for r in rows if r["agency_id"] == a["id"]])
            per_agency.append({"agency_id": a["id"], "code": a["code"], "name": a["name"], **_headline(result)})
    per_service = []
    if service_id is None:
        sql = (
            "SELECT id, agency_id, name FROM services"
            + (" WHERE agency_id = ?" if agency_id else "")
            + " ORDER BY agency_id, sort_order, name"
        )
        for s in db.query(sql, (agency_id,) if agency_id else ()):
            subset = [r for r in rows if r["service_id"] == s["id"]]
            if subset:
                per_service.append(
                    {"service_id": s["id"], "agency_id": s["agency_id"], "name": s["name"], **_headline(ikm.compute(subset))}
                )
    return {
        "period": {"from": date_from, "to": date_to},
        "agency": agency,
        "service": service,
        **ikm.compute(rows),
        "profile": ikm.profile_breakdown(rows),
        "per_agency": per_agency,
        "per_service": per_service,
        "quick": ikm.quick_summary([r["quick"] for r in quick_rows]),
        "sample": sample(db, len(rows), agency_id, service_id, date_from, date_to),
    }


def sample(db, respondents: int, agency_id: int | None, service_id: int | None, date_from: str | None, date_to: str | None) -> dict:
    """Are there enough respondents? The population is the citizens served in the period (tickets done)."""
    sql = "SELECT count(*) FROM tickets WHERE status = 'done'"
    params: list = []
    for clause, value in (
        ("agency_id = ?", agency_id),
        ("service_id = ?", service_id),
        ("issued_on >= ?", date_from),
        ("issued_on <= ?", date_to),
    ):
        if value is not None:
            sql += " AND " + clause
            params.append(value)
    population = db.execute(sql, params).fetchone()[0]
    minimum = ikm.minimum_sample(population)
    return {"population": population, "minimum": minimum, "enough": respondents >= minimum and respondents > 0, "method": "Krejcie-Morgan"}


def _headline(result: dict) -> dict:
    return {k: result[k] for k in ("respondents", "ikm", "converted", "grade", "label")}


def quarters_report(db, year: int, agency_id: int | None) -> dict:
    """IKM per agency per quarter of a year: the table evaluators ask for."""
    periods = [quarter_dates(year, q) for q in (1, 2, 3, 4)]
    rows = answers.responses(db, "skm", agency_id, None, periods[0][0], periods[3][1])
    sql = "SELECT id, code, name FROM agencies" + (" WHERE id = ?" if agency_id else "") + " ORDER BY sort_order, name"
    agencies = []
    for a in db.query(sql, (agency_id,) if agency_id else ()):
        quarters = []
        for q, (start, end) in enumerate(periods, 1):
            subset = [r for r in rows if r["agency_id"] == a["id"] and start <= r["served_on"] <= end]
            quarters.append({"quarter": q, **_headline(ikm.compute(subset))})
        year_result = ikm.compute([r for r in rows if r["agency_id"] == a["id"]])
        agencies.append({"agency_id": a["id"], "code": a["code"], "name": a["name"], "quarters": quarters, "year": _headline(year_result)})
    return {"year": year, "agencies": agencies}


@api.get("/reports/ikm")
def ikm_json():
    f = report_filters()
    return ikm_report(get_db(), f["agency_id"], f["service_id"], f["date_from"], f["date_to"])


@api.get("/reports/ikm/quarters")
def ikm_quarters_json():
    f = report_filters()
    year = inputs.integer(inputs.query(), "year", required=False, minimum=2000, maximum=2100) or int(f["date_from"][:4])
    return quarters_report(get_db(), year, f["agency_id"])


@api.get("/reports/ikm.csv")
def ikm_csv():
    f = report_filters()
    report = ikm_report(get_db(), f["agency_id"], f["service_id"], f["date_from"], f["date_to"])
    table: list[list] = []
    scope = (report["service"] or report["agency"] or {}).get("name") or "Seluruh MPP"
    table.append(["Indeks Kepuasan Masyarakat (PermenPANRB 14/2017)", scope, report["period"]["from"], report["period"]["to"]])
    table.append(["Unsur", "Nama unsur", "Jumlah responden menjawab", "Jumlah nilai", "NRR", "NRR x 25", "Mutu", "Kinerja"])
    for e in report["elements"]:
        table.append(
            [e["code"], e["name"], e["answered"], e["sum"], _fmt(e["nrr"], 3), _fmt(e["converted"], 2), e["grade"] or "", e["label"] or ""]
        )
    table.append(
        [
            "IKM",
            "",
            report["respondents"],
            "",
            _fmt(report["ikm"], 3),
            _fmt(report["converted"], 2),
            report["grade"] or "",
            report["label"] or "",
        ]
    )
    if report["weakest"]:
        table.append(
            [
                "Unsur terendah",
                ", ".join(report["weakest"]["codes"]),
                "",
                "",
                "",
                _fmt(report["weakest"]["converted"], 2),
                report["weakest"]["grade"],
                "",
            ]
        )
    table.append([])
    table.append(["Profil responden", "Pilihan", "Jumlah"])
    for field, items in report["profile"].items():
        for item in items:
            table.append([field, item["label"], item["count"]])
    return csvout.csv_response(table, f"ikm-{report['period']['from']}-{report['period']['to']}.csv")


def _fmt(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


@admin_pages.get("/ikm")
def admin_ikm():
    user = auth.current_user()
    if user is None:
        return render_template("survey/login.html", title=gettext("Laporan IKM"))
    f = report_filters()
    db = get_db()
    report = ikm_report(db, f["agency_id"], f["service_id"], f["date_from"], f["date_to"])
    year = int(f["date_from"][:4])
    agencies = list(db.query("SELECT id, name FROM agencies ORDER BY sort_order, name")) if user["role"] == "admin" else []
    services = list(
        db.query(
            "SELECT id, agency_id, name FROM services" + (" WHERE agency_id = ?" if f["agency_id"] else "") + " ORDER BY sort_order, name",
            (f["agency_id"],) if f["agency_id"] else (),
        )
    )
    return render_template(
        "survey/admin_ikm.html",
        report=report,
        quarters=quarters_report(db, year, f["agency_id"]),
        filters=f,
        user=user,
        agencies=agencies,
        services=services,
        mpp_name=settings(db)["mpp_name"],
        survey_mode=answers.mode(db),
        query=request.query_string.decode("utf-8", "replace"),
        grades=ikm.GRADES,
        period=_period_text(report["period"], errors.request_lang()),
    )


def _period_text(period: dict, lang: str) -> dict:
    """The period's dates day first in either language: '1 Okt 2026', '1 Oct 2026' (never 10/1)."""
    out = {}
    for key in ("from", "to"):
        value = period.get(key)
        out[key] = dates.format_date(date.fromisoformat(value), "d MMM y", locale=lang) if value else ""
    return out
