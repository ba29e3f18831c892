"""The only place that opens SQLite: connections, the schema, transactions and settings."""

from __future__ import annotations

import contextlib
import json
import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from flask import current_app, g

SCHEMA = Path(__file__).resolve().parent.parent / "schema.sql"

# Settings an MPP can change in the admin; these are the defaults.
DEFAULT_SETTINGS: dict[str, str] = {
    "mpp_name": "Mal Pelayanan Publik",
    "mpp_address": "",
    "mpp_logo_url": "",
    "timezone": "Asia/Jakarta",
    # strict: every priority ticket first; interleave: one priority after every N regular.
    "priority_policy": "strict",
    "priority_interleave_n": "3",
    # a regular ticket waiting longer than this is called before any priority ticket (0 = no cap)
    "max_regular_wait_minutes": "60",
    "number_reading": "digits",  # digits: "A nol nol satu"; whole: "A satu"
    "self_priority": "1",  # citizens may declare priority at the kiosk
    "phone_tickets": "1",  # /ambil/ on the citizen's own phone
    "phone_tickets_per_hour": "3",
    "ticket_header": "",
    "ticket_footer": "Terima kasih. Kami siap melayani dengan sepenuh hati.",
    "announcement_repeat": "1",
    "survey_mode": "skm",  # skm: the nine elements of PermenPANRB 14/2017; quick: one question (not an IKM)
}


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database with the durability settings every writer relies on."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=15, check_same_thread=False)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    # WAL lets screens read while a kiosk writes; FULL fsyncs each commit so an
    # acknowledged ticket survives a power cut, not only a crashed process.
    with db.ensure_autocommit_on():
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    return db


def init_schema(db: sqlite_utils.Database) -> list[str]:
    """The baseline schema, then every pending migration; safe to run on a live database.

    Returns the names of the migrations applied now.
    """
    from . import migrations

    with db.ensure_autocommit_on():
        db.conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    return migrations.apply(db)


def is_empty(db: sqlite_utils.Database) -> bool:
    return not db["agencies"].exists() or db.execute("SELECT count(*) FROM agencies").fetchone()[0] == 0


WAL_CHECK_EVERY = 100  # commits
WAL_RESTART_PAGES = 4096  # 16 MiB of 4 KiB pages


class Pool:
    """Idle connections kept for the next request.

    Opening a connection costs its PRAGMAs, and closing the last one makes SQLite checkpoint and
    delete the WAL, with fsyncs: on the hot path (a ticket, a call) that is most of the work.
    """

    def __init__(self, path: str | Path, size: int = 32) -> None:
        self.path = path
        self.size = size
        self.idle: queue.LifoQueue[sqlite_utils.Database] = queue.LifoQueue()
        # SQLite makes a blocked writer poll with sleeps of up to 100 ms; threads of one process
        # queue on this lock instead and get the write lock the moment it is free.
        self.write_lock = threading.RLock()
        self.commits = 0

    def take(self) -> sqlite_utils.Database:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            db = connect(self.path)
            db.write_lock = self.write_lock
            db.pool = self
            return db

    def give_back(self, db: sqlite_utils.Database) -> None:
        if db.conn.in_transaction:
            db.conn.rollback()
        if self.idle.qsize() < self.size:
            self.idle.put(db)
        else:
            db.close()

    def after_commit(self, db: sqlite_utils.Database) -> None:
        """Now and then, bring the WAL back to its start.

        Under steady load some reader always holds a WAL snapshot, so SQLite never restarts the
        log by itself: it grew to 700 MB in a simulated busy day and every read slowed down.
        TRUNCATE waits (busy timeout) for the readers of the moment, then new ones read the file,
        and the log starts again from an empty file.
        """
        self.commits += 1
        if self.commits % WAL_CHECK_EVERY:
            return
        _busy, pages, _done = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages >= WAL_RESTART_PAGES:
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


def get_db() -> sqlite_utils.Database:
    """The request's connection, taken from the app's pool on first use and given back at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["loket_pool"].take()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        current_app.extensions["loket_pool"].give_back(db)


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock first so read-then-write is safe across processes."""
    with write_order(db):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        pool = getattr(db, "pool", None)
        if pool is not None:
            pool.after_commit(db)


def write_order(db: sqlite_utils.Database):
    """Hold this process's write lock across a commit and its broadcast, so screens receive calls
    in the order they were committed (the lock is re-entrant: the transaction inside takes it too)."""
    return getattr(db, "write_lock", None) or contextlib.nullcontext()


def one(db: sqlite_utils.Database, sql: str, params: dict | tuple = ()) -> dict | None:
    """The first row of a query as a dict, or None."""
    return next(iter(db.query(sql, params)), None)


def scalar(db: sqlite_utils.Database, sql: str, params: dict | tuple = ()):
    rows = db.execute(sql, params).fetchall()  # fetch all so a RETURNING write completes
    return rows[0][0] if rows else None


def settings(db: sqlite_utils.Database) -> dict[str, str]:
    """Every setting, with defaults for the ones never set."""
    values = dict(DEFAULT_SETTINGS)
    values.update({r["key"]: r["value"] for r in db.query("SELECT key, value FROM settings")})
    return values


def set_setting(db: sqlite_utils.Database, key: str, value: object) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )
