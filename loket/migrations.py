"""Schema changes after the baseline `schema.sql`: one named function each, applied in order, recorded.

`schema.sql` is the schema as it first shipped and never changes; every later change is a function
here, registered with `@migrations()`, that upgrades a live MPP database keeping every row.
sqlite-utils records what ran in `_sqlite_migrations`; `table.transform()` rebuilds a table keeping
its CHECK and UNIQUE constraints (needed to widen a `CHECK (x IN (...))` list).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

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
def m13_agency_badge(db: sqlite_utils.Database) -> None:
    """An agency's badge on the kiosk: a short code the admin sets (BPJS-K, not "BPJS" twice) and an optional logo."""
    add_column(db, "agencies", "short_code", "TEXT NOT NULL DEFAULT ''")
    add_column(db, "agencies", "logo", "TEXT NOT NULL DEFAULT ''")


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration in one write transaction; returns the names applied.

    Foreign keys are off while tables are rebuilt (a DROP TABLE would otherwise cascade into child
    rows) and checked before the commit. BEGIN IMMEDIATE makes a second process starting at the same
    moment wait, then find nothing pending.
    """
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = [m.name for m in migrations.pending(db)]
            if pending:
                migrations.apply(db)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken after migration: {broken[:3]}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")
    return pending
