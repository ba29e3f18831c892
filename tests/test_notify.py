"""SMS and WhatsApp to citizens: consent, the outbox written inside the rules, and the sender's channels.

gammu-smsd runs for real on Gammu's dummy phone driver; WhatsApp's Cloud API and an HTTP gateway are
HTTP servers on 127.0.0.1 that check the documented request shape and answer as the real ones do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import KIOSK, PASSWORD, login
from loket.db import set_setting

PHONE = "081234567890"
STORED = "6281234567890"
MASKED = "0812•••••890"


def configure(db, **values) -> None:
    with db.conn:
        for key, value in values.items():
            set_setting(db, key, value)


def sender(app):
    return app.extensions["loket_sender"]


def messages(db, where: str = "1", params=()) -> list[dict]:
    cursor = db.conn.execute(f"SELECT * FROM outbox WHERE {where} ORDER BY id", params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scan(app, clock) -> int:
    """What the sender does first on each pass: write the messages the committed state calls for."""
    from loket import notify

    db = app.extensions["loket_pool"].take()
    try:
        return notify.scan(db, clock())
    finally:
        app.extensions["loket_pool"].give_back(db)


def take(client, service_id: int = 1) -> dict:
    r = client.post("/api/tickets", headers=KIOSK, json={"service_id": service_id})
    assert r.status_code == 201
    return r.get_json()


@pytest.fixture
def sms_on(db, tmp_path):
    """SMS through gammu-smsd's FILES backend, its folders under tmp_path."""
    spool = tmp_path / "spool"
    for name in ("outbox", "sent", "error", "inbox"):
        (spool / name).mkdir(parents=True)
    configure(
        db,
        notify_sms_provider="gammu",
        notify_gammu=json.dumps({"outbox": str(spool / "outbox"), "sent": str(spool / "sent"), "error": str(spool / "error")}),
    )
    return spool


# ---------------------------------------------------------------- numbers and consent


@pytest.mark.parametrize(
    "written",
    ["081234567890", "0812-3456-7890", "0812 3456 7890", "6281234567890", "+62 812-3456-7890", "+6281234567890", "(0812) 3456.7890"],
)
def test_an_indonesian_mobile_number_in_every_usual_form_is_stored_as_62(client, db, sms_on, written):
    token = take(client)["token"]
    r = client.post(f"/api/tickets/{token}/notify", json={"phone": written})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["notify"] == {"on": True, "phone": MASKED, "channel": "sms"}
    assert db.execute("SELECT phone FROM notify_subscriptions").fetchone()[0] == STORED


@pytest.mark.parametrize("written", ["12345", "0212345678", "+1 415 555 0100", "0812abc45678", "08123", "0812345678901234", 812345678, ""])
def test_anything_else_is_a_400_naming_the_phone_field(client, sms_on, written):
    token = take(client)["token"]
    r = client.post(f"/api/tickets/{token}/notify", json={"phone": written})
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] in ("invalid_field", "missing_field") and body["field"] == "phone"


def test_the_ticket_its_holder_sees_says_whether_messages_are_on_and_delete_stops_them(client, sms_on):
    token = take(client)["token"]
    assert client.get(f"/api/tickets/{token}").get_json()["notify"] == {"on": False, "phone": None, "channel": None}
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    assert client.get(f"/api/tickets/{token}").get_json()["notify"]["phone"] == MASKED
    r = client.delete(f"/api/tickets/{token}/notify")
    assert r.status_code == 200 and r.get_json()["notify"]["on"] is False
    assert client.get(f"/api/tickets/{token}").get_json()["notify"]["on"] is False


def test_a_channel_the_mpp_has_not_set_up_is_refused(client):
    token = take(client)["token"]
    r = client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE, "channel": "whatsapp"})
    assert r.status_code == 409 and r.get_json()["error"] == "notify_unavailable"


