"""Report figures from tickets and their transfer events, with finished days read from a daily roll-up.

How a ticket is counted:
- A ticket's life is cut into *segments*, one per service it queued in. Each `transferred` event
  closes a segment at the service it left (its data holds called_at/started_at there); the ticket
  row itself is the last segment.
- `issued` counts a ticket once, at the service (and agency) where it was taken.
- Outcomes (served, no_show, transferred, cancelled, unfinished) count segments at their service,
  counter and officer. Per agency a ticket counts **once per agency it visited**, with the outcome of
  its last segment there: KTP → KK inside Dukcapil is one served ticket for Dukcapil; Dukcapil →
  Imigrasi is one transferred for Dukcapil and one served for Imigrasi.
- Waiting time = called − the moment the segment began (issue, or the transfer into it), for every
  segment that was called (no-shows included). Service time = finished − started, for served
  segments only, so no-shows and cancellations have none.
- Within promised time: a served segment whose finished − segment start ≤ the service's
  promised_minutes; the share is over served segments of services that promise a time.
- Times are whole milliseconds (the resolution of the stored instants). Median and 90th percentile
  interpolate linearly between ranks (as numpy's default does) over the exact values.

The daily roll-up (tables report_days, report_day_segments, report_day_issued):
- A local day before today is rolled up once: per day × agency × service × counter × officer the
  outcome counts, sums and counts of waiting and service time, within-promise counts, and every
  waiting and service time as a sorted array (so medians and P90 stay exact); per day × service ×
  hour the tickets issued. Today (and any later day) is always computed live, the same way.
- Days are rolled up lazily by the first report that needs them, or ahead of time by
  `flask --app server rollup` (a nightly timer), one short write transaction per few days.
- A ticket of a past day can still change (a ticket left open at a counter overnight is finished by
  the next morning's "next"). Each rolled-up day remembers the last event id it saw; a report first
  looks at the events since then, and a day whose tickets had later events is rolled up again.
- The promise a served segment is judged against is the service's promised_minutes when its day was
  rolled up; `flask --app server rollup --rebuild` recomputes after a promise changed.
"""

from __future__ import annotations

import math
import sys
from array import array
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from loket import inputs
from loket.db import scalar, settings, transaction
from loket.errors import LoketError
from loket.i18n import N_
from loket.timeutil import day_start_utc, local, local_day, parse_iso

GROUPS = ("agency", "service", "counter", "officer")
OUTCOMES = ("served", "no_show", "transferred", "cancelled", "unfinished")
MAX_DAYS = 400
ROLLUP_CHUNK_DAYS = 7  # days computed per write transaction: short enough that kiosks barely wait
KEY = ("agency_id", "service_id", "counter_id", "officer_id")
SUMS = (*OUTCOMES, "moved_within", "wait_n", "wait_sum_ms", "service_n", "service_sum_ms", "promised_n", "within_n")
MEASURES = ("wait_ms", "service_ms")
INT32 = "i" if array("i").itemsize == 4 else "l"

