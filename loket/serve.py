"""The production server `python server.py` runs: gevent's WSGI server with Socket.IO websockets.

Chosen by measurement (docs/performance.md): one process holds thousands of websockets as
greenlets instead of OS threads. Idle keep-alive connections are closed after a timeout, and the
soft open-file limit is raised to the hard one, so a thousand idle sockets from one misbehaving
client cannot use up the descriptors a kiosk needs.
"""

from __future__ import annotations

import gc
import logging
import resource
import socket

log = logging.getLogger("loket.serve")

IDLE_SECONDS = 75  # an HTTP keep-alive connection with no new request for this long is closed
HEADER_SECONDS = 20  # a started request must send its headers within this
# Any positive sleep waits for the event loop's next turn (a zero one may not): see read_requestline.
NEXT_TURN_SECONDS = 1e-6
GC_YOUNG = 10_000  # new objects between two collections of the young generation (Python's default: 700)


def raise_open_files_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (systemd's default soft limit is 1024). Returns (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
    log.info("open files limit: %s (was %s, hard %s)", target, soft, hard)
    return soft, target


def handler_class(idle_seconds: float = IDLE_SECONDS):
    """gevent's request handler with a read timeout only while it waits for the next request line.

    The timeout is cleared as soon as a request has begun, so a websocket (which takes the socket
    over after its upgrade request) or a slow answer is never cut.
    """
    import gevent
    from gevent.pywsgi import WSGIHandler

    class IdleClosingHandler(WSGIHandler):
        def handle(self):
            # The status line and headers go out in one write and the body in another: with Nagle's
            # algorithm on, the client's delayed ACK holds the body back ~40 ms on every keep-alive request.
            try:
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            return super().handle()

        def start_response(self, status, headers, exc_info=None):
            # Name the server without versions: nothing for a scanner to match.
            headers = [(k, v) for k, v in headers if k.lower() != "server"] + [("Server", "Loket")]
            return super().start_response(status, headers, exc_info)

        def read_requestline(self):
            # Take turns. Nothing in a request yields to the event loop (SQLite calls block it), so a
            # keep-alive client that sends its next request the moment it has its answer finds the
            # request already there and is served again and again while the other connections wait:
            # under 16 busy clients p50 was 1 ms but p99 0.5-1 s. Waiting for the loop's next turn
            # first serves every connection with a request waiting once per turn.
            gevent.sleep(NEXT_TURN_SECONDS)
            self.socket.settimeout(idle_seconds)
            try:
                line = super().read_requestline()
            except TimeoutError:
                return None
            self.socket.settimeout(HEADER_SECONDS if line else None)
            return line

        def read_request(self, raw_requestline):
            try:
                return super().read_request(raw_requestline)
            finally:
                self.socket.settimeout(None)

    return IdleClosingHandler


def quiet_collector() -> None:
    """Keep Python's cyclic garbage collector from stopping the server for a third of a second.

    With thousands of sockets the process holds ~900,000 objects, and each full collection walked them
    all: 385 ms in which no call reached any screen, every few seconds (the fan-out's p99,
    docs/performance.md). So: what start-up made lives as long as the process and is never walked again
    (gc.freeze); the young generation is collected after GC_YOUNG new objects instead of 700, so the full
    collections that follow from it come an order of magnitude less often; and gevent no longer copies
    each greenlet's spawning stack (a fifth of those objects, and time at every spawn).
    """
    import gevent

    gevent.config.track_greenlet_tree = False
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, middle, old)


def run(app, host: str, port: int, idle_seconds: float = IDLE_SECONDS) -> None:
    """Serve until stopped; requires gevent's monkey patching done before anything else was imported."""
    from gevent import pywsgi

    raise_open_files_limit()
    quiet_collector()
    server = pywsgi.WSGIServer((host, port), app, handler_class=handler_class(idle_seconds), log=None, error_log=log)
    server.serve_forever()
