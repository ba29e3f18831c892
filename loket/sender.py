"""The sender: delivers the outbox (loket/notify.py) after the commit, off every request.

One background thread (a greenlet under gevent), started with the server like the emitter's. Every
`TICK_SECONDS` it evaluates the triggers no rule writes itself (`notify.scan`), reads back what gammu-smsd
sent, and hands over the due messages, one at a time:

    queued ──claim──▶ sending ──▶ sent            (WhatsApp Cloud API, HTTP gateway: the answer says so)
                              └─▶ handed ──▶ sent  (gammu-smsd: the file moved to its sent folder)
                              └─▶ queued again, later (a timeout, a 5xx, a rate limit: backoff)
                              └─▶ failed           (a refusal that will not change: bad token, no template)
    queued ──▶ dropped (no longer true) / expired (too late)

A message is claimed (status `sending`, committed) before it is handed over, so a process killed after the
commit of the rule but before the send delivers it once when it starts again; one killed in the middle of a
handover finds its claim: a gammu file is looked up by its name (never written twice), a gateway is asked
again with the same `X-Loket-Message-Id` (its key to answer a repeat without sending twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests

from . import notify
from .db import one, rows, settings, transaction
from .timeutil import iso, parse_iso

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (5, 15, 45, 120, 300)  # after the 1st, 2nd … failed attempt
HTTP_TIMEOUT_SECONDS = 5.0
BATCH = 50
HANDED_LIFETIME = timedelta(hours=2)  # a file gammu-smsd never took (modem gone) is taken back after this
CLAIM_SECONDS = 60  # a `sending` claim older than this belonged to a process that died mid-handover
CLAIM = timedelta(seconds=CLAIM_SECONDS)
NUMBER_LIKE = re.compile(r"\+?\d[\d\s.-]{7,}\d")  # anything that may be a phone number, kept out of errors and logs


@dataclass
class Outcome:
    """What one handover attempt came to."""

    status: str  # sent, handed, retry, failed
    provider_id: str | None = None
    error: str = ""
    unreachable: bool = False  # no answer at all (timeout, refused): the provider's other messages wait too


class Sender:
    """Delivers the outbox in the background; `step()` is one pass (tests call it with their clock)."""

    def __init__(self, app) -> None:
        self.app = app
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.session = requests.Session()

    def start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, name="loket-sender", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(10)
            self.thread = None
        self.session.close()

    def _run(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                handed = 0
                try:
                    handed = self.step(self.app.config["CLOCK"]())
                except Exception:  # a broken message must not stop every later one
                    log.exception("the sender's pass failed")
                if handed < BATCH:  # a full batch: more are waiting, go on at once
                    self.stopping.wait(TICK_SECONDS)

    def step(self, now: datetime) -> int:
        """One pass: evaluate the triggers, read back gammu-smsd, hand over what is due. Returns how many were handed."""
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        try:
            notify.scan(db, now)
            conf = settings(db)
            read_back_gammu(db, conf, now)
            handed = 0
            unreachable: set[str] = set()
            for message in due(db, now):
                provider = conf.get(f"notify_{message['channel']}_provider", "off")
                if provider in unreachable:  # one timeout per pass is enough: the others wait for the next
                    continue
                if self.deliver(db, conf, message, now) == "unreachable":
                    unreachable.add(provider)
                handed += 1
            return handed
        finally:
            pool.give_back(db)

    def deliver(self, db, conf: dict, message: dict, now: datetime) -> str:
        """Hand one message over; returns its new status, or "unreachable" when the provider did not answer."""
        if message["status"] == "sending" and message["text"]:  # a claim found after a crash: the text already composed
            text, params = message["text"], json.loads(message["params"] or "[]")
        else:
            composed = notify.compose(db, message, now, base_url(self.app, conf))
            if isinstance(composed, str):  # "dropped: …" / "expired: …"
                status, _, why = composed.partition(": ")
                with transaction(db):
                    db.conn.execute("UPDATE outbox SET status = ?, error = ? WHERE id = ?", (status, why, message["id"]))
                return status
            text, params = composed
        provider = conf.get(f"notify_{message['channel']}_provider", "off")
        with transaction(db):
            claimed = one(
                db,
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, text = ?, params = ?, provider = ?, next_attempt_at = ?"
                " WHERE id = ? AND (status = 'queued' OR (status = 'sending' AND next_attempt_at <= ?)) RETURNING *",
                # another process's sender may have claimed it since it was read: only a stale claim is taken over
                (text, json.dumps(params, ensure_ascii=False), provider, iso(now), message["id"], iso(now - CLAIM)),
            )
        if claimed is None:
            return "claimed elsewhere"
        try:
            outcome = hand_over(self.session, conf, provider, {**claimed, "lang": message["lang"]}, text, params, now)
        except Exception as exc:  # a bug in a channel is one failed attempt, never a stuck sender
            log.exception("handing message %s over failed", message["id"])
            outcome = Outcome("retry", error=type(exc).__name__)
        record(db, claimed, outcome, now)
        return "unreachable" if outcome.status == "retry" and outcome.unreachable else outcome.status


def base_url(app, conf: dict) -> str:
    """Where a phone opens a message's {link}: LOKET_PUBLIC_URL, else the address the admin set the channels up from."""
    return (app.config.get("PUBLIC_URL") or conf.get("notify_link_base") or "").rstrip("/")


