"""The Flask CLI and `python server.py` against real database files."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT
from loket.db import connect


def flask(db_path, *args, stdin: str = ""):
    env = {**os.environ, "LOKET_DB": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_init_db_then_seed_demo_then_add_user(tmp_path):
    db_path = tmp_path / "cli.db"
    assert flask(db_path, "init-db").returncode == 0
    db = connect(db_path)
    assert db.execute("SELECT count(*) FROM agencies").fetchone()[0] == 0
    seeded = flask(db_path, "seed-demo")
    assert seeded.returncode == 0 and "admin" in seeded.stdout
    assert db.execute("SELECT count(*) FROM agencies").fetchone()[0] >= 8
    again = flask(db_path, "seed-demo")
    assert "sudah berisi" in again.stdout
    added = flask(db_path, "add-user", "siti", "--role", "officer", "--agency", "dukcapil", "--password-stdin", stdin="kata-sandi-siti\n")
    assert added.returncode == 0, added.stderr
    row = db.execute("SELECT role, agency_id, password_hash FROM users WHERE username = 'siti'").fetchone()
    assert row[0] == "officer" and row[1] == 1 and "kata-sandi-siti" not in row[2]
    db.close()


def test_add_user_refuses_bad_input(tmp_path):
    db_path = tmp_path / "cli.db"
    flask(db_path, "seed-demo")
    no_agency = flask(db_path, "add-user", "budi", "--role", "officer", "--password-stdin", stdin="panjang-sekali\n")
    assert no_agency.returncode != 0 and "instansi" in no_agency.stderr.lower()
    short = flask(db_path, "add-user", "budi", "--role", "admin", "--password-stdin", stdin="pendek\n")
    assert short.returncode != 0 and "8" in short.stderr
    unknown = flask(db_path, "add-user", "budi", "--role", "officer", "--agency", "NOPE", "--password-stdin", stdin="panjang-sekali\n")
    assert unknown.returncode != 0


def test_a_production_start_creates_no_user_and_says_how_to_add_one(tmp_path):
    db_path = tmp_path / "prod.db"
    proc = subprocess.Popen(
        [sys.executable, "server.py", "--no-demo", "--port", "0", "--db", str(db_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # What it says before it starts serving (the migrations it applied are logged first).
        said = []
        while not said or "Loket berjalan" not in said[-1]:
            said.append(proc.stdout.readline())
            assert said[-1], said
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
    assert any("add-user" in line for line in said)
    assert any("migration" in line for line in said)
    db = connect(db_path)
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    db.close()


def test_a_demo_start_prints_how_to_log_in_and_no_fixed_password(tmp_path):
    outputs = []
    for name in ("a.db", "b.db"):
        env = {k: v for k, v in os.environ.items() if k != "LOKET_DEMO_PASSWORD"}
        proc = subprocess.Popen(
            [sys.executable, "server.py", "--port", "0", "--db", str(tmp_path / name)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # The first line it says, after the log of the migrations applied to the new database.
            outputs.append(next(line for line in iter(proc.stdout.readline, "") if " loket.migrations: " not in line))
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()
    assert all("admin" in line or "kata sandi" in line for line in outputs)
    passwords = [line.rsplit(":", 1)[1].strip() for line in outputs]
    assert passwords[0] != passwords[1]  # random per database
    assert (tmp_path / "demo-logins.txt").exists()
