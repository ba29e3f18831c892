"""What the IT officer runs and watches: the units, the `loket` command, the roll-up hour, health, metrics."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import KIOSK, ROOT, login
from loket import events

UNITS = ROOT / "deploy" / "systemd"


@pytest.mark.parametrize("name", sorted(p.name for p in UNITS.glob("*.service")))
def test_every_unit_scores_below_5_in_systemd_analyze_security(name):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(UNITS / name)], capture_output=True, text=True, timeout=60
    )
    score = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout).group(1))
    assert score < 5, result.stdout


def test_the_agent_unit_may_still_reach_usb_and_serial_printers():
    text = (UNITS / "loket-agent@.service").read_text(encoding="utf-8")
    for device in ("char-usb_device rw", "char-ttyUSB rw", "char-usb rw"):
        assert f"DeviceAllow={device}" in text
    assert "AF_NETLINK" in text and "PrivateDevices=yes" not in text and "Group=lp" in text
    rules = (ROOT / "deploy" / "udev" / "60-loket-printer.rules").read_text(encoding="utf-8")
    assert 'GROUP="lp"' in rules and "loket-agent@" in rules


def test_the_loket_command_serves_and_carries_every_cli_command():
    out = subprocess.run(
        [sys.executable, "-c", "from loket.cli import main; main(['--help'])"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    for command in ("backup", "restore", "rollup", "add-user", "add-kiosk", "init-db"):
        assert command in out.stdout
    code = "from loket.cli import main; main(['serve', '--help'])"
    serve = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "--no-demo" in serve.stdout


@pytest.mark.parametrize(
    ("zone", "local", "works"),
    [
        ("Asia/Jakarta", "2026-11-26T01:20:00", True),
        ("Asia/Jakarta", "2026-11-26T08:20:00", False),  # 01:00 of a UTC-clocked PC: 08:00 WIB
        ("Asia/Jayapura", "2026-11-26T01:05:00", True),
        ("Asia/Makassar", "2026-11-26T00:59:00", False),
    ],
)
def test_the_hourly_rollup_works_only_at_01_00_in_the_mpps_own_zone(app, db, clock, zone, local, works):
    db.execute("INSERT INTO settings (key, value) VALUES ('timezone', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (zone,))
    clock.set_local(local, zone)
    result = app.test_cli_runner().invoke(args=["rollup", "--at-local-hour", "1"])
    assert result.exit_code == 0, result.output
    assert ("hari direkap" in result.output) is works, result.output


def test_health_names_each_check_and_a_printer_in_error_degrades_it(client, db):
    db.execute("UPDATE kiosks SET printer_url = 'tcp://127.0.0.1:9', printer_state = 'error', printer_error = 'timed out'")
    name = db.execute("SELECT name FROM kiosks").fetchone()[0]
    answer = client.get("/api/health")
    body = answer.get_json()
    assert answer.status_code == 200 and body["status"] == "degraded" and body["ready"] is True
    assert f"printer_error:{name}" in body["reasons"]
    assert body["checks"]["printers"][0]["error"] == "timed out"
    assert {"database", "disk_free_bytes", "wal_bytes", "emitter_lag_seconds"} <= set(body["checks"])


def test_metrics_are_for_localhost_an_admin_or_the_token(app, client):
    app.config["METRICS_TOKEN"] = "metrics-secret"
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    far = {"REMOTE_ADDR": "192.168.1.77"}
    assert client.get("/metrics", environ_base=far).status_code == 403
    assert client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer wrong"}).status_code == 403
    token = client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer metrics-secret"})
    assert token.status_code == 200 and token.mimetype == "text/plain"
    local = client.get("/metrics").get_data(as_text=True)
    assert 'loket_http_requests_total{endpoint="api.issue_ticket",method="POST",status="201"} 1' in local
    assert "loket_http_request_duration_seconds_bucket{" in local and 'le="+Inf"' in local
    for name in (
        "loket_tickets_issued_today",
        "loket_tickets_waiting",
        "loket_sockets_connected",
        "loket_emitter_lag_seconds",
        "loket_phones_following",
        "loket_places_sent_total",
    ):
        assert re.search(rf"^{name} \d", local, re.M), name
    assert re.search(r"^loket_wal_bytes \d+", local, re.M)
    login(client, "admin")
    assert client.get("/metrics", environ_base=far).status_code == 200


@pytest.mark.parametrize(("mode", "copied"), [("loket", True), ("litestream", False)])
def test_with_litestream_loket_leaves_the_wal_to_it(app, db_path, mode, copied):
    """Loket's checkpoint copies the log into the database file; with Litestream it leaves both alone."""
    pool = app.extensions["loket_pool"]
    pool.checkpoints = mode
    writer = pool.take()
    try:
        for n in range(50):
            writer.conn.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", (f"wal-test-{n}",))
            writer.conn.commit()
        before = hashlib.sha256(db_path.read_bytes()).hexdigest()
        pool.checkpoint()
        after = hashlib.sha256(db_path.read_bytes()).hexdigest()
    finally:
        pool.give_back(writer)
    assert (before != after) is copied


def test_the_emitters_lag_is_the_age_of_the_oldest_publish_not_yet_sent(app, clock):
    emitter = app.extensions["loket_emitter"]
    assert emitter.lag() == 0.0
    with app.app_context():
        # A queue change waits its 50 ms for the rest of a burst before it goes out: lag while it waits.
        emitter.publish([events.QueueChanged(kind="issued", now=clock(), service_ids=(1,))])
        time.sleep(0.01)
        waiting = emitter.lag()
        assert emitter.drain(5)
    assert waiting >= 0.01 and emitter.lag() == 0.0
