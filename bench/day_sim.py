"""A busy MPP day compressed into minutes, then the invariants checked on the database and on every screen.

    .venv/bin/python bench/day_sim.py [--agencies 30] [--counters 120] [--tickets 5000] [--minutes 6] [--phones 200]

30 agencies (the demo's ten plus twenty made with SQL), 120 counters, tickets issued by 10 kiosk
threads on a morning-peak schedule, officers (12 threads) calling, recalling, starting, marking
no-shows and transferring; one display per agency and the phones of the early tickets connected.
Exit status 1 when an invariant breaks.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sqlite3
import sys
import threading
import time
from pathlib import Path

import requests
from call_latency import worker
from common import KIOSK, OUT, Server, machine, prepare_db


def build(path: Path, agencies: int, counters: int) -> None:
    prepare_db(path)
    conn = sqlite3.connect(path)
    with conn:
        have = conn.execute("SELECT count(*) FROM agencies").fetchone()[0]
        for n in range(have, agencies):
            aid = conn.execute("INSERT INTO agencies (code, name, sort_order) VALUES (?, ?, ?)", (f"INST{n}", f"Instansi {n}", n)).lastrowid
            for k in range(2):
                sid = conn.execute(
                    "INSERT INTO services (agency_id, code, name, prefix, cutoff_minutes) VALUES (?, ?, ?, ?, 0)",
                    (aid, f"S{k}", f"Layanan {n}.{k}", f"{chr(65 + n % 26)}{chr(65 + k)}{n}"),
                ).lastrowid
                conn.executemany("INSERT INTO service_hours VALUES (?, ?, '00:00', '24:00')", [(sid, d) for d in range(7)])
        ids = [r for (r,) in conn.execute("SELECT id FROM agencies ORDER BY id")]
        have = conn.execute("SELECT count(*) FROM counters").fetchone()[0]
        for n in range(have, counters):
            aid = ids[n % len(ids)]
            cid = conn.execute("INSERT INTO counters (agency_id, name, number) VALUES (?, ?, ?)", (aid, f"Loket {n + 1}", n + 1)).lastrowid
            conn.execute("INSERT INTO counter_services SELECT ?, id FROM services WHERE agency_id = ?", (cid, aid))
        # every agency has at least one counter
        conn.execute("UPDATE services SET daily_quota = NULL")
    conn.close()


def schedule(count: int, seconds: float, rng: random.Random) -> list[float]:
    """Arrival offsets with a morning peak: most citizens come in the first third of the day."""
    return sorted(min(rng.betavariate(1.6, 3.2), 0.999) * seconds for _ in range(count))


def check(path: Path, acked: list[dict], received: list[tuple]) -> dict:
    conn = sqlite3.connect(path)
    try:
        problems: dict[str, int] = {}
        tickets = conn.execute("SELECT count(*), count(DISTINCT token) FROM tickets").fetchone()
        problems["tickets_not_issued_exactly_once"] = abs(tickets[0] - len(acked)) + (tickets[0] - tickets[1])
        stored = dict(conn.execute("SELECT token, number FROM tickets"))
        problems["acknowledged_tickets_missing"] = sum(1 for t in acked if stored.get(t["token"]) != t["number"])
        gaps = 0
        for (seqs,) in conn.execute(
            "SELECT group_concat(sequence) FROM (SELECT origin_service_id, issued_on, sequence FROM tickets ORDER BY 1, 2, 3)"
            " GROUP BY origin_service_id, issued_on"
        ):
            values = [int(v) for v in seqs.split(",")]
            gaps += values != list(range(1, len(values) + 1))
        problems["series_with_gaps_or_reuse"] = gaps
        holder: dict[int, int | None] = {}
        double = 0
        for kind, tid, cid in conn.execute("SELECT kind, ticket_id, counter_id FROM events WHERE ticket_id IS NOT NULL ORDER BY id"):
            if kind == "called":
                double += holder.get(tid) is not None
                holder[tid] = cid
            elif kind == "recalled":
                double += holder.get(tid) != cid
            elif kind in ("completed", "no_show", "transferred"):
                holder[tid] = None
        problems["called_by_two_counters_at_once"] = double
        problems["inconsistent_timestamps"] = conn.execute(
            "SELECT count(*) FROM tickets WHERE status = 'done'"
            " AND NOT (issued_at <= called_at AND called_at <= started_at AND started_at <= finished_at)"
        ).fetchone()[0]
        calls = conn.execute("SELECT id, agency_id FROM events WHERE kind IN ('called', 'recalled') ORDER BY id").fetchall()
    finally:
        conn.close()
    by_agency: dict[int, list[int]] = {}
    for call_id, aid in calls:
        by_agency.setdefault(aid, []).append(call_id)
    seen: dict[int, list[int]] = {}
    for sub, _ev, _tid, call_id, _t in received:
        if sub["kind"] == "display":
            seen.setdefault(sub["agency_id"], []).append(call_id)
    missing = out_of_order = 0
    for aid, expected in by_agency.items():
        got = seen.get(aid, [])
        missing += len(set(expected) - set(got))
        out_of_order += sum(1 for a, b in zip(got, got[1:], strict=False) if b < a)
    problems["display_calls_missing"] = missing
    problems["display_calls_out_of_order"] = out_of_order
    return {"problems": problems, "calls": len(calls)}


def run(agencies: int = 30, counters: int = 120, tickets: int = 5000, minutes: float = 6, phones: int = 200, seed: int = 8) -> dict:
    rng = random.Random(seed)
    work = OUT / "day_sim"
    path = work / "day.db"
    build(path, agencies, counters)
    conn = sqlite3.connect(path)
    agency_ids = [r for (r,) in conn.execute("SELECT id FROM agencies ORDER BY id")]
    service_ids = [r for (r,) in conn.execute("SELECT id FROM services ORDER BY id")]
    counter_ids = [r for (r,) in conn.execute("SELECT id FROM counters ORDER BY id")]
    conn.close()
    server = Server(path).start()
    seconds = minutes * 60
    acked: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        # The early birds: tickets taken at opening whose phones follow them all day.
        with requests.Session() as s:
            for _ in range(phones):
                acked.append(
                    s.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": rng.choice(service_ids)}, timeout=60).json()
                )
        subs = [{"kind": "display", "agency_id": a, "subscribe": {"room": "display", "agency_ids": [a]}} for a in agency_ids]
        subs += [{"kind": "phone", "ticket_id": t["id"], "subscribe": {"room": "ticket", "token": t["token"]}} for t in acked]
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker, args=(child, server.url, subs, 25), daemon=True)
        proc.start()
        msg = parent.recv()
        while msg[0] != "ready":
            msg = parent.recv()
        print(f"screens connected: {msg[1]} ({msg[2]} failed)", flush=True)

        admin = server.session("admin")
        for cid in counter_ids:
            admin.post(f"{server.url}/api/counters/{cid}/open", timeout=30).raise_for_status()
        arrivals = schedule(tickets - phones, seconds, rng)
        start = time.monotonic()
        errors: list[str] = []

        def kiosk(mine: list[float], kiosk_rng: random.Random) -> None:
            with requests.Session() as s:
                for offset in mine:
                    delay = start + offset - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    r = s.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": kiosk_rng.choice(service_ids)}, timeout=60)
                    if r.status_code == 201:
                        with lock:
                            acked.append(r.json())
                    else:
                        errors.append(f"issue {r.status_code}")

        def officer(mine: list[int], officer_rng: random.Random) -> None:
            s = requests.Session()  # one login shared: the login rate limit counts per address
            s.cookies.update(admin.cookies)
            try:
                while not stop.is_set():
                    for cid in mine:
                        r = s.post(f"{server.url}/api/counters/{cid}/call-next", timeout=60)
                        if r.status_code != 200:
                            errors.append(f"call {r.status_code}")
                            continue
                        if not r.json()["ticket"]:
                            continue
                        roll = officer_rng.random()
                        if roll < 0.1:
                            s.post(f"{server.url}/api/counters/{cid}/recall", timeout=60)
                        if roll < 0.08:
                            s.post(f"{server.url}/api/counters/{cid}/no-show", timeout=60)
                        elif roll < 0.12:
                            s.post(
                                f"{server.url}/api/counters/{cid}/transfer",
                                json={"service_id": officer_rng.choice(service_ids), "note": "sim"},
                                timeout=60,
                            )
                        else:
                            s.post(f"{server.url}/api/counters/{cid}/start", timeout=60)
                    time.sleep(officer_rng.uniform(0.5, 1.5))
            finally:
                s.close()

        kiosks = [threading.Thread(target=kiosk, args=(arrivals[k::10], random.Random(seed + k))) for k in range(10)]
        officers = [threading.Thread(target=officer, args=(counter_ids[k::12], random.Random(seed * 7 + k))) for k in range(12)]
        for t in kiosks + officers:
            t.start()
        for t in kiosks:
            t.join()
        issued_seconds = time.monotonic() - start
        drain_until = time.monotonic() + max(seconds * 0.5, 30)
        while time.monotonic() < drain_until:
            c = sqlite3.connect(path)
            left = c.execute("SELECT count(*) FROM tickets WHERE status = 'waiting'").fetchone()[0]
            c.close()
            if left == 0:
                break
            time.sleep(1)
        stop.set()
        for t in officers:
            t.join(120)
        usage = server.usage()
        time.sleep(2)
        parent.send("stop")
        msg = parent.recv()
        while msg[0] != "results":
            msg = parent.recv()
        received = [(subs[i], *rest) for i, *rest in msg[1]]
        proc.join(30)
        admin.close()
    finally:
        stop.set()
        server.stop()
    result = check(path, acked, received)
    conn = sqlite3.connect(path)
    statuses = dict(conn.execute("SELECT status, count(*) FROM tickets GROUP BY status"))
    conn.close()
    return {
        "agencies": len(agency_ids),
        "counters": len(counter_ids),
        "tickets": len(acked),
        "phones": phones,
        "issuing_seconds": round(issued_seconds, 1),
        "http_errors": len(errors),
        "statuses": statuses,
        "server_after": usage,
        **result,
    }


def report(r: dict) -> str:
    ok = all(v == 0 for v in r["problems"].values())
    lines = [
        f"{r['agencies']} agencies, {r['counters']} counters, {r['tickets']} tickets issued in {r['issuing_seconds']} s, "
        f"{r['calls']} calls, "
        f"{r['phones']} phones and {r['agencies']} displays connected; HTTP errors {r['http_errors']}; final statuses {r['statuses']}; "
        f"server {r['server_after']}.",
        "",
        "| invariant | violations |",
        "|---|---|",
    ]
    lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in r["problems"].items()]
    lines.append("")
    lines.append("All invariants hold." if ok else "INVARIANTS BROKEN.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=30)
    parser.add_argument("--counters", type=int, default=120)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=6)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.agencies, args.counters, args.tickets, args.minutes, args.phones)
    result["machine"] = machine()
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    sys.exit(0 if all(v == 0 for v in result["problems"].values()) else 1)


if __name__ == "__main__":
    main()
