"""Schema changes after the baseline `schema.sql`: one named function each, applied in order, recorded.

`schema.sql` is the schema as it first shipped and never changes; every later change is a function
here, registered with `@migrations()`, that upgrades a live MPP database keeping every row.
sqlite-utils records what ran in `_sqlite_migrations`; `table.transform()` rebuilds a table keeping
its CHECK and UNIQUE constraints (needed to widen a `CHECK (x IN (...))` list).
"""

from __future__ import annotations

import logging
import time

import sqlite_utils
from sqlite_utils.migrations import Migrations

log = logging.getLogger(__name__)

migrations = Migrations("loket")


def has_column(db: sqlite_utils.Database, table: str, column: str) -> bool:
    return column in {row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")}


def add_column(db: sqlite_utils.Database, table: str, column: str, definition: str) -> None:
    """ALTER TABLE … ADD COLUMN, skipped where an earlier build already added it."""
    if not has_column(db, table, column):
        db.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def widen_check(db: sqlite_utils.Database, table: str, old: str, new: str) -> None:
    """Replace one CHECK clause text in a table's definition, rebuilding the table with every row.

    SQLite cannot alter a constraint; this is the documented 12-step rebuild (create the new table,
    copy, drop, rename) done by sqlite-utils' transform() machinery, with foreign keys off around it.
    """
    sql = db.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    if new in sql:
        return
    if old not in sql:
        raise RuntimeError(f"{table}: expected constraint not found: {old}")
    extras = [
        r[0]
        for r in db.conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", (table,)
        )
    ]
    temp = f"_{table}_new"
    db.conn.execute(sql.replace(old, new).replace(f"CREATE TABLE {table}", f"CREATE TABLE {temp}", 1))
    columns = ", ".join(f'"{r[1]}"' for r in db.conn.execute(f"PRAGMA table_info({table})"))
    db.conn.execute(f"INSERT INTO {temp} ({columns}) SELECT {columns} FROM {table}")
    db.conn.execute(f"DROP TABLE {table}")
    db.conn.execute(f"ALTER TABLE {temp} RENAME TO {table}")
    for statement in extras:
        db.conn.execute(statement)


@migrations()
def m001_kiosk_agent_key(db: sqlite_utils.Database) -> None:
    """Print agents authenticate with a per-kiosk key (was the ADDED_COLUMNS list)."""
    add_column(db, "kiosks", "agent_key", "TEXT NOT NULL DEFAULT ''")


@migrations()
def m011_daily_counts(db: sqlite_utils.Database) -> None:
    """The day's cancelled tickets are counted with the write, so the quota never counts the day's tickets."""
    if not has_column(db, "daily_sequences", "cancelled"):
        add_column(db, "daily_sequences", "cancelled", "INTEGER NOT NULL DEFAULT 0")
        db.conn.execute(
            "UPDATE daily_sequences SET cancelled = (SELECT count(*) FROM tickets t WHERE t.origin_service_id = daily_sequences.service_id"
            " AND t.issued_on = daily_sequences.issued_on AND t.status = 'cancelled')"
        )


@migrations()
def m011_waiting_index(db: sqlite_utils.Database) -> None:
    """Waiting counts, who is next and who is ahead walk only the day's waiting tickets, and open ones by status."""
    db.conn.execute("CREATE INDEX IF NOT EXISTS tickets_status_day ON tickets (status, issued_on, service_id, priority, queued_at, id)")
    # a new ticket's queue time never goes before the service's latest of the day: one index probe
    db.conn.execute("CREATE INDEX IF NOT EXISTS tickets_service_day ON tickets (service_id, issued_on, queued_at)")


@migrations()
def m16_rate_limits_window_index(db: sqlite_utils.Database) -> None:
    """ratelimit.hit() purges old windows of every bucket: an index makes that a range, not a scan."""
    db.execute("CREATE INDEX IF NOT EXISTS rate_limits_window ON rate_limits (window_start)")


@migrations()
def m14_sessions(db: sqlite_utils.Database) -> None:
    """Logins are rows on the server, so logout, deactivation and a password reset end them everywhere.

    The cookie carries a random session id; the table keeps only its SHA-256, so a copy of the
    database does not hold live sessions.
    """
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS sessions ("
        " id TEXT PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " created_at TEXT NOT NULL,"
        " expires_at TEXT NOT NULL)"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)")


@migrations()
def m14_survey_tablets(db: sqlite_utils.Database) -> None:
    """Each counter's survey tablet is paired by an admin-issued key (kept hashed)."""
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS survey_tablets ("
        " counter_id INTEGER PRIMARY KEY REFERENCES counters(id) ON DELETE CASCADE,"
        " key_hash TEXT NOT NULL,"
        " paired_at TEXT NOT NULL,"
        " paired_by INTEGER REFERENCES users(id) ON DELETE SET NULL)"
    )