SEGMENTS_SQL = """
CREATE TEMP TABLE seg AS
WITH tr AS (
    SELECT e.ticket_id, e.id AS seq, e.at, e.service_id, e.agency_id, e.counter_id, e.user_id,
           json_extract(e.data, '$.called_at') AS called_at, json_extract(e.data, '$.started_at') AS started_at,
           lag(e.at) OVER (PARTITION BY e.ticket_id ORDER BY e.id) AS prev_at
    FROM events e
    WHERE e.kind = 'transferred'
      AND e.ticket_id IN (SELECT id FROM tickets WHERE issued_on BETWEEN :d1 AND :d2 AND transfer_count > 0)
), raw AS (
    SELECT d.issued_on, coalesce(tr.prev_at, d.issued_at) AS seg_start,
           tr.service_id, tr.agency_id, tr.counter_id, tr.user_id AS officer_id, 'transferred' AS outcome,
           -- a later segment in the same agency: per agency the ticket counts there, not here
           (d.agency_id = tr.agency_id OR EXISTS (SELECT 1 FROM events l WHERE l.ticket_id = tr.ticket_id
               AND l.kind = 'transferred' AND l.id > tr.seq AND l.agency_id = tr.agency_id)) AS moved_within,
           tr.called_at, tr.started_at, tr.at AS finished_at
    FROM tr JOIN tickets d ON d.id = tr.ticket_id
    UNION ALL
    SELECT t.issued_on,
           CASE WHEN t.transfer_count > 0
                THEN (SELECT max(at) FROM events WHERE ticket_id = t.id AND kind = 'transferred') ELSE t.issued_at END,
           t.service_id, t.agency_id, t.counter_id, t.officer_id,
           CASE t.status WHEN 'done' THEN 'served' WHEN 'no_show' THEN 'no_show' WHEN 'cancelled' THEN 'cancelled'
                ELSE 'unfinished' END,
           0, t.called_at, t.started_at, t.finished_at
    FROM tickets t WHERE t.issued_on BETWEEN :d1 AND :d2
)
SELECT issued_on, service_id, agency_id, counter_id, officer_id, outcome, moved_within,
       CASE WHEN called_at IS NOT NULL THEN CAST(round((julianday(called_at) - julianday(seg_start)) * 86400000) AS INTEGER) END
           AS wait_ms,
       CASE WHEN outcome = 'served' THEN CAST(round((julianday(finished_at) - julianday(started_at)) * 86400000) AS INTEGER) END
           AS service_ms,
       CASE WHEN outcome = 'served' THEN CAST(round((julianday(finished_at) - julianday(seg_start)) * 86400000) AS INTEGER) END
           AS total_ms
FROM raw
"""

SEGMENT_SUMS_SQL = """
SELECT s.issued_on AS day, s.agency_id, s.service_id, s.counter_id, s.officer_id,
       sum(outcome = 'served') AS served, sum(outcome = 'no_show') AS no_show, sum(outcome = 'transferred') AS transferred,
       sum(outcome = 'cancelled') AS cancelled, sum(outcome = 'unfinished') AS unfinished, sum(moved_within) AS moved_within,
       count(wait_ms) AS wait_n, coalesce(sum(wait_ms), 0) AS wait_sum_ms,
       count(service_ms) AS service_n, coalesce(sum(service_ms), 0) AS service_sum_ms,
       sum(CASE WHEN sv.promised_minutes IS NOT NULL AND total_ms IS NOT NULL THEN 1 ELSE 0 END) AS promised_n,
       sum(CASE WHEN total_ms <= sv.promised_minutes * 60000 THEN 1 ELSE 0 END) AS within_n
FROM seg s LEFT JOIN services sv ON sv.id = s.service_id
GROUP BY 1, 2, 3, 4, 5
"""

# Tickets issued per day × service taken × agency now holding it × local weekday and hour, as stored
# rows for rolled-up days and counted from tickets for the others.
ISSUED_LIVE_SQL = """
SELECT issued_on AS day, origin_service_id AS service_id, agency_id,
       (CAST(strftime('%w', issued_at, :shift) AS INTEGER) + 6) % 7 AS weekday, CAST(strftime('%H', issued_at, :shift) AS INTEGER) AS hour,
       count(*) AS issued, sum(status != 'cancelled') AS kept
FROM tickets WHERE issued_on BETWEEN :l1 AND :l2 GROUP BY 1, 2, 3, 4, 5
"""
ISSUED_SQL = (
    "(SELECT day, service_id, agency_id, weekday, hour, issued, kept FROM report_day_issued WHERE day BETWEEN :r1 AND :r2"
    f" UNION ALL {ISSUED_LIVE_SQL})"
)


def date_range(start: str | None, end: str | None, today: str) -> tuple[str, str]:
    """Validated [start, end] local dates (`YYYY-MM-DD` only, loket/inputs.py); both default to today, `to` to `from`."""
    d1 = date.fromisoformat(inputs.day_value(start, "from") if start else today)
    d2 = date.fromisoformat(inputs.day_value(end, "to") if end else d1.isoformat())
    if d2 < d1:
        raise LoketError("invalid_field", field="to", reason=N_("tanggal akhir harus sama dengan atau setelah tanggal awal"))
    if (d2 - d1).days >= MAX_DAYS:
        raise LoketError("invalid_field", field="to", reason=N_("rentang paling lama {days} hari"), days=MAX_DAYS)
    return d1.isoformat(), d2.isoformat()


def _day(day: str, delta: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=delta)).isoformat()


