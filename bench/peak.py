"""The opening hour: issue and call-next under keep-alive load, a reader holding a snapshot, idle sockets.

    .venv/bin/python bench/peak.py [--before DIR] [--seconds 10] [--clients 1,4,16] [--day 6000] [--json out.json]

The load client is wrk (Debian package `wrk`, C, keep-alive connections, one per thread), so the
client spends little of the machine's two CPUs. Every server is a real `python server.py` on a
loopback port with its own database. `--before DIR` runs the same figures against an older checkout
(e.g. `git worktree add /tmp/loket-before f0edc39`) in the same run, so before/after come from one
machine state; each figure is the median of `--repeat` runs.

Figures per server: tickets/s and call-next/s at each client count with p50/p99/max latency, with
an empty day and with `--day` tickets already issued; the server's CPU time per request (user + sys
of the process: Python and SQLite together); the share of the in-process direct rate; the longest
request while a reader holds a snapshot 10 s at a time or the whole time (a long report, an open
sqlite3 shell); the same while the sqlite3 shell runs `.backup` or `VACUUM INTO` again and again, with
the backups' duration and the WAL's largest size; and whether a kiosk and a display still work
with 1,100 idle connections open under the systemd unit's soft limit of 1024 descriptors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests
from common import KIOSK, KIOSK_KEY, OUT, ROOT, Server, machine, ms, prepare_db

from loket import tickets
from loket.db import connect
from loket.timeutil import now_utc

SERVED_BY_FIRST = "SELECT DISTINCT service_id FROM counter_services WHERE counter_id IN (SELECT id FROM counters ORDER BY id LIMIT ?)"
CALL_QUEUE = 30_000  # waiting tickets before a call-next run: more than any run calls

# wrk's threads, each told its number (`slot`), and the figures every script prints at the end.
LUA_SLOTS = r"""
local threads = {}
local made = 0
function setup(thread)
  made = made + 1
  thread:set("slot", made)
  table.insert(threads, thread)
