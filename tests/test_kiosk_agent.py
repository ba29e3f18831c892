"""The print agent as it runs on a kiosk PC: a real server process, a real agent process, a TCP printer on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from test_kiosk import PrinterListener

from conftest import ROOT
from loket import pairing
from loket.db import connect


def wait_until(check, timeout: float = 10, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


USB_KIOSK_KEY = "kunci-kios-usb-0123456789"
USB_KIOSK = {"X-Kiosk-Key": USB_KIOSK_KEY}


@pytest.fixture
def usb_kiosk(live_server):
    """A kiosk whose printer is plugged into its own PC, so the server leaves printing to the agent."""
    db = connect(live_server.db_path)
    try:
        db.execute(
            "INSERT INTO kiosks (name, location, printer_url, printer_profile, agent_key, key_hash)"
            " VALUES ('kios-usb', 'Lantai 2', 'usb://04b8:0202', 'TM-T82', 'agent-key-usb', ?)",
            (pairing.digest(USB_KIOSK_KEY),),
        )
    finally:
        db.close()
    return "kios-usb"


def start_agent(server_url: str, kiosk: str, printer_url: str, log_path) -> subprocess.Popen:
    log = log_path.open("ab")
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.agent",
                "--server",
                server_url,
                "--kiosk",
                kiosk,
                "--printer",
                printer_url,
                "--key",
                "agent-key-usb",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def agent_connected(db_path, kiosk: str) -> bool:
    db = connect(db_path)
    try:
        return db.execute("SELECT last_seen_at FROM kiosks WHERE name = ?", (kiosk,)).fetchone()[0] is not None
    finally:
        db.close()


def test_the_agent_prints_its_kiosks_tickets_and_reports_back(live_server, usb_kiosk, tmp_path):
    printer = PrinterListener()
    log_path = tmp_path / "agent.log"
    agent = start_agent(live_server.url, usb_kiosk, printer.url, log_path)
    try:
        wait_until(lambda: agent_connected(live_server.db_path, usb_kiosk), timeout=15)
        with live_server.session() as http:
            answer = http.post(
                f"{live_server.url}/api/kiosks/{usb_kiosk}/tickets",
                headers=USB_KIOSK,
                json={"service_id": 5},
                timeout=10,
            )
            assert answer.status_code == 201, answer.text
            ticket = answer.json()["ticket"]
            assert ticket["number"] == "E001" and ticket["printed"] is None

            data = printer.wait_for(1, timeout=10)[0]
            assert b"E001" in data and b"Paspor Baru" in data
            printed = wait_until(lambda: http.get(f"{live_server.url}/api/tickets/{ticket['token']}", timeout=5).json()["printed"] is True)
            assert printed

            # The printer is switched off: the agent says so, the ticket stands.
            printer.close()
            second = http.post(
                f"{live_server.url}/api/kiosks/{usb_kiosk}/tickets",
                headers=USB_KIOSK,
                json={"service_id": 5},
                timeout=10,
            ).json()["ticket"]
            assert second["number"] == "E002"
            state = wait_until(lambda: http.get(f"{live_server.url}/api/tickets/{second['token']}", timeout=5).json()["printed"] is False)
            assert state
            kiosk = http.get(f"{live_server.url}/api/kiosks/{usb_kiosk}", timeout=5).json()["kiosk"]
            assert kiosk["printer"] == "usb" and kiosk["printer_state"] == "error" and kiosk["printer_error"]
            assert http.get(f"{live_server.url}/api/tickets/{second['token']}", timeout=5).json()["status"] == "waiting"
    finally:
        agent.terminate()
        agent.wait(10)
        printer.close()
    assert "Traceback" not in log_path.read_text()


def test_the_agent_refuses_a_mistyped_printer_url():
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.agent", "--server", "http://127.0.0.1:9", "--kiosk", "k", "--printer", "usb://nothex"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "usb://nothex" in result.stderr
