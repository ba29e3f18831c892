"""A year of a busy MPP (~1 million tickets) and how long the admin reports take over it.

    .venv/bin/python bench/report_year.py [--tickets-per-day 2800] [--db /tmp/loket-year.db] [--write-docs]

Rows are written directly with executemany in one transaction (the queue rules would take hours);
the shapes match what loket/tickets.py writes: 2 % transferred (a `transferred` event with its
segment), 6 % no-show, 2 % cancelled, priority 5 %.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from admin import reports  # noqa: E402
from loket import demo  # noqa: E402
from loket.db import connect, init_schema  # noqa: E402
from loket.timeutil import iso  # noqa: E402

WIB = timedelta(hours=7)


def generate(db, start: date, days: int, per_day: int, rng: random.Random) -> int:
    services = [(r[0], r[1], r[2]) for r in db.execute("SELECT id, agency_id, prefix FROM services ORDER BY id")]
    counters: dict[int, list[int]] = {}
    for cid, sid in db.execute("SELECT counter_id, service_id FROM counter_services"):
        counters.setdefault(sid, []).append(cid)
    officer = {r[0]: r[1] for r in db.execute("SELECT agency_id, id FROM users WHERE role = 'officer'")}
    weights = [5 if s[2] in "AB" else 1 for s in services]
    ticket_rows, event_rows = [], []
    ticket_id = 0
    for d in range(days):
        day = start + timedelta(days=d)
        if day.weekday() == 6:
            continue
        count = per_day if day.weekday() < 5 else per_day // 3
        seq: dict[int, int] = {}
        for _ in range(count):
            ticket_id += 1
            sid, aid, prefix = rng.choices(services, weights)[0]
            seq[sid] = seq.get(sid, 0) + 1
            local_minutes = rng.triangular(8 * 60, 15 * 60, 10 * 60)
            issued = datetime(day.year, day.month, day.day, tzinfo=UTC) - WIB + timedelta(minutes=local_minutes)
            called = issued + timedelta(seconds=rng.expovariate(1 / 1200))
            started = called + timedelta(seconds=rng.uniform(20, 120))
            finished = started + timedelta(seconds=rng.expovariate(1 / 420) + 60)
            counter = rng.choice(counters.get(sid) or [None])
            roll = rng.random()
            status, t_sid, t_aid = "done", sid, aid
            called_at, started_at, finished_at, no_show_at = called, started, finished, None
            transfers = 0
            if roll < 0.02:
                to_sid, to_aid, _ = rng.choice(services)
                transfers = 1
                segment = {"from_service_id": sid, "from_agency_id": aid, "to_service_id": to_sid, "to_agency_id": to_aid,
                           "called_at": iso(called), "started_at": iso(started), "note": ""}  # fmt: skip
                event_rows.append((iso(finished), "transferred", ticket_id, sid, aid, counter, officer.get(aid), json.dumps(segment)))
                t_sid, t_aid = to_sid, to_aid
                called_at = finished + timedelta(seconds=rng.expovariate(1 / 600))
                started_at = called_at + timedelta(seconds=60)
                finished_at = started_at + timedelta(seconds=rng.expovariate(1 / 420) + 60)
                counter = rng.choice(counters.get(to_sid) or [None])
            elif roll < 0.08:
                status, started_at, finished_at, no_show_at = "no_show", None, None, called + timedelta(minutes=2)
            elif roll < 0.10:
                status, called_at, started_at, finished_at, counter = "cancelled", None, None, called, None
            ticket_rows.append((
                ticket_id, f"t{ticket_id}", f"{prefix}{seq[sid]:03d}", seq[sid], sid, t_sid, t_aid,
                day.isoformat(), iso(issued), iso(issued),
                status, int(rng.random() < 0.05), "kiosk", counter, officer.get(t_aid) if counter else None,
                iso(called_at) if called_at else None, 1 if called_at else 0, iso(started_at) if started_at else None,
                iso(finished_at) if finished_at else None, iso(no_show_at) if no_show_at else None, transfers,
            ))  # fmt: skip
            event_rows.append((iso(issued), "issued", ticket_id, sid, aid, None, None, "{}"))
            if called_at:
                event_rows.append((iso(called_at), "called", ticket_id, t_sid, t_aid, counter, officer.get(t_aid), "{}"))
            if finished_at and status == "done":
                event_rows.append((iso(finished_at), "completed", ticket_id, t_sid, t_aid, counter, officer.get(t_aid), "{}"))
    db.conn.execute("BEGIN")
    db.conn.executemany(
        "INSERT INTO tickets (id, token, number, sequence, origin_service_id, service_id, agency_id, issued_on, issued_at, queued_at,"
        " status, priority, source, counter_id, officer_id, called_at, call_count, started_at, finished_at, no_show_at, transfer_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ticket_rows,
    )
    db.conn.executemany(
        "INSERT INTO events (at, kind, ticket_id, service_id, agency_id, counter_id, user_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    db.conn.execute("COMMIT")
    return len(ticket_rows)


def timed(label: str, work) -> tuple[str, float]:
    began = time.perf_counter()
    work()
    return label, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/loket-year.db")
    parser.add_argument("--tickets-per-day", type=int, default=3400)
    parser.add_argument("--write-docs", action="store_true", help="append the figures to docs/performance.md")
    args = parser.parse_args()
    path = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = connect(path)
    init_schema(db)
    start = date(2025, 1, 1)
    demo.seed(db, datetime(2025, 1, 1, tzinfo=UTC), password="bench-password-1")
    began = time.perf_counter()
    count = generate(db, start, 365, args.tickets_per_day, random.Random(6))
    generated = time.perf_counter() - began
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    d1, d2 = start.isoformat(), (start + timedelta(days=364)).isoformat()
    results = [
        timed("summary per agency, whole year", lambda: reports.summary(db, d1, d2, "agency")),
        timed("summary per service, whole year", lambda: reports.summary(db, d1, d2, "service")),
        timed("summary per counter, whole year", lambda: reports.summary(db, d1, d2, "counter")),
        timed("summary per officer, whole year", lambda: reports.summary(db, d1, d2, "officer")),
        timed("summary per service, one month", lambda: reports.summary(db, "2025-06-01", "2025-06-30", "service")),
        timed("summary per service, one day", lambda: reports.summary(db, "2025-06-02", "2025-06-02", "service")),
        timed("peak-hour heatmap, whole year", lambda: reports.heatmap(db, d1, d2)),
        timed("month day grid", lambda: reports.month_grid(db, "2025-06")),
        timed("live dashboard", lambda: reports.live(db, datetime(2025, 6, 2, 4, tzinfo=UTC))),
    ]
    db.close()
    lines = [f"{count:,} tickets over 365 days generated in {generated:.1f} s ({path.stat().st_size / 1e6:.0f} MB)."]
    lines += [f"| {label} | {seconds:.2f} s |" for label, seconds in results]
    print("\n".join(lines))
    if args.write_docs:
        doc = ROOT / "docs" / "performance.md"
        text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
        text += (
            "\n## Reports\n\n`bench/report_year.py` on a year of a busy MPP: " + lines[0] + "\n\n| Report | Time |\n|---|---|\n"
            + "\n".join(lines[1:]) + "\n"
        )  # fmt: skip
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
