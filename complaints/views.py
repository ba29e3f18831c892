"""Complaint pages and JSON: the public form and tracking page, the staff workflow and reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_socketio import join_room, rooms

from loket import auth, csvout, inputs, issuing
from loket import complaints as workflow
from loket.db import get_db, one, settings
from loket.errors import LoketError
from loket.i18n import current_language
from loket.ratelimit import hit
from loket.realtime import socketio
from loket.timeutil import local_day

from . import photos

bp = Blueprint("complaints", __name__, url_prefix="/aduan", template_folder="templates", static_folder="static")
admin_pages = Blueprint("complaints_admin", __name__, url_prefix="/admin")  # the complaints desk in the admin's menu
api = Blueprint("complaints_api", __name__, url_prefix="/api")
blueprints = (bp, admin_pages, api)

# (hits, seconds). The kiosk and the MPP's Wi-Fi put many citizens behind one address, so the
# address limit is generous and the device (a cookie) carries the strict one.
# Photos cost real work (decoding), so they also have their own per-address limit: a fresh device
# cookie does not reset it.
DEFAULT_LIMITS = {"device": (5, 3600), "ip": (30, 3600), "photo_ip": (10, 3600), "track": (60, 600)}


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def limits() -> dict:
    return {**DEFAULT_LIMITS, **current_app.config.get("COMPLAINT_LIMITS", {})}


def photo_folder() -> Path:
    """Beside the database (instance/ in production), never under a static folder."""
    configured = current_app.config.get("COMPLAINT_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.config["DATABASE"]).resolve().parent / "complaint-photos"


def today() -> str:
    return local_day(clock(), settings(get_db())["timezone"])


# ---------------------------------------------------------------- public


@bp.get("/")
def form_page():
    db = get_db()
    agencies = list(db.query("SELECT id, name FROM agencies WHERE active = 1 ORDER BY sort_order, name"))
    response = current_app.make_response(
        render_template(
            "complaints/form.html",
            agencies=agencies,
            kinds=workflow.KINDS,
            categories=workflow.CATEGORIES,
            token=request.args.get("ticket", ""),
            source="kiosk" if request.args.get("from") == "kiosk" else "web",
            text_limit=workflow.TEXT_LIMIT,
            mpp_name=settings(db)["mpp_name"],
            kiosk=request.args.get("kiosk", "")[:64] if request.args.get("from") == "kiosk" else "",
        )
    )
    issuing.device_id()  # the form's phone keeps one id, so its complaints are counted per device
    return response


@bp.get("/<code>")
def status_page(code: str):
    return render_template("complaints/status.html", code=code, mpp_name=settings(get_db())["mpp_name"])


def _submission() -> tuple[dict, bytes | None]:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("photo")
        data = request.form.to_dict()
        photo = upload.stream.read(photos.MAX_BYTES + 1) if upload and upload.filename else None
        return data, photo or None
    return inputs.body(), None


@api.post("/complaints")
def file_complaint():
    db = get_db()
    now = clock()
    address = request.remote_addr or "unknown"
    device = issuing.device_id(give=False)
    lim = limits()
    hit(db, f"complaint:ip:{address}", lim["ip"][0], lim["ip"][1], now)
    if device:
        hit(db, f"complaint:device:{device}", lim["device"][0], lim["device"][1], now)
    data, photo = _submission()
    kind = inputs.choice(data, "kind", workflow.KINDS)
    text = inputs.text(data, "text", required=True, max_length=workflow.TEXT_LIMIT)
    title = inputs.text(data, "title", max_length=150)
    category = inputs.choice(data, "category", workflow.CATEGORIES, required=False)
    name = inputs.text(data, "name", max_length=100)
    contact = inputs.text(data, "contact", max_length=200)
    anonymous = inputs.boolean(data, "anonymous")
    agency_id = inputs.integer(data, "agency_id", required=False)
    source = "kiosk" if data.get("source") == "kiosk" else "web"
    ticket_id = None
    token = inputs.text(data, "ticket_token", max_length=100)
    if token:
        ticket = one(db, "SELECT id, agency_id FROM tickets WHERE token = ?", (token,))
        if ticket is None:
            raise LoketError("ticket_not_found")
        ticket_id = ticket["id"]
        agency_id = agency_id or ticket["agency_id"]
        source = "ticket"
    if photo:
        hit(db, f"complaint:photo:{address}", lim["photo_ip"][0], lim["photo_ip"][1], now)
    photo_name = photos.save(photo, photo_folder(), current_app._get_current_object()) if photo else None
    try:
        complaint = workflow.file(
            db, now, kind=kind, text=text, title=title, category=category, agency_id=agency_id, ticket_id=ticket_id,
            photo=photo_name, name=name, contact=contact, anonymous=anonymous, source=source,
        )  # fmt: skip
    except BaseException:
        if photo_name:
            (photo_folder() / photo_name).unlink(missing_ok=True)
        raise
    return {
        "code": complaint["code"],
        "status_url": f"/aduan/{complaint['code']}",
        "due_on": complaint["due_on"],
        "status": complaint["status"],
    }, 201


@api.get("/complaints/track/<code>")
def track(code: str):
    db = get_db()
    lim = limits()
    hit(db, f"complaint:track:{request.remote_addr or 'unknown'}", lim["track"][0], lim["track"][1], clock())
    return workflow.public_json(db, workflow.by_code(db, code))


FOLLOW_LIMIT = 5  # complaints one tracking page (socket) may follow; a citizen has one or two


@socketio.on("follow_complaint")
def follow_complaint(data):
    """The tracking page joins its complaint's room and hears each step as it happens."""
    try:
        sent = inputs.text(inputs.payload(data), "code", max_length=40)
    except LoketError as err:
        return err.to_dict(current_language())
    code = workflow.normalize_code(sent)
    if code is None:
        return LoketError("complaint_not_found").to_dict(current_language())
    followed = [r for r in rooms() if r.startswith("complaint:")]
    if f"complaint:{code}" not in followed and len(followed) >= FOLLOW_LIMIT:
        return LoketError("too_many_follows", limit=FOLLOW_LIMIT).to_dict(current_language())
    join_room(f"complaint:{code}")
    return {"ok": True}