def _split(start: str, end: str, today: str | None) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """[start, end] as (the finished days read from the roll-up, the days computed live); either may be None."""
    if today is None:
        return None, (start, end)
    yesterday = _day(today, -1)
    rolled = (start, min(end, yesterday)) if start <= yesterday else None
    live = (max(start, today), end) if end >= today else None
    return rolled, live


# ---------------------------------------------------------------- segments and the roll-up


def _pack(values: list[int]) -> bytes:
    """Sorted 32-bit little-endian milliseconds: the exact values behind a median or P90."""
    packed = array(INT32, sorted(values))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpack(blobs: list[bytes]) -> list[int]:
    values = array(INT32)
    values.frombytes(b"".join(blobs))
    if sys.byteorder == "big":
        values.byteswap()
    return sorted(values)  # the blobs are sorted runs, which the merge sort only merges


def segment_rows(db: Database, start: str, end: str) -> list[dict]:
    """Per local day × agency × service × counter × officer over [start, end]: counts, sums and the
    packed waiting and service times, computed from tickets and their transfer events."""
    db.execute("DROP TABLE IF EXISTS temp.seg")
    try:
        db.execute(SEGMENTS_SQL, {"d1": start, "d2": end})
        rows = {tuple(r[c] for c in ("day", *KEY)): r for r in db.query(SEGMENT_SUMS_SQL)}
        for measure in MEASURES:
            values: dict[tuple, list[int]] = {}
            sql = f"SELECT issued_on, agency_id, service_id, counter_id, officer_id, {measure} FROM seg WHERE {measure} IS NOT NULL"
            for *key, value in db.execute(sql):
                values.setdefault(tuple(key), []).append(value)
            for key, row in rows.items():
                row[measure] = _pack(values.get(key, []))
    finally:
        db.execute("DROP TABLE IF EXISTS temp.seg")
    return list(rows.values())


def _shift(db: Database, day: str) -> str:
    """The MPP zone's offset on that day as an SQLite modifier (WIB/WITA/WIT have no DST)."""
    tz = settings(db)["timezone"]
    offset = local(datetime.fromisoformat(f"{day}T12:00:00+00:00"), tz).utcoffset() or timedelta()
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def _issued_params(db: Database, start: str, end: str, today: str | None) -> dict:
    """Parameters of ISSUED_SQL: which days come from report_day_issued and which from tickets."""
    rolled, live = _split(start, end, today)
    if rolled:
        ensure_rolled_up(db, rolled[0], rolled[1], today)
    r1, r2 = rolled or ("1", "0")
    l1, l2 = live or ("1", "0")
    return {"r1": r1, "r2": r2, "l1": l1, "l2": l2, "shift": _shift(db, start)}


def _roll(db: Database, days: list[str]) -> int:
    """Compute a run of consecutive days and store those no other process stored meanwhile."""
    watermark = scalar(db, "SELECT coalesce(max(id), 0) FROM events")  # read first: later events make the day stale
    segments = segment_rows(db, days[0], days[-1])
    issued = list(db.query(ISSUED_LIVE_SQL, {"l1": days[0], "l2": days[-1], "shift": _shift(db, days[0])}))
    with transaction(db):
        done = {r[0] for r in db.execute("SELECT day FROM report_days WHERE day BETWEEN ? AND ?", (days[0], days[-1]))}
        todo = sorted(set(days) - done)
        if not todo:
            return 0
        marks = ", ".join("?" * len(todo))
        for table in ("report_day_segments", "report_day_issued"):
            db.execute(f"DELETE FROM {table} WHERE day IN ({marks})", todo)
        wanted = set(todo)
        columns = ("day", *KEY, *SUMS, *MEASURES)
        db.conn.executemany(
            f"INSERT INTO report_day_segments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(r[c] for c in columns) for r in segments if r["day"] in wanted],
        )
        columns = ("day", "service_id", "agency_id", "weekday", "hour", "issued", "kept")
        db.conn.executemany(
            f"INSERT INTO report_day_issued ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(r[c] for c in columns) for r in issued if r["day"] in wanted],
        )
        db.conn.executemany(
            "INSERT INTO report_days (day, last_event_id, rolled_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [(d, watermark) for d in todo],
        )
    return len(todo)


def _changed_days(db: Database) -> list[str]:
    """Rolled-up days whose tickets had events after their roll-up."""
    since = scalar(db, "SELECT min(last_event_id) FROM report_days")
    if since is None:
        return []
    # CROSS JOIN keeps SQLite on the few newest events instead of walking every ticket's events
    touched = db.execute(
        "SELECT t.issued_on, max(e.id) FROM events e CROSS JOIN tickets t ON t.id = e.ticket_id WHERE e.id > ? GROUP BY t.issued_on",
        (since,),
    ).fetchall()
    if not touched:
        return []
    seen = dict(
        db.execute(f"SELECT day, last_event_id FROM report_days WHERE day IN ({', '.join('?' * len(touched))})", [d for d, _ in touched])
    )
    return [day for day, last in touched if day in seen and last > seen[day]]


def _forget_changed(db: Database) -> None:
    """Under the write lock: drop the stale days, and mark every other day checked up to the newest
    event, so the next look at later events starts from here."""
    with transaction(db):
        stale = _changed_days(db)
        if stale:
            marks = ", ".join("?" * len(stale))
            for table in ("report_day_segments", "report_day_issued", "report_days"):
                db.execute(f"DELETE FROM {table} WHERE day IN ({marks})", stale)
        db.execute("UPDATE report_days SET last_event_id = (SELECT coalesce(max(id), 0) FROM events)")


def _missing(db: Database, start: str, end: str) -> list[str]:
    have = {r[0] for r in db.execute("SELECT day FROM report_days WHERE day BETWEEN ? AND ?", (start, end))}
    span = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    return [d for d in (_day(start, i) for i in range(span)) if d not in have]


def ensure_rolled_up(db: Database, start: str, end: str, today: str) -> int:
    """Roll up every finished day in [start, end] not rolled up yet or changed since; returns days rolled."""
    end = min(end, _day(today, -1))
    if start > end or (not _changed_days(db) and not _missing(db, start, end)):
        return 0
    _forget_changed(db)
    chunks: list[list[str]] = []
    for day in _missing(db, start, end):  # runs of consecutive days, at most ROLLUP_CHUNK_DAYS each
        if chunks and len(chunks[-1]) < ROLLUP_CHUNK_DAYS and _day(chunks[-1][-1], 1) == day:
            chunks[-1].append(day)
        else:
            chunks.append([day])
    return sum(_roll(db, chunk) for chunk in chunks)


def rollup(db: Database, today: str, start: str | None = None, end: str | None = None, rebuild: bool = False) -> int:
    """Roll up the finished days of [start, end] (default: from the first ticket to yesterday); with
    rebuild, forget them first. Returns the days rolled."""
    start = start or scalar(db, "SELECT min(issued_on) FROM tickets") or today
    end = min(end or today, _day(today, -1))
    if rebuild:
        with transaction(db):
            for table in ("report_day_segments", "report_day_issued", "report_days"):
                db.execute(f"DELETE FROM {table} WHERE day BETWEEN ? AND ?", (start, end))
    return ensure_rolled_up(db, start, end, today)


def _totals(db: Database, start: str, end: str, today: str | None, column: str) -> dict:
    """Per group key over [start, end]: the summed counts and the packed times, from the roll-up for
    finished days (summed by SQLite) and computed for the rest."""
    rolled, live = _split(start, end, today)
    out: dict = {}

    def total(key) -> dict:
        if key not in out:
            out[key] = dict.fromkeys(SUMS, 0) | {m: [] for m in MEASURES}
        return out[key]

    if rolled:
        ensure_rolled_up(db, rolled[0], rolled[1], today)
        where = "FROM report_day_segments WHERE day BETWEEN ? AND ?"
        for key, *sums in db.execute(f"SELECT {column}, {', '.join(f'sum({c})' for c in SUMS)} {where} GROUP BY 1", rolled):
            total(key).update(zip(SUMS, sums, strict=True))
        for key, *packed in db.execute(f"SELECT {column}, {', '.join(MEASURES)} {where}", rolled):
            for m, blob in zip(MEASURES, packed, strict=True):
                if blob:
                    out[key][m].append(blob)
    for row in segment_rows(db, *live) if live else []:
        acc = total(row[column])
        for name in SUMS:
            acc[name] += row[name]
        for m in MEASURES:
            if row[m]:
                acc[m].append(row[m])
    return out


