"""Call → screen: time from an officer's call-next to every subscribed display and to the citizen's phone.

    .venv/bin/python bench/call_latency.py [--counters 150] [--displays 30] [--phones 1000] [--rounds 2] [--workers 2]

Counters are added with SQL to the demo MPP's ten agencies; each display follows one agency; each
phone follows one waiting ticket (room "ticket", which also joins its service's room). Clients are
python-socketio AsyncClients over websocket, spread over a few worker processes. Server RSS and
threads are sampled as connections grow; a connection that fails or an event that never arrives
is counted, not hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import OUT, ROOT, Server, machine, ms, percentile, prepare_db


def build(path: Path, counters: int, phones: int) -> dict:
    """Counters spread over the agencies (each serving all its agency's services) and the phones' tickets."""
    from loket import tickets
    from loket.db import connect
    from loket.timeutil import now_utc

    prepare_db(path)
    db = connect(path)
    try:
        agencies = [r for (r,) in db.execute("SELECT id FROM agencies ORDER BY id")]
        have = db.execute("SELECT count(*) FROM counters").fetchone()[0]
        for n in range(have, counters):
            aid = agencies[n % len(agencies)]
            cid = db.execute(
                "INSERT INTO counters (agency_id, name, number, state) VALUES (?, ?, ?, 'closed')", (aid, f"Loket {n + 1}", n + 1)
            ).lastrowid
            db.execute("INSERT INTO counter_services (counter_id, service_id) SELECT ?, id FROM services WHERE agency_id = ?", (cid, aid))
        db.conn.commit()
        services = [(sid, aid) for sid, aid in db.execute("SELECT id, agency_id FROM services ORDER BY id")]
        by_agency: dict[int, list[int]] = {}
        for sid, aid in services:
            by_agency.setdefault(aid, []).append(sid)
        phones_tickets = []
        for n in range(phones):
            aid = agencies[n % len(agencies)]
            sids = by_agency[aid]
            t = tickets.issue(db, sids[(n // len(agencies)) % len(sids)], now_utc())
            phones_tickets.append({"token": t["token"], "id": t["id"], "agency_id": aid})
        codes = dict(db.execute("SELECT id, lower(code) FROM agencies"))
        counter_rows = [(cid, aid) for cid, aid in db.execute("SELECT id, agency_id FROM counters ORDER BY id")]
    finally:
        db.close()
    return {"agencies": agencies, "codes": codes, "counters": counter_rows, "phones": phones_tickets}


# ---------------------------------------------------------------- client worker process


def worker(conn, url: str, subs: list[dict], batch: int) -> None:
    asyncio.run(_worker(conn, url, subs, batch))


async def _worker(conn, url: str, subs: list[dict], batch: int) -> None:
    import socketio

    received: list[tuple] = []  # (sub index, event, ticket_id, call_id, wall time)
    snapshots = [0] * len(subs)
    clients = []
    failed = 0

    def make(i: int, sub: dict):
        sio = socketio.AsyncClient(reconnection=False)

        @sio.on("connect")
        async def _connect():
            await sio.emit("subscribe", sub["subscribe"])

        @sio.on("snapshot")
        async def _snapshot(_data):
            snapshots[i] += 1

        @sio.on("ticket_called")
        async def _called(data):
            received.append((i, "ticket_called", data.get("ticket_id"), data.get("call_id"), time.time()))

        return sio

    for start in range(0, len(subs), batch):
        group = []
        for i in range(start, min(start + batch, len(subs))):
            sio = make(i, subs[i])
            group.append(sio)
        results = await asyncio.gather(*(s.connect(url, transports=["websocket"], wait_timeout=30) for s in group), return_exceptions=True)
        for sio, res in zip(group, results, strict=True):
            if isinstance(res, Exception):
                failed += 1
            else:
                clients.append(sio)
        conn.send(("progress", len(clients), failed))
    deadline = time.monotonic() + 60
    while sum(1 for s in snapshots if s) < len(clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    conn.send(("ready", len(clients), failed, sum(1 for s in snapshots if s)))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # "stop"
    await asyncio.sleep(0.5)
    conn.send(("results", received))
    await asyncio.gather(*(s.disconnect() for s in clients), return_exceptions=True)


# ---------------------------------------------------------------- the run


def run(
    counters: int = 150,
    displays: int = 30,
    phones: int = 1000,
    rounds: int = 2,
    workers: int = 2,
    batch: int = 25,
    server_command=None,
    label: str = "gevent",
    rate: float = 0,
) -> dict:
    """`rate` > 0 paces the presses (calls per second in all), so servers of different speed are
    compared under the same load; 0 presses as fast as 10 officers at once can."""
    work = OUT / "call_latency"
    work.mkdir(parents=True, exist_ok=True)
    setup = build(work / f"{label}.db", counters, phones)
    agencies = setup["agencies"]
    subs = [
        {
            "kind": "display",
            "agency_id": agencies[n % len(agencies)],
            "subscribe": {"room": "display", "agency_ids": [agencies[n % len(agencies)]]},
        }
        for n in range(displays)
    ]
    subs += [{"kind": "phone", "ticket_id": p["id"], "subscribe": {"room": "ticket", "token": p["token"]}} for p in setup["phones"]]
    server = Server(work / f"{label}.db", command=server_command).start()
    growth = [{"clients": 0, **server.usage()}]
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    try:
        for w in range(workers):
            parent, child = ctx.Pipe()
            mine = subs[w::workers]
            proc = ctx.Process(target=worker, args=(child, server.url, mine, batch), daemon=True)
            proc.start()
            pipes.append((parent, w))
            procs.append(proc)
        connected = [0] * workers
        failed = [0] * workers
        ready = [None] * workers
        deadline = time.monotonic() + 600
        while any(r is None for r in ready) and time.monotonic() < deadline:
            for parent, w in pipes:
                while ready[w] is None and parent.poll(0.05):
                    msg = parent.recv()
                    if msg[0] == "progress":
                        connected[w], failed[w] = msg[1], msg[2]
                        total = sum(connected)
                        if total - growth[-1]["clients"] >= 100 or total == len(subs):
                            growth.append({"clients": total, "failed": sum(failed), **server.usage()})
                    elif msg[0] == "ready":
                        ready[w] = msg
        print(f"connected {sum(connected)} of {len(subs)} clients, {sum(failed)} failed; usage {server.usage()}", flush=True)

        # Officers open every counter, then every counter calls `rounds` times, 10 presses in flight.
        officers = {aid: server.session(f"petugas.{setup['codes'][aid]}") for aid in agencies}
        for cid, aid in setup["counters"]:
            officers[aid].post(f"{server.url}/api/counters/{cid}/open", timeout=30).raise_for_status()
        sent: dict[int, tuple[float, int, float]] = {}  # ticket id -> (wall time sent, agency, http latency)
        errors = []

        def press(item):
            cid, aid = item
            t0 = time.time()
            r = officers[aid].post(f"{server.url}/api/counters/{cid}/call-next", timeout=60)
            if r.status_code != 200 or not r.json().get("ticket"):
                errors.append(r.status_code)
                return
            sent[r.json()["ticket"]["id"]] = (t0, aid, time.time() - t0)

        run_start = time.time()
        with ThreadPoolExecutor(10) as pool:
            presses = [item for _ in range(rounds) for item in setup["counters"]]
            if rate > 0:
                futures = []
                for n, item in enumerate(presses):
                    time.sleep(max(run_start + n / rate - time.time(), 0))
                    futures.append(pool.submit(press, item))
                for f in futures:
                    f.result()
            else:
                list(pool.map(press, presses))
        call_seconds = time.time() - run_start
        usage_after = server.usage()
        time.sleep(10)  # late pushes still count as delivered (their latency shows it); only absent ones are lost
        received = []
        for parent, _w in pipes:
            parent.send("stop")
        for parent, w in pipes:
            msg = parent.recv()
            while msg[0] != "results":
                msg = parent.recv()
            mine = subs[w::workers]
            received += [(mine[i], *rest) for i, *rest in msg[1]]
        for s in officers.values():
            s.close()
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        server.stop()

    display_lat, phone_lat, missing_display, missing_phone = [], [], 0, 0
    got_display = {(id(sub), tid) for sub, ev, tid, _c, _t in received if sub["kind"] == "display"}
    first_arrival: dict[tuple[int, int], float] = {}
    for sub, _ev, tid, _c, t in received:
        key = (id(sub), tid)
        first_arrival[key] = min(first_arrival.get(key, t), t)
    display_subs = [s for s in subs if s["kind"] == "display"]
    phone_by_ticket = {s["ticket_id"]: s for s in subs if s["kind"] == "phone"}
    for tid, (t0, aid, _http) in sent.items():
        for sub in display_subs:
            if sub["agency_id"] != aid:
                continue
            if (id(sub), tid) in got_display:
                display_lat.append(first_arrival[(id(sub), tid)] - t0)
            else:
                missing_display += 1
        phone = phone_by_ticket.get(tid)
        if phone is not None:
            if (id(phone), tid) in first_arrival:
                phone_lat.append(first_arrival[(id(phone), tid)] - t0)
            else:
                missing_phone += 1
    http = [v[2] for v in sent.values()]
    return {
        "label": label,
        "counters": len(setup["counters"]),
        "displays": displays,
        "phones": phones,
        "clients_connected": sum(connected),
        "clients_failed": sum(failed),
        "calls": len(sent),
        "call_errors": len(errors),
        "calls_per_second": round(len(sent) / call_seconds, 1),
        "call_http_p50_ms": ms(percentile(http, 50)),
        "call_http_p99_ms": ms(percentile(http, 99)),
        "display": {
            "deliveries": len(display_lat),
            "missing": missing_display,
            "p50_ms": ms(percentile(display_lat, 50)),
            "p99_ms": ms(percentile(display_lat, 99)),
            "max_ms": ms(max(display_lat, default=float("nan"))),
        },
        "phone": {
            "deliveries": len(phone_lat),
            "missing": missing_phone,
            "p50_ms": ms(percentile(phone_lat, 50)),
            "p99_ms": ms(percentile(phone_lat, 99)),
            "max_ms": ms(max(phone_lat, default=float("nan"))),
        },
        "growth": growth,
        "usage_after_calls": usage_after,
    }


def report(r: dict) -> str:
    lines = [
        f"**{r['label']}**: {r['counters']} counters, {r['clients_connected']} of {r['displays'] + r['phones']} websocket clients "
        "connected "
        f"({r['clients_failed']} failed); {r['calls']} calls ({r['call_errors']} errors), {r['calls_per_second']} calls/s, "
        f"call-next HTTP p50 {r['call_http_p50_ms']} ms, p99 {r['call_http_p99_ms']} ms.",
        "",
        "| to | deliveries | missing | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for key in ("display", "phone"):
        d = r[key]
        lines.append(f"| {key} | {d['deliveries']} | {d['missing']} | {d['p50_ms']} | {d['p99_ms']} | {d['max_ms']} |")
    lines += ["", "| clients connected | server RSS MiB | server threads |", "|---|---|---|"]
    lines += [f"| {g['clients']} | {g['rss_mib']} | {g['threads']} |" for g in r["growth"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=150)
    parser.add_argument("--displays", type=int, default=30)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tree", type=Path, default=None, help="run the server of another checkout (before/after in one run)")
    parser.add_argument("--label", default="gevent")
    parser.add_argument("--threading", action="store_true", help="start the server with --threading")
    parser.add_argument("--rate", type=float, default=0, help="calls per second in all (0: as fast as 10 officers can)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    command = None
    if args.tree or args.threading:
        tree = (args.tree or ROOT).resolve()
        command = [sys.executable, str(tree / "server.py"), "--no-demo", "--db", "{db}", "--port", "{port}"]
        command += ["--threading"] if args.threading else []
    result = run(
        args.counters, args.displays, args.phones, args.rounds, args.workers, server_command=command, label=args.label, rate=args.rate
    )
    result["machine"] = machine()
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
