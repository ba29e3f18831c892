"""Backups that restore: `flask backup` / `flask restore` against real server processes and files."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess
import sys
import time

import requests
from PIL import Image

from conftest import KIOSK, ROOT, LiveServer, copy_demo

# The server keeps its own key beside the database (no LOKET_SECRET_KEY): the backup must carry it.
FILE_KEY = {"LOKET_SECRET_KEY": ""}


def flask(db_path, *args, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", *args],
        cwd=ROOT,
        env={**os.environ, "LOKET_DB": str(db_path), **FILE_KEY, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def fill(server: LiveServer) -> dict:
    """What an MPP morning leaves: tickets (one called), a complaint with a photo, a booking, a login."""
    with requests.Session() as kiosk:
        issued = [
            kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": s}, timeout=10).json() for s in (1, 1, 2, 3, 1)
        ]
    assert all("token" in t for t in issued), issued
    officer = server.session("petugas.dukcapil")
    assert officer.post(server.url + "/api/counters/1/open", timeout=10).status_code == 200
    called = officer.post(server.url + "/api/counters/1/call-next", timeout=10).json()["ticket"]
    with requests.Session() as citizen:
        complaint = citizen.post(
            server.url + "/api/complaints",
            data={"kind": "complaint", "text": "Kursi ruang tunggu rusak"},
            files={"photo": ("foto.png", png(), "image/png")},
            timeout=10,
        ).json()
        days = citizen.get(server.url + "/api/bookings/days?service_id=" + str(passport_id(server)), timeout=10).json()
        day = next(d["date"] for d in days["days"] if d["left"] > 0)
        slots = citizen.get(server.url + f"/api/bookings/slots?service_id={passport_id(server)}&date={day}", timeout=10).json()
        slot = next(s for s in slots["slots"] if s["left"] > 0)
        booking = citizen.post(
            server.url + "/api/bookings",
            json={
                "service_id": passport_id(server),
                "date": day,
                "start": slot["start"],
                "name": "Siti Aminah",
                "phone": "081234567890",
                "nik": "3201234567890123",
            },
            timeout=10,
        )
        assert booking.status_code == 201, booking.text
    return {"tickets": issued, "called": called, "complaint": complaint, "booking": booking.json(), "officer": officer}


def passport_id(server: LiveServer) -> int:
    conn = sqlite3.connect(server.db_path)
    try:
        return conn.execute("SELECT id FROM services WHERE code = 'PASPOR'").fetchone()[0]
    finally:
        conn.close()


def test_a_backup_restored_into_a_fresh_directory_serves_every_ticket_complaint_photo_booking_and_login(tmp_path, demo_template):
    primary = LiveServer(copy_demo(demo_template, tmp_path / "primary" / "loket.db"), env=FILE_KEY).start()
    try:
        made = fill(primary)
        backed = flask(primary.db_path, "backup", str(tmp_path / "backups"), "--keep", "3")
        assert backed.returncode == 0, backed.stderr
    finally:
        primary.kill()  # the PC dies; its -wal stays behind, as after a crash
    (snapshot,) = [p for p in (tmp_path / "backups").iterdir()]
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o700
    for path in snapshot.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not list(snapshot.glob("loket.db-*")), "the copy is one file, no -wal or -shm beside it"

    fresh = tmp_path / "standby" / "loket.db"
    started = time.monotonic()
    restored = flask(fresh, "restore", str(tmp_path / "backups"))
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr
    print(f"restore: {restore_seconds:.2f} s with the command's start; {restored.stdout.strip()}")  # noqa: T201
    assert stat.S_IMODE((fresh.parent / "secret_key").stat().st_mode) == 0o600

    standby = LiveServer(fresh, env=FILE_KEY).start()
    try:
        for ticket in made["tickets"]:
            got = requests.get(standby.url + f"/api/tickets/{ticket['token']}", timeout=10)
            assert got.status_code == 200 and got.json()["number"] == ticket["number"]
        (called,) = [t for t in made["tickets"] if t["number"] == made["called"]["number"]]
        assert requests.get(standby.url + f"/api/tickets/{called['token']}", timeout=10).json()["status"] == "called"
        track = requests.get(standby.url + f"/api/complaints/track/{made['complaint']['code']}", timeout=10)
        assert track.status_code == 200
        admin = standby.session("admin")
        listed = admin.get(standby.url + "/api/complaints", timeout=10).json()
        (complaint,) = [c for c in listed["complaints"] if c["code"] == made["complaint"]["code"]]
        photo = admin.get(standby.url + f"/api/complaints/{complaint['id']}/photo", timeout=10)
        assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
        booking = requests.get(standby.url + f"/api/bookings/{made['booking']['token']}", timeout=10)
        assert booking.status_code == 200 and booking.json()["code"] == made["booking"]["code"]
        # The officer's session from before the death still signs in: the secret key came back too.
        officer = made["officer"]
        me = officer.get(standby.url + "/api/me", timeout=10)
        assert me.status_code == 200 and me.json()["user"]["username"] == "petugas.dukcapil"
        officer.close()
        admin.close()
        # A server runs on it now: a second restore is refused and changes nothing.
        refused = flask(fresh, "restore", str(tmp_path / "backups"))
        assert refused.returncode != 0 and "masih berjalan" in refused.stderr
        assert requests.get(standby.url + "/api/health", timeout=10).json()["status"] in ("ok", "degraded")
    finally:
        standby.stop()


def test_a_restore_over_a_database_with_a_stale_wal_is_never_malformed(tmp_path, demo_template):
    server = LiveServer(copy_demo(demo_template, tmp_path / "loket.db")).start()
    try:
        assert flask(server.db_path, "backup", str(tmp_path / "backups")).returncode == 0
        with requests.Session() as kiosk:
            for _ in range(30):  # written after the backup: frames in the WAL the restore must not replay
                assert kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10).status_code == 201
    finally:
        server.kill()
    assert os.path.getsize(f"{server.db_path}-wal") > 0
    done = flask(server.db_path, "restore", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    assert not os.path.exists(f"{server.db_path}-wal")
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("before-restore-")]
    assert len(aside) == 1
    # The old database is kept whole beside it (its log merged or moved with it), for whoever needs it.
    old = sqlite3.connect(aside[0] / "loket.db")
    try:
        assert old.execute("SELECT count(*) FROM tickets").fetchone()[0] == 30
    finally:
        old.close()
    conn = sqlite3.connect(server.db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    finally:
        conn.close()


def test_health_answers_503_on_a_malformed_database(tmp_path, demo_template):
    """What a stale WAL replayed onto a copied-over database leaves (the old documented restore): pages
    that do not fit together. Made here for certain by breaking the tickets table's root page."""
    server = LiveServer(copy_demo(demo_template, tmp_path / "loket.db")).start()
    try:
        with requests.Session() as kiosk:
            for _ in range(300):
                kiosk.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
    finally:
        server.stop()
    conn = sqlite3.connect(server.db_path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()
    finally:
        conn.close()
    with server.db_path.open("r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * 64)  # the page's cell pointers point nowhere
    again = LiveServer(server.db_path).start(timeout=30, ready=(200, 503))
    try:
        answer = requests.get(again.url + "/api/health", timeout=10)
        assert answer.status_code == 503 and answer.json()["status"] == "error" and answer.json()["ready"] is False
        assert answer.json()["reasons"][0].startswith(("database_malformed", "database_error"))
    finally:
        again.stop()


def test_backups_beyond_keep_are_removed_oldest_first(tmp_path, demo_template):
    db_path = copy_demo(demo_template, tmp_path / "loket.db")
    for _ in range(3):
        assert flask(db_path, "backup", str(tmp_path / "b"), "--keep", "2").returncode == 0
    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(kept) == 2 and not [n for n in kept if n.startswith(".")]