def test_one_number_cannot_be_signed_up_for_ticket_after_ticket(client, sms_on):
    codes = [client.post(f"/api/tickets/{take(client)['token']}/notify", json={"phone": PHONE}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_one_address_cannot_sign_up_number_after_number(client, sms_on):
    codes = [
        client.post(f"/api/tickets/{take(client)['token']}/notify", json={"phone": f"0812345600{i:02d}"}).status_code for i in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429


# ---------------------------------------------------------------- the outbox, written inside the rules


def test_a_call_and_a_recall_each_write_one_message_ever(app, client, db, clock, sms_on, officer):
    ticket = take(client)
    client.post(f"/api/tickets/{ticket['token']}/notify", json={"phone": PHONE})
    assert client.post("/api/counters/1/call-next", json={}).get_json()["ticket"]["number"] == ticket["number"]
    assert scan(app, clock) == 1
    assert [m["trigger"] for m in messages(db)] == ["called"]
    client.post("/api/counters/1/recall", json={})
    scan(app, clock)
    client.post("/api/counters/1/recall", json={})
    scan(app, clock)
    assert [m["trigger"] for m in messages(db)] == ["called", "recalled"]
    # a transfer sends the ticket to another line: its turn there may come near, but nothing is said twice
    assert client.post("/api/counters/1/transfer", json={"service_id": 2}).status_code == 200
    scan(app, clock)
    scan(app, clock)
    assert [m["trigger"] for m in messages(db)] == ["called", "recalled", "turn_near"]
    assert all(m["phone"] == STORED and m["status"] == "queued" for m in messages(db))
    with pytest.raises(Exception, match="UNIQUE"):
        db.conn.execute(
            "INSERT INTO outbox (trigger, ticket_id, day, channel, phone, created_at, next_attempt_at)"
            " SELECT 'called', ticket_id, day, channel, phone, created_at, created_at FROM outbox LIMIT 1"
        )


def test_a_rolled_back_call_writes_nothing_and_a_finished_service_writes_the_survey_link(app, client, db, clock, sms_on, officer):
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    assert client.post("/api/counters/1/call-next", json={"expected_ticket_id": 999}).status_code == 409
    assert scan(app, clock) == 1 and messages(db)[0]["trigger"] == "turn_near"
    client.post("/api/counters/1/call-next", json={})
    client.post("/api/counters/1/complete", json={})
    scan(app, clock)
    assert [m["trigger"] for m in messages(db)] == ["turn_near", "survey"]  # the call was over before the sender looked


def test_a_ticket_without_consent_writes_nothing(app, client, db, clock, sms_on, officer):
    take(client)
    client.post("/api/counters/1/call-next", json={})
    client.post("/api/counters/1/recall", json={})
    client.post("/api/counters/1/complete", json={})
    assert scan(app, clock) == 0 and messages(db) == []


def test_turn_near_is_written_once_when_the_ticket_is_three_places_from_the_front(app, client, db, clock, sms_on, officer):
    for _ in range(5):
        take(client)
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    sender(app).step(clock())
    assert messages(db, "trigger = 'turn_near'") == []  # five ahead
    client.post("/api/counters/1/call-next", json={})
    client.post("/api/counters/2/call-next", json={})
    sender(app).step(clock())
    near = messages(db, "trigger = 'turn_near'")
    assert len(near) == 1 and near[0]["status"] == "handed"
    assert "tinggal 3 orang lagi" in near[0]["text"]
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    assert len(messages(db, "trigger = 'turn_near'")) == 1


def test_a_turn_near_message_for_a_ticket_already_called_is_dropped(app, client, db, clock, sms_on, officer):
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    assert scan(app, clock) == 1
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    statuses = {m["trigger"]: (m["status"], m["error"]) for m in messages(db)}
    assert statuses["turn_near"][0] == "dropped" and "called" in statuses["turn_near"][1]
    assert statuses["called"][0] == "handed"


def test_stopping_drops_what_is_still_queued(app, client, db, clock, sms_on, officer):
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    scan(app, clock)
    client.delete(f"/api/tickets/{token}/notify")
    client.post("/api/counters/1/recall", json={})
    sender(app).step(clock())
    assert [(m["trigger"], m["status"]) for m in messages(db)] == [("called", "dropped")]


def test_a_trigger_the_admin_turned_off_writes_nothing(app, client, db, clock, sms_on, officer):
    db.conn.execute("INSERT INTO notify_triggers (service_id, trigger, enabled) VALUES (1, 'called', 0)")
    db.conn.commit()
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    scan(app, clock)
    assert messages(db) == []


# ---------------------------------------------------------------- gammu-smsd on the dummy phone


class GammuDaemon:
    """A real gammu-smsd with Gammu's dummy phone driver (a folder stands in for the modem)."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.config = spool / "smsdrc"
        self.process: subprocess.Popen | None = None
        lines = [
            "[gammu]",
            "model = dummy",
            "connection = none",
            f"device = {spool / 'phone'}/",
            "[smsd]",
            "service = files",
            f"logfile = {spool / 'smsd.log'}",
            "debuglevel = 0",
            f"inboxpath = {spool / 'inbox'}/",
            f"outboxpath = {spool / 'outbox'}/",
            f"sentsmspath = {spool / 'sent'}/",
            f"errorsmspath = {spool / 'error'}/",
            "outboxformat = unicode",
            "transmitformat = auto",
            "commtimeout = 1",
            "sendtimeout = 5",
            "loopsleep = 1",
            "receivefrequency = 60",
            "checksecurity = 0",
            "checkbattery = 0",
            "checksignal = 0",
        ]
        self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> GammuDaemon:
        (self.spool / "phone").mkdir(exist_ok=True)
        self.process = subprocess.Popen(["gammu-smsd", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def gammu(sms_on):
    if shutil.which("gammu-smsd") is None:
        pytest.skip("gammu-smsd is not installed (apt-get install gammu gammu-smsd)")
    daemon = GammuDaemon(sms_on)
    yield daemon
    daemon.stop()


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def sent_texts(spool: Path) -> list[str]:
    return [p.read_bytes().decode("utf-16") for p in sorted((spool / "sent").glob("OUT*_loket*.txt"))]


def test_a_call_reaches_the_dummy_phone_through_a_real_gammu_smsd(app, client, db, clock, gammu, officer):
    gammu.start()
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    number = client.post("/api/counters/1/call-next", json={}).get_json()["ticket"]["number"]
    sender(app).step(clock())
    assert messages(db)[0]["status"] == "handed"
    texts = wait_for(lambda: sent_texts(gammu.spool))
    assert texts == [f"Nomor antrean {number} dipanggil. Silakan menuju Loket 1."]
    name = next((gammu.spool / "sent").glob("OUT*")).name
    assert f"_+{STORED}_loket" in name
    sender(app).step(clock())
    (called,) = messages(db)
    assert (called["status"], called["provider"], called["provider_id"]) == ("sent", "gammu", name)


def test_a_modem_that_goes_away_and_comes_back_sends_what_waited_once(app, client, db, clock, gammu, officer):
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())  # no daemon: the file waits in the outbox
    clock.advance(minutes=3)
    sender(app).step(clock())
    assert messages(db)[0]["status"] == "handed" and len(list((gammu.spool / "outbox").glob("OUT*"))) == 1
    gammu.start()
    wait_for(lambda: sent_texts(gammu.spool))
    sender(app).step(clock())
    assert messages(db)[0]["status"] == "sent"
    gammu.stop()
    gammu.start()
    time.sleep(2)
    assert len(sent_texts(gammu.spool)) == 1


def test_a_file_gammu_smsd_could_not_send_is_tried_again_later(app, client, db, clock, sms_on, officer):
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    (waiting,) = list((sms_on / "outbox").glob("OUT*"))
    waiting.rename(sms_on / "error" / waiting.name)  # what gammu-smsd does when the network refuses it
    sender(app).step(clock())
    (message,) = messages(db)
    assert message["status"] == "queued" and message["attempts"] == 1 and "error folder" in message["error"]
    clock.advance(seconds=6)
    sender(app).step(clock())
    assert messages(db)[0]["status"] == "handed" and len(list((sms_on / "outbox").glob("OUT*"))) == 1


# ---------------------------------------------------------------- WhatsApp Cloud API and an HTTP gateway


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers from a script of (status, body)."""

    def __init__(self, answers: list | None = None, delay: float = 0.0) -> None:
        self.requests: list[dict] = []
        self.answers = list(answers or [])
        self.delay = delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, answer = receiver.answers.pop(0) if receiver.answers else (200, {"id": "gw-1"})
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(answers=None, delay=0.0) -> Receiver:
        made.append(Receiver(answers, delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


WA_OK = {"messaging_product": "whatsapp", "contacts": [{"input": STORED, "wa_id": STORED}], "messages": [{"id": "wamid.HBgM"}]}


def whatsapp_error(code: int, message: str, kind: str = "OAuthException") -> dict:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}}


def cloud_on(db, url: str) -> None:
    configure(
        db,
        notify_whatsapp_provider="cloud",
        notify_whatsapp_cloud=json.dumps(
            {
                "base_url": url,
                "version": "v21.0",
                "phone_number_id": "106540352242922",
                "token": "EAAG-token",
                "templates": {"called": "antrean_dipanggil"},
            }
        ),
    )


def test_whatsapp_sends_the_documented_template_message(app, client, db, clock, receiver, officer):
    api = receiver([(200, WA_OK)])
    cloud_on(db, api.url)
    token = take(client)["token"]
    assert client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE, "channel": "whatsapp"}).status_code == 200
    number = client.post("/api/counters/1/call-next", json={}).get_json()["ticket"]["number"]
    sender(app).step(clock())
    (sent,) = api.requests
    assert sent["path"] == "/v21.0/106540352242922/messages"
    assert sent["headers"]["Authorization"] == "Bearer EAAG-token"
    assert json.loads(sent["body"]) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": STORED,
        "type": "template",
        "template": {
            "name": "antrean_dipanggil",
            "language": {"code": "id"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": number}, {"type": "text", "text": "Loket 1"}]}],
        },
    }
    (message,) = messages(db)
    assert (message["status"], message["provider_id"]) == ("sent", "wamid.HBgM")


@pytest.mark.parametrize(
    ("status", "answer", "outcome"),
    [
        (401, whatsapp_error(190, "Error validating access token: Session has expired"), "failed"),
        (404, whatsapp_error(132001, "(#132001) Template name does not exist in the translation", "OAuthException"), "failed"),
        (400, whatsapp_error(130429, "(#130429) Rate limit hit"), "queued"),
        (400, whatsapp_error(80007, "(#80007) Rate limit issues"), "queued"),
        (429, whatsapp_error(4, "(#4) Application request limit reached"), "queued"),
        (500, whatsapp_error(1, "An unknown error occurred"), "queued"),
    ],
)
def test_whatsapp_refusals_fail_for_good_and_limits_are_tried_again_later(
    app, client, db, clock, receiver, officer, status, answer, outcome
):
    api = receiver([(status, answer), (200, WA_OK)])
    cloud_on(db, api.url)
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE, "channel": "whatsapp"})
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    (message,) = messages(db)
    assert message["status"] == outcome and f"code {answer['error']['code']}" in message["error"]
    if outcome == "queued":
        clock.advance(seconds=6)
        sender(app).step(clock())
        assert messages(db)[0]["status"] == "sent" and len(api.requests) == 2


