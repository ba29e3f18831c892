"""The periodic job beside the emitter: what must happen with the passing of time, not on a request.

Every WATCH_SECONDS it reopens counters closed for an earlier day once the next service day's hours
begin (loket/management.py) and checks the services' standards, raising or clearing alerts
(loket/standards.py). Requests never run these: issuing and calling cost not one statement more.
One thread per server process (a greenlet under gevent); with several processes each runs it, and
the write transactions keep their results single (a breach already open is not opened again).
"""

from __future__ import annotations

import logging
import threading

from . import management, standards

log = logging.getLogger(__name__)

WATCH_SECONDS = 20


class Watcher:
    def __init__(self, app) -> None:
        self.app = app
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="loket-watcher", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(WATCH_SECONDS):
            self.run_once()

    def run_once(self) -> dict:
        """One pass (tests call it with their clock set): what was reopened and which alerts were said."""
        pool = self.app.extensions["loket_pool"]
        db = pool.take()
        try:
            with self.app.app_context():
                now = self.app.config["CLOCK"]()
                return {"reopened": management.reopen_due(db, now), "alerts": standards.check(db, now)}
        except Exception:  # a bad row must not end the watching for the rest of the day
            log.exception("the watcher's pass failed")
            return {"reopened": [], "alerts": []}
        finally:
            pool.give_back(db)


def install(app) -> Watcher:
    """The watcher starts with the first request a server answers, so CLI commands and imports never start it."""
    watcher = Watcher(app)
    app.extensions["loket_watcher"] = watcher
    if not app.config.get("TESTING"):
        app.before_request(watcher.start)
    return watcher
