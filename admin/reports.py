"""Report figures from tickets and their transfer events.

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
- Median and 90th percentile interpolate linearly between ranks (as numpy's default does).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from loket.db import settings
from loket.errors import LoketError
from loket.timeutil import local, local_day

GROUPS = ("agency", "service", "counter", "officer")
OUTCOMES = ("served", "no_show", "transferred", "cancelled", "unfinished")
MAX_DAYS = 400

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
    SELECT d.id AS ticket_id, d.issued_on, coalesce(tr.prev_at, d.issued_at) AS seg_start, tr.seq,
           tr.service_id, tr.agency_id, tr.counter_id, tr.user_id AS officer_id, 'transferred' AS outcome,
           tr.called_at, tr.started_at, tr.at AS finished_at
    FROM tr JOIN tickets d ON d.id = tr.ticket_id
    UNION ALL
    SELECT t.id, t.issued_on,
           CASE WHEN t.transfer_count > 0
                THEN (SELECT max(at) FROM events WHERE ticket_id = t.id AND kind = 'transferred') ELSE t.issued_at END,
           9000000000000000000, t.service_id, t.agency_id, t.counter_id, t.officer_id,
           CASE t.status WHEN 'done' THEN 'served' WHEN 'no_show' THEN 'no_show' WHEN 'cancelled' THEN 'cancelled'
                ELSE 'unfinished' END,
           t.called_at, t.started_at, t.finished_at
    FROM tickets t WHERE t.issued_on BETWEEN :d1 AND :d2
)
SELECT ticket_id, issued_on, seq, service_id, agency_id, counter_id, officer_id, outcome,
       CASE WHEN called_at IS NOT NULL THEN (julianday(called_at) - julianday(seg_start)) * 86400 END AS wait_s,
       CASE WHEN outcome = 'served' THEN (julianday(finished_at) - julianday(started_at)) * 86400 END AS service_s,
       CASE WHEN outcome = 'served' THEN (julianday(finished_at) - julianday(seg_start)) * 86400 END AS total_s
FROM raw
"""


def date_range(start: str | None, end: str | None, today: str) -> tuple[str, str]:
    """Validated [start, end] local dates; both default to today."""
    try:
        d1 = date.fromisoformat(start or today)
        d2 = date.fromisoformat(end or start or today)
    except ValueError:
        raise LoketError("invalid_field", field="from", reason="tanggal YYYY-MM-DD") from None
    if d2 < d1:
        raise LoketError("invalid_field", field="to", reason="tanggal akhir harus sama dengan atau setelah tanggal awal")
    if (d2 - d1).days >= MAX_DAYS:
        raise LoketError("invalid_field", field="to", reason=f"rentang paling lama {MAX_DAYS} hari")
    return d1.isoformat(), d2.isoformat()


def _percentile(sorted_pair: list[tuple[int, float]], n: int, p: float) -> float | None:
    """Linear interpolation between the ranks around (n − 1)·p; sorted_pair holds (rank, value) near it."""
    if n == 0:
        return None
    position = (n - 1) * p
    low = math.floor(position)
    values = dict(sorted_pair)
    a = values.get(low + 1)
    b = values.get(low + 2, a)
    if a is None:
        return None
    return a + (b - a) * (position - low)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _group_column(group: str) -> str:
    return {"agency": "agency_id", "service": "service_id", "counter": "counter_id", "officer": "officer_id"}[group]


