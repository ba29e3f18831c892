"""Shared fixtures: real SQLite files, a settable clock, a real server process, and Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loket import auth, demo  # noqa: E402
from loket.db import connect, init_schema  # noqa: E402

PASSWORD = "rahasia-demo-123"
# The demo kiosk kios-1 is paired with this key: send KIOSK as headers to issue as that paired kiosk
# (no phone limits); a request without it is a phone on the Wi-Fi (loket/issuing.py).
KIOSK_KEY = "kunci-kios-demo-untuk-uji-0123456789"
KIOSK = {"X-Kiosk-Key": KIOSK_KEY}
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Clock:
    """A clock the test sets: 10:00 WIB on a Wednesday unless told otherwise."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set_local(self, text: str, tz: str = "Asia/Jakarta") -> datetime:
        from zoneinfo import ZoneInfo

        self.now = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "loket.db"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo MPP seeded once per session; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    db = connect(path)
    init_schema(db)
    demo.seed(db, Clock()(), password=PASSWORD, kiosk_key=KIOSK_KEY)
    with db.ensure_autocommit_on():
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def copy_demo(template: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def app(db_path, clock, demo_template):
    """The app on a fresh database holding the demo MPP (every password is PASSWORD)."""
    from server import create_app

    copy_demo(demo_template, db_path)
    return create_app({"DATABASE": str(db_path), "CLOCK": clock, "SECRET_KEY": "test-secret", "TESTING": True})


@pytest.fixture
def db(app, db_path):
    database = connect(db_path)
    yield database
    database.close()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["user"]


@pytest.fixture
def officer(client):
    """The test client logged in as Dukcapil's officer, with counters 1 and 2 open."""
    user = login(client, "petugas.dukcapil")
    for counter_id in (1, 2):
        assert client.post(f"/api/counters/{counter_id}/open").status_code == 200
    return user


def add_user(db, username: str, role: str, agency_code: str | None = None, now=None) -> dict:
    agency_id = db.execute("SELECT id FROM agencies WHERE code = ?", (agency_code,)).fetchone()[0] if agency_code else None
    return auth.create_user(db, username, PASSWORD, role, now or datetime.now(UTC), agency_id=agency_id)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A real `python server.py` process on a loopback port, with its own database."""

    db_path: Path
    port: int = 0
    env: dict = field(default_factory=dict)
    extra_args: list = field(default_factory=list)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60, ready: tuple = (200,)) -> LiveServer:
        self.port = self.port or free_port()
        env = {
            **os.environ,
            "LOKET_DEMO_PASSWORD": PASSWORD,
            "LOKET_DEMO_KIOSK_KEY": KIOSK_KEY,
            "LOKET_SECRET_KEY": "live-test-secret",
            **self.env,
        }
        self.log_path = self.db_path.parent / f"server-{self.port}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "server.py"), "--port", str(self.port), "--db", str(self.db_path), *self.extra_args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).status_code in ready:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown code runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def session(self, username: str | None = None) -> requests.Session:
        s = requests.Session()
        if username:
            r = s.post(self.url + "/api/login", json={"username": username, "password": PASSWORD}, timeout=10)
            assert r.status_code == 200, r.text
        return s


@pytest.fixture
def live_server(tmp_path, demo_template):
    """A fresh server process with the demo MPP; stopped after the test."""
    server = LiveServer(copy_demo(demo_template, tmp_path / "live.db")).start()
    yield server
    server.stop()


# ---------------------------------------------------------------- browser


def _browser_available() -> bool:
    return Path(CHROMIUM).exists()


@pytest.fixture(scope="session")
def playwright_browser():
    if not _browser_available():
        if os.environ.get("LOKET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LOKET_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"browser tests skipped: {CHROMIUM} not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(playwright_browser):
    """New browser contexts (like separate devices); all closed after the test."""
    contexts = []

    def make(width: int = 1920, height: int = 1080, **options):
        context = playwright_browser.new_context(viewport={"width": width, "height": height}, locale="id-ID", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def tap_language(page, code: str = "en") -> None:
    """Tap the screen's language button as a person would, and wait until the screen is redrawn in it
    (the English catalog loads on demand, so the redraw comes a moment after the tap)."""
    page.locator(f"[data-lang={code}]").tap()
    page.locator(f"html[lang={code}]").wait_for(state="attached")


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/screenshots for a person to look at."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def settle(app, timeout: float = 5) -> None:
    """Wait until every print job ended and what committed so far went out to sockets.

    Both happen after the HTTP answer (printing and broadcasts are off the request path).
    """
    deadline = time.monotonic() + timeout
    emitter = app.extensions["loket_emitter"]
    # The print jobs start when the emitter hands on what committed (PrintWanted); their outcomes are
    # events again (ticket_printed).
    if not emitter.drain(max(deadline - time.monotonic(), 0.5)):
        raise AssertionError("events still not sent")
    printer = app.extensions.get("kiosk_print_worker")
    while printer is not None and not printer.idle():
        if time.monotonic() > deadline:
            raise AssertionError("print jobs still running")
        time.sleep(0.01)
    if not emitter.drain(max(deadline - time.monotonic(), 0.5)):
        raise AssertionError("events still not sent")
