"""`/metrics` in Prometheus' text format: request counts and latencies, tickets, sockets, the emitter, the WAL.

Counted in the process (one server process = one scrape target); read only from the same machine,
by an admin, or with `LOKET_METRICS_TOKEN` as a bearer token.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict

from flask import Blueprint, Response, abort, current_app, g, request

from .db import get_db, scalar, settings

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOCAL_ADDRESSES = ("127.0.0.1", "::1")


class Requests:
    """Request counts by endpoint, method and status, and a latency histogram per endpoint."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: dict[str, float] = defaultdict(float)

    def record(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self.lock:
            self.counts[(endpoint, method, status)] += 1
            self.sums[endpoint] += seconds
            counts = self.buckets[endpoint]
            for i, edge in enumerate(BUCKETS):
                if seconds <= edge:
                    counts[i] += 1
                    break
            else:
                counts[-1] += 1


def install(app) -> None:
    app.extensions["loket_requests"] = Requests()
    app.config.setdefault("METRICS_TOKEN", "")

    @app.before_request
    def _started():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _finished(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.endpoint or "unknown"  # 404s share one name, not one per scanned path
            app.extensions["loket_requests"].record(endpoint, request.method, response.status_code, time.perf_counter() - started)
        return response

    app.register_blueprint(bp)


def allowed() -> bool:
    if request.remote_addr in LOCAL_ADDRESSES:
        return True
    token = current_app.config.get("METRICS_TOKEN") or ""
    presented = request.headers.get("Authorization", "")
    if token and presented.startswith("Bearer ") and secrets.compare_digest(presented[7:].encode(), token.encode()):
        return True
    from .auth import current_user

    user = current_user()
    return bool(user and user["role"] == "admin")


@bp.get("")
def metrics():
    if not allowed():
        abort(403)
    return Response(text(), mimetype="text/plain", headers={"Cache-Control": "no-store"})


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def text() -> str:
    from . import health
    from .realtime import socketio
    from .timeutil import local_day

    app = current_app._get_current_object()
    lines: list[str] = []

    def metric(name: str, kind: str, helptext: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {helptext}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {value}" for labels, value in samples)

    stats: Requests = app.extensions["loket_requests"]
    with stats.lock:
        counts = sorted(stats.counts.items())
        buckets = {k: list(v) for k, v in stats.buckets.items()}
        sums = dict(stats.sums)
    metric(
        "loket_http_requests_total",
        "counter",
        "HTTP requests answered, by endpoint, method and status.",
        [(f'{{endpoint="{_label(e)}",method="{m}",status="{s}"}}', n) for (e, m, s), n in counts],
    )
    samples = []
    for endpoint in sorted(buckets):
        running = 0
        for edge, n in zip((*BUCKETS, "+Inf"), buckets[endpoint], strict=True):
            running += n
            samples.append((f'_bucket{{endpoint="{_label(endpoint)}",le="{edge}"}}', running))
        samples.append((f'_sum{{endpoint="{_label(endpoint)}"}}', round(sums[endpoint], 6)))
        samples.append((f'_count{{endpoint="{_label(endpoint)}"}}', running))
    lines.append("# HELP loket_http_request_duration_seconds Time to answer a request, by endpoint.")
    lines.append("# TYPE loket_http_request_duration_seconds histogram")
    lines.extend(f"loket_http_request_duration_seconds{labels} {value}" for labels, value in samples)

    db = get_db()
    today = local_day(app.config["CLOCK"](), settings(db)["timezone"])
    issued = scalar(db, "SELECT count(*) FROM tickets WHERE issued_on = ?", (today,))
    waiting = scalar(db, "SELECT count(*) FROM tickets WHERE issued_on = ? AND status = 'waiting'", (today,))
    metric("loket_tickets_issued_today", "gauge", "Tickets issued today (the MPP's local day).", [("", issued)])
    metric("loket_tickets_waiting", "gauge", "Tickets of today waiting to be called.", [("", waiting)])
    server = socketio.server
    sockets = len(getattr(getattr(server, "eio", None), "sockets", {}) or {}) if server is not None else 0
    metric("loket_sockets_connected", "gauge", "Socket.IO connections held by this process.", [("", sockets)])
    followers = app.extensions.get("loket_places")
    if followers is not None:
        metric(
            "loket_phones_following",
            "gauge",
            "Ticket pages on this process told their place as it moves.",
            [("", len(followers.following))],
        )
        metric(
            "loket_places_sent_total", "counter", "Places sent to ticket pages by this process (ticket_place).", [("", followers.pushed)]
        )
    emitter = app.extensions.get("loket_emitter")
    lag = emitter.lag() if emitter else 0.0
    metric("loket_emitter_lag_seconds", "gauge", "Age of the oldest committed event not yet sent to screens.", [("", round(lag, 4))])
    metric("loket_wal_bytes", "gauge", "Size of the database's write-ahead log.", [("", health.wal_bytes(app.config["DATABASE"]))])
    replication = health.replication_lag(app)
    if replication is not None and replication != float("inf"):
        metric("loket_replication_lag_seconds", "gauge", "Seconds the replica is behind the last write.", [("", round(replication, 1))])
    return "\n".join(lines) + "\n"