def _percentiles(db: Database, source: str, key: str, measure: str) -> dict:
    """Per key: median and p90 of the measure, reading only the rows next to the two ranks."""
    out: dict = {}
    rows = db.execute(
        f"SELECT k, rn, n, v FROM (SELECT {key} AS k, {measure} AS v,"
        f" row_number() OVER (PARTITION BY {key} ORDER BY {measure}) AS rn, count(*) OVER (PARTITION BY {key}) AS n"
        f" FROM {source} WHERE {measure} IS NOT NULL)"
        " WHERE rn IN (CAST((n - 1) * 0.5 AS INTEGER) + 1, CAST((n - 1) * 0.5 AS INTEGER) + 2,"
        " CAST((n - 1) * 0.9 AS INTEGER) + 1, CAST((n - 1) * 0.9 AS INTEGER) + 2)"
    ).fetchall()
    near: dict = {}
    for k, rn, n, v in rows:
        near.setdefault(k, ([], n))[0].append((rn, v))
    for k, (pairs, n) in near.items():
        out[k] = (_percentile(pairs, n, 0.5), _percentile(pairs, n, 0.9))
    return out


def summary(db: Database, start: str, end: str, group: str, agency_id: int | None = None) -> list[dict]:
    """One row per agency/service/counter/officer over [start, end] (local dates)."""
    if group not in GROUPS:
        raise LoketError("invalid_field", field="group", reason=", ".join(GROUPS))
    column = _group_column(group)
    db.execute("DROP TABLE IF EXISTS temp.seg")
    db.execute("DROP TABLE IF EXISTS temp.unit")
    try:
        db.execute(SEGMENTS_SQL, {"d1": start, "d2": end})
        if group == "agency":
            # Once per agency visited: the last segment a ticket had in each agency decides its outcome.
            db.execute(
                "CREATE TEMP TABLE unit AS SELECT s.agency_id AS k, s.outcome, s.wait_s, s.service_s, s.total_s, s.service_id,"
                " row_number() OVER (PARTITION BY s.ticket_id, s.agency_id ORDER BY s.seq DESC) AS last FROM seg s"
            )
            counted, timed = "unit WHERE last = 1", "seg"
            time_key = "agency_id"
        else:
            db.execute(
                f"CREATE TEMP TABLE unit AS SELECT {column} AS k, outcome, wait_s, service_s, total_s, service_id, 1 AS last FROM seg"
            )
            counted, timed, time_key = "unit", "seg", column
        counts = {
            r["k"]: r
            for r in db.query("SELECT k, " + ", ".join(f"sum(outcome = '{o}') AS {o}" for o in OUTCOMES) + f" FROM {counted} GROUP BY k")
        }
        times = {
            r["k"]: r
            for r in db.query(
                f"SELECT s.{time_key} AS k, avg(wait_s) AS wait_avg, count(wait_s) AS wait_n, avg(service_s) AS service_avg,"
                " count(service_s) AS service_n,"
                " sum(CASE WHEN sv.promised_minutes IS NOT NULL AND total_s IS NOT NULL THEN 1 ELSE 0 END) AS promised_n,"
                " sum(CASE WHEN total_s <= sv.promised_minutes * 60 THEN 1 ELSE 0 END) AS within_n"
                f" FROM {timed} s LEFT JOIN services sv ON sv.id = s.service_id GROUP BY s.{time_key}"
            )
        }
        wait_pct = _percentiles(db, timed, time_key, "wait_s")
        service_pct = _percentiles(db, timed, time_key, "service_s")
        issued = {}
        if group in ("agency", "service"):
            key = "s.agency_id" if group == "agency" else "t.origin_service_id"
            issued = {
                r[0]: r[1]
                for r in db.execute(
                    f"SELECT {key}, count(*) FROM tickets t JOIN services s ON s.id = t.origin_service_id"
                    f" WHERE t.issued_on BETWEEN ? AND ? GROUP BY {key}",
                    (start, end),
                )
            }
        quota = _quota_use(db, start, end) if group == "service" else {}
    finally:
        db.execute("DROP TABLE IF EXISTS temp.unit")
        db.execute("DROP TABLE IF EXISTS temp.seg")
    names = _names(db, group)
    out = []
    for k in sorted(set(counts) | set(issued), key=lambda x: (x is None, names.get(x, {}).get("sort", ""), x or 0)):
        if k is None and group in ("counter", "officer"):
            continue
        label = names.get(k, {"name": "—", "agency_id": None})
        if agency_id is not None and label.get("agency_id") != agency_id:
            continue
        c, t = counts.get(k, {}), times.get(k, {})
        wp, sp = wait_pct.get(k, (None, None)), service_pct.get(k, (None, None))
        row = {
            "id": k,
            "name": label["name"],
            "agency_id": label.get("agency_id"),
            "issued": issued.get(k, 0) if group in ("agency", "service") else None,
            **{o: c.get(o) or 0 for o in OUTCOMES},
            "wait_avg_min": _minutes(t.get("wait_avg")),
            "wait_median_min": _minutes(wp[0]),
            "wait_p90_min": _minutes(wp[1]),
            "service_avg_min": _minutes(t.get("service_avg")),
            "service_median_min": _minutes(sp[0]),
            "service_p90_min": _minutes(sp[1]),
            "within_promised_pct": round(100 * t["within_n"] / t["promised_n"], 1) if t.get("promised_n") else None,
        }
        if group == "service":
            row.update(quota.get(k, {"quota": None, "quota_use_pct": None, "quota_full_days": 0}))
        out.append(row)
    return out


def _quota_use(db: Database, start: str, end: str) -> dict:
    """Per service with a quota: share of the quota used on the days it issued, and days it ran out."""
    out = {}
    for r in db.query(
        "SELECT s.id, s.daily_quota AS quota, count(*) AS days, sum(d.n) AS used, sum(d.n >= s.daily_quota) AS full_days"
        " FROM (SELECT origin_service_id AS sid, issued_on, count(*) AS n FROM tickets"
        "       WHERE issued_on BETWEEN ? AND ? AND status != 'cancelled' GROUP BY origin_service_id, issued_on) d"
        " JOIN services s ON s.id = d.sid WHERE s.daily_quota > 0 GROUP BY s.id",
        (start, end),
    ):
        out[r["id"]] = {
            "quota": r["quota"],
            "quota_use_pct": round(100 * r["used"] / (r["quota"] * r["days"]), 1),
            "quota_full_days": r["full_days"],
        }
    return out


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


def heatmap(db: Database, start: str, end: str, agency_id: int | None = None) -> dict:
    """Tickets issued per weekday (0 = Monday) × hour, in the MPP's zone (WIB/WITA/WIT have no DST)."""
    tz = settings(db)["timezone"]
    offset = local(datetime.fromisoformat(f"{start}T12:00:00+00:00"), tz).utcoffset() or timedelta()
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    where = " AND agency_id = :a" if agency_id else ""
    cells = [[0] * 24 for _ in range(7)]
    for wd, hour, n in db.execute(
        "SELECT (CAST(strftime('%w', issued_at, :shift) AS INTEGER) + 6) % 7, CAST(strftime('%H', issued_at, :shift) AS INTEGER),"
        f" count(*) FROM tickets WHERE issued_on BETWEEN :d1 AND :d2{where} GROUP BY 1, 2",
        {"shift": shift, "d1": start, "d2": end, "a": agency_id},
    ):
        cells[wd][hour] = n
    return {"timezone": tz, "cells": cells}


def month_grid(db: Database, month: str, agency_id: int | None = None) -> dict:
    """Tickets issued per day of the month, per agency and per service (the table MPPs send upward)."""
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        raise LoketError("invalid_field", field="month", reason="bulan YYYY-MM") from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(last.day)]
    where = " AND s.agency_id = :a" if agency_id else ""
    per_service: dict = {}
    for sid, day, n in db.execute(
        "SELECT t.origin_service_id, t.issued_on, count(*) FROM tickets t JOIN services s ON s.id = t.origin_service_id"
        f" WHERE t.issued_on BETWEEN :d1 AND :d2{where} GROUP BY 1, 2",
        {"d1": days[0], "d2": days[-1], "a": agency_id},
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