@migrations()
def m15_bookings(db: sqlite_utils.Database) -> None:
    """Online booking (reservasi): per-service settings, the bookings, and tickets that came from one."""
    for column, definition in (
        ("booking_enabled", "INTEGER NOT NULL DEFAULT 0 CHECK (booking_enabled IN (0, 1))"),
        ("booking_slot_minutes", "INTEGER NOT NULL DEFAULT 30 CHECK (booking_slot_minutes BETWEEN 5 AND 240)"),
        ("booking_capacity", "INTEGER NOT NULL DEFAULT 4 CHECK (booking_capacity >= 0)"),
        ("booking_days_ahead", "INTEGER NOT NULL DEFAULT 7 CHECK (booking_days_ahead BETWEEN 0 AND 90)"),
        # the share of the daily quota kept for bookings, in percent; the rest stays for walk-ins
        ("booking_quota_percent", "INTEGER NOT NULL DEFAULT 50 CHECK (booking_quota_percent BETWEEN 0 AND 100)"),
        ("booking_checkin_before", "INTEGER NOT NULL DEFAULT 30 CHECK (booking_checkin_before BETWEEN 0 AND 240)"),
        ("booking_checkin_after", "INTEGER NOT NULL DEFAULT 15 CHECK (booking_checkin_after BETWEEN 0 AND 240)"),
        ("booking_ask_nik", "INTEGER NOT NULL DEFAULT 0 CHECK (booking_ask_nik IN (0, 1))"),
    ):
        add_column(db, "services", column, definition)
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS bookings ("
        " id INTEGER PRIMARY KEY,"
        " code TEXT NOT NULL UNIQUE,"  # read aloud and typed at the kiosk: no 0/O, 1/I
        " token TEXT NOT NULL UNIQUE,"  # the key to /reservasi/<token>
        " service_id INTEGER NOT NULL REFERENCES services(id),"
        " agency_id INTEGER NOT NULL REFERENCES agencies(id),"
        " date TEXT NOT NULL,"  # the MPP's local date of the slot
        " slot_start TEXT NOT NULL,"  # local HH:MM
        " slot_end TEXT NOT NULL,"
        " slot_at TEXT NOT NULL,"  # the slot's start as a UTC instant
        " checkin_opens_at TEXT NOT NULL,"  # UTC: check-in from here ...
        " checkin_closes_at TEXT NOT NULL,"  # ... until before here; unchecked after it = expired (no-show)
        " name TEXT NOT NULL,"
        " phone TEXT NOT NULL,"  # normalised 08...
        " nik_hash TEXT,"  # HMAC-SHA256 under the app's secret: the NIK itself is never stored
        " nik_last4 TEXT,"
        " status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'checked_in', 'cancelled')),"
        " created_at TEXT NOT NULL,"
        " checked_in_at TEXT,"
        " cancelled_at TEXT,"
        " ticket_id INTEGER REFERENCES tickets(id),"
        " checked_in_by TEXT)"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS bookings_slot ON bookings (service_id, date, slot_start, status)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS bookings_phone ON bookings (phone, service_id, date)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS bookings_nik ON bookings (nik_hash, service_id, date)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS bookings_day ON bookings (date, service_id)")
    widen_check(
        db,
        "tickets",
        "CHECK (source IN ('kiosk', 'phone', 'counter', 'api'))",
        "CHECK (source IN ('kiosk', 'phone', 'counter', 'api', 'booking'))",
    )


@migrations()
def m12_service_short_name(db: sqlite_utils.Database) -> None:
    """A short service name for the lobby display (empty: the display uses the name)."""
    add_column(db, "services", "short_name", "TEXT NOT NULL DEFAULT ''")


@migrations()
def m13_agency_badge(db: sqlite_utils.Database) -> None:
    """An agency's badge on the kiosk: a short code the admin sets (BPJS-K, not "BPJS" twice) and an optional logo."""
    add_column(db, "agencies", "short_code", "TEXT NOT NULL DEFAULT ''")
    add_column(db, "agencies", "logo", "TEXT NOT NULL DEFAULT ''")


@migrations()
def m11_drop_tickets_waiting(db: sqlite_utils.Database) -> None:
    """The waiting list is read through `tickets_status_day` (m011_waiting_index); no statement the
    server runs uses `tickets_waiting` any more (EXPLAIN QUERY PLAN over every statement of the test
    suite), and each index is one more page written to the WAL by every issue and every call."""
    db.conn.execute("DROP INDEX IF EXISTS tickets_waiting")


@migrations()
def m25_published_periods(db: sqlite_utils.Database) -> None:
    """The months and quarters the MPP has published (public page, open data), with the figures as published."""
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS published_periods ("
        " period TEXT PRIMARY KEY CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]' OR period GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'),"
        " published_at TEXT NOT NULL,"
        " published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
        " figures TEXT NOT NULL)"
    )


@migrations()
def m24_management(db: sqlite_utils.Database) -> None:
    """The MPP's management day (issue 24): why a counter paused or closed and until when, the reasons
    the admin keeps, closures that wait for a supervisor's approval, and the breaches of each
    service's waiting and service time targets (the promised minutes stay the default target)."""
    add_column(db, "counters", "pause_reason", "TEXT")
    add_column(db, "counters", "pause_note", "TEXT NOT NULL DEFAULT ''")
    add_column(db, "counters", "pause_until", "TEXT")  # "HH:MM" local: the expected return
    add_column(db, "counters", "closed_for_day", "TEXT")  # local date of an approved closure for the rest of that day
    add_column(db, "services", "wait_target_minutes", "INTEGER CHECK (wait_target_minutes IS NULL OR wait_target_minutes > 0)")
    add_column(db, "services", "service_target_minutes", "INTEGER CHECK (service_target_minutes IS NULL OR service_target_minutes > 0)")
    for statement in (
        "CREATE TABLE IF NOT EXISTS counter_reasons (id INTEGER PRIMARY KEY, "
        "code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32), "
        "label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100), label_en TEXT NOT NULL DEFAULT '', "
        "sort_order INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)))",
        "CREATE TABLE IF NOT EXISTS closure_requests (id INTEGER PRIMARY KEY, "
        "counter_id INTEGER NOT NULL REFERENCES counters(id) ON DELETE CASCADE, "
        "agency_id INTEGER NOT NULL REFERENCES agencies(id), user_id INTEGER REFERENCES users(id), day TEXT NOT NULL, "
        "requested_at TEXT NOT NULL, reason TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', until TEXT, "
        "rest_of_day INTEGER NOT NULL DEFAULT 0 CHECK (rest_of_day IN (0, 1)), "
        "status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')), "
        "decided_by INTEGER REFERENCES users(id), decided_at TEXT, decision_note TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX IF NOT EXISTS closure_requests_status ON closure_requests (status, agency_id)",
        "CREATE INDEX IF NOT EXISTS closure_requests_day ON closure_requests (day, agency_id)",
        "CREATE TABLE IF NOT EXISTS standard_breaches (id INTEGER PRIMARY KEY, "
        "service_id INTEGER NOT NULL REFERENCES services(id), agency_id INTEGER NOT NULL REFERENCES agencies(id), "
        "kind TEXT NOT NULL CHECK (kind IN ('wait', 'service')), day TEXT NOT NULL, target_minutes INTEGER NOT NULL, "
        "started_at TEXT NOT NULL, ended_at TEXT, peak_minutes REAL NOT NULL DEFAULT 0, "
        "peak_tickets INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS standard_breaches_open ON standard_breaches (ended_at, service_id, kind)",
        "CREATE INDEX IF NOT EXISTS standard_breaches_day ON standard_breaches (day, service_id)",
    ):
        db.conn.execute(statement)
    db.conn.executemany(
        "INSERT OR IGNORE INTO counter_reasons (code, label, label_en, sort_order) VALUES (?, ?, ?, ?)",
        [
            ("istirahat", "Istirahat", "Break", 1),
            ("sholat", "Sholat", "Prayer", 2),
            ("rapat", "Rapat", "Meeting", 3),
            ("gangguan_sistem", "Gangguan sistem/jaringan", "System or network problem", 4),
            ("blanko_habis", "Dokumen/blanko habis", "Forms or blanks ran out", 5),
            ("lainnya", "Lainnya", "Other", 99),
        ],
    )


@migrations()
def m21_kiosk_keys(db: sqlite_utils.Database) -> None:
    """A kiosk PC is paired by an admin-issued key (kept hashed, loket/pairing.py): only a paired kiosk
    issues without the phone rules. The key's hash finds the kiosk on every ticket."""
    add_column(db, "kiosks", "key_hash", "TEXT NOT NULL DEFAULT ''")
    add_column(db, "kiosks", "paired_at", "TEXT")
    db.conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS kiosks_key_hash ON kiosks (key_hash) WHERE key_hash != ''")


@migrations()
def m21_booking_client(db: sqlite_utils.Database) -> None:
    """The keyed hash of the address a booking came from (bookings.client_key): one address may hold only
    a few of a service's places of a day, whatever cookies it sends. Existing bookings have none."""
    add_column(db, "bookings", "client_key", "TEXT")
    db.conn.execute("CREATE INDEX IF NOT EXISTS bookings_client ON bookings (client_key, service_id, date)")


@migrations()
def m20_service_requires_open_counter(db: sqlite_utils.Database) -> None:
    """Per service: stop issuing while none of its counters is open (0: issue anyway, the ticket says
    that no counter is open yet)."""
    add_column(db, "services", "requires_open_counter", "INTEGER NOT NULL DEFAULT 0 CHECK (requires_open_counter IN (0, 1))")


@migrations()
def m20_english_service_texts(db: sqlite_utils.Database) -> None:
    """A service's name, requirements and procedure in English for screens shown in English (empty: the
    Indonesian is shown)."""
    for column in ("name_en", "requirements_en", "procedure_en"):
        add_column(db, "services", column, "TEXT NOT NULL DEFAULT ''")


def _file_of(db: sqlite_utils.Database) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row else "?"


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration in one write transaction; returns the names applied.

    Foreign keys are off while tables are rebuilt (a DROP TABLE would otherwise cascade into child
    rows) and checked before the commit. BEGIN IMMEDIATE makes a second process starting at the same
    moment wait, then find nothing pending.
    """
    conn = db.conn
    pending: list[str] = []
    started = time.monotonic()
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = [m.name for m in migrations.pending(db)]
            if pending:
                # An IT officer reading the journal after an upgrade sees what changed in the database.
                log.info("applying %d migration(s) to %s: %s", len(pending), _file_of(db), ", ".join(pending))
                migrations.apply(db)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken after migration: {broken[:3]}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.exception("migrations %s failed and were rolled back", pending)
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")
    if pending:
        log.info("migrations applied in %.2f s: %s", time.monotonic() - started, ", ".join(pending))
    return pending


@migrations()
def m23_notifications(db: sqlite_utils.Database) -> None:
    """ "Your turn is near" by SMS and WhatsApp (loket/notify.py): who asked, what each service sends, and a
    transactional outbox of messages that a sender (loket/sender.py) delivers after the commit.

    The queue rules run no extra statement: the sender writes each message from the committed state of
    today's subscribed tickets. UNIQUE (ticket_id, trigger): one message per trigger per ticket, ever.
    """
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS notify_subscriptions ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER UNIQUE REFERENCES tickets(id) ON DELETE CASCADE,"
        " booking_id INTEGER UNIQUE REFERENCES bookings(id) ON DELETE CASCADE,"
        " service_id INTEGER NOT NULL REFERENCES services(id),"
        " day TEXT NOT NULL,"  # the ticket's or the booking's local date: the number is erased after it
        " phone TEXT NOT NULL,"  # 62… (E.164 without +); '' once erased
        " channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),"
        " lang TEXT NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en')),"
        " consent_at TEXT NOT NULL,"  # UTC: the moment the citizen agreed (UU 27/2022)
        " stopped_at TEXT,"
        " CHECK (ticket_id IS NOT NULL OR booking_id IS NOT NULL))"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS notify_subscriptions_day ON notify_subscriptions (day, service_id)")
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS notify_triggers ("  # per service; a trigger without a row uses the defaults
        " service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,"
        " trigger TEXT NOT NULL CHECK (trigger IN ('turn_near', 'called', 'recalled', 'reminder_day', 'reminder_hour', 'survey')),"
        " enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
        " places INTEGER CHECK (places IS NULL OR places BETWEEN 1 AND 50),"  # turn_near: this many ahead or fewer …
        " minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 240),"  # … or about this many minutes
        " text_id TEXT NOT NULL DEFAULT '',"  # '' = the default text
        " text_en TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (service_id, trigger))"
    )
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS outbox ("
        " id INTEGER PRIMARY KEY,"
        " trigger TEXT NOT NULL CHECK (trigger IN ('turn_near', 'called', 'recalled', 'reminder_day', 'reminder_hour', 'survey', 'test')),"
        " ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,"
        " booking_id INTEGER REFERENCES bookings(id) ON DELETE CASCADE,"
        " subscription_id INTEGER REFERENCES notify_subscriptions(id) ON DELETE SET NULL,"
        " service_id INTEGER REFERENCES services(id),"
        " day TEXT NOT NULL,"  # local date the message belongs to: its number and text are erased after it
        " channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),"
        " phone TEXT NOT NULL,"
        " text TEXT NOT NULL DEFAULT '',"  # written by the sender when it first hands the message over
        " params TEXT NOT NULL DEFAULT '{}',"  # the placeholders' values, in the text's order (WhatsApp body parameters)
        " status TEXT NOT NULL DEFAULT 'queued'"
        "  CHECK (status IN ('queued', 'sending', 'handed', 'sent', 'failed', 'expired', 'dropped')),"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " sent_at TEXT,"
        " provider TEXT NOT NULL DEFAULT '',"  # gammu, whatsapp_cloud, http
        " provider_id TEXT,"  # gammu's outbox file, the WhatsApp message id, the gateway's id
        " error TEXT NOT NULL DEFAULT '',"
        " UNIQUE (ticket_id, trigger),"
        " UNIQUE (booking_id, trigger))"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS outbox_day ON outbox (day, channel, trigger, status)")