def gateway_on(db, url: str, **extra) -> None:
    configure(
        db,
        notify_sms_provider="http",
        notify_http=json.dumps(
            {
                "url": url + "/send",
                "method": "POST",
                "headers": {"X-Api-Key": "k-123"},
                "body": '{"target": "{phone}", "message": "{text}", "countryCode": "62"}',
                "secret": "s3cret",
                "signature_header": "X-Signature",
                **extra,
            }
        ),
    )


def test_the_http_gateway_gets_the_body_template_signed_with_hmac_sha256(app, client, db, clock, receiver, officer):
    gw = receiver()
    gateway_on(db, gw.url)
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    number = client.post("/api/counters/1/call-next", json={}).get_json()["ticket"]["number"]
    sender(app).step(clock())
    (sent,) = gw.requests
    assert sent["path"] == "/send" and sent["headers"]["X-Api-Key"] == "k-123"
    assert sent["headers"]["X-Signature"] == "sha256=" + hmac.new(b"s3cret", sent["body"], hashlib.sha256).hexdigest()
    assert json.loads(sent["body"]) == {
        "target": STORED,
        "message": f"Nomor antrean {number} dipanggil. Silakan menuju Loket 1.",
        "countryCode": "62",
    }
    assert messages(db)[0]["status"] == "sent"


