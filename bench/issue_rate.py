"""Ticket issuing: tickets/s and p50/p99 latency over HTTP with 1, 10 and 50 kiosks, against the SQLite ceiling.

    .venv/bin/python bench/issue_rate.py [--tickets 600] [--kiosks 1,10,50] [--json out.json]

The ceiling is loket.tickets.issue called in a loop in one process on the same kind of database
(WAL, synchronous=FULL): what this disk and SQLite allow when no HTTP, thread or JSON is involved.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
import time
from pathlib import Path

import requests
from common import KIOSK, OUT, Server, machine, ms, percentile, prepare_db

from loket import tickets
from loket.db import connect
from loket.timeutil import now_utc


def ceiling(path: Path, count: int) -> dict:
    db = connect(path)
    try:
        service_id = db.execute("SELECT id FROM services WHERE prefix = 'W'").fetchone()[0]
        latencies = []
        start = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            tickets.issue(db, service_id, now_utc())
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    finally:
        db.close()
    return {
        "kiosks": "direct",
        "tickets": count,
        "per_second": round(count / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def over_http(server: Server, kiosks: int, count: int) -> dict:
    conn = sqlite3.connect(server.db_path)
    service_ids = [r for (r,) in conn.execute("SELECT id FROM services ORDER BY id")]
    conn.close()
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(kiosks + 1)
    per_kiosk = max(count // kiosks, 1)

    def kiosk(n: int) -> None:
        mine, bad = [], []
        with requests.Session() as s:
            gate.wait()
            for i in range(per_kiosk):
                t0 = time.perf_counter()
                r = s.post(
                    server.url + "/api/tickets", headers=KIOSK, json={"service_id": service_ids[(n + i) % len(service_ids)]}, timeout=60
                )
                mine.append(time.perf_counter() - t0)
                if r.status_code != 201:
                    bad.append(r.status_code)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(kiosks)]
    for t in threads:
        t.start()
    gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    total = per_kiosk * kiosks
    return {
        "kiosks": kiosks,
        "tickets": total,
        "errors": len(errors),
        "per_second": round(total / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies)),
    }


def run(count: int = 600, kiosk_counts: tuple[int, ...] = (1, 10, 50)) -> dict:
    work = OUT / "issue_rate"
    direct = ceiling(prepare_db(work / "direct.db"), count)
    server = Server(prepare_db(work / "http.db")).start()
    try:
        rows = [over_http(server, k, count) for k in kiosk_counts]
        usage = server.usage()
    finally:
        server.stop()
    for row in rows:
        row["share_of_ceiling"] = round(row["per_second"] / direct["per_second"], 2)
    return {"direct": direct, "http": rows, "server": usage}


def report(result: dict) -> str:
    d = result["direct"]
    lines = [
        "| kiosks | tickets | tickets/s | p50 ms | p99 ms | max ms | errors | vs. direct |",
        "|---|---|---|---|---|---|---|---|",
        f"| direct SQLite (ceiling) | {d['tickets']} | {d['per_second']} | {d['p50_ms']} | {d['p99_ms']} | | | 1.00 |",
    ]
    for r in result["http"]:
        lines.append(
            f"| {r['kiosks']} over HTTP | {r['tickets']} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} "
            f"| {r['errors']} | {r['share_of_ceiling']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--kiosks", default="1,10,50")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.tickets, tuple(int(k) for k in args.kiosks.split(",")))
    result["machine"] = machine()
    print(report(result))
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