def due(db, now: datetime) -> list[dict]:
    """Queued messages whose time has come, and claims a dead process left behind, oldest first."""
    return rows(
        db,
        "SELECT o.*, coalesce(s.lang, 'id') AS lang FROM outbox o LEFT JOIN notify_subscriptions s ON s.id = o.subscription_id"
        " WHERE (o.status = 'queued' AND o.next_attempt_at <= :now) OR (o.status = 'sending' AND o.next_attempt_at <= :stale)"
        " ORDER BY o.id LIMIT :n",
        {"now": iso(now), "stale": iso(now - timedelta(seconds=CLAIM_SECONDS)), "n": BATCH},
    )


def record(db, message: dict, outcome: Outcome, now: datetime) -> None:
    """Write down an attempt's outcome: sent, handed to the modem, failed, or queued again after a backoff."""
    status, retry_at = outcome.status, now
    if status == "retry":
        if message["attempts"] >= MAX_ATTEMPTS:
            status = "failed"
        else:
            status = "queued"
            retry_at = now + timedelta(seconds=BACKOFF_SECONDS[min(message["attempts"], len(BACKOFF_SECONDS)) - 1])
    outcome.error = NUMBER_LIKE.sub("•••", outcome.error)  # a gateway may echo the number back in its error
    with transaction(db):
        db.conn.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, provider_id = coalesce(?, provider_id), error = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
            (status, iso(retry_at), outcome.provider_id, outcome.error[:500], status, iso(now), message["id"]),
        )
    if status in ("failed", "queued"):
        # the number stays out of the log: the message id leads to it for whoever may see it
        log.warning("message %s (%s, %s) %s: %s", message["id"], message["channel"], message["trigger"], status, outcome.error)


def queue_test(db, channel: str, phone: str, now: datetime, tz: str) -> dict:
    """The admin's "send a test message": a message of its own in the outbox, delivered and logged as any other."""
    from .timeutil import local_day

    text = "Pesan uji Loket: saluran ini berfungsi. / Loket test message: this channel works."
    with transaction(db):
        return one(
            db,
            "INSERT INTO outbox (trigger, day, channel, phone, text, params, created_at, next_attempt_at)"
            " VALUES ('test', ?, ?, ?, ?, '[]', ?, ?) RETURNING *",
            (local_day(now, tz), channel, phone, text, iso(now), iso(now)),
        )


# ---------------------------------------------------------------- the channels


def hand_over(session: requests.Session, conf: dict, provider: str, message: dict, text: str, params: list, now: datetime) -> Outcome:
    if provider == "gammu":
        return to_gammu(conf, message, text, now)
    if provider == "cloud":
        return to_whatsapp_cloud(session, conf, message, params)
    if provider == "http":
        return to_http_gateway(session, conf, message, text)
    return Outcome("failed", error=f"no provider set up for {message['channel']}")


