"""Instants are stored in UTC; business days and hours are read in the MPP's own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def now_utc() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Jakarta")


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds and Z: sorts as text and SQLite's julianday() reads it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def local_day(moment: datetime, tz: str) -> str:
    return local(moment, tz).date().isoformat()


def day_start_utc(day: str, tz: str) -> datetime:
    """The UTC instant at which the local day begins."""
    start = datetime.fromisoformat(day).replace(tzinfo=zone(tz))
    return start.astimezone(UTC)


def minutes_of_day(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
