"""The longest stall of a kiosk's ticket while complaint photos decode and a shift logs in (issue 21 H2, M3).

    .venv/bin/python bench/stall.py [--photos 4] [--logins 40] [--root /work/main] [--json out.json]

A real server process on a loopback port; `--photos` uploads of a 4000×3000 PNG within the 3 MB cap
(a band of noise, the decoder inflates every byte) and `--logins` logins start at once, while one
client takes a ticket every 20 ms (as an officer, which every version of Loket accepts) and another
asks /api/health. Reported: the longest wait of each, and how long the load took. `--root` runs the
server.py of another checkout on the same database (e.g. main before the change), to compare.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import time
from pathlib import Path

import requests
from common import KIOSK, OUT, PASSWORD, Server, machine, ms, prepare_db
from PIL import Image

USERS = ["admin", "supervisor.dukcapil"] + [
    f"petugas.{code}" for code in ("dukcapil", "imigrasi", "samsat", "polres", "bpjskes", "bpjstk", "kpp", "bpn", "dpmptsp", "pdam")
]


def noise_png(width: int = 4000, height: int = 3000, size: int = 2_900_000) -> bytes:
    row = width * 3
    noisy = size // row
    raw = os.urandom(noisy * row) + bytes(row * (height - noisy))
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def probe(url: str, session: requests.Session, method: str, body: dict | None, running: threading.Event, found: list) -> None:
    while running.is_set():
        t0 = time.monotonic()
        r = session.request(method, url, json=body, timeout=60)
        found.append((time.monotonic() - t0, r.status_code))
        time.sleep(0.02)


def run(photos: int, logins: int, root: Path | None) -> dict:
    work = OUT / "stall"
    command = None
    if root is not None:
        command = [sys.executable, str(root / "server.py"), "--no-demo", "--db", "{db}", "--port", "{port}"]
    server = Server(prepare_db(work / "stall.db"), command=command).start()
    try:
        photo = noise_png()
        officer = server.session("admin")
        officer.headers.update(KIOSK)  # the probe issues as the paired kiosk does
        officer.post(server.url + "/api/tickets", json={"service_id": 1}, timeout=30).raise_for_status()
        outcomes: list[int] = []

        def upload():
            r = requests.post(
                server.url + "/api/complaints",
                data={"kind": "complaint", "text": "Foto"},
                files={"photo": ("foto.png", photo, "image/png")},
                timeout=300,
            )
            outcomes.append(r.status_code)

        def log_in(username):
            r = requests.post(server.url + "/api/login", json={"username": username, "password": PASSWORD}, timeout=300)
            outcomes.append(r.status_code)

        running = threading.Event()
        running.set()
        tickets: list = []
        health: list = []
        probes = [
            threading.Thread(target=probe, args=(server.url + "/api/tickets", officer, "POST", {"service_id": 2}, running, tickets)),
            threading.Thread(target=probe, args=(server.url + "/api/health", requests.Session(), "GET", None, running, health)),
        ]
        for t in probes:
            t.start()
        time.sleep(0.3)
        load = [threading.Thread(target=upload) for _ in range(photos)]
        load += [threading.Thread(target=log_in, args=(USERS[i % len(USERS)],)) for i in range(logins)]
        t0 = time.monotonic()
        for t in load:
            t.start()
        for t in load:
            t.join()
        load_seconds = time.monotonic() - t0
        running.clear()
        for t in probes:
            t.join()
    finally:
        server.stop()
    return {
        "photos": photos,
        "logins": logins,
        "server": str(root or "this checkout"),
        "load_seconds": round(load_seconds, 2),
        "load_answers": {str(code): outcomes.count(code) for code in sorted(set(outcomes))},
        "ticket_probes": len(tickets),
        "ticket_longest_ms": ms(max(t for t, _ in tickets)),
        "ticket_errors": sum(1 for _, code in tickets if code != 201),
        "health_longest_ms": ms(max(t for t, _ in health)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--root", type=Path, help="run this checkout's server.py instead (e.g. /work/main)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.photos, args.logins, args.root)
    result["machine"] = machine()
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
