"""Fixed-window rate limits kept in SQLite, so they hold across threads, processes and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from .db import scalar, transaction
from .errors import LoketError


def hit(db: Database, bucket: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one hit; refuse with 429 once `limit` hits fall in the current window."""
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds
    with transaction(db):
        hits = scalar(
            db,
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)"
            " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
            (bucket, window),
        )
        db.execute("DELETE FROM rate_limits WHERE bucket = ? AND window_start < ?", (bucket, window))
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