def _issued_per_day(db: Database, start: str, end: str, today: str | None) -> list[tuple[int, str, int, int]]:
    """(service taken, day, tickets issued, not cancelled) over [start, end]."""
    sql = f"SELECT service_id, day, sum(issued), sum(kept) FROM {ISSUED_SQL} GROUP BY 1, 2"
    return db.execute(sql, _issued_params(db, start, end, today)).fetchall()


# ---------------------------------------------------------------- reports


def _percentile(ordered: list[int], p: float) -> float | None:
    """Linear interpolation between the ranks around (n − 1)·p."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    a = ordered[low]
    b = ordered[low + 1] if low + 1 < len(ordered) else a
    return a + (b - a) * (position - low)


def _minutes(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 60000, 2)


def _group_column(group: str) -> str:
    return {"agency": "agency_id", "service": "service_id", "counter": "counter_id", "officer": "officer_id"}[group]


def summary(db: Database, start: str, end: str, group: str, agency_id: int | None = None, *, today: str | None = None) -> list[dict]:
    """One row per agency/service/counter/officer over [start, end] (local dates). Days before `today`
    come from the roll-up; without `today` every day is computed live."""
    if group not in GROUPS:
        raise LoketError("invalid_field", field="group", reason=N_("pilih salah satu: {options}"), options=", ".join(GROUPS))
    totals = _totals(db, start, end, today, _group_column(group))
    if group == "agency":  # once per agency visited: a move to another service of the same agency is no transfer
        for t in totals.values():
            t["transferred"] -= t["moved_within"]
    names = _names(db, group)
    issued: dict = {}
    quota: dict = {}
    if group in ("agency", "service"):
        per_day = _issued_per_day(db, start, end, today)
        services = names if group == "service" else _names(db, "service")
        for sid, _, n, _ in per_day:
            key = sid if group == "service" else services[sid]["agency_id"]
            issued[key] = issued.get(key, 0) + n
        if group == "service":
            quota = _quota_use(db, per_day)
    out = []
    for k in sorted(set(totals) | set(issued), key=lambda x: (x is None, names.get(x, {}).get("sort", ""), x or 0)):
        if k is None and group in ("counter", "officer"):
            continue
        label = names.get(k, {"name": "—", "agency_id": None})
        if agency_id is not None and label.get("agency_id") != agency_id:
            continue
        row = {
            "id": k,
            "name": label["name"],
            "agency_id": label.get("agency_id"),
            "issued": issued.get(k, 0) if group in ("agency", "service") else None,
            **_figures(totals.get(k) or _empty()),
        }
        if group == "service":
            row.update(quota.get(k, {"quota": None, "quota_use_pct": None, "quota_full_days": 0}))
        out.append(row)
    return out


def _empty() -> dict:
    return dict.fromkeys(SUMS, 0) | {m: [] for m in MEASURES}


def _figures(t: dict) -> dict:
    """Outcomes, waiting and service times and the share within the promise, from one group's totals."""
    waits, serving = _unpack(t["wait_ms"]), _unpack(t["service_ms"])
    return {
        **{o: t[o] for o in OUTCOMES},
        "wait_avg_min": _minutes(t["wait_sum_ms"] / t["wait_n"]) if t["wait_n"] else None,
        "wait_median_min": _minutes(_percentile(waits, 0.5)),
        "wait_p90_min": _minutes(_percentile(waits, 0.9)),
        "service_avg_min": _minutes(t["service_sum_ms"] / t["service_n"]) if t["service_n"] else None,
        "service_median_min": _minutes(_percentile(serving, 0.5)),
        "service_p90_min": _minutes(_percentile(serving, 0.9)),
        "within_promised_pct": round(100 * t["within_n"] / t["promised_n"], 1) if t["promised_n"] else None,
        "promised_n": t["promised_n"],
        "within_n": t["within_n"],
    }


def overall(db: Database, start: str, end: str, *, today: str | None = None) -> dict:
    """The whole MPP over [start, end]: every service's segments together (as summary's service rows
    added up), with the median and P90 over all of them, not a mean of the agencies' medians."""
    merged = _empty()
    for t in _totals(db, start, end, today, "agency_id").values():
        for name in SUMS:
            merged[name] += t[name]
        for m in MEASURES:
            merged[m] += t[m]
    issued = sum(n for _sid, _day, n, _kept in _issued_per_day(db, start, end, today))
    return {"issued": issued, **_figures(merged)}


