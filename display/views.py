"""The lobby screen's page, its chime, the announcement audio of real calls, and the media folder."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file, send_from_directory

from loket import speech
from loket.db import get_db, one, settings
from loket.errors import LoketError, request_lang
from loket.i18n import N_, gettext

from . import audio

log = logging.getLogger(__name__)

bp = Blueprint("display", __name__, url_prefix="/display", template_folder="templates", static_folder="static")

MEDIA_KINDS = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".gif": "image", ".mp4": "video", ".webm": "video"}
VOICE_UNAVAILABLE = N_("Suara server tidak tersedia (espeak-ng belum dipasang); layar memakai bunyi bel saja.")


def _data_dir(config_key: str, env_key: str, default_name: str) -> Path:
    """Beside the database unless configured: with the default database that is the instance folder."""
    configured = current_app.config.get(config_key) or os.environ.get(env_key)
    if configured:
        return Path(configured)
    return Path(current_app.config["DATABASE"]).resolve().parent / default_name


def media_dir() -> Path:
    return _data_dir("DISPLAY_MEDIA_DIR", "LOKET_MEDIA_DIR", "media")


def audio_cache_dir() -> Path:
    return _data_dir("DISPLAY_AUDIO_DIR", "LOKET_AUDIO_DIR", "audio-cache")


@bp.get("/")
def page():
    name = request.args.get("display", "").strip()[:64]
    agency = request.args.get("agency", "").strip()[:200]
    return render_template(
        "display/display.html", display_name=name, agency=agency, server_voice=audio.espeak_path() is not None, mpp=settings(get_db())
    )


@bp.get("/chime.wav")
def chime():
    return send_file(io.BytesIO(audio.chime_wav()), mimetype="audio/wav", download_name="chime.wav", max_age=86400)


@bp.get("/audio/<int:call_id>.wav")
def call_audio(call_id: int):
    """Only the sentence of a real call is rendered, so nobody can make the server say (or cache) arbitrary text."""
    db = get_db()
    call = one(
        db,
        "SELECT t.number, c.number AS counter_number FROM events e JOIN tickets t ON t.id = e.ticket_id"
        " LEFT JOIN counters c ON c.id = e.counter_id WHERE e.id = ? AND e.kind IN ('called', 'recalled')",
        (call_id,),
    )
    if call is None:
        raise LoketError("not_found")
    # ?short=1: the burst sentence ("A nol nol satu, loket tiga."), see docs/display.md.
    say = speech.short_announcement if request.args.get("short") == "1" else speech.announcement
    text = say(call["number"], call["counter_number"] or 0, settings(db)["number_reading"])
    try:
        path = audio.render(text, audio_cache_dir())
    except audio.VoiceUnavailable as err:
        log.warning("announcement audio unavailable: %s", err)
        lang = request_lang()
        return {"error": "voice_unavailable", "message": gettext(VOICE_UNAVAILABLE, lang)}, 503
    return send_file(path, mimetype="audio/wav", max_age=3600)


@bp.get("/media")
def media_list():
    """The pictures and videos the admin put in the media folder, in name order, for the rotating area."""
    folder = media_dir()
    items = []
    if folder.is_dir():
        for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
            kind = MEDIA_KINDS.get(path.suffix.lower())
            if kind and path.is_file() and not path.name.startswith("."):
                items.append({"name": path.name, "kind": kind, "url": f"/display/media/{path.name}"})
    return {"items": items}


@bp.get("/media/<path:name>")
def media_file(name: str):
    if Path(name).suffix.lower() not in MEDIA_KINDS:
        raise LoketError("not_found")
    # send_from_directory refuses names that climb out of the folder.
    return send_from_directory(media_dir(), name, max_age=300)
