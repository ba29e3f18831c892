"""The only place that opens SQLite: connections, the schema, transactions and settings."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from flask import current_app, g

from .events import Event

SCHEMA = Path(__file__).resolve().parent.parent / "schema.sql"
if not SCHEMA.exists():  # installed from a wheel: pyproject.toml puts the baseline in <prefix>/share/loket
    SCHEMA = Path(sys.prefix) / "share" / "loket" / "schema.sql"

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
    # the share of each service's daily quota that phones (every client neither staff nor a paired kiosk) may take
    "phone_quota_percent": "50",
    "ticket_header": "",
    "ticket_footer": "Terima kasih. Kami siap melayani dengan sepenuh hati.",
    "announcement_repeat": "1",
    "survey_mode": "skm",
    # a closure in service hours longer than this (minutes), or for the rest of the day, needs a supervisor's approval
    "closure_approval_minutes": "30",  # skm: the nine elements of PermenPANRB 14/2017; quick: one question (not an IKM)
}


WAL_RESTART_PAGES = 4096  # 16 MiB of 4 KiB pages: past this the log is caught up under the write lock
WAL_KEEP_BYTES = 64 * 1024 * 1024  # a restarted log is cut back to this (journal_size_limit)
CATCH_UP_WAIT_MS = 25  # how long the log's restart may wait for the readers of the moment
CATCH_UP_BACKOFF_SECONDS = 2.0
# With Litestream owning checkpoints (it truncates a log of ~500 MB itself), a log past this means it
# is not running: Loket checkpoints again rather than fill the disk (Litestream then takes a new snapshot).
LITESTREAM_RUNAWAY_BYTES = 1024 * 1024 * 1024


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database with the durability settings every writer relies on."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=15, check_same_thread=False)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    db.path = str(path)  # what a hint kept in the process is about (tickets.counted_places): a process may open several
    # WAL lets screens read while a kiosk writes; FULL fsyncs each commit so an
    # acknowledged ticket survives a power cut, not only a crashed process.
    with db.ensure_autocommit_on():
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    conn.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES}")
    return db


def init_schema(db: sqlite_utils.Database) -> list[str]:
    """The baseline schema on a new database, then every pending migration; safe on a live database.

    The baseline runs only where it never ran: its `IF NOT EXISTS` would otherwise bring back on
    every start what a later migration dropped. Returns the names of the migrations applied now.
    """
    from . import migrations

    if not db["tickets"].exists():
        with db.ensure_autocommit_on():
            db.conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    return migrations.apply(db)


def is_empty(db: sqlite_utils.Database) -> bool:
    return not db["agencies"].exists() or db.execute("SELECT count(*) FROM agencies").fetchone()[0] == 0


class WriteLock:
    """The right to write, for the greenlets and threads of this process and then among the processes of
    one database (several on Redis, docs/deployment.md).

    SQLite makes a writer that finds the database locked sleep in its busy handler, up to 100 ms at a
    time, and under gevent such a sleep stops every request of the process. So this process's writers
    queue on a lock of their own, and whoever holds it takes an flock of `<db>.write-lock` before
    BEGIN IMMEDIATE, waiting for another process's writer in short sleeps that gevent turns into other
    requests' time. SQLite's own lock then never has to wait for another Loket process. Reentrant, like
    the RLock it replaces: only the outermost holder takes and gives back the file lock.
    """

    WAIT_SECONDS = 15.0  # as busy_timeout: after this the file lock is left to SQLite's arbitration

    def __init__(self, database: str | Path) -> None:
        self.local = threading.RLock()
        self.path = f"{database}.write-lock"
        self.fd: int | None = None
        self.depth = 0
        self.holding = False

    def __enter__(self) -> WriteLock:
        self.local.acquire()
        self.depth += 1
        if self.depth == 1:
            try:
                self.holding = self._take_file()
            except BaseException:
                self.depth -= 1
                self.local.release()
                raise
        return self

    def __exit__(self, *_exc) -> None:
        self.depth -= 1
        if self.depth == 0 and self.holding:
            self.holding = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.local.release()

    def close(self) -> None:
        with self.local:
            if self.fd is not None and self.depth == 0:
                self.closing()
                self.fd = None

    def _take_file(self) -> bool:
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return False  # a read-only folder: SQLite alone arbitrates, as before
            self.closing = weakref.finalize(self, os.close, self.fd)  # an app dropped (tests) keeps no descriptor
        deadline = time.monotonic() + self.WAIT_SECONDS
        delay = 0.0002
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(delay)  # under gevent: the other requests of this process run meanwhile
                delay = min(delay * 2, 0.005)


class Pool:
    """Idle connections kept for the next request, and what happens after each commit.

    Opening a connection costs its PRAGMAs, and closing the last one makes SQLite checkpoint and
    delete the WAL, with fsyncs: on the hot path (a ticket, a call) that is most of the work.
    """

    def __init__(self, path: str | Path, size: int = 32) -> None:
        self.path = path
        self.size = size
        self.idle: queue.LifoQueue[sqlite_utils.Database] = queue.LifoQueue()
        # SQLite makes a blocked writer poll with sleeps of up to 100 ms; threads of one process
        # queue on this lock instead and get the write lock the moment it is free, and the processes
        # of one database take turns on a file lock beside it (WriteLock).
        self.write_lock = WriteLock(path)
        # Called with each committed transaction's events, still under the write lock, so the
        # receiver sees transactions in commit order (the app sets it to its emitter's publish).
        self.deliver = None
        self.trace = None  # tests: a sqlite3 trace callback set on every connection handed out
        self.checkpoint_db: sqlite_utils.Database | None = None  # used by one caller at a time: the emitter
        self.wait_for_readers_after = 0.0  # see checkpoint()
        # "litestream": Litestream replicates the WAL and owns its checkpoints (docs/deployment.md);
        # a checkpoint of ours could restart the log under frames it has not copied yet.
        self.checkpoints = "loket"

    def take(self) -> sqlite_utils.Database:
        try:
            db = self.idle.get_nowait()
        except queue.Empty:
            db = connect(self.path)
            # The emitter checkpoints in the background; a commit never copies the log itself.
            db.conn.execute("PRAGMA wal_autocheckpoint=0")
            db.write_lock = self.write_lock
            db.pool = self
        db.conn.set_trace_callback(self.trace)
        return db

    def give_back(self, db: sqlite_utils.Database) -> None:
        if db.conn.in_transaction:
            db.conn.rollback()
        db.conn.set_trace_callback(None)
        if self.idle.qsize() < self.size:
            self.idle.put(db)
        else:
            db.close()

    def after_commit(self, db: sqlite_utils.Database, said: list) -> None:
        if self.deliver is not None and said:
            self.deliver(said)

    def checkpoint(self) -> tuple[int, bool]:
        """Copy the WAL into the database and restart it, without ever making a writer poll SQLite's lock.

        Called every second beside the emitter (loket/realtime.py). A PASSIVE checkpoint never waits
        for anyone, but under steady writes it never catches up, and SQLite starts the log over only
        once every frame is copied and no reader is still on it: the log grew to 700 MB in a simulated
        busy day. So once the log is long, a RESTART checkpoint runs while this process's write lock
        is held: it copies the frames written since the PASSIVE pass and waits up to
        CATCH_UP_WAIT_MS for the readers of the moment (a backup run again and again, a report) to
        leave the log; the next writer then starts it over, cut back to `journal_size_limit`. Writers
        queue on the lock meanwhile (under gevent the other requests go on) instead of sleeping in
        SQLite's busy handler, which stops a whole gevent process. A reader that stays (a snapshot held
        for minutes) keeps its frames and is not waited for again for CATCH_UP_BACKOFF_SECONDS.
        Returns (frames in the log, whether a long log is still waiting to start over: try again soon).
        """
        if self.checkpoints == "litestream" and _wal_bytes(self.path) < LITESTREAM_RUNAWAY_BYTES:
            return 0, False
        _busy, frames, _copied = off_loop(self._copy_log)
        if frames < WAL_RESTART_PAGES:
            return frames, False
        with self.write_lock:
            now = time.monotonic()
            wait_ms = CATCH_UP_WAIT_MS if now >= self.wait_for_readers_after else 0
            busy, frames, _copied = off_loop(lambda: self._copy_log("RESTART", wait_ms))
            if busy and wait_ms:
                self.wait_for_readers_after = now + CATCH_UP_BACKOFF_SECONDS
        return frames, bool(busy)

    def _copy_log(self, mode: str = "PASSIVE", wait_ms: int = 0) -> tuple[int, int, int]:
        # Its own connection, never one of the pool's: this runs in a thread of its own (off_loop),
        # where a RESTART's busy handler may sleep without stopping the event loop.
        if self.checkpoint_db is None:
            self.checkpoint_db = connect(self.path)
        conn = self.checkpoint_db.conn
        conn.execute(f"PRAGMA busy_timeout={wait_ms}")
        return conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()

    def close(self) -> None:
        self.write_lock.close()
        if self.checkpoint_db is not None:
            self.checkpoint_db.close()
            self.checkpoint_db = None
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


def _wal_bytes(path: str | Path) -> int:
    try:
        return Path(f"{path}-wal").stat().st_size
    except OSError:
        return 0


def off_loop(work):
    """Run blocking SQLite work (a WAL checkpoint copies and fsyncs thousands of pages) in a real OS
    thread when the server runs on gevent, so the event loop and every other request go on meanwhile;
    in the threading server it is already off every request's thread and runs as it is."""
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return work()
    if not monkey.is_module_patched("threading"):
        return work()
    return get_hub().threadpool.apply(work)


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
    """BEGIN IMMEDIATE … COMMIT: takes the write lock first so read-then-write is safe across processes.

    What the transaction says happened (`after_commit(db, ...)`) is handed on only once it has
    committed, in commit order, and sent to sockets by the emitter without the write lock.
    A nested call joins the transaction already open.
    """
    if db.conn.in_transaction and getattr(db, "said", None) is not None:
        yield db
        return
    with write_order(db):
        db.conn.execute("BEGIN IMMEDIATE")
        db.said = []
        try:
            yield db
        except BaseException:
            db.said = None
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        said, db.said = db.said, None
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        pool = getattr(db, "pool", None)
        if pool is not None:
            pool.after_commit(db, said)


