"""Fixed-window rate limits kept in SQLite, so they hold across threads, processes and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from .db import scalar, transaction
from .errors import LoketError

# Windows older than this are purged on every hit, whatever their bucket: the table stays bounded
# (no row per phone, reprint and login name forever). Every limit's window must be shorter.
KEEP_SECONDS = 24 * 3600


def hit(db: Database, bucket: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one hit; refuse with 429 once `limit` hits fall in the current window."""
    if window_seconds > KEEP_SECONDS:
        raise ValueError(f"a rate-limit window longer than {KEEP_SECONDS} s would be purged while still counting")
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds
    with transaction(db):
        hits = scalar(
            db,
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)"
            " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
            (bucket, window),
        )
        # this bucket's earlier windows, and every bucket's past KEEP_SECONDS (index m16_), in one statement
        db.execute(
            "DELETE FROM rate_limits WHERE (bucket = ? AND window_start < ?) OR window_start < ?", (bucket, window, stamp - KEEP_SECONDS)
        )
    if hits > limit:
        raise LoketError("rate_limited", retry_after=window + window_seconds - stamp)


def refuse_over(db: Database, bucket: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Refuse with 429 when `limit` hits are already counted in this window (counting nothing itself)."""
    stamp = int(now.timestamp())
    if peek(db, bucket, window_seconds, now) >= limit:
        raise LoketError("rate_limited", retry_after=stamp - stamp % window_seconds + window_seconds - stamp)


def peek(db: Database, bucket: str, window_seconds: int, now: datetime) -> int:
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds
    return scalar(db, "SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?", (bucket, window)) or 0


def clear(db: Database, bucket: str) -> None:
    db.execute("DELETE FROM rate_limits WHERE bucket = ?", (bucket,))
