"""The audit log: every configuration change with who, when, and the row before and after."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from .timeutil import iso

# Never copied into the log: a password hash is a secret even when it is old.
SECRET_FIELDS = ("password_hash", "key_hash")


def _clean(row: dict | None) -> str | None:
    if row is None:
        return None
    return json.dumps({k: v for k, v in row.items() if k not in SECRET_FIELDS}, ensure_ascii=False, default=str)


def record(
    db: Database,
    now: datetime,
    user: dict | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict | None,
    after: dict | None,
    agency_id: int | None = None,
) -> None:
    """Write one audit row; call inside the change's own transaction so both commit or neither."""
    if agency_id is None:
        agency_id = (after or before or {}).get("agency_id") if entity != "agencies" else entity_id
    db.execute(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, agency_id, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(now),
            user["id"] if user else None,
            user["username"] if user else "",
            action,
            entity,
            entity_id,
            agency_id if isinstance(agency_id, int) else None,
            _clean(before),
            _clean(after),
        ),
    )


def entries(
    db: Database,
    *,
    entity: str | None = None,
    username: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    agency_id: int | None = None,
    limit: int = 200,
) -> list[dict]:
    """Newest first, filtered; `since`/`until` are UTC instants (until exclusive)."""
    where, params = [], []
    for column, value in (("entity", entity), ("username", username), ("action", action), ("agency_id", agency_id)):
        if value not in (None, ""):
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at < ?")
        params.append(until)
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
    rows = []
    for row in db.query(sql, (*params, limit)):
        row["before"] = json.loads(row["before"]) if row["before"] else None
        row["after"] = json.loads(row["after"]) if row["after"] else None
        row["changes"] = sorted(
            k for k in set(row["before"] or {}) | set(row["after"] or {}) if (row["before"] or {}).get(k) != (row["after"] or {}).get(k)
        )
        rows.append(row)
    return rows