# ---------------------------------------------------------------- staff


def _visible(complaint_id: int) -> tuple[dict, dict]:
    user = auth.require_user()
    complaint = one(get_db(), "SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    if complaint is None or not workflow.can_see(user, complaint):
        raise LoketError("complaint_not_found")
    return user, complaint


def _choice(field: str, options) -> str | None:
    return inputs.choice(request.args, field, options, required=False)


@api.get("/complaints")
def list_complaints():
    user = auth.require_user()
    db = get_db()
    day = today()
    rows = workflow.listing(
        db,
        user,
        status=_choice("status", workflow.STATUSES),
        kind=_choice("kind", workflow.KINDS),
        agency_id=inputs.integer(inputs.query(), "agency_id", required=False),
        overdue_on=day if request.args.get("overdue") in ("1", "true") else None,
    )
    return {"today": day, "complaints": [workflow.staff_json(db, c, user, day) for c in rows]}


@api.get("/complaints/<int:complaint_id>")
def complaint_detail(complaint_id: int):
    user, complaint = _visible(complaint_id)
    return workflow.staff_json(get_db(), complaint, user, today(), with_steps=True)


@api.post("/complaints/<int:complaint_id>/steps")
def complaint_step(complaint_id: int):
    user = auth.require_user()
    db = get_db()
    data = inputs.body()
    complaint = workflow.step(
        db,
        complaint_id,
        inputs.text(data, "action", required=True, max_length=30),
        user,
        clock(),
        note=inputs.text(data, "note", max_length=2000),
        answer=inputs.text(data, "answer", max_length=workflow.TEXT_LIMIT),
        agency_id=inputs.integer(data, "agency_id", required=False),
        category=inputs.choice(data, "category", workflow.CATEGORIES, required=False),
    )
    return workflow.staff_json(db, complaint, user, today(), with_steps=True)


@api.get("/complaints/<int:complaint_id>/photo")
def complaint_photo(complaint_id: int):
    _user, complaint = _visible(complaint_id)
    if not complaint["photo"]:
        raise LoketError("not_found")
    ext = Path(complaint["photo"]).suffix
    response = send_from_directory(
        photo_folder(), complaint["photo"], mimetype=photos.MIMETYPES.get(ext, "application/octet-stream"), max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _period() -> tuple[str | None, str | None]:
    args = inputs.query()
    return inputs.day(args, "from", required=False), inputs.day(args, "to", required=False)


@api.get("/complaints/export.csv")
def export_lapor():
    """For re-entry into SP4N-LAPOR!: one row per complaint, in the order the form asks."""
    user = auth.require_user()
    date_from, date_to = _period()
    rows = workflow.lapor_rows(get_db(), user, date_from, date_to)
    fields = ["tanggal", "kode", "judul", "isi", "kategori", "instansi", "status", "anonim", "nama", "kontak", "tanggapan"]
    return csvout.csv_response(csvout.dict_rows(rows, fields, [f.capitalize() for f in fields]), "aduan-sp4n-lapor.csv")


@api.get("/reports/complaints")
def complaints_report():
    user = auth.require_user()
    agency_id = inputs.integer(inputs.query(), "agency_id", required=False)
    if user["role"] != "admin":
        if agency_id not in (None, user["agency_id"]):
            raise LoketError("forbidden")
        agency_id = user["agency_id"]
    date_from, date_to = _period()
    db = get_db()
    return workflow.report(db, today(), settings(db)["timezone"], agency_id=agency_id, date_from=date_from, date_to=date_to)


@admin_pages.get("/complaints")
def admin_page():
    user = auth.current_user()
    if user is None:
        return render_template("survey/login.html", title="Pengaduan & saran")
    db = get_db()
    agencies = list(db.query("SELECT id, name FROM agencies ORDER BY sort_order, name"))
    return render_template(
        "complaints/admin.html",
        user=user,
        agencies=agencies,
        statuses=workflow.STATUSES,
        kinds=workflow.KINDS,
        mpp_name=settings(db)["mpp_name"],
    )
