"""The admin's side of SMS and WhatsApp: channels, each service's triggers, a test message, the delivery log
and the report. Numbers appear only masked; tokens and secrets are never sent back."""

from __future__ import annotations

import json

from flask import render_template, request

from loket import audit, auth, csvout, inputs, notify, sender, serializers
from loket.db import get_db, rows, settings, transaction
from loket.errors import LoketError
from loket.i18n import N_
from loket.timeutil import local_day

from .views import api, bp, clock, reader, writer

PROVIDERS = {"sms": ("off", "gammu", "http"), "whatsapp": ("off", "cloud", "http")}
SECRETS = {"whatsapp_cloud": ("token",), "http": ("secret",)}
STATUSES = ("queued", "sending", "handed", "sent", "failed", "expired", "dropped")
HIDDEN = "••••••"  # what a stored secret reads as; sent back unchanged, it keeps the stored one


def channel_settings(conf: dict) -> dict:
    """The channels as the admin page edits them, secrets hidden."""
    out = {
        "sms": {"provider": conf.get("notify_sms_provider", "off")},
        "whatsapp": {"provider": conf.get("notify_whatsapp_provider", "off")},
        "gammu": sender.setting_json(conf, "notify_gammu"),
        "whatsapp_cloud": sender.setting_json(conf, "notify_whatsapp_cloud"),
        "http": sender.setting_json(conf, "notify_http"),
    }
    for section, keys in SECRETS.items():
        for key in keys:
            if out[section].get(key):
                out[section][key] = HIDDEN
    return out


def _section(data: dict, name: str, fields: dict, old: dict) -> dict:
    given = data.get(name) or {}
    if not isinstance(given, dict):
        raise inputs.invalid(name, N_("harus objek JSON"))
    out: dict = {}
    for field, kind in fields.items():
        if kind == "text":
            value = inputs.text(given, field, max_length=2000)
            if field in SECRETS.get(name, ()) and value == HIDDEN:
                value = old.get(field, "")
            if value:
                out[field] = value
        elif kind == "dict":
            value = given.get(field) or {}
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise inputs.invalid(field, N_("harus objek JSON berisi teks"))
            if value:
                out[field] = value
    return out


@bp.get("/pesan")
def notify_page():
    return render_template("admin/notify.html")


@api.get("/notify/channels")
def notify_channels():
    writer()
    return channel_settings(settings(get_db()))


@api.put("/notify/channels")
def save_notify_channels():
    """Choose each channel's provider and set the providers up (gammu-smsd folders, WhatsApp Cloud API, an HTTP gateway)."""
    user = writer()
    data = inputs.body()
    db = get_db()
    conf = settings(db)
    values = {
        f"notify_{channel}_provider": inputs.choice(data.get(channel) or {}, "provider", options, required=False, default="off")
        for channel, options in PROVIDERS.items()
    }
    gammu = _section(data, "gammu", {"outbox": "text", "sent": "text", "error": "text"}, {})
    cloud = _section(
        data,
        "whatsapp_cloud",
        {"base_url": "text", "version": "text", "phone_number_id": "text", "token": "text", "language_id": "text", "language_en": "text"},
        sender.setting_json(conf, "notify_whatsapp_cloud"),
    )
    templates = (data.get("whatsapp_cloud") or {}).get("templates") or {}
    if not isinstance(templates, dict) or any(k not in notify.TRIGGERS for k in templates):
        raise inputs.invalid("templates", N_("pilih salah satu: {options}"), options=", ".join(notify.TRIGGERS))
    cloud["templates"] = {k: inputs.text(templates, k, max_length=200) for k in templates if inputs.text(templates, k, max_length=200)}
    http = _section(
        data,
        "http",
        {"url": "text", "method": "text", "headers": "dict", "body": "text", "secret": "text", "signature_header": "text"},
        sender.setting_json(conf, "notify_http"),
    )
    if http.get("url") and not http["url"].startswith(("http://", "https://")):
        raise inputs.invalid("url", N_("alamat http:// atau https://"))
    if http.get("method", "POST").upper() not in ("POST", "PUT"):
        raise inputs.invalid("method", N_("pilih salah satu: {options}"), options="POST, PUT")
    if values["notify_sms_provider"] == "gammu" and not gammu.get("outbox"):
        raise LoketError("missing_field", field="outbox")
    values |= {
        # the address the admin reached the server by: what phones on the MPP's network open a {link} with
        "notify_link_base": serializers.public_base_url(),
        "notify_gammu": json.dumps(gammu),
        "notify_whatsapp_cloud": json.dumps(cloud),
        "notify_http": json.dumps(http),
    }
    with transaction(db):
        for key, value in values.items():
            db.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value)
            )
        after = channel_settings(settings(db))
        audit.record(db, clock(), user, "update", "notify_channels", None, channel_settings(conf), after)
    return after