def test_a_gateway_that_answers_500_or_times_out_is_retried_with_backoff_and_never_holds_a_call(app, client, db, clock, receiver, officer):
    gw = receiver([(500, {"error": "down"})], delay=0)
    gateway_on(db, gw.url)
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    started = time.monotonic()
    assert client.post("/api/counters/1/call-next", json={}).status_code == 200
    assert time.monotonic() - started < 1
    sender(app).step(clock())
    assert (messages(db)[0]["status"], messages(db)[0]["attempts"]) == ("queued", 1)
    sender(app).step(clock())  # not yet due: nothing is sent
    assert len(gw.requests) == 1
    gw.delay = 7  # longer than the sender waits
    clock.advance(seconds=6)
    sender(app).step(clock())
    message = messages(db)[0]
    assert (message["status"], message["attempts"]) == ("queued", 2) and "Timeout" in message["error"]
    gw.delay = 0
    clock.advance(seconds=16)
    sender(app).step(clock())
    assert messages(db)[0]["status"] == "sent"


def test_the_admin_can_queue_a_test_message_that_the_log_shows_masked(app, client, db, clock, receiver):
    gw = receiver()
    gateway_on(db, gw.url)
    login(client, "admin")
    r = client.post("/api/admin/notify/test", json={"channel": "sms", "phone": "+62 812 3456 7890"})
    assert r.status_code == 200, r.get_json()
    sender(app).step(clock())
    log = client.get("/api/admin/notify/log").get_json()
    assert log["messages"][0]["phone"] == MASKED and log["messages"][0]["status"] == "sent"
    assert STORED not in json.dumps(log)


