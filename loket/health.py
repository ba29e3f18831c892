"""What an IT officer watches: is the server ready, and if it is degraded, why.

`/api/health` answers 200 with `status` "ok" or "degraded" (and the reasons) while the server can
serve, 503 with "error" when it cannot: the database cannot be read or written, fails SQLite's
quick check, or the disk is full. `/metrics` gives the same figures and request counts to Prometheus.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from .db import off_loop, rows, write_order

QUICK_CHECK_SECONDS = 600  # SQLite's quick_check reads every page: at most every 10 minutes
DISK_FREE_MIN_BYTES = 1024 * 1024  # below this the next commits fail (ENOSPC): not ready
DISK_FREE_LOW_BYTES = 2 * 1024 * 1024 * 1024  # below this: degraded, clean up or grow the disk
WAL_LARGE_BYTES = 256 * 1024 * 1024  # the checkpoint keeps it far below (loket/db.py)
EMITTER_LAG_SECONDS = 5.0  # a call reaches the lobby later than this: degraded
REPLICATION_LAG_SECONDS = 60.0
PRINTER_SILENT_SECONDS = 600
WRITE_CHECK_MS = 2000  # a kiosk with a printer not heard of for this long (while open)


def wal_bytes(database: str | Path) -> int:
    try:
        return os.path.getsize(f"{database}-wal")
    except OSError:
        return 0


def _quick_check(app, db) -> str:
    """`PRAGMA quick_check`, remembered for QUICK_CHECK_SECONDS (a malformed page fails it, not SELECT 1)."""
    cached = app.extensions.get("loket_quick_check")
    if cached and time.monotonic() - cached[0] < QUICK_CHECK_SECONDS and cached[1] == "ok":
        return cached[1]
    path = app.config["DATABASE"]

    def check() -> str:
        from .db import connect

        own = connect(path)
        try:
            return own.conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            own.close()

    verdict = off_loop(check)
    app.extensions["loket_quick_check"] = (time.monotonic(), verdict)
    return verdict


def database_check(db) -> tuple[bool, str]:
    """Readable, sound and writable: the schema is read, quick_check passes, the write lock is taken."""
    app = current_app._get_current_object()
    try:
        db.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        verdict = _quick_check(app, db)
        if verdict != "ok":
            return False, f"database_malformed: {verdict[:200]}"
        with write_order(db):
            # A writer of another process may hold the lock for a moment; not for the pool's 15 s.
            before = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
            db.conn.execute(f"PRAGMA busy_timeout={WRITE_CHECK_MS}")
            try:
                db.conn.execute("BEGIN IMMEDIATE")
                db.conn.execute("ROLLBACK")
            finally:
                db.conn.execute(f"PRAGMA busy_timeout={int(before)}")
    except Exception as err:  # any SQLite error here means the server cannot serve
        app.extensions.pop("loket_quick_check", None)
        return False, f"database_error: {err}"
    if not os.access(Path(app.config["DATABASE"]).parent, os.W_OK):
        return False, "database_read_only"
    return True, ""


def report(db) -> tuple[dict, int]:
    """The health answer and its HTTP status."""
    app = current_app._get_current_object()
    config = app.config
    database = config["DATABASE"]
    problems: list[str] = []  # not ready
    reasons: list[str] = []  # degraded
    checks: dict = {}

    ok, why = database_check(db)
    checks["database"] = "ok" if ok else why
    if not ok:
        problems.append(why)

    disk = shutil.disk_usage(Path(database).resolve().parent)
    checks["disk_free_bytes"] = disk.free
    if disk.free < DISK_FREE_MIN_BYTES:
        problems.append("disk_full")
    elif disk.free < DISK_FREE_LOW_BYTES:
        reasons.append("disk_space_low")

    checks["wal_bytes"] = wal_bytes(database)
    if checks["wal_bytes"] > WAL_LARGE_BYTES:
        reasons.append("wal_large")

    emitter = app.extensions.get("loket_emitter")
    checks["emitter_lag_seconds"] = round(emitter.lag(), 3) if emitter else 0.0
    if checks["emitter_lag_seconds"] > EMITTER_LAG_SECONDS:
        reasons.append("emitter_lag")

    if config.get("REDIS_URL"):
        connected = redis_connected(app)
        checks["redis"] = "connected" if connected else "disconnected"
        if not connected:
            reasons.append("redis_disconnected")

    lag = replication_lag(app)
    if lag is not None:
        checks["replication_lag_seconds"] = None if lag == float("inf") else round(lag, 1)
        if lag > REPLICATION_LAG_SECONDS:
            reasons.append("replication_lag")

    if ok:
        checks["printers"] = printers(db, config["CLOCK"]())
        for printer in checks["printers"]:
            if printer["state"] == "error":
                reasons.append(f"printer_error:{printer['kiosk']}")

    status = "error" if problems else "degraded" if reasons else "ok"
    body = {"status": status, "ready": not problems, "reasons": problems + reasons, "checks": checks}
    return body, 503 if problems else 200


def printers(db, now: datetime) -> list[dict]:
    """Each kiosk with a printer: its last state and when its screen or print agent was last heard of."""
    found = rows(db, "SELECT name, printer_state, printer_error, last_seen_at FROM kiosks WHERE printer_url != '' ORDER BY name")
    out = []
    for row in found:
        seen = row["last_seen_at"]
        age = None
        if seen:
            age = (now - datetime.fromisoformat(seen).astimezone(UTC)).total_seconds()
        out.append(
            {
                "kiosk": row["name"],
                "state": row["printer_state"],
                "error": row["printer_error"],
                "last_seen_at": seen,
                "silent": age is None or age > PRINTER_SILENT_SECONDS,
            }
        )
    return out


def redis_connected(app) -> bool:
    """A PING with a short timeout: a hung Redis answers "disconnected" here, never a hung health check."""
    from . import pubsub

    return pubsub.ping(app.config["REDIS_URL"])


def replication_lag(app) -> float | None:
    """Seconds since Litestream last wrote to the replica (None when replication is off)."""
    replica = app.config.get("REPLICA_DIR")
    if not replica:
        return None
    newest = 0.0
    for root, _dirs, files in os.walk(replica):
        for name in files:
            try:
                newest = max(newest, os.path.getmtime(os.path.join(root, name)))
            except OSError:
                pass
    if not newest:
        return float("inf")
    # Quiet is not lag: with no write since the last replicated one there is nothing to send.
    written = max(os.path.getmtime(p) for p in (app.config["DATABASE"], f"{app.config['DATABASE']}-wal") if os.path.exists(p))
    return max(written - newest, 0.0)