@api.post("/notify/test")
def notify_test():
    """Queue a test message to a number; the delivery log shows what became of it."""
    writer()
    data = inputs.body()
    channel = inputs.choice(data, "channel", notify.CHANNELS)
    phone = inputs.phone(data)
    db = get_db()
    conf = settings(db)
    if channel not in notify.enabled_channels(conf):
        raise LoketError("notify_unavailable")
    message = sender.queue_test(db, channel, phone, clock(), conf["timezone"])
    return {"message": log_json(message)}


def log_json(message: dict) -> dict:
    return {
        "id": message["id"],
        "trigger": message["trigger"],
        "channel": message["channel"],
        "phone": inputs.masked_phone(message["phone"]),
        "ticket_id": message["ticket_id"],
        "booking_id": message["booking_id"],
        "status": message["status"],
        "attempts": message["attempts"],
        "created_at": message["created_at"],
        "next_attempt_at": message["next_attempt_at"],
        "sent_at": message["sent_at"],
        "provider": message["provider"],
        "provider_id": message["provider_id"],
        "error": message["error"],
        "text": message["text"],
    }


@api.get("/notify/log")
def notify_log():
    """The delivery log of a day (default today), newest first, numbers masked."""
    _user, scoped = reader()
    db = get_db()
    day = request.args.get("day") or local_day(clock(), settings(db)["timezone"])
    where, params = ["o.day = :day"], {"day": day}
    for field, options in (("channel", notify.CHANNELS), ("status", STATUSES)):
        value = inputs.choice(dict(request.args), field, options, required=False)
        if value:
            where.append(f"o.{field} = :{field}")
            params[field] = value
    if scoped is not None:
        where.append("o.service_id IN (SELECT id FROM services WHERE agency_id = :agency)")
        params["agency"] = scoped
    found = rows(db, f"SELECT o.* FROM outbox o WHERE {' AND '.join(where)} ORDER BY o.id DESC LIMIT 500", params)
    return {"day": day, "messages": [log_json(m) for m in found]}


@api.get("/services/<int:service_id>/notify")
def service_notify(service_id: int):
    reader()
    return {"service_id": service_id, "triggers": notify.service_triggers(get_db(), service_id), "placeholders": notify.PLACEHOLDERS}


@api.put("/services/<int:service_id>/notify")
def save_service_notify(service_id: int):
    """Each trigger on or off, "turn near" at N places or M minutes, and the Indonesian and English texts."""
    user = writer()
    db = get_db()
    before = notify.service_triggers(db, service_id)
    body = inputs.body()
    with transaction(db):  # the settings and their audit row: both or neither
        after = notify.save_triggers(db, service_id, body)
        audit.record(db, clock(), user, "update", "notify_triggers", service_id, before, after)
    return {"service_id": service_id, "triggers": after, "placeholders": notify.PLACEHOLDERS}


REPORT_COLUMNS = ["day", "channel", "trigger", "sent", "failed", "expired", "dropped", "waiting"]


@api.get("/reports/notify")
def report_notify():
    """Messages per day, channel and trigger by outcome, and whether those who asked to be told came when called."""
    agency_id, start, end, _today = auth.report_scope()
    data = notify.report(get_db(), start, end, agency_id)
    if request.args.get("format") == "csv":
        return csvout.table_response(data["rows"], REPORT_COLUMNS, f"pesan-{start}-{end}.csv")
    return data