# ---------------------------------------------------------------- the admin's settings


def test_each_services_triggers_are_set_in_the_admin_and_a_text_must_fit_one_sms(client):
    login(client, "admin")
    got = client.get("/api/admin/services/1/notify").get_json()
    assert got["triggers"]["turn_near"]["places"] == 3 and got["triggers"]["called"]["enabled"] is True
    r = client.put(
        "/api/admin/services/1/notify",
        json={"turn_near": {"enabled": True, "minutes": 10, "text_id": "{number}: {ahead} lagi", "text_en": "{number}: {ahead} to go"}},
    )
    assert r.status_code == 200, r.get_json()
    near = r.get_json()["triggers"]["turn_near"]
    assert (near["minutes"], near["places"], near["text_id"]) == (10, None, "{number}: {ahead} lagi")
    too_long = client.put("/api/admin/services/1/notify", json={"called": {"text_id": "Nomor {number} " + "x" * 150}})
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "text_id"
    unicode = client.put("/api/admin/services/1/notify", json={"called": {"text_en": "Ticket {number} 🙂 " + "x" * 60}})
    assert unicode.status_code == 400 and "70" in unicode.get_json()["message"]
    unknown = client.put("/api/admin/services/1/notify", json={"called": {"text_id": "Nomor {nomor}"}})
    assert unknown.status_code == 400 and "{nomor}" in unknown.get_json()["message"]


def test_the_channels_page_never_sends_a_token_or_secret_back(client, db):
    login(client, "admin")
    body = {
        "sms": {"provider": "http"},
        "whatsapp": {"provider": "cloud"},
        "whatsapp_cloud": {"phone_number_id": "1065", "token": "EAAG-very-secret", "templates": {"called": "antrean_dipanggil"}},
        "http": {"url": "http://192.168.1.20:8080/send", "secret": "hmac-secret", "headers": {"X-Api-Key": "k"}},
    }
    r = client.put("/api/admin/notify/channels", json=body)
    assert r.status_code == 200, r.get_json()
    text = json.dumps(client.get("/api/admin/notify/channels").get_json())
    assert "EAAG-very-secret" not in text and "hmac-secret" not in text
    again = client.put("/api/admin/notify/channels", json=client.get("/api/admin/notify/channels").get_json())
    assert again.status_code == 200
    stored = dict(db.execute("SELECT key, value FROM settings WHERE key LIKE 'notify_%'").fetchall())
    assert json.loads(stored["notify_whatsapp_cloud"])["token"] == "EAAG-very-secret"
    assert json.loads(stored["notify_http"])["secret"] == "hmac-secret"
    bad = client.put("/api/admin/notify/channels", json={"http": {"url": "ftp://x"}})
    assert bad.status_code == 400 and bad.get_json()["field"] == "url"


