"""Live calls to a big MPP's screens and phones: call → every lobby screen and the called citizen's phone.

    .venv/bin/python bench/fanout.py [--mix 150:1000:5 --mix 500:4500:10] [--seconds 20] [--tree DIR] [--repeat 5]

A mix is SCREENS:PHONES:CALLS_PER_SECOND. Screens are lobby displays showing every agency (room
"display", so every call reaches every screen); each phone follows its own waiting ticket (room
"ticket") and takes its place from what the server sends; `--asking-phones` makes the phones do
what the ticket page did before loket/places.py (ask for the ticket again after each change of its
line), for the "before" of that change. All clients are socket.io-client websockets in one Node process (bench/fanout_clients.mjs),
the browser's own client library; Python clients are slower than the server and would measure
themselves. Officers at 150 counters call at the mix's rate for --seconds; latency is from the
officer's request to each arrival (one wall clock). Prints per mix: deliveries, lost, p50/p99/max to
screens and to phones, the server's RSS before and after the clients connected (KiB per socket), and how long
all the clients took to connect and get their snapshots (a lobby-wide reconnect after a restart).
`--tree DIR` runs another checkout's server.py (before/after in one run). `--repeat N` runs each mix N
times (alternating the servers) and prints the medians, with each run's p99 beside them. `--pin` gives the server CPU 0
alone and the clients the others, to tell the server's part of the latency from the clients'.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from call_latency import build
from common import OUT, ROOT, Server, machine, ms, percentile

CLIENT_CPUS = ",".join(str(c) for c in range(1, os.cpu_count() or 2)) or "0"


def run_mix(
    screens: int, phones: int, rate: float, seconds: float, counters: int, command, label: str, asking: bool = False, pin: bool = False
) -> dict:
    work = OUT / "fanout"
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"{label}-{screens}-{phones}.db"
    setup = build(db, counters, phones)
    subs = [{"room": "display"} for _ in range(screens)]
    subs += [{"room": "ticket", "token": p["token"]} for p in setup["phones"]]
    (work / "subs.json").write_text(json.dumps(subs))
    phone_of_ticket = {p["id"]: screens + n for n, p in enumerate(setup["phones"])}
    # --pin: the server alone on CPU 0, the clients and this script on the others, so the clients'
    # work cannot delay the server (what is left is the server's own).
    server = Server(db, command=["taskset", "-c", "0", *command] if pin else command).start()
    clients = None
    try:
        before = server.usage()
        connecting = time.time()
        clients = subprocess.Popen(
            [
                *(["taskset", "-c", CLIENT_CPUS] if pin else []),
                "node",
                str(ROOT / "bench" / "fanout_clients.mjs"),
                server.url,
                str(work / "subs.json"),
                str(work / "arrivals.json"),
                "1" if asking else "0",
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = json.loads(clients.stdout.readline())
        connect_seconds = time.time() - connecting  # every client connected and given its snapshot, 100 at a time
        time.sleep(2)  # connections settle (the last snapshots written, buffers returned)
        connected = server.usage()

        officers = {aid: server.session(f"petugas.{setup['codes'][aid]}") for aid in setup["agencies"]}
        for cid, aid in setup["counters"]:
            officers[aid].post(f"{server.url}/api/counters/{cid}/open", timeout=30).raise_for_status()
        # Opening 150 counters sent every screen 150 changes of the lobby: the mix is the calls of a
        # running day, so those are read by the clients before the first call (the opening's own burst
        # delayed the first calls by up to 180 ms).
        time.sleep(3)
        sent: dict[int, float] = {}  # ticket id -> wall time of the officer's request (ms)
        errors: list[int] = []
        lock = threading.Lock()

        def press(item) -> None:
            cid, aid = item
            t0 = time.time() * 1000
            r = officers[aid].post(f"{server.url}/api/counters/{cid}/call-next", timeout=60)
            ticket = r.json().get("ticket") if r.status_code == 200 else None
            with lock:
                if ticket:
                    sent[ticket["id"]] = t0
                else:
                    errors.append(r.status_code)

        total = int(rate * seconds)
        presses = [setup["counters"][n % len(setup["counters"])] for n in range(total)]
        started = time.time()
        with ThreadPoolExecutor(16) as pool:
            futures = []
            for n, item in enumerate(presses):
                time.sleep(max(started + n / rate - time.time(), 0))
                futures.append(pool.submit(press, item))
            for f in futures:
                f.result()
        calls_seconds = time.time() - started
        during = server.usage()
        time.sleep(10)  # late arrivals still count (their latency shows it); only absent ones are lost
        clients.stdin.write("stop\n")
        clients.stdin.flush()
        assert clients.stdout.readline().strip() == "done"
        result = json.loads((work / "arrivals.json").read_text())
        for s in officers.values():
            s.close()
    finally:
        if clients is not None and clients.poll() is None:
            clients.kill()
        server.stop()

    arrived: dict[tuple[int, int], float] = {}
    for sub, tid, t in result["arrivals"]:
        arrived[(sub, tid)] = min(arrived.get((sub, tid), t), t)
    to_screens, to_phones, lost_screens, lost_phones = [], [], 0, 0
    for tid, t0 in sent.items():
        for sub in range(screens):
            if (sub, tid) in arrived:
                to_screens.append((arrived[(sub, tid)] - t0) / 1000)
            else:
                lost_screens += 1
        phone = phone_of_ticket.get(tid)
        if phone is not None:
            if (phone, tid) in arrived:
                to_phones.append((arrived[(phone, tid)] - t0) / 1000)
            else:
                lost_phones += 1
    sockets = ready["ready"]
    return {
        "label": label + (" (phones asking)" if asking else "") + (" (pinned)" if pin else ""),
        "screens": screens,
        "phones": phones,
        "rate": rate,
        "clients_ready": sockets,
        "connect_seconds": round(connect_seconds, 1),
        "clients_failed": ready["failed"],
        "calls": len(sent),
        "call_errors": len(errors),
        "calls_per_second": round(len(sent) / calls_seconds, 1),
        "screens_p50_ms": ms(percentile(to_screens, 50)),
        "screens_p99_ms": ms(percentile(to_screens, 99)),
        "screens_max_ms": ms(max(to_screens, default=float("nan"))),
        "screens_lost": lost_screens,
        "phones_p50_ms": ms(percentile(to_phones, 50)),
        "phones_p99_ms": ms(percentile(to_phones, 99)),
        "phones_max_ms": ms(max(to_phones, default=float("nan"))),
        "phones_lost": lost_phones,
        "phone_refreshes": len(result["refreshes"]),
        "phone_refreshes_per_second": round(len(result["refreshes"]) / (calls_seconds + 10), 1),
        "phone_refresh_p99_ms": round(percentile(result["refreshes"], 99), 1) if result["refreshes"] else None,
        "phone_refresh_errors": result["refreshErrors"],
        "places_pushed": result["placesPushed"],
        "rss_mib_before": before["rss_mib"],
        "rss_mib_connected": connected["rss_mib"],
        "rss_mib_calls": during["rss_mib"],
        "kib_per_socket": round((connected["rss_mib"] - before["rss_mib"]) * 1024 / sockets, 1) if sockets else None,
    }


def median_of(runs: list[dict]) -> dict:
    """One row of several runs of a mix: the median of each figure, the sum of what was lost, the runs' p99s."""
    row = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("screens", "phones", "rate"):
            values = [r[key] for r in runs if r[key] is not None]
            row[key] = (sum(values) if key.endswith("_lost") else statistics.median(values)) if values else None
    row["label"] = f"{runs[0]['label']} (median of {len(runs)})"
    row["screens_p99_runs"] = [r["screens_p99_ms"] for r in runs]
    row["phones_p99_runs"] = [r["phones_p99_ms"] for r in runs]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mix", action="append", help="SCREENS:PHONES:CALLS_PER_SECOND (repeatable)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mix per server; the medians are printed after the runs")
    parser.add_argument("--counters", type=int, default=150)
    parser.add_argument("--tree", type=Path, default=None, help="also run another checkout's server (before/after in one run)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pin", action="store_true", help="server alone on CPU 0, the clients on the others (Linux taskset)")
    parser.add_argument(
        "--asking-phones", action="store_true", help="phones ask for their ticket after each change (the page before loket/places.py)"
    )
    args = parser.parse_args()
    mixes = [tuple(float(x) for x in m.split(":")) for m in (args.mix or ["150:1000:5", "500:4500:10"])]
    trees = [("before", args.tree.resolve()), ("after", ROOT)] if args.tree else [("this", ROOT)]
    if args.pin:
        os.sched_setaffinity(0, {int(c) for c in CLIENT_CPUS.split(",")})
    results = []
    for screens, phones, rate in mixes:
        runs: dict[str, list[dict]] = {}
        for _ in range(args.repeat):
            for label, tree in trees:  # alternated, so both servers meet the machine in the same states
                command = [sys.executable, str(tree / "server.py"), "--no-demo", "--db", "{db}", "--port", "{port}"]
                r = run_mix(int(screens), int(phones), rate, args.seconds, args.counters, command, label, args.asking_phones, args.pin)
                runs.setdefault(label, []).append(r)
                print(json.dumps(r), flush=True)
        results += [median_of(rs) if len(rs) > 1 else rs[0] for rs in runs.values()]
    print()
    print(
        "| server | screens + phones | calls/s | to screens p50 / p99 / max ms | lost | to phones p50 / p99 / max ms | lost"
        " | RSS MiB (KiB per socket) | all connected in s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['label']} | {r['screens']} + {r['phones']} | {r['calls_per_second']} | {r['screens_p50_ms']} / {r['screens_p99_ms']} / "
            f"{r['screens_max_ms']} | {r['screens_lost']} | {r['phones_p50_ms']} / {r['phones_p99_ms']} / {r['phones_max_ms']} | "
            f"{r['phones_lost']} | {r['rss_mib_connected']} ({r['kib_per_socket']}) | {r['connect_seconds']} |"
        )
    for r in results:
        if "screens_p99_runs" in r:
            print(f"{r['label']}: p99 ms per run to screens {r['screens_p99_runs']}, to phones {r['phones_p99_runs']}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()
