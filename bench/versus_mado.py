"""Loket side by side with MADO-queue, the simplest peer (issue 27): issuing and calling, wrk, 16 connections.

MADO-queue (github.com/Memuro-Town/MADO-queue) is a Flask + sqlite3 app under waitress: a ticket is one
INSERT, a call (`/start_processing`) one more. Give it a checkout and a Python with its requirements
(Flask, Flask-Cors, waitress, pyusb), then:

    .venv/bin/python bench/versus_mado.py --mado /tmp/mado --mado-python /tmp/mado-venv/bin/python

Rounds alternate Loket and MADO-queue, each on a fresh database: issue (Loket: a paired kiosk over every
service of the demo MPP without quotas; MADO-queue: `/get_next_number` over its categories A, B, C) and
call (Loket: call-next at 16 counters with 30,000 tickets waiting; MADO-queue: `/start_processing` of 30,000
issued tickets, each once). Prints the medians per system and mode and the ratio; run it alone on a quiet
machine and record the figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

import peak
import requests
from common import OUT, Server, free_port, machine, prepare_db

MADO_LUA = (
    r"""
local mode = os.getenv("MADO_MODE") or "issue"
local cats = {"A", "B", "C"}
"""
    + peak.LUA_SLOTS
    + r"""
function init(args)
  n = 0
  total = tonumber(os.getenv("MADO_THREADS") or "16")
end
function request()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if mode == "call" then
    -- every thread its own event_log ids: each issued ticket is called once
    local id = (n - 1) * total + slot
    return wrk.format("POST", "/start_processing", headers, '{"event_log_id": ' .. id .. '}')
  end
  local body = '{"category": "' .. cats[((n + slot) % 3) + 1] .. '", "buttonText": "x", "staffCount": 1}'
  return wrk.format("POST", "/get_next_number", headers, body)
end
"""
    + peak.LUA_DONE
)


def mado_round(checkout: Path, python: str, mode: str, clients: int, seconds: float) -> dict:
    work = OUT / "versus"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "mado.db"
    db.unlink(missing_ok=True)
    env = {**os.environ, "DB_PATH": str(db)}
    subprocess.run([python, "init_db.py"], cwd=checkout, env=env, check=True, capture_output=True)
    if mode == "call":
        # 30,000 issued tickets to call, written in bulk as /get_next_number would write them
        conn = sqlite3.connect(db)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with conn:
            conn.executemany(
                "INSERT INTO event_logs (category, button_text, timestamp, current_number, staff_count) VALUES (?, 'x', ?, ?, 1)",
                [("ABC"[n % 3], stamp, n + 1) for n in range(peak.CALL_QUEUE)],
            )
        conn.close()
    port = free_port()
    waitress = str(Path(python).with_name("waitress-serve"))
    with open(work / "mado.log", "w") as log:
        server = subprocess.Popen(
            [waitress, "--host=127.0.0.1", f"--port={port}", "app:app"], cwd=checkout, env=env, stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(url + "/display_data", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        row = peak.run_wrk(url, clients, seconds, MADO_LUA, {"MADO_MODE": mode, "MADO_THREADS": str(clients)})
    finally:
        server.terminate()
        server.wait(10)
    return {k: row[k] for k in ("per_second", "p50_ms", "p99_ms", "errors")}


def loket_round(mode: str, clients: int, seconds: float) -> dict:
    path = prepare_db(OUT / "versus" / f"loket-{mode}.db")
    if mode == "call":
        conn = sqlite3.connect(path)
        served = [r for (r,) in conn.execute(peak.SERVED_BY_FIRST, (clients,))]
        conn.close()
        peak.seed_day(path, peak.CALL_QUEUE, status="waiting", service_ids=served)
    server = Server(path).start()
    try:
        if mode == "call":
            counter_ids, cookie = peak.open_counters(server)
            row = peak.wrk(server.url, clients, seconds, "call", counter_ids[:clients], cookie)
        else:
            row = peak.wrk(server.url, clients, seconds, "issue", peak.service_ids(path))
    finally:
        server.stop()
    return {k: row[k] for k in ("per_second", "p50_ms", "p99_ms", "errors")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mado", type=Path, required=True, help="a MADO-queue checkout")
    parser.add_argument("--mado-python", required=True, help="a Python with MADO-queue's requirements (its waitress-serve beside it)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.rounds):
        for mode in ("issue", "call"):
            runs.setdefault(("loket", mode), []).append(loket_round(mode, args.clients, args.seconds))
            runs.setdefault(("mado", mode), []).append(mado_round(args.mado, args.mado_python, mode, args.clients, args.seconds))
            print(mode, runs[("loket", mode)][-1], runs[("mado", mode)][-1], flush=True)
    medians = {f"{system} {mode}": {k: statistics.median(r[k] for r in rows) for k in rows[0]} for (system, mode), rows in runs.items()}
    for mode in ("issue", "call"):
        loket, mado = medians[f"loket {mode}"], medians[f"mado {mode}"]
        medians[f"ratio {mode}"] = round(loket["per_second"] / mado["per_second"], 2)
    summary = {"clients": args.clients, "seconds": args.seconds, "rounds": args.rounds, "medians": medians, "machine": machine()}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