def test_the_report_counts_messages_and_whether_those_told_came(app, client, db, clock, receiver, officer):
    gw = receiver()
    gateway_on(db, gw.url)
    told = take(client)
    take(client)
    client.post(f"/api/tickets/{told['token']}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    client.post("/api/counters/1/call-next", json={})  # the told one was served
    client.post("/api/counters/1/no-show", json={})  # the other did not come
    login(client, "admin")
    day = told["issued_on"]
    data = client.get(f"/api/admin/reports/notify?from={day}&to={day}").get_json()
    assert {(r["trigger"], r["sent"]) for r in data["rows"]} >= {("called", 1)}
    assert (data["notified"]["called"], data["notified"]["came"], data["notified"]["came_pct"]) == (1, 1, 100.0)
    assert (data["not_notified"]["called"], data["not_notified"]["no_show"]) == (1, 1)
    csv = client.get(f"/api/admin/reports/notify?from={day}&to={day}&format=csv")
    assert csv.status_code == 200 and STORED not in csv.get_data(as_text=True)


# ---------------------------------------------------------------- crashes and the end of the day


def test_a_server_killed_between_the_commit_and_the_send_sends_once_after_restart_never_twice(tmp_path, demo_template, receiver):
    import sqlite3

    from conftest import LiveServer, copy_demo, free_port

    path = copy_demo(demo_template, tmp_path / "live.db")
    gw = receiver()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: the gateway is down
    conn = sqlite3.connect(path)
    with conn:
        for key, value in {"notify_sms_provider": "http", "notify_http": json.dumps({"url": dead + "/send"})}.items():
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
    conn.close()
    first = LiveServer(path).start()
    try:
        citizen = first.session()
        token = citizen.post(first.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).json()["token"]
        assert citizen.post(f"{first.url}/api/tickets/{token}/notify", json={"phone": PHONE}, timeout=10).status_code == 200
        officer = first.session("petugas.dukcapil")
        officer.post(first.url + "/api/counters/1/open", timeout=10)
        assert officer.post(first.url + "/api/counters/1/call-next", json={}, timeout=10).status_code == 200

        def tried() -> bool:
            with sqlite3.connect(path) as c:
                # the failed attempt is recorded: queued again, committed, not yet sent
                return c.execute("SELECT status, attempts FROM outbox WHERE trigger = 'called'").fetchone() == ("queued", 1)

        wait_for(tried, 30)
    finally:
        first.kill()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE settings SET value = ? WHERE key = 'notify_http'", (json.dumps({"url": gw.url + "/send"}),))
        conn.execute("UPDATE outbox SET next_attempt_at = created_at WHERE status = 'queued'")  # the backoff is not under test here
    conn.close()
    for _ in range(2):
        again = LiveServer(path).start()
        try:
            wait_for(lambda: [r for r in gw.requests if b"dipanggil" in r["body"]], 30)
            time.sleep(2)
        finally:
            again.kill()
    called = [r for r in gw.requests if b"dipanggil" in r["body"]]
    assert len(called) == 1
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT status FROM outbox WHERE trigger = 'called'").fetchone() == ("sent",)


def test_the_nightly_rollup_leaves_none_of_the_days_numbers_in_the_database_file(app, client, db, db_path, clock, receiver, officer):
    gw = receiver()
    gateway_on(db, gw.url)
    numbers = [f"0812{n:08d}" for n in range(31415926, 31415930)]
    for number in numbers:
        token = take(client)["token"]
        assert client.post(f"/api/tickets/{token}/notify", json={"phone": number}).status_code == 200
    for _ in numbers:
        client.post("/api/counters/1/call-next", json={})
        sender(app).step(clock())
    assert {json.loads(r["body"])["target"] for r in gw.requests} == {"62" + n[1:] for n in numbers}
    app.extensions["loket_pool"].close()
    db.close()
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", "rollup"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "LOKET_DB": str(db_path), "LOKET_SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "4 nomor" in run.stdout
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for number in numbers:
        for form in (number, "62" + number[1:], number[-8:]):
            assert form.encode() not in raw, form


# ---------------------------------------------------------------- bookings


def test_a_booking_with_consent_gets_its_reminders_with_the_code_and_its_ticket_the_call(app, client, db, clock, receiver):
    gw = receiver()
    gateway_on(db, gw.url)
    sid = db.execute("SELECT id FROM services WHERE code = 'PASPOR'").fetchone()[0]
    r = client.post(
        "/api/bookings",
        json={"service_id": sid, "date": "2026-11-26", "start": "10:30", "name": "Siti Aminah", "phone": "+62 812 3456 7890",
              "nik": "3201234567890123", "notify": True},
    )  # fmt: skip
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()
    assert booking["notify"] == {"on": True, "phone": MASKED, "channel": "sms"}
    sender(app).step(clock())
    assert messages(db) == []  # more than a day ahead
    clock.set_local("2026-11-25T11:00")
    sender(app).step(clock())
    clock.set_local("2026-11-26T09:40")
    sender(app).step(clock())
    sender(app).step(clock())
    assert [(m["trigger"], m["status"]) for m in messages(db)] == [("reminder_day", "sent"), ("reminder_hour", "sent")]
    texts = [json.loads(r["body"])["message"] for r in gw.requests]
    assert all(booking["code"] in text for text in texts) and "besok pukul 10:30" in texts[0]
    clock.set_local("2026-11-26T10:10")
    assert client.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).status_code == 201
    counter = db.execute("SELECT counter_id FROM counter_services WHERE service_id = ? LIMIT 1", (sid,)).fetchone()[0]
    user = db.execute(
        "SELECT u.username FROM users u JOIN counters c ON c.agency_id = u.agency_id WHERE c.id = ? AND u.role = 'officer'", (counter,)
    ).fetchone()[0]
    login(client, user)
    client.post(f"/api/counters/{counter}/open")
    assert client.post(f"/api/counters/{counter}/call-next", json={}).status_code == 200
    sender(app).step(clock())
    assert "dipanggil" in json.loads(gw.requests[-1]["body"])["message"]