def setting_json(conf: dict, key: str) -> dict:
    try:
        value = json.loads(conf.get(key) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# gammu-smsd, FILES backend: OUT<priority><date>_<time>_<serial>_<number>_<anything>.txt in its outbox folder.


def gammu_dirs(conf: dict) -> tuple[Path, Path, Path] | None:
    gammu = setting_json(conf, "notify_gammu")
    if not gammu.get("outbox"):
        return None
    outbox = Path(gammu["outbox"])
    return outbox, Path(gammu.get("sent") or outbox.parent / "sent"), Path(gammu.get("error") or outbox.parent / "error")


def gammu_name(message: dict, now: datetime) -> str:
    # Priority B (A is the highest), the message id in the free part: found again by name after a crash.
    return f"OUTB{now:%Y%m%d_%H%M%S}_00_+{message['phone']}_loket{message['id']}.txt"


def find_gammu_file(dirs: tuple[Path, Path, Path], message_id: int) -> tuple[str, Path] | None:
    suffix = f"_loket{message_id}.txt"
    for where, folder in zip(("outbox", "sent", "error"), dirs, strict=True):
        try:
            for entry in os.scandir(folder):
                if entry.name.endswith(suffix):
                    return where, Path(entry.path)
        except FileNotFoundError:
            continue
    return None


def to_gammu(conf: dict, message: dict, text: str, now: datetime) -> Outcome:
    """Drop the message into gammu-smsd's outbox (UTF-16, `outboxformat = unicode`); the daemon sends it
    when the modem is there and moves the file to its sent or error folder (read back by `read_back_gammu`)."""
    dirs = gammu_dirs(conf)
    if dirs is None:
        return Outcome("failed", error="gammu-smsd outbox folder not set")
    found = find_gammu_file(dirs, message["id"])
    if found is not None:  # written before a crash: never a second file
        return Outcome("handed", provider_id=found[1].name)
    name = gammu_name(message, now)
    temporary = dirs[0] / f".loket{message['id']}.tmp"  # gammu-smsd only takes names starting OUT
    try:
        temporary.write_bytes(text.encode("utf-16"))
        os.replace(temporary, dirs[0] / name)
    except OSError as exc:
        return Outcome("retry", error=f"gammu outbox: {exc.strerror}")
    return Outcome("handed", provider_id=name)


def read_back_gammu(db, conf: dict, now: datetime) -> int:
    """Handed messages whose file gammu-smsd moved: to `sent` → sent; to `error` → tried again later.
    A file still waiting after HANDED_LIFETIME (no modem) is taken back and the message expires."""
    dirs = gammu_dirs(conf)
    if dirs is None:
        return 0
    handed = rows(db, "SELECT * FROM outbox WHERE status = 'handed' AND provider = 'gammu' ORDER BY id LIMIT 500")
    changed = 0
    for message in handed:
        found = find_gammu_file(dirs, message["id"])
        where = found[0] if found else None
        if where == "sent":
            record(db, message, Outcome("sent", provider_id=found[1].name), now)
        elif where == "error" or where is None:
            if found:
                found[1].unlink(missing_ok=True)
            record(db, message, Outcome("retry", error="gammu-smsd could not send it (error folder)"), now)
        elif now - parse_iso(message["next_attempt_at"]) > HANDED_LIFETIME:
            found[1].unlink(missing_ok=True)
            with transaction(db):
                db.conn.execute("UPDATE outbox SET status = 'expired', error = 'the modem did not take it' WHERE id = ?", (message["id"],))
        else:
            continue
        changed += 1
    return changed


def erase_gammu_files(conf: dict, before: datetime) -> int:
    """The daemon's sent and error folders keep numbers in file names and texts: Loket's own files of past days go."""
    dirs = gammu_dirs(conf)
    if dirs is None:
        return 0
    removed = 0
    for folder in dirs[1:]:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            if "_loket" in entry.name and entry.stat().st_mtime < before.timestamp():
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
    return removed


# WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages, a template message.

WHATSAPP_RETRY_CODES = {4, 80007, 130429, 131056, 131000, 131016, 1, 2}  # rate limits, throughput, temporary errors


def to_whatsapp_cloud(session: requests.Session, conf: dict, message: dict, params: list) -> Outcome:
    cloud = setting_json(conf, "notify_whatsapp_cloud")
    templates = cloud.get("templates") or {}
    template = templates.get(message["trigger"]) or cloud.get("template") or ""
    if not (cloud.get("phone_number_id") and cloud.get("token") and template):
        return Outcome("failed", error="WhatsApp Cloud API: phone number id, token or template not set")
    lang = "en" if message.get("lang") == "en" else "id"
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message["phone"],
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": cloud.get(f"language_{lang}") or lang},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]}] if params else [],
        },
    }
    base = (cloud.get("base_url") or "https://graph.facebook.com").rstrip("/")
    url = f"{base}/{cloud.get('version') or 'v21.0'}/{cloud['phone_number_id']}/messages"
    try:
        answer = session.post(url, json=body, headers={"Authorization": f"Bearer {cloud['token']}"}, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return Outcome("retry", error=f"WhatsApp Cloud API unreachable: {type(exc).__name__}", unreachable=True)
    try:
        data = answer.json()
    except ValueError:
        data = {}
    if answer.ok and data.get("messages"):
        return Outcome("sent", provider_id=str(data["messages"][0].get("id", "")))
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = error.get("code")
    text = f"WhatsApp {answer.status_code} code {code}: {error.get('message', '')}"[:500]
    if answer.status_code == 429 or answer.status_code >= 500 or code in WHATSAPP_RETRY_CODES:
        return Outcome("retry", error=text)
    return Outcome("failed", error=text)  # 190 bad token, 132001 template not approved, 131026 not on WhatsApp …


# A generic HTTP gateway (the Indonesian WhatsApp gateway services, an Android SMS gateway app on the LAN).


def gateway_body(template: str, message: dict, text: str) -> str:
    """The admin's body template with {phone} {text} {id} {channel}, each escaped as inside a JSON string."""
    values = {"phone": message["phone"], "text": text, "id": str(message["id"]), "channel": message["channel"]}
    return notify.PLACEHOLDER.sub(lambda m: json.dumps(values.get(m.group(1), ""), ensure_ascii=False)[1:-1], template)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def to_http_gateway(session: requests.Session, conf: dict, message: dict, text: str) -> Outcome:
    gateway = setting_json(conf, "notify_http")
    if not gateway.get("url"):
        return Outcome("failed", error="HTTP gateway URL not set")
    template = gateway.get("body") or '{"to": "{phone}", "message": "{text}", "id": "{id}"}'
    body = gateway_body(template, message, text).encode()
    headers = {"Content-Type": "application/json", **(gateway.get("headers") or {}), "X-Loket-Message-Id": str(message["id"])}
    if gateway.get("secret"):
        headers[gateway.get("signature_header") or "X-Loket-Signature"] = signature(gateway["secret"], body)
    try:
        answer = session.request(gateway.get("method") or "POST", gateway["url"], data=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return Outcome("retry", error=f"gateway unreachable: {type(exc).__name__}", unreachable=True)
    if answer.ok:
        try:
            data = answer.json()
        except ValueError:
            data = {}
        found = data.get("id") if isinstance(data, dict) else None
        return Outcome("sent", provider_id=str(found) if found is not None else None)
    error = f"gateway {answer.status_code}: {answer.text[:200]}"
    if answer.status_code in (408, 429) or answer.status_code >= 500:
        return Outcome("retry", error=error)
    return Outcome("failed", error=error)


def install(app) -> Sender:
    """The app's sender, started by `python server.py`, or by the first request a server that made the app
    by itself handles (gunicorn); never in tests (TESTING) or CLI commands, and not with LOKET_NOTIFY_SENDER=0."""
    sender = Sender(app)
    app.extensions["loket_sender"] = sender

    @app.before_request
    def _start_sender():
        if sender.thread is None and not app.testing and os.environ.get("LOKET_NOTIFY_SENDER", "1") != "0":
            sender.start()

    return sender
