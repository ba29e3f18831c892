"""SMS/WhatsApp never slow the queue: issue and call-next with every ticket subscribed and the gateway dead,
against notifications off, in one run; and the sender's throughput against a local receiver.

    .venv/bin/python bench/notify.py [--tickets 600] [--workers 8] [--counters 6] [--messages 1000]

"dead" is an HTTP gateway on 127.0.0.1 that accepts connections and never answers: every handover waits
for the sender's timeout (5 s), then backs off. "off" has no channel at all. Each phase runs on its own
fresh database and server process. Throughput: --messages test messages queued at once in the outbox of
a running server whose HTTP gateway answers 200 at once; messages/s until the last is `sent`.
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from common import KIOSK, OUT, Server, machine, ms, percentile, prepare_db

SERVICE = 1  # the demo's KTP-el line, served by counters of Dukcapil


class Blackhole:
    """A gateway that takes the connection and never answers (a dead LAN box, a hung cloud API)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/send"

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


class Receiver:
    """A gateway that answers 200 at once and counts."""

    def __init__(self) -> None:
        self.count = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.count += 1
                body = b'{"id": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def configure(path: Path, gateway_url: str | None) -> list[int]:
    with sqlite3.connect(path) as conn:
        if gateway_url:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('notify_sms_provider', 'http')")
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('notify_http', ?)", (json.dumps({"url": gateway_url}),))
        counters = [r for (r,) in conn.execute("SELECT counter_id FROM counter_services WHERE service_id = ?", (SERVICE,))]
    return counters


def timed(session: requests.Session, method: str, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    answer = session.request(method, url, timeout=30, **kwargs)
    return time.perf_counter() - started, answer


def summary(latencies: list[float], seconds: float) -> dict:
    return {
        "n": len(latencies),
        "per_second": round(len(latencies) / seconds, 1) if seconds else None,
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies)) if latencies else None,
    }


def phase(base: Path, name: str, gateway_url: str | None, args) -> dict:
    path = prepare_db(base / f"{name}.db")
    counters = configure(path, gateway_url)[: args.counters]
    server = Server(path, env={"LOKET_TRUSTED_PROXIES": "1"}).start()
    try:
        local = threading.local()

        def session() -> requests.Session:
            if not hasattr(local, "s"):
                local.s = requests.Session()
            return local.s

        def issue(_n: int) -> float:
            took, answer = timed(session(), "POST", f"{server.url}/api/tickets", headers=KIOSK, json={"service_id": SERVICE})
            answer.raise_for_status()
            token = answer.json()["token"]
            if gateway_url:  # every citizen asks to be told (per-number limits: one number per ticket)
                phone = f"0812{_n:08d}"
                # each citizen from an address of their own (the server trusts one proxy hop here): the
                # per-address limit stops one kiosk from signing up stranger after stranger, not a crowd
                where = {"X-Forwarded-For": f"10.{_n // 65536 % 256}.{_n // 256 % 256}.{_n % 256}"}
                r = session().post(f"{server.url}/api/tickets/{token}/notify", json={"phone": phone}, headers=where, timeout=30)
                r.raise_for_status()
            return took

        started = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            issued = list(pool.map(issue, range(args.tickets)))
        issue_seconds = time.perf_counter() - started

        if gateway_url:
            time.sleep(2)  # the sender has written the first turn_near messages and is stuck on the dead gateway
        officers = []
        for counter in counters:
            officer = server.session("petugas.dukcapil")
            officer.post(f"{server.url}/api/counters/{counter}/open", timeout=30).raise_for_status()
            officers.append((counter, officer))
        calls: list[float] = []

        def work(pair) -> None:
            counter, officer = pair
            while True:
                took, answer = timed(officer, "POST", f"{server.url}/api/counters/{counter}/call-next", json={})
                answer.raise_for_status()
                if answer.json()["ticket"] is None:
                    return
                calls.append(took)

        started = time.perf_counter()
        with ThreadPoolExecutor(len(officers)) as pool:
            list(pool.map(work, officers))
        call_seconds = time.perf_counter() - started
        time.sleep(1)  # what the calls caused is written by the sender's next pass
        with sqlite3.connect(path) as conn:
            outbox = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
        return {"issue": summary(issued, issue_seconds), "call_next": summary(calls, call_seconds), "outbox": outbox}
    finally:
        server.stop()


def throughput(base: Path, args) -> dict:
    receiver = Receiver()
    path = prepare_db(base / "throughput.db")
    configure(path, receiver.url)
    server = Server(path).start()
    try:
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        with sqlite3.connect(path) as conn:
            conn.executemany(
                "INSERT INTO outbox (trigger, day, channel, phone, text, params, created_at, next_attempt_at)"
                " VALUES ('test', date('now'), 'sms', ?, 'Pesan uji bench', '[]', ?, ?)",
                [(f"62812{n:08d}", now, now) for n in range(args.messages)],
            )
        started = time.perf_counter()
        deadline = started + max(60, args.messages)
        sent = 0
        while time.perf_counter() < deadline:
            with sqlite3.connect(path) as conn:
                sent = conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
            if sent >= args.messages:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        return {"messages": args.messages, "sent": sent, "seconds": round(seconds, 2), "per_second": round(sent / seconds, 1)}
    finally:
        server.stop()
        receiver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--counters", type=int, default=6)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    base = OUT / "notify"
    base.mkdir(parents=True, exist_ok=True)
    dead = Blackhole()
    try:
        result = {
            "machine": machine(),
            "args": vars(args),
            "off": phase(base, "off", None, args),
            "dead_gateway": phase(base, "dead", dead.url, args),
            "sender_throughput": throughput(base, args),
        }
    finally:
        dead.close()
    (OUT / "notify.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
