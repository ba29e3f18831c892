"""Nothing heavy on the event loop (loket/offload.py): a kiosk gets its ticket while photos decode and a shift logs in."""

from __future__ import annotations

import io
import os
import threading
import time

import requests
from PIL import Image

from conftest import KIOSK, PASSWORD
from loket import offload

USERS = ["admin", "supervisor.dukcapil"] + [
    f"petugas.{code}" for code in ("dukcapil", "imigrasi", "samsat", "polres", "bpjskes", "bpjstk", "kpp", "bpn", "dpmptsp", "pdam")
]


def noise_png(width: int = 4000, height: int = 3000, size: int = 2_900_000) -> bytes:
    """A 4000×3000 PNG within the 3 MB cap: a band of noise, the rest black. Every byte is inflated and unfiltered."""
    row = width * 3
    noisy = size // row
    raw = os.urandom(noisy * row) + bytes(row * (height - noisy))
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def test_heavy_work_runs_at_most_one_per_cpu_at_once():
    running, most = [0], [0]
    lock = threading.Lock()

    def work(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return n * 2

    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(offload.heavy(work, i))) for i in range(3 * offload.workers() + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [2 * i for i in range(len(threads))]
    assert most[0] == offload.workers()


def test_a_kiosk_gets_its_ticket_at_once_while_photos_decode_and_a_shift_logs_in(live_server):
    """Issue 21 H2 + M3: four 4000×3000 photos stopped every screen for up to 9.9 s, forty logins for 6–8 s."""
    photo = noise_png()
    assert len(photo) <= 3 * 1024 * 1024
    outcomes: list[int] = []
    lock = threading.Lock()

    def upload():
        r = requests.post(
            live_server.url + "/api/complaints",
            data={"kind": "complaint", "text": "Foto antrean"},
            files={"photo": ("foto.png", photo, "image/png")},
            timeout=120,
        )
        with lock:
            outcomes.append(r.status_code)

    def log_in(username):
        r = requests.post(live_server.url + "/api/login", json={"username": username, "password": PASSWORD}, timeout=120)
        with lock:
            outcomes.append(r.status_code)

    kiosk = requests.Session()
    kiosk.headers.update(KIOSK)
    issue = live_server.url + "/api/kiosks/kios-1/tickets"
    assert kiosk.post(issue, json={"service_id": 1}, timeout=10).status_code == 201  # warm: connection, caches
    load = [threading.Thread(target=upload) for _ in range(4)]
    load += [threading.Thread(target=log_in, args=(USERS[i % len(USERS)],)) for i in range(40)]
    for t in load:
        t.start()
    longest, probes = 0.0, 0
    while any(t.is_alive() for t in load):
        t0 = time.monotonic()
        answer = kiosk.post(issue, json={"service_id": 2 + probes % 2}, timeout=30)
        longest = max(longest, time.monotonic() - t0)
        assert answer.status_code == 201, answer.text
        probes += 1
        time.sleep(0.02)
    for t in load:
        t.join()
    assert sorted(set(outcomes)) == [200, 201] and outcomes.count(201) == 4, outcomes
    assert probes >= 5, "the load ended before the kiosk could be probed"
    # The freeze this guards against was 6–9.9 s; the suite shares its 2 CPUs with a second worker and the
    # decoding processes, so the bound is "never frozen", not a speed figure (that is bench/'s job).
    assert longest < 2.0, f"a kiosk waited {longest:.2f} s for its ticket ({probes} tickets taken meanwhile)"
