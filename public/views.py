"""The public page (/info/) and open data (/api/public/…): no login, nothing personal, cheap to serve.

The live figures are computed once per few seconds for everyone (loket/publication.py LiveFigures)
and answered with an ETag, so a portal polling them or five hundred phones cost the server little.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template, request

from loket import csvout, inputs, publication, serializers
from loket.db import get_db, settings
from loket.timeutil import local_day

bp = Blueprint("public", __name__, url_prefix="/info", template_folder="templates", static_folder="static", static_url_path="/static")
api = Blueprint("public_api", __name__, url_prefix="/api/public")

LIVE_MAX_AGE = publication.FRESH_SECONDS
PUBLISHED_MAX_AGE = 3600  # a published period changes only when the MPP publishes it again


def clock() -> datetime:
    return current_app.config["CLOCK"]()


def live_figures() -> tuple[dict, str]:
    return current_app.extensions["loket_public"].get(get_db(), clock())


def conditional(response, etag: str, max_age: int):
    """ETag and Cache-Control, and a 304 when the client already holds this version."""
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


# ---------------------------------------------------------------- pages


@bp.get("/")
def info_page():
    return render_template("public/info.html", mpp=serializers.mpp_json(get_db()))


@bp.get("/kinerja")
def performance_page():
    db = get_db()
    return render_template("public/performance.html", mpp=serializers.mpp_json(db), periods=publication.published(db))


# ---------------------------------------------------------------- open data


@api.get("/now")
def now_json():
    figures, etag = live_figures()
    return conditional(jsonify(figures), etag, LIVE_MAX_AGE)


@api.get("/now.csv")
def now_csv():
    figures, etag = live_figures()
    rows = csvout.dict_rows(publication.now_rows(figures), publication.NOW_COLUMNS)
    response = csvout.csv_response(rows, f"loket-now-{figures['date']}.csv")
    response.headers.pop("Cache-Control", None)
    return conditional(response, etag, LIVE_MAX_AGE)


@api.get("/periods")
def periods_json():
    published = publication.published(get_db())
    return conditional(jsonify({"periods": published}), publication.etag_of({"periods": published}), LIVE_MAX_AGE)


def _published() -> dict:
    period = inputs.text(dict(request.args), "period", required=True, max_length=7)
    return publication.published_figures(get_db(), period)


@api.get("/performance")
def performance_json():
    figures = _published()
    return conditional(jsonify(figures), publication.etag_of(figures, leave_out=()), PUBLISHED_MAX_AGE)


@api.get("/performance.csv")
def performance_csv():
    figures = _published()
    rows = csvout.dict_rows(publication.performance_rows(figures), publication.PERFORMANCE_COLUMNS)
    response = csvout.csv_response(rows, f"loket-kinerja-{figures['period']}.csv")
    response.headers.pop("Cache-Control", None)
    return conditional(response, publication.etag_of(figures, leave_out=()), PUBLISHED_MAX_AGE)


@api.get("/busy-hours")
def busy_hours_json():
    db = get_db()
    service_id = inputs.integer(dict(request.args), "service_id")
    today = local_day(clock(), settings(db)["timezone"])
    figures = publication.busy_hours(db, service_id, today)
    # the same all day: the window ends yesterday
    return conditional(jsonify(figures), publication.etag_of(figures, leave_out=()), 3600)
