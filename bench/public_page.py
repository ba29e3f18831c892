"""What /info/ costs the server: N phones (socket.io-client in Node) on the public room while counters call.

Prints the server's CPU share at steady state (psutil: CPU seconds over wall seconds, one core = 100 %), its
RSS, what each phone received, and the cost of one `GET /api/public/now` (wrk if installed), e.g.:

    .venv/bin/python bench/public_page.py --phones 500 --rate 5 --seconds 60

Run it alone on a quiet machine; record the figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import threading
import time

import psutil
import requests
from common import KIOSK, OUT, ROOT, Server, machine, prepare_db


def caller(server: Server, rate: float, stop: threading.Event) -> int:
    """`rate` actions a second: tickets issued, and every other one a call at an open counter, so the line moves."""
    officer = server.session("petugas.dukcapil")
    for counter in (1, 2):
        officer.post(f"{server.url}/api/counters/{counter}/open", timeout=10)
    made = 0
    while not stop.is_set():
        started = time.monotonic()
        if made % 2:
            officer.post(f"{server.url}/api/counters/{1 + made // 2 % 2}/call-next", timeout=10)
        else:
            requests.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
        made += 1
        stop.wait(max(1 / rate - (time.monotonic() - started), 0))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="tickets and calls a second while the phones watch")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before the CPU is measured")
    args = parser.parse_args()
    db = prepare_db(OUT / "public" / "bench.db")
    server = Server(db).start()
    try:
        phones = subprocess.Popen(
            ["node", str(ROOT / "bench" / "public_phones.mjs"), server.url, str(args.phones), str(args.warmup + args.seconds + 2)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        stop = threading.Event()
        calls = threading.Thread(target=caller, args=(server, args.rate, stop), daemon=True)
        calls.start()
        time.sleep(args.warmup)
        proc = psutil.Process(server.process.pid)
        cpu0, t0 = sum(proc.cpu_times()[:2]), time.monotonic()
        time.sleep(args.seconds)
        cpu1, t1 = sum(proc.cpu_times()[:2]), time.monotonic()
        usage = server.usage()
        stop.set()
        received = json.loads(phones.communicate(timeout=60)[0].strip().splitlines()[-1])
        result = {
            "phones": args.phones,
            "actions_per_second": args.rate,
            "server_cpu_pct": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
            **usage,
            **received,
        }
        if shutil.which("wrk"):
            out = subprocess.run(
                ["wrk", "-t2", "-c16", "-d5s", "--latency", server.url + "/api/public/now"], capture_output=True, text=True, check=False
            ).stdout
            result["wrk_now"] = " ".join(line.strip() for line in out.splitlines() if "Requests/sec" in line or "99%" in line)
        result["machine"] = machine()
        print(json.dumps(result, indent=1))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