def test_a_booking_without_consent_gets_no_message(app, client, db, clock, receiver):
    gateway_on(db, receiver().url)
    sid = db.execute("SELECT id FROM services WHERE code = 'PASPOR'").fetchone()[0]
    r = client.post(
        "/api/bookings",
        json={"service_id": sid, "date": "2026-11-25", "start": "10:30", "name": "Siti Aminah", "phone": PHONE, "nik": "3201234567890123"},
    )
    assert r.status_code == 201 and r.get_json()["notify"]["on"] is False
    sender(app).step(clock())
    assert messages(db) == []


def test_a_kiosk_is_one_address_for_many_citizens_and_is_not_stopped_at_ten(client, sms_on):
    for i in range(12):
        r = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1})
        assert r.status_code == 201
        token = r.get_json()["ticket"]["token"]
        assert client.post(f"/api/tickets/{token}/notify", json={"phone": f"0812345611{i:02d}"}).status_code == 200


def test_a_gateway_that_does_not_answer_costs_one_timeout_per_pass_not_one_per_message(app, client, db, clock, receiver, officer):
    gw = receiver(delay=7)
    gateway_on(db, gw.url)
    for i in range(2):
        token = take(client)["token"]
        client.post(f"/api/tickets/{token}/notify", json={"phone": f"08123456770{i}"})
    client.post("/api/counters/1/call-next", json={})
    client.post("/api/counters/2/call-next", json={})
    scan(app, clock)
    started = time.monotonic()
    sender(app).step(clock())
    assert time.monotonic() - started < 9
    assert sorted(m["attempts"] for m in messages(db, "trigger = 'called'")) == [0, 1]


def test_the_rollup_removes_lokets_files_of_past_days_from_gammus_folders(sms_on):
    from loket import sender as sending

    old = sms_on / "sent" / "OUTB20261124_100000_00_+6281234567890_loket1.txt"
    new = sms_on / "sent" / "OUTB20261125_100000_00_+6281234567890_loket2.txt"
    other = sms_on / "sent" / "OUTA20261124_100000_00_+6281111111111_sms0.txt"  # not Loket's: left alone
    for path in (old, new, other):
        path.write_bytes("x".encode("utf-16"))
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(other, (1_700_000_000, 1_700_000_000))
    conf = {"notify_gammu": json.dumps({"outbox": str(sms_on / "outbox"), "sent": str(sms_on / "sent"), "error": str(sms_on / "error")})}
    from datetime import UTC, datetime

    assert sending.erase_gammu_files(conf, datetime(2024, 1, 1, tzinfo=UTC)) == 1
    assert not old.exists() and new.exists() and other.exists()