def after_commit(db: sqlite_utils.Database, event: Event) -> None:
    """Say, inside a transaction, what must be told after it commits: one of loket/events.py's types.

    The only way an event leaves Loket: the emitter sends what committed, in commit order; a
    rollback sends nothing.
    """
    if not isinstance(event, Event):
        raise TypeError(f"after_commit takes an event of loket/events.py, not {event!r}")
    said = getattr(db, "said", None)
    if said is None:
        raise RuntimeError("after_commit outside a transaction")
    said.append(event)


def write_order(db: sqlite_utils.Database):
    """This process's write lock: writers queue on it instead of polling SQLite's lock."""
    return getattr(db, "write_lock", None) or contextlib.nullcontext()


def rows(db: sqlite_utils.Database, sql: str, params: dict | tuple = ()) -> list[dict]:
    """Every row of a query as dicts, straight from the connection.

    sqlite-utils 4's `Database.query()` wraps each SELECT in a SAVEPOINT/RELEASE pair: two extra
    statements per read, too many on the hot path.
    """
    was_in_transaction = db.conn.in_transaction
    cursor = db.conn.execute(sql, params)
    found = cursor.fetchall()
    if not was_in_transaction and db.conn.in_transaction:
        db.conn.commit()  # a write (… RETURNING) outside a transaction commits at once, as sqlite-utils' would
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in found]


def one(db: sqlite_utils.Database, sql: str, params: dict | tuple = ()) -> dict | None:
    """The first row of a query as a dict, or None (a RETURNING write runs to completion)."""
    found = rows(db, sql, params)
    return found[0] if found else None


def scalar(db: sqlite_utils.Database, sql: str, params: dict | tuple = ()):
    was_in_transaction = db.conn.in_transaction
    found = db.conn.execute(sql, params).fetchall()  # fetch all so a RETURNING write completes
    if not was_in_transaction and db.conn.in_transaction:
        db.conn.commit()
    return found[0][0] if found else None


def settings(db: sqlite_utils.Database) -> dict[str, str]:
    """Every setting, with defaults for the ones never set."""
    values = dict(DEFAULT_SETTINGS)
    values.update(db.conn.execute("SELECT key, value FROM settings").fetchall())
    return values


def set_setting(db: sqlite_utils.Database, key: str, value: object) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )
