"""The kiosk's server side: printing through a real TCP printer, failures, reprint, the phone's limits, the pages."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from conftest import KIOSK, free_port, login, settle
from loket.db import set_setting


class PrinterListener:
    """A stand-in network printer on 127.0.0.1: takes every byte sent, then closes (or, hanging, never answers)."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            chunks = []
            try:
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
                    if self.hang:
                        break
            except OSError:
                pass
            self.received.append(b"".join(chunks))
            if self.hang:
                self.held.append(conn)
            else:
                conn.close()

    def wait_for(self, count: int, timeout: float = 5) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        for conn in self.held:
            conn.close()
        self.server.close()


@pytest.fixture
def printer():
    listener = PrinterListener()
    yield listener
    listener.close()


def set_printer(db, url: str, name: str = "kios-1") -> int:
    db.execute("UPDATE kiosks SET printer_url = ?, printer_profile = 'TM-T82' WHERE name = ?", (url, name))
    return db.execute("SELECT id FROM kiosks WHERE name = ?", (name,)).fetchone()[0]


def kiosk_row(db, name: str = "kios-1") -> dict:
    return dict(
        zip(
            ("printer_state", "printer_error"),
            db.execute("SELECT printer_state, printer_error FROM kiosks WHERE name = ?", (name,)).fetchone(),
            strict=True,
        )
    )


def ticket_row(db, token: str) -> dict:
    row = db.execute("SELECT printed, print_error, status FROM tickets WHERE token = ?", (token,)).fetchone()
    return {"printed": row[0], "print_error": row[1], "status": row[2]}


# ---------------------------------------------------------------- printing through the API


def test_a_ticket_issued_at_a_network_kiosk_comes_out_of_its_printer(app, client, db, printer):
    kiosk_id = set_printer(db, printer.url)
    response = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1, "kiosk_id": kiosk_id})
    assert response.status_code == 201
    ticket = response.get_json()
    # The answer never waits for paper: the outcome follows as ticket_printed.
    assert ticket["number"] == "A001" and ticket["printed"] is None
    data = printer.wait_for(1)[0]
    settle(app)
    assert b"A001" in data
    assert b"Perekaman & Pencetakan KTP-el" in data
    assert b"Mal Pelayanan Publik Kota Contoh" in data
    assert data.rstrip(b"\x00").endswith((b"\x1dV\x00", b"\x1dVA\x00", b"\x1dV\x01", b"\x1dVB\x00")) or b"\x1dV" in data
    assert ticket_row(db, ticket["token"])["printed"] == 1
    assert kiosk_row(db)["printer_state"] == "ok"


def test_the_kiosk_endpoint_answers_with_the_ticket_and_its_qr_code_as_svg(app, client, db, printer):
    from loket.realtime import socketio

    set_printer(db, printer.url)
    screen = socketio.test_client(app)
    screen.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1"})
    screen.get_received()
    response = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 5})
    assert response.status_code == 201
    ticket = response.get_json()["ticket"]
    assert ticket["number"] == "E001" and ticket["printed"] is None
    settle(app)
    reports = [m["args"][0] for m in screen.get_received() if m["name"] == "ticket_printed"]
    screen.disconnect()
    assert reports == [{"ticket_id": ticket["id"], "number": "E001", "printed": True, "error": ""}]
    assert ticket["qr_svg"].startswith('<svg class="qr"') and "<path" in ticket["qr_svg"]
    assert b"E001" in printer.wait_for(1)[0]


@pytest.mark.parametrize("behaviour", ["refuses", "hangs"])
def test_a_printer_that_fails_leaves_the_ticket_valid_and_the_request_fast(app, client, db, behaviour):
    listener = PrinterListener(hang=True) if behaviour == "hangs" else None
    url = listener.url if listener else f"tcp://127.0.0.1:{free_port()}"
    try:
        kiosk_id = set_printer(db, url)
        started = time.monotonic()
        response = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1, "kiosk_id": kiosk_id})
        elapsed = time.monotonic() - started
        settle(app)
    finally:
        if listener:
            listener.close()
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    # The answer does not wait for the printer at all; the print attempt gives up within its budget.
    assert elapsed < 1.0
    assert ticket["number"] == "A001" and ticket["status"] == "waiting" and ticket["printed"] is None
    stored = ticket_row(db, ticket["token"])
    assert stored["printed"] == 0 and stored["print_error"]
    state = kiosk_row(db)
    assert state["printer_state"] == "error" and state["printer_error"]
    # The ticket stands: it is in the queue and the next one gets the next number.
    assert client.get(f"/api/tickets/{ticket['token']}").get_json()["status"] == "waiting"
    assert client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["number"] == "A002"


def test_reprint_after_the_printer_came_back(app, client, db, printer):
    set_printer(db, f"tcp://127.0.0.1:{free_port()}")
    ticket = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]
    settle(app)
    assert ticket_row(db, ticket["token"])["printed"] == 0
    set_printer(db, printer.url)
    response = client.post(f"/api/tickets/{ticket['token']}/reprint")
    assert response.status_code == 200
    assert response.get_json()["ticket"]["printed"] is None  # printing, the outcome follows
    assert b"A001" in printer.wait_for(1)[0]
    settle(app)
    assert ticket_row(db, ticket["token"]) == {"printed": 1, "print_error": "", "status": "waiting"}
    assert kiosk_row(db)["printer_state"] == "ok"
    kinds = [r[0] for r in db.execute("SELECT kind FROM events WHERE ticket_id = ? ORDER BY id", (ticket["id"],))]
    assert kinds == ["issued", "print_failed", "printed"]


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("phone_ticket", 409, "no_printer"),
        ("done_ticket", 409, "ticket_not_waiting"),
        ("unknown", 404, "ticket_not_found"),
    ],
)
def test_reprint_is_refused_where_it_makes_no_sense(client, db, officer, setup, status, code):
    if setup == "unknown":
        token = "x" * 22
    elif setup == "phone_ticket":
        token = client.post("/api/phone/tickets", json={"service_id": 1}).get_json()["ticket"]["token"]
    else:
        token = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]["token"]
        client.post("/api/counters/1/call-next")
        client.post("/api/counters/1/complete")
    response = client.post(f"/api/tickets/{token}/reprint")
    assert response.status_code == status
    assert response.get_json()["error"] == code and response.get_json()["message"]


def test_reprints_of_one_ticket_are_limited(client):
    token = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]["token"]
    answers = [client.post(f"/api/tickets/{token}/reprint").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_a_usb_kiosk_hands_the_ticket_to_its_agent_over_socketio(app, client, db):
    from loket.realtime import socketio

    set_printer(db, "usb://04b8:0202")
    key = db.execute("SELECT agent_key FROM kiosks WHERE name = 'kios-1'").fetchone()[0]
    agent = socketio.test_client(app)
    bystander = socketio.test_client(app)
    screen = socketio.test_client(app)
    try:
        agent.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1", "agent_key": key})
        bystander.emit("subscribe", {"room": "kiosk"})
        screen.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1"})
        agent.get_received()
        bystander.get_received()
        screen.get_received()
        ticket = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]
        assert ticket["printed"] is None  # the agent has not answered yet
        settle(app)
        jobs = [m["args"][0] for m in agent.get_received() if m["name"] == "print_ticket"]
        assert len(jobs) == 1
        job = jobs[0]
        assert job["ticket"]["number"] == "A001" and job["ticket"]["status_url"].endswith(ticket["token"])
        assert job["mpp"]["name"] == "Mal Pelayanan Publik Kota Contoh" and job["profile"] == "TM-T82"
        # Print jobs carry tokens: neither the public kiosk room nor the kiosk's own screen gets them.
        assert not [m for m in bystander.get_received() if m["name"] == "print_ticket"]
        assert not [m for m in screen.get_received() if m["name"] == "print_ticket"]

        refused = client.post("/api/kiosks/kios-1/print-result", json={"token": ticket["token"], "ok": True})
        assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
        answer = client.post(
            "/api/kiosks/kios-1/print-result",
            json={"token": ticket["token"], "ok": False, "error": "paper out"},
            headers={"X-Agent-Key": key},
        )
        assert answer.status_code == 200
        settle(app)
        assert ticket_row(db, ticket["token"]) == {"printed": 0, "print_error": "paper out", "status": "waiting"}
        assert kiosk_row(db) == {"printer_state": "error", "printer_error": "paper out"}
        reports = [m["args"][0] for m in screen.get_received() if m["name"] == "ticket_printed"]
        assert reports == [{"ticket_id": ticket["id"], "number": "A001", "printed": False, "error": "paper out"}]
    finally:
        agent.disconnect()
        bystander.disconnect()
        screen.disconnect()


def test_a_wrong_agent_key_gets_no_print_jobs(app, db):
    from loket.realtime import socketio

    intruder = socketio.test_client(app)
    try:
        intruder.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1", "agent_key": "guessed"})
        errors = [m["args"][0] for m in intruder.get_received() if m["name"] == "error"]
        assert errors and errors[0]["error"] == "forbidden"
    finally:
        intruder.disconnect()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"ok": True}, 400, "missing_field"),
        ({"token": "nope", "ok": True}, 404, "ticket_not_found"),
        ({"token": 5, "ok": True}, 400, "invalid_field"),
        ({"token": "TOKEN", "ok": "maybe"}, 400, "invalid_field"),
    ],
)
def test_print_reports_with_bad_input_are_refused(client, db, body, status, code):
    token = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]["token"]
    body = {k: (token if v == "TOKEN" else v) for k, v in body.items()}
    key = db.execute("SELECT agent_key FROM kiosks WHERE name = 'kios-1'").fetchone()[0]
    response = client.post("/api/kiosks/kios-1/print-result", json=body, headers={"X-Agent-Key": key})
    assert response.status_code == status
    assert response.get_json()["error"] == code


def test_a_report_cannot_touch_another_kiosks_ticket(app, client, db):
    db.execute("INSERT INTO kiosks (name, printer_url, agent_key) VALUES ('kios-2', 'dummy', 'key-of-kios-2')")
    token = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]["token"]
    settle(app)
    response = client.post(
        "/api/kiosks/kios-2/print-result", json={"token": token, "ok": False, "error": "x"}, headers={"X-Agent-Key": "key-of-kios-2"}
    )
    assert response.status_code == 404
    assert ticket_row(db, token)["printed"] == 1


def test_an_unknown_kiosk_is_a_404_in_the_error_shape(client):
    for response in (client.get("/api/kiosks/nowhere"), client.post("/api/kiosks/nowhere/tickets", headers=KIOSK, json={"service_id": 1})):
        assert response.status_code == 404
        assert response.get_json() == {"error": "kiosk_not_found", "message": "Kios tidak terdaftar."}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_field"),
        ({"service_id": "abc"}, 400, "invalid_field"),
        ({"service_id": 999}, 404, "service_not_found"),
        ({"service_id": 1, "priority": True, "priority_reason": "vip"}, 400, "invalid_priority_reason"),
    ],
)
def test_bad_kiosk_requests_get_the_error_shape(client, body, status, code):
    response = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json=body)
    assert response.status_code == status
    assert response.get_json()["error"] == code and response.get_json()["message"]


def test_a_self_declared_priority_ticket_records_the_kiosk_that_granted_it(client, db):
    ticket = client.post(
        "/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1, "priority": True, "priority_reason": "elderly"}
    ).get_json()["ticket"]
    assert ticket["priority"] is True and ticket["priority_reason"] == "elderly"
    granted = db.execute("SELECT priority_granted_by, source FROM tickets WHERE token = ?", (ticket["token"],)).fetchone()
    assert granted == ("kiosk:kios-1", "kiosk")


# ---------------------------------------------------------------- the phone


def test_phone_tickets_are_limited_per_device_per_hour(app, client, clock):
    taken = [client.post("/api/phone/tickets", json={"service_id": 1}) for _ in range(4)]
    assert [r.status_code for r in taken] == [201, 201, 201, 429]
    refused = taken[-1]
    assert refused.get_json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert {r.get_json()["ticket"]["number"] for r in taken[:3]} == {"A001", "A002", "A003"}
    # Another phone on the same Wi-Fi is another device.
    other = app.test_client()
    assert other.post("/api/phone/tickets", json={"service_id": 1}).status_code == 201
    clock.advance(hours=1)
    assert client.post("/api/phone/tickets", json={"service_id": 1}).status_code == 201


def test_refused_phone_requests_do_not_use_up_the_limit(client, db):
    db.execute("UPDATE services SET daily_quota = 0 WHERE id = 2")
    for _ in range(5):
        assert client.post("/api/phone/tickets", json={"service_id": 2}).get_json()["error"] == "quota_reached"
    assert client.post("/api/phone/tickets", json={"service_id": 1}).status_code == 201


def test_the_mpp_sets_the_phone_limit(client, db):
    set_setting(db, "phone_tickets_per_hour", "1")
    assert client.post("/api/phone/tickets", json={"service_id": 1}).status_code == 201
    assert client.post("/api/phone/tickets", json={"service_id": 1}).status_code == 429


def test_the_mpp_can_switch_phone_tickets_off(client, db):
    set_setting(db, "phone_tickets", "0")
    response = client.post("/api/phone/tickets", json={"service_id": 1})
    assert response.status_code == 403
    assert response.get_json()["error"] == "phone_tickets_disabled"
    page = client.get("/ambil/").get_data(as_text=True)
    assert "sedang tidak tersedia" in page and "kiosk.js" not in page
    set_setting(db, "phone_tickets", "1")
    assert client.post("/api/phone/tickets", json={"service_id": 1}).status_code == 201


def test_a_phone_cannot_make_a_kiosk_print(client, db, printer):
    kiosk_id = set_printer(db, printer.url)
    ticket = client.post("/api/phone/tickets", json={"service_id": 1, "kiosk_id": kiosk_id}).get_json()["ticket"]
    assert ticket["printed"] is None
    row = db.execute("SELECT source, kiosk_id FROM tickets WHERE token = ?", (ticket["token"],)).fetchone()
    assert row == ("phone", None)
    time.sleep(0.2)
    assert printer.received == []


# ---------------------------------------------------------------- pages


def test_the_ticket_page_shows_the_ticket_and_its_qr_without_javascript(client):
    ticket = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]
    html = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert "Belum ada loket yang buka" in html and "Anda berikutnya!" not in html  # nobody can call it yet
    login(client, "petugas.dukcapil")
    assert client.post("/api/counters/1/open").status_code == 200
    response = client.get(f"/t/{ticket['token']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "A001" in html and "Anda berikutnya!" in html and '<svg class="qr"' in html
    assert "± 0 menit" not in html
    assert f"/aduan/?ticket={ticket['token']}" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_ticket_page_escapes_what_admins_typed(client, db):
    db.execute("UPDATE services SET name = '<img src=x onerror=alert(1)>' WHERE id = 1")
    ticket = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]
    html = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%3Cscript%3E"])
def test_an_unknown_ticket_page_is_a_friendly_404(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "Nomor antrean tidak ditemukan" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/kiosk/", "/kiosk/?kiosk=kios-1", "/ambil/"])
def test_the_kiosk_pages_load_their_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "/kiosk/static/kiosk.js" in response.get_data(as_text=True)
    assert client.get("/kiosk/static/kiosk.js").status_code == 200


def test_the_kiosk_name_in_the_url_is_escaped(client):
    html = client.get('/kiosk/?kiosk="><script>x</script>').get_data(as_text=True)
    assert "<script>x</script>" not in html


def test_qr_code_encodes_the_status_url(client):
    from loket.qr import qr_svg

    svg = str(qr_svg("http://mpp.local/t/abc"))
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    assert 21 + 4 <= size <= 41 + 4  # QR versions 1–4 plus the quiet zone


# ---------------------------------------------------------------- the CLI


def test_add_kiosk_registers_and_updates_a_kiosk(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["add-kiosk", "kios-lt2", "--printer", "tcp://10.0.0.9:9100", "--location", "Lantai 2", "--profile", "TM-T82", "--qr", "image"]
    )
    assert result.exit_code == 0, result.output
    assert "ditambahkan" in result.output
    row = db.execute("SELECT location, printer_url, printer_profile, qr_mode FROM kiosks WHERE name = 'kios-lt2'").fetchone()
    assert row == ("Lantai 2", "tcp://10.0.0.9:9100", "TM-T82", "image")
    result = runner.invoke(args=["add-kiosk", "kios-lt2", "--printer", "usb://04b8:0202"])
    assert result.exit_code == 0 and "diperbarui" in result.output
    assert db.execute("SELECT printer_url FROM kiosks WHERE name = 'kios-lt2'").fetchone()[0] == "usb://04b8:0202"


@pytest.mark.parametrize(
    "args",
    [
        ["add-kiosk", "kios-x", "--printer", "lpt://1"],
        ["add-kiosk", "kios-x", "--printer", "dummy", "--profile", "no-such-printer"],
        ["add-kiosk", "kios/x", "--printer", "dummy"],
    ],
)
def test_add_kiosk_refuses_bad_printers_and_names(app, db, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "tidak valid" in result.output
    assert db.execute("SELECT count(*) FROM kiosks WHERE name LIKE 'kios%x'").fetchone()[0] == 0


def test_the_kiosk_offers_the_complaints_channel_and_the_form_leads_back(client):
    page = client.get("/kiosk/?kiosk=kios-1").get_data(as_text=True)
    assert 'href="/aduan/?from=kiosk&amp;kiosk=kios-1"' in page
    form = client.get("/aduan/?from=kiosk&kiosk=kios-1").get_data(as_text=True)
    assert 'href="/kiosk/?kiosk=kios-1"' in form
    hostile = client.get('/aduan/?from=kiosk&kiosk="><script>x</script>').get_data(as_text=True)
    assert "<script>x</script>" not in hostile
    assert "Kembali ke layar" not in client.get("/aduan/").get_data(as_text=True)
