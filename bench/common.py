"""Shared by the bench scripts: a bench database, a real server process, percentiles, the machine."""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-rahasia-123"
# kios-1 of the bench database is paired with this key: the load is a paired kiosk's, not a phone's
# (anonymous clients get the phone limits, loket/issuing.py).
KIOSK_KEY = "bench-kunci-kios-0123456789"
KIOSK = {"X-Kiosk-Key": KIOSK_KEY}
OUT = ROOT / "bench" / "out"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_db(path: Path) -> Path:
    """A fresh database holding the demo MPP, every service without quota (a bench is not a quota test)."""
    from loket import demo
    from loket.db import connect, init_schema

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        init_schema(db)
        demo.seed(db, _now(), password=PASSWORD, kiosk_key=KIOSK_KEY)
        db.execute("UPDATE services SET daily_quota = NULL, cutoff_minutes = 0")
    finally:
        db.close()
    return path


def _now():
    from loket.timeutil import now_utc

    return now_utc()


class Server:
    """`python server.py` on a loopback port (or any command line given), with its own log."""

    def __init__(self, db_path: Path, env: dict | None = None, command: list[str] | None = None) -> None:
        self.db_path = db_path
        self.port = free_port()
        self.env = {**os.environ, "LOKET_DEMO_PASSWORD": PASSWORD, "LOKET_SECRET_KEY": "bench-secret", **(env or {})}
        self.command = command
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        command = self.command or [sys.executable, str(ROOT / "server.py"), "--no-demo", "--db", str(self.db_path)]
        command = [c.format(port=self.port, db=self.db_path) for c in command]
        if not self.command:
            command += ["--port", str(self.port)]
        log = (self.db_path.parent / f"server-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, "LOKET_DB": str(self.db_path)}, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def session(self, username: str) -> requests.Session:
        s = requests.Session()
        r = s.post(self.url + "/api/login", json={"username": username, "password": PASSWORD}, timeout=30)
        r.raise_for_status()
        return s

    def usage(self) -> dict:
        """RSS in MiB and thread count of the server process (and its children, for gunicorn)."""
        import psutil

        proc = psutil.Process(self.process.pid)
        procs = [proc, *proc.children(recursive=True)]
        return {"rss_mib": round(sum(p.memory_info().rss for p in procs) / 2**20, 1), "threads": sum(p.num_threads() for p in procs)}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def machine() -> dict:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_mib": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "load_avg_at_start": os.getloadavg(),
    }
