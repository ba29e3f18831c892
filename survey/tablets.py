"""Survey tablets paired with their counter: the counter path of the survey is open only to them.

An admin issues a tablet key per counter (loket/pairing.py, as kiosks are paired); the tablet keeps it
in localStorage and sends it with every answer. The table keeps only the key's SHA-256.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from loket import pairing
from loket.db import one, transaction
from loket.errors import LoketError
from loket.timeutil import iso


def pair(db: Database, counter_id: int, now: datetime, user: dict) -> str:
    """Issue a new key for the counter's tablet (an earlier tablet stops working); returns the key once."""
    from loket import audit

    key = pairing.new_key()
    with transaction(db):
        counter = one(db, "SELECT id, agency_id FROM counters WHERE id = ?", (counter_id,))
        if counter is None:
            raise LoketError("counter_not_found")
        db.execute(
            "INSERT INTO survey_tablets (counter_id, key_hash, paired_at, paired_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (counter_id) DO UPDATE SET key_hash = excluded.key_hash, paired_at = excluded.paired_at,"
            " paired_by = excluded.paired_by",
            (counter_id, pairing.digest(key), iso(now), user["id"]),
        )
        # The audit log's actions are a fixed list: pairing is a "create" of the counter's tablet row.
        audit.record(db, now, user, "create", "survey_tablets", counter_id, None, {"paired_at": iso(now)}, counter["agency_id"])
    return key


def unpair(db: Database, counter_id: int, now: datetime, user: dict) -> None:
    from loket import audit

    with transaction(db):
        if not db.execute("DELETE FROM survey_tablets WHERE counter_id = ?", (counter_id,)).rowcount:
            raise LoketError("not_found")
        audit.record(db, now, user, "delete", "survey_tablets", counter_id, {"counter_id": counter_id}, None)


def is_paired(db: Database, counter_id: int | None, key: object) -> bool:
    if not counter_id or pairing.readable(key) is None:
        return False
    row = one(db, "SELECT key_hash FROM survey_tablets WHERE counter_id = ?", (counter_id,))
    return row is not None and pairing.matches(row["key_hash"], key)


def require_paired(db: Database, counter_id: int | None, key: object) -> None:
    """The counter path is the tablet's: refuse anyone else on the Wi-Fi (403 tablet_not_paired)."""
    if not is_paired(db, counter_id, key):
        raise LoketError("tablet_not_paired")


def listing(db: Database) -> list[dict]:
    """Every counter with whether (and when) a tablet is paired with it; never a key."""
    return list(
        db.query(
            "SELECT c.id AS counter_id, c.name AS counter, c.number, a.id AS agency_id, a.name AS agency,"
            " t.paired_at, u.username AS paired_by FROM counters c JOIN agencies a ON a.id = c.agency_id"
            " LEFT JOIN survey_tablets t ON t.counter_id = c.id LEFT JOIN users u ON u.id = t.paired_by"
            " ORDER BY a.sort_order, a.name, c.number"
        )
    )