def _quota_use(db: Database, per_day: list[tuple[int, str, int, int]]) -> dict:
    """Per service with a quota: share of the quota used on the days it issued, and days it ran out."""
    quotas = dict(db.execute("SELECT id, daily_quota FROM services WHERE daily_quota > 0").fetchall())
    used: dict = {}
    for sid, _, _, kept in per_day:
        if sid in quotas and kept > 0:
            days, total, full = used.get(sid, (0, 0, 0))
            used[sid] = (days + 1, total + kept, full + (kept >= quotas[sid]))
    return {
        sid: {"quota": quotas[sid], "quota_use_pct": round(100 * total / (quotas[sid] * days), 1), "quota_full_days": full}
        for sid, (days, total, full) in used.items()
    }


def _names(db: Database, group: str) -> dict:
    if group == "agency":
        sql = "SELECT id, name, id AS agency_id, printf('%05d', sort_order) || name AS sort FROM agencies"
    elif group == "service":
        sql = (
            "SELECT s.id, a.code || ' · ' || s.name AS name, s.agency_id, printf('%05d%05d', a.sort_order, s.sort_order) || s.name AS sort"
            " FROM services s JOIN agencies a ON a.id = s.agency_id"
        )
    elif group == "counter":
        sql = "SELECT id, name, agency_id, printf('%06d', number) AS sort FROM counters"
    else:
        sql = "SELECT id, CASE WHEN full_name != '' THEN full_name ELSE username END AS name, agency_id, username AS sort FROM users"
    return {r["id"]: r for r in db.query(sql)}


def heatmap(db: Database, start: str, end: str, agency_id: int | None = None, *, today: str | None = None) -> dict:
    """Tickets issued per weekday (0 = Monday) × hour, in the MPP's zone (WIB/WITA/WIT have no DST)."""
    tz = settings(db)["timezone"]
    where = " WHERE agency_id = :a" if agency_id else ""
    cells = [[0] * 24 for _ in range(7)]
    for wd, hour, n in db.execute(
        f"SELECT weekday, hour, sum(issued) FROM {ISSUED_SQL}{where} GROUP BY 1, 2",
        {**_issued_params(db, start, end, today), "a": agency_id},
    ):
        cells[wd][hour] = n
    return {"timezone": tz, "cells": cells}


