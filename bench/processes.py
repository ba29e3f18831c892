"""What more processes buy: issuing with 1 and 2 server processes of one database on redis-server.

    .venv/bin/python bench/processes.py [--processes 1 2] [--runs 3] [--tree DIR]

16 kiosks (wrk) split evenly over the processes, each on its own port, all on one redis-server and one
database (the demo MPP without quotas), 8 s per run, medians of --runs. `--tree DIR` measures another
checkout's server.py in the same run (before/after). Run it alone on a quiet machine; record the
figures in docs/performance.md and docs/deployment.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import peak
from common import KIOSK_KEY, OUT, ROOT, Server, free_port, machine, prepare_db

CLIENTS = 16


def run(tree: Path, processes: int, seconds: float) -> dict:
    path = prepare_db(OUT / "processes" / "bench.db")
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    servers: list[Server] = []
    try:
        time.sleep(0.5)
        for n in range(processes):
            # one process sends the notifications, as docs/deployment.md sets them up
            env = {"LOKET_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "LOKET_NOTIFY_SENDER": "1" if n == 0 else "0"}
            command = [sys.executable, str(tree / "server.py"), "--no-demo", "--db", "{db}", "--port", "{port}"]
            servers.append(Server(path, env=env, command=command).start())
        ids = peak.service_ids(path)
        env = {"LOKET_IDS": ",".join(map(str, ids)), "LOKET_MODE": "issue", "LOKET_COOKIE": "", "LOKET_KIOSK_KEY": KIOSK_KEY}
        with ThreadPoolExecutor(processes) as pool:
            rows = list(pool.map(lambda s: peak.run_wrk(s.url, CLIENTS // processes, seconds, peak.LUA, env), servers))
    finally:
        for server in servers:
            server.stop()
        redis.terminate()
        redis.wait(10)
    return {
        "per_second": round(sum(r["per_second"] for r in rows), 1),
        "p99_ms": max(r["p99_ms"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--tree", type=Path, default=None, help="also measure another checkout (before/after in one run)")
    args = parser.parse_args()
    trees = [("before", args.tree)] if args.tree else []
    trees.append(("this", ROOT))
    results: dict[str, dict] = {}
    for label, tree in trees:
        for processes in args.processes:
            runs = [run(tree, processes, args.seconds) for _ in range(args.runs)]
            row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            results[f"{label}, {processes} on Redis"] = row
            print(label, processes, row, flush=True)
    print(json.dumps({"clients": CLIENTS, "runs": args.runs, "results": results, "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()