end
"""
LUA_DONE = r"""
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('JSON {"requests": %d, "seconds": %f, "errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, bad, latency:percentile(50), latency:percentile(99), latency.max))
end
"""
LUA = (
    r"""
local ids = {}
for id in string.gmatch(os.getenv("LOKET_IDS") or "1", "%d+") do ids[#ids + 1] = id end
local cookie = os.getenv("LOKET_COOKIE") or ""
local kiosk_key = os.getenv("LOKET_KIOSK_KEY") or ""
local mode = os.getenv("LOKET_MODE") or "issue"
"""
    + LUA_SLOTS
    + r"""
function init(args)
  n = 0
  if mode == "call" then
    path = "/api/counters/" .. ids[((slot - 1) % #ids) + 1] .. "/call-next"
  end
end
function request()
  n = n + 1
  local headers = {["Content-Type"] = "application/json", ["Cookie"] = cookie, ["X-Kiosk-Key"] = kiosk_key}
  if mode == "call" then
    return wrk.format("POST", path, headers, "{}")
  end
  local body = '{"service_id": ' .. ids[((n + slot) % #ids) + 1] .. '}'
  return wrk.format("POST", "/api/tickets", headers, body)
end
"""
    + LUA_DONE
)


def server_command(tree: Path, extra: list[str] | None = None) -> list[str]:
    if extra == ["gthread"]:
        # gunicorn's threaded worker, the deployment docs' earlier alternative (LOKET_DB comes from the environment)
        return [
            str(Path(sys.executable).with_name("gunicorn")), "--chdir", str(tree), "--worker-class", "gthread", "--workers", "1",
            "--threads", "100", "--keep-alive", "75", "-b", "127.0.0.1:{port}", "server:create_app()",
        ]  # fmt: skip
    return [sys.executable, str(tree / "server.py"), "--no-demo", "--db", "{db}", "--port", "{port}", *(extra or [])]


VARIANTS = {
    "gevent": ("after", None),  # this tree's default: python server.py
    "threading": ("after", ["--threading"]),  # this tree on Werkzeug's threads
    "gthread": ("after", ["gthread"]),  # this tree under gunicorn gthread
    "before": ("before", None),  # the --before checkout's python server.py
}


def seed_day(path: Path, count: int, status: str = "done", service_ids: list[int] | None = None) -> None:
    """`count` tickets of today spread over every service, written in bulk (the day's size, or a queue to call).

    Numbers continue each service's daily sequence, as the server would have given them.
    """
    if count <= 0:
        return
    from loket.db import settings
    from loket.timeutil import iso, local_day

    db = connect(path)
    try:
        now = now_utc()
        today = local_day(now, settings(db)["timezone"])
        services = [
            s
            for s in db.execute("SELECT id, agency_id, prefix, padding FROM services ORDER BY id").fetchall()
            if not service_ids or s[0] in service_ids
        ]
        rows, last = [], {}
        for n in range(count):
            sid, aid, prefix, padding = services[n % len(services)]
            if sid not in last:
                last[sid] = db.execute(
                    "SELECT coalesce(max(last_number), 0) FROM daily_sequences WHERE service_id = ? AND issued_on = ?", (sid, today)
                ).fetchone()[0]
            last[sid] += 1
            stamp = iso(now)
            done = status == "done"
            rows.append(
                (
                    os.urandom(16).hex(), f"{prefix}{last[sid]:0{padding}d}", last[sid], sid, sid, aid, today, stamp, stamp, status,
                    stamp if done else None, stamp if done else None, stamp if done else None,
                )
            )  # fmt: skip
        with db.conn:
            db.conn.executemany(
                "INSERT INTO tickets (token, number, sequence, origin_service_id, service_id, agency_id, issued_on, issued_at, queued_at,"
                " status, called_at, started_at, finished_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api')",
                rows,
            )
            for sid, number in last.items():
                db.conn.execute(
                    "INSERT INTO daily_sequences (service_id, issued_on, last_number) VALUES (?, ?, ?)"
                    " ON CONFLICT (service_id, issued_on) DO UPDATE SET last_number = excluded.last_number",
                    (sid, today, number),
                )
    finally:
        db.close()


def called_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM events WHERE kind = 'called'").fetchone()[0]
    finally:
        conn.close()


def open_counters(server: Server) -> tuple[list[int], str]:
    """Every counter opened by the admin (who may act at any counter); returns their ids and the cookie."""
    session = server.session("admin")
    conn = sqlite3.connect(server.db_path)
    counter_ids = [r for (r,) in conn.execute("SELECT id FROM counters ORDER BY id")]
    conn.close()
    for cid in counter_ids:
        session.post(f"{server.url}/api/counters/{cid}/open", timeout=30).raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return counter_ids, cookie


def wrk(url: str, clients: int, seconds: float, mode: str, ids: list[int], cookie: str = "") -> dict:
    env = {"LOKET_IDS": ",".join(map(str, ids)), "LOKET_MODE": mode, "LOKET_COOKIE": cookie, "LOKET_KIOSK_KEY": KIOSK_KEY}
    return run_wrk(url, clients, seconds, LUA, env)


def run_wrk(url: str, clients: int, seconds: float, script: str, env: dict[str, str]) -> dict:
    """wrk with this Lua script (ending in LUA_DONE), one connection per thread; its figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{max(int(seconds), 1)}s", "--timeout", "10s", "-s", file.name, url],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(file.name)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    data = json.loads(line[5:])
    return {
        "clients": clients,
        "requests": data["requests"],
        "errors": data["errors"],
        "per_second": round(data["requests"] / data["seconds"], 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
    }


def cpu_seconds(server: Server) -> float:
    """User + system CPU of the server process and its children (gunicorn's worker, prlimit's child)."""
    proc = psutil.Process(server.process.pid)
    return sum(t.user + t.system for t in (p.cpu_times() for p in [proc, *proc.children(recursive=True)]))


def measured(server: Server, clients: int, seconds: float, mode: str, ids: list[int], cookie: str = "") -> dict:
    before = cpu_seconds(server)
    row = wrk(server.url, clients, seconds, mode, ids, cookie)
    row["cpu_ms_per_request"] = round((cpu_seconds(server) - before) * 1000 / max(row["requests"], 1), 2)
    return row


def median_row(rows: list[dict]) -> dict:
    keys = [k for k, v in rows[0].items() if isinstance(v, (int, float)) and k != "clients"]
    return {"clients": rows[0]["clients"], **{k: round(statistics.median(r[k] for r in rows), 2) for k in keys}, "runs": len(rows)}


def direct_rates(count: int = 2000) -> dict:
    """The in-process ceiling: the queue rules in a loop, no HTTP, no JSON, no sockets."""
    work = OUT / "peak"
    path = prepare_db(work / "direct.db")
    db = connect(path)
    try:
        sid = db.execute("SELECT id FROM services WHERE prefix = 'W'").fetchone()[0]
        cid = db.execute("SELECT counter_id FROM counter_services WHERE service_id = ? LIMIT 1", (sid,)).fetchone()[0]
        tickets.set_counter_state(db, cid, "open", now_utc())
        start = time.perf_counter()
        for _ in range(count):
            tickets.issue(db, sid, now_utc())
        issue = count / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(count):
            tickets.call_next(db, cid, now_utc())
        call = count / (time.perf_counter() - start)
    finally:
        db.close()
    return {"issue_per_second": round(issue, 1), "call_per_second": round(call, 1)}


def rates(command: list[str], label: str, clients: list[int], seconds: float, day: int, repeat: int) -> dict:
    """Issue and call-next at each client count, empty day and a day of `day` tickets, medians of `repeat` runs."""
    out: dict = {"label": label, "issue": {}, "call": {}}
    work = OUT / "peak"
    for day_size in (0, day):
        issue_rows, call_rows = [], []
        for n in clients:
            runs_issue, runs_call = [], []
            for _ in range(repeat):
                path = prepare_db(work / f"{label}-{day_size}.db")
                seed_day(path, day_size)
                server = Server(path, command=command).start()
                try:
                    conn = sqlite3.connect(path)
                    ids = [r for (r,) in conn.execute("SELECT id FROM services ORDER BY id")]
                    conn.close()
                    runs_issue.append(measured(server, n, seconds, "issue", ids))
                finally:
                    server.stop()
                # call-next needs a queue that does not run dry: CALL_QUEUE waiting tickets over every service
                path = prepare_db(work / f"{label}-{day_size}-call.db")
                seed_day(path, day_size)
                # only where the n calling counters take from, or most presses would find no one waiting
                conn = sqlite3.connect(path)
                served = [r for (r,) in conn.execute(SERVED_BY_FIRST, (n,))]
                conn.close()
                seed_day(path, CALL_QUEUE, status="waiting", service_ids=served)
                server = Server(path, command=command).start()
                try:
                    counter_ids, cookie = open_counters(server)
                    row = measured(server, n, seconds, "call", counter_ids[:n] or counter_ids, cookie)
                finally:
                    server.stop()
                row["called_a_ticket"] = called_count(path)
                runs_call.append(row)
            issue_rows.append(median_row(runs_issue))
            call_rows.append(median_row(runs_call))
            print(f"{label} day={day_size} clients={n}: issue {issue_rows[-1]}  call {call_rows[-1]}", flush=True)
        out["issue"][day_size] = issue_rows
        out["call"][day_size] = call_rows
    return out


def reader_stall(command: list[str], label: str, seconds: float, gap: float = 1.0) -> dict:
    """The longest issue while another connection holds a read snapshot for 10 s at a time, `gap` seconds
    apart (a long report, or an sqlite3 shell inside `BEGIN`, again and again; gap 0: held all the time)."""
    path = prepare_db(OUT / "peak" / f"{label}-reader.db")

    def hold(stop: threading.Event) -> None:
        conn = sqlite3.connect(path)
        while not stop.is_set():
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM tickets").fetchall()
            stop.wait(10)
            conn.execute("COMMIT")
            stop.wait(gap)
        conn.close()

    return burst_beside(command, path, seconds, hold)


def burst_beside(command: list[str], path: Path, seconds: float, beside) -> dict:
    """16 kiosks issuing for `seconds` while `beside(stop)` runs in a thread of its own: wrk's figures
    with the WAL's largest size during the burst and its size after."""
    server = Server(path, command=command).start()
    stop = threading.Event()
    thread = threading.Thread(target=beside, args=(stop,))
    wal = WalWatch(path)
    thread.start()
    try:
        row = wrk(server.url, 16, seconds, "issue", service_ids(path))
    finally:
        stop.set()
        thread.join()
        wal.stop()
        server.stop()
    row["wal_mib_peak"] = wal.peak_mib
    row["wal_mib_after"] = wal.now_mib()
    return row


def service_ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r for (r,) in conn.execute("SELECT id FROM services ORDER BY id")]
    finally:
        conn.close()


class WalWatch:
    """The WAL file's largest size during a run, sampled four times a second."""

    def __init__(self, path: Path) -> None:
        self.wal = Path(f"{path}-wal")
        self.peak_mib = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def now_mib(self) -> float:
        try:
            return round(self.wal.stat().st_size / 2**20, 1)
        except FileNotFoundError:
            return 0.0

    def _run(self) -> None:
        while not self.stopping.wait(0.25):
            self.peak_mib = max(self.peak_mib, self.now_mib())

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def backups_during_burst(command: list[str], label: str, seconds: float, how: str) -> dict:
    """16 kiosks issuing while the database is backed up again and again with the sqlite3 shell, as an
    administrator would: `how` "backup" is `.backup` (the online backup API, 100 pages a step; it
    starts over whenever another connection has written between two steps), "vacuum" is `VACUUM INTO`
    (one read snapshot for the whole copy). Figures: the requests' tail, the backups finished and
    their duration, and the WAL's largest size."""
    path = prepare_db(OUT / "peak" / f"{label}-{how}.db")
    made: list[tuple[bool, float]] = []
    deadline = time.monotonic() + seconds

    def back_up(stop: threading.Event) -> None:
        out = path.with_name(f"{path.stem}-copy.db")
        while not stop.is_set():
            out.unlink(missing_ok=True)
            sql = f".backup '{out}'" if how == "backup" else f"VACUUM INTO '{out}'"
            started = time.monotonic()
            try:
                done = subprocess.run(["sqlite3", str(path), sql], capture_output=True, timeout=max(deadline - started, 0) + 5)
                made.append((done.returncode == 0 and out.exists(), time.monotonic() - started))
            except subprocess.TimeoutExpired:
                made.append((False, time.monotonic() - started))
        out.unlink(missing_ok=True)

    row = burst_beside(command, path, seconds, back_up)
    finished = [took for ok, took in made if ok]
    row.update(
        backups_started=len(made),
        backups_finished=len(finished),
        backup_seconds_median=round(statistics.median(finished), 2) if finished else None,
        backup_seconds_max=round(max(finished), 2) if finished else None,
        unfinished_seconds=round(max((took for ok, took in made if not ok), default=0), 1),
        db_mib=round(path.stat().st_size / 2**20, 1),
    )
    return row


def idle_connections(command: list[str], label: str, count: int = 1100) -> dict:
    """`count` idle TCP connections from one client, the server under the unit's soft limit of 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 512)), hard))
    path = prepare_db(OUT / "peak" / f"{label}-idle.db")
    server = Server(path, command=["prlimit", f"--nofile=1024:{hard}", *command]).start()
    sockets = []
    result: dict = {"idle_connections": count}
    try:
        for _ in range(count):
            try:
                sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            except OSError:
                break
        time.sleep(1)
        result["opened"] = len(sockets)
        import socketio

        calls = []
        display = socketio.Client(reconnection=False)
        display.on("ticket_called", lambda data: calls.append(time.monotonic()))
        try:
            display.connect(server.url, transports=["websocket"], wait_timeout=10)
            display.call("subscribe", {"room": "display", "display": "lobi"}, timeout=10)
            officer = server.session("admin")
            officer.post(f"{server.url}/api/counters/1/open", timeout=10).raise_for_status()
            t0 = time.monotonic()
            issued = requests.post(f"{server.url}/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers=KIOSK, timeout=10)
            result["kiosk_issue_ms"] = ms(time.monotonic() - t0)
            result["kiosk_status"] = issued.status_code
            t0 = time.monotonic()
            officer.post(f"{server.url}/api/counters/1/call-next", json={}, timeout=10).raise_for_status()
            deadline = time.monotonic() + 5
            while not calls and time.monotonic() < deadline:
                time.sleep(0.01)
            result["display_call_ms"] = ms(calls[0] - t0) if calls else None
        except Exception as exc:  # the old server cannot accept: that is the figure
            result["failure"] = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            display.disconnect()
    finally:
        for s in sockets:
            s.close()
        server.stop()
    return result


def report(results: dict) -> str:
    lines = []
    direct = results["direct"]
    lines.append(f"In-process direct rate (this tree): issue {direct['issue_per_second']}/s, call-next {direct['call_per_second']}/s.")
    lines.append("")
    for what, key in (("issue", "issue_per_second"), ("call-next", "call_per_second")):
        mode = "issue" if what == "issue" else "call"
        lines.append(f"#### {what}")
        lines.append("")
        lines.append("| server | day's tickets | clients | req/s | p50 ms | p99 ms | max ms | CPU ms/req | errors | vs. direct |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for run in results["servers"]:
            for day, rows in run[mode].items():
                for r in rows:
                    lines.append(
                        f"| {run['label']} | {day} | {r['clients']} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} "
                        f"| {r['cpu_ms_per_request']} | {r['errors']} | {round(r['per_second'] / direct[key], 2)} |"
                    )
        lines.append("")
    lines.append("16 kiosks issuing while a reader holds a snapshot 10 s at a time, 1 s apart (or all the time):")
    lines.append("")
    lines.append("| server | issue p99 ms | max ms | req/s | WAL peak (MiB) | WAL after (MiB) |")
    lines.append("|---|---|---|---|---|---|")
    for label, r in results["reader"].items():
        lines.append(
            f"| {label} | {r['p99_ms']} | {r['max_ms']} | {r['per_second']} | {r.get('wal_mib_peak', '—')} | {r['wal_mib_after']} |"
        )
    lines.append("")
    if results["backup"]:
        lines.append("16 kiosks issuing while the sqlite3 shell backs the database up again and again:")
        lines.append("")
        lines.append(
            "| server | backup | issue p99 ms | max ms | req/s | backups finished / started | seconds each (median, max) "
            "| longest unfinished (s) | WAL peak (MiB) | database (MiB) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for label, r in results["backup"].items():
            server, _, how = label.rpartition(" ")
            cells = [
                server,
                how,
                r["p99_ms"],
                r["max_ms"],
                r["per_second"],
                f"{r['backups_finished']} / {r['backups_started']}",
                f"{r['backup_seconds_median']}, {r['backup_seconds_max']}",
                r["unfinished_seconds"],
                r["wal_mib_peak"],
                r["db_mib"],
            ]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        lines.append("")
    lines.append("| server | idle connections opened (of 1,100) | kiosk issue | display gets the call | failure |")
    lines.append("|---|---|---|---|---|")
    for label, r in results["idle"].items():
        lines.append(
            f"| {label} | {r.get('opened')} | {r.get('kiosk_status', '—')} in {r.get('kiosk_issue_ms', '—')} ms "
            f"| {r.get('display_call_ms', '—')} ms | {r.get('failure', '')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to measure in the same run")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--day", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reader-seconds", type=float, default=120)
    parser.add_argument("--variants", default="gevent,before", help=f"servers to measure, of {', '.join(VARIANTS)}")
    parser.add_argument("--only", default="rates,reader,backup,idle", help="which figures")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    only = set(args.only.split(","))
    results = {"machine": machine(), "direct": direct_rates(), "servers": [], "reader": {}, "backup": {}, "idle": {}}
    for label in args.variants.split(","):
        which, extra = VARIANTS[label]
        if which == "before" and not args.before:
            continue
        command = server_command(args.before.resolve() if which == "before" else ROOT, extra)
        if "rates" in only:
            results["servers"].append(rates(command, label, clients, args.seconds, args.day, args.repeat))
        if "reader" in only:
            results["reader"][label] = reader_stall(command, label, args.reader_seconds)
            print(label, "reader", results["reader"][label], flush=True)
            results["reader"][label + ", snapshot never released"] = reader_stall(command, label, args.reader_seconds / 2, gap=0)
            print(label, "reader continuous", results["reader"][label + ", snapshot never released"], flush=True)
        if "backup" in only:
            for how in ("backup", "vacuum"):
                key = f"{label} {how}"
                results["backup"][key] = backups_during_burst(command, label, args.reader_seconds, how)
                print(key, results["backup"][key], flush=True)
        if "idle" in only:
            results["idle"][label] = idle_connections(command, label)
            print(label, "idle", results["idle"][label], flush=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    (OUT / "peak.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