def month_grid(db: Database, month: str, agency_id: int | None = None, *, today: str | None = None) -> dict:
    """Tickets issued per day of the month, per agency and per service (the table MPPs send upward)."""
    first = date.fromisoformat(inputs.month({"month": month}, "month") + "-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(last.day)]
    where = " WHERE s.agency_id = :a" if agency_id else ""
    per_service: dict = {}
    for sid, day, n in db.execute(
        f"SELECT i.service_id, i.day, sum(i.issued) FROM {ISSUED_SQL} i JOIN services s ON s.id = i.service_id{where} GROUP BY 1, 2",
        {**_issued_params(db, days[0], days[-1], today), "a": agency_id},
    ):
        per_service.setdefault(sid, {})[day] = n
    services = _names(db, "service")
    agencies = _names(db, "agency")
    rows, agency_rows = [], {}
    for sid in sorted(per_service, key=lambda s: services[s]["sort"]):
        counts = [per_service[sid].get(d, 0) for d in days]
        aid = services[sid]["agency_id"]
        rows.append({"kind": "service", "id": sid, "agency_id": aid, "name": services[sid]["name"], "days": counts, "total": sum(counts)})
        total = agency_rows.setdefault(
            aid, {"kind": "agency", "id": aid, "agency_id": aid, "name": agencies[aid]["name"], "days": [0] * len(days)}
        )
        total["days"] = [a + b for a, b in zip(total["days"], counts, strict=True)]
    for row in agency_rows.values():
        row["total"] = sum(row["days"])
    ordered = []
    for aid in sorted(agency_rows, key=lambda a: agencies[a]["sort"]):
        ordered.append(agency_rows[aid])
        ordered += [r for r in rows if r["agency_id"] == aid]
    return {"month": month, "days": days, "rows": ordered}


def live(db: Database, now: datetime, agency_id: int | None = None) -> list[dict]:
    """Per agency now: waiting, being served (called or serving), and the longest current wait in minutes."""
    today = local_day(now, settings(db)["timezone"])
    where = " WHERE a.id = :a" if agency_id else ""
    out = []
    for r in db.query(
        "SELECT a.id, a.name, a.color,"
        " (SELECT count(*) FROM tickets t WHERE t.agency_id = a.id AND t.issued_on = :d AND t.status = 'waiting') AS waiting,"
        " (SELECT count(*) FROM tickets t WHERE t.agency_id = a.id AND t.issued_on = :d AND t.status IN ('called', 'serving')) AS serving,"
        " (SELECT min(queued_at) FROM tickets t WHERE t.agency_id = a.id AND t.issued_on = :d AND t.status = 'waiting') AS oldest,"
        " (SELECT count(*) FROM counters c WHERE c.agency_id = a.id AND c.state = 'open') AS open_counters"
        f" FROM agencies a{where} ORDER BY a.sort_order, a.name",
        {"d": today, "a": agency_id},
    ):
        oldest = r.pop("oldest")
        r["longest_wait_min"] = (
            round((now - datetime.fromisoformat(oldest.replace("Z", "+00:00"))).total_seconds() / 60, 1) if oldest else 0
        )
        out.append(r)
    return out


def hourly(db: Database, day: str, now: datetime, agency_id: int | None = None) -> dict:
    """Per local hour of one day: tickets issued, tickets served (finished as served) and tickets waiting
    at the end of the hour (now, for the current hour; none for hours still to come).

    Issued counts where the ticket was taken and served where it was served, as summary() does, so the
    hours add up to its figures; waiting at an instant is a ticket issued, not yet called and not finished
    by then (a transferred ticket from its transfer), so the current hour's equals live()'s waiting."""
    tz = settings(db)["timezone"]
    moment = now.astimezone(UTC)
    issued, served = [0] * 24, [0] * 24
    starts, ends = [], []
    rows = db.execute(
        "SELECT t.issued_at, t.queued_at, t.transfer_count, t.called_at, t.finished_at, t.status, t.agency_id, s.agency_id"
        " FROM tickets t JOIN services s ON s.id = t.origin_service_id WHERE t.issued_on = ?",
        (day,),
    ).fetchall()
    for issued_at, queued_at, transfers, called_at, finished_at, status, held_by, taken_at in rows:
        if agency_id is None or taken_at == agency_id:
            issued[_local_hour(issued_at, tz, day)] += 1
        if agency_id is not None and held_by != agency_id:
            continue
        if status == "done":
            served[_local_hour(finished_at, tz, day)] += 1
        start = parse_iso(queued_at if transfers else issued_at)
        stop = min((parse_iso(x) for x in (called_at, finished_at) if x), default=None)
        starts.append(start)
        ends.append(stop)
    hours = []
    for hour in range(24):
        end = day_start_utc(day, tz) + timedelta(hours=hour + 1)
        at = min(end, moment)
        waiting = None
        if at > end - timedelta(hours=1):  # the hour has begun
            waiting = sum(1 for a, b in zip(starts, ends, strict=True) if a <= at and (b is None or b > at))
        hours.append({"hour": hour, "issued": issued[hour], "served": served[hour], "waiting": waiting})
    return {"date": day, "timezone": tz, "hours": hours}


def _local_hour(instant: str, tz: str, day: str) -> int:
    """The local hour of an instant of that day (an instant on a later day counts in its last hour)."""
    moment = local(parse_iso(instant), tz)
    if moment.date().isoformat() > day:
        return 23
    return moment.hour if moment.date().isoformat() == day else 0


def headline(db: Database, start: str, end: str, now: datetime, agency_id: int | None = None, *, today: str | None = None) -> dict:
    """The figures a manager reads first: waiting now and the longest current wait (live()), then over
    [start, end] issued, served, no-shows and the share served within the promised time (summary())."""
    current = live(db, now, agency_id)
    rows = summary(db, start, end, "agency", agency_id, today=today)
    promised = sum(r["promised_n"] for r in rows)
    return {
        "waiting_now": sum(r["waiting"] for r in current),
        "longest_wait_min": max((r["longest_wait_min"] for r in current), default=0),
        "issued": sum(r["issued"] or 0 for r in rows),
        "served": sum(r["served"] for r in rows),
        "no_show": sum(r["no_show"] for r in rows),
        "within_promised_pct": round(100 * sum(r["within_n"] for r in rows) / promised, 1) if promised else None,
        "promised_n": promised,
    }