# ---------------------------------------------------------------- the migration


OUTBOX_ROW = (
    "INSERT INTO outbox (trigger, ticket_id, day, channel, phone, created_at, next_attempt_at)"
    " VALUES ('{trigger}', ?, ?, 'sms', ?, 'x', 'x')"
)


def test_an_old_database_gains_the_notification_tables_and_its_tickets_can_be_subscribed(tmp_path):
    import sqlite3

    from loket.db import connect, init_schema

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript((Path(__file__).parent / "fixtures" / "loket-v1.sql").read_text(encoding="utf-8"))
    tickets_before = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    conn.close()
    db = connect(path)
    try:
        assert "m23_notifications" in init_schema(db)
        assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == tickets_before
        ticket = db.execute("SELECT id, service_id, issued_on FROM tickets LIMIT 1").fetchone()
        with db.conn:
            db.conn.execute(
                "INSERT INTO notify_subscriptions (ticket_id, service_id, day, phone, channel, consent_at) VALUES (?, ?, ?, ?, 'sms', 'x')",
                (*ticket, STORED),
            )
            db.conn.execute(
                OUTBOX_ROW.format(trigger="called"),
                (ticket[0], ticket[2], STORED),
            )
        with pytest.raises(sqlite3.IntegrityError):
            db.conn.execute(
                OUTBOX_ROW.format(trigger="sms"),
                (ticket[0], ticket[2], STORED),
            )
        db.conn.rollback()
        assert init_schema(db) == []
    finally:
        db.close()


def test_a_gateway_that_echoes_the_number_in_its_error_leaves_it_out_of_the_log(app, client, db, clock, receiver, officer, caplog):
    gw = receiver([(400, {"error": f"invalid target {STORED}", "detail": "+62 812-3456-7890"})])
    gateway_on(db, gw.url)
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    client.post("/api/counters/1/call-next", json={})
    sender(app).step(clock())
    failed = messages(db, "status = 'failed'")
    assert failed and "gateway 400" in failed[0]["error"]
    assert STORED not in failed[0]["error"] and "812-3456" not in failed[0]["error"]
    assert STORED not in caplog.text and "3456" not in caplog.text


def test_a_links_address_is_the_one_the_admin_set_the_channels_up_from(app, client, db, clock, receiver, officer):
    gw = receiver()
    admin = app.test_client()
    lan = "http://192.168.10.5:5000"
    assert admin.post("/api/login", json={"username": "admin", "password": PASSWORD}, base_url=lan).status_code == 200
    body = {"sms": {"provider": "http"}, "http": {"url": gw.url + "/send"}}
    assert admin.put("/api/admin/notify/channels", json=body, base_url=lan).status_code == 200
    token = take(client)["token"]
    client.post(f"/api/tickets/{token}/notify", json={"phone": PHONE})
    sender(app).step(clock())  # turn near: nobody ahead
    assert f"http://192.168.10.5:5000/t/{token}" in json.loads(gw.requests[0]["body"])["message"]


def test_two_processes_senders_never_send_one_message_twice(app, client, db, db_path, clock, receiver, officer):
    from server import create_app

    gw = receiver(delay=0.2)
    gateway_on(db, gw.url)
    for i in range(6):
        token = take(client)["token"]
        client.post(f"/api/tickets/{token}/notify", json={"phone": f"08123456780{i}"})
    queued = scan(app, clock)  # turn_near for those three places or fewer from the front
    assert queued == 4
    other = create_app({"DATABASE": str(db_path), "CLOCK": clock, "SECRET_KEY": "test-secret", "TESTING": True})
    threads = [threading.Thread(target=sender(a).step, args=(clock(),)) for a in (app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    other.extensions["loket_pool"].close()
    targets = [json.loads(r["body"])["target"] for r in gw.requests]
    assert len(targets) == queued and len(set(targets)) == queued
    assert {m["status"] for m in messages(db)} == {"sent"}
