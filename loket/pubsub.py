"""Flask-SocketIO's Redis message queue (several server processes), made to fail loudly and heal.

python-socketio's RedisManager sends each broadcast to this process's own sockets and then publishes
it for the others, on the caller's thread: a hung Redis held the emitter, so even this process's
screens waited (up to 7.9 s). A message published while Redis was away, or one a process's listener
missed while it waited up to 60 s to reconnect, was lost without a word. Here:
- publishing goes through a queue and a sender of its own, with timeouts: the emitter never waits;
- when Redis comes back after a failed publish, every process is told to make its screens redraw
  (`config_changed` `{"what": "resync"}`: they re-subscribe and get a fresh snapshot);
- when a process's listener reconnects, it tells its own screens the same;
- it retries every RETRY_SECONDS (not up to 60 s) and logs each loss and each recovery once;
- `redis+sentinel://host:port,host:port/DB/SERVICE` works (Flask-SocketIO routes only redis://).
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import socketio

log = logging.getLogger(__name__)

CHANNEL = "flask-socketio"  # Flask-SocketIO's channel, so processes of either kind hear each other
RETRY_SECONDS = 0.5
PUBLISH_TIMEOUT = 1.0
OUTGOING_LIMIT = 10_000
# The rooms whose screens redraw on config_changed (loket/realtime.py CONFIG_ROOMS).
RESYNC_ROOMS = ["display:any", "kiosk:any", "staff:any", "counter:any"]


def ping(url: str) -> bool:
    """A PING with a short timeout: a hung Redis answers False here, never a hung caller."""
    import redis

    try:
        client = connect(url, timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def connect(url: str, timeout: float | None = None):
    """A client for redis://, rediss:// or redis+sentinel://host:port,host:port/DB/SERVICE (the master)."""
    import redis
    import redis.sentinel
    from socketio.redis_manager import parse_redis_sentinel_url

    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if url.startswith("redis+sentinel://"):
        sentinels, service, kwargs = parse_redis_sentinel_url(url)
        sentinel = redis.sentinel.Sentinel(sentinels, sentinel_kwargs={"socket_timeout": timeout}, **kwargs, **options)
        return sentinel.master_for(service or CHANNEL, **options)
    return redis.Redis.from_url(url, **options)


def resync_message(host_id: str) -> dict:
    return {
        "method": "emit",
        "event": "config_changed",
        "data": [{"what": "resync"}],
        "binary": False,
        "namespace": "/",
        "room": RESYNC_ROOMS,
        "skip_sid": None,
        "callback": None,
        "host_id": host_id,
    }


class HealingRedisManager(socketio.RedisManager):
    """RedisManager with a non-blocking publisher, quick reconnects and a resync after every gap."""

    def __init__(self, url: str, channel: str = CHANNEL, write_only: bool = False) -> None:
        # The listener's connection: a restarted Redis closes it at once; connecting never hangs long.
        super().__init__(url, channel=channel, write_only=write_only, redis_options={"socket_connect_timeout": 2, "socket_keepalive": True})
        self.outgoing: queue.Queue = queue.Queue(OUTGOING_LIMIT)
        self.publisher = None
        self.missed = 0  # messages other processes did not get since Redis went away
        self.sender = None
        self.sender_lock = threading.Lock()

    def _publish(self, data) -> None:
        # Started on the first message: a process with no socket of its own never initializes the manager.
        with self.sender_lock:  # one sender, or two would reorder what the screens hear
            if self.sender is None:
                self.sender = self.server.start_background_task(self._send_forever)
        try:
            self.outgoing.put_nowait(data)
        except queue.Full:
            self.missed += 1

    def _send_forever(self) -> None:
        while True:
            try:
                # After a failure, try again soon even with nothing to send: the resync must not wait for a call.
                data = self.outgoing.get(timeout=RETRY_SECONDS if self.missed else None)
            except queue.Empty:
                data = None
            try:
                if self.publisher is None:
                    self.publisher = connect(self.redis_url, timeout=PUBLISH_TIMEOUT)
                if self.missed:
                    # Other processes' screens missed what was said meanwhile: they redraw first.
                    self.publisher.publish(self.channel, self.json.dumps(resync_message(self.host_id)))
                    log.warning("Redis is back: %d message(s) never reached the other processes; their screens redraw", self.missed)
                    self.missed = 0
                if data is not None:
                    self.publisher.publish(self.channel, self.json.dumps(data))
            except Exception as err:  # any failure: the message is lost for the others, say so once
                if not self.missed:
                    log.error("Redis publish failed (%s): other processes' screens miss events until it is back", err)
                self.missed += (data is not None) + self._drop_queued()
                self.missed = max(self.missed, 1)
                self.publisher = None
                time.sleep(RETRY_SECONDS)

    def _drop_queued(self) -> int:
        dropped = 0
        while True:
            try:
                self.outgoing.get_nowait()
            except queue.Empty:
                return dropped
            dropped += 1

    def _redis_listen_with_retries(self):
        failed = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if failed:
                    log.warning("Redis listener reconnected: this process's screens redraw from a fresh snapshot")
                    self._handle_emit(resync_message(self.host_id))
                    failed = False
                yield from self.pubsub.listen()
            except Exception as err:  # the listener must never stop: retry soon, say it once
                if not failed:
                    log.error("Redis listener lost (%s): retrying every %.1f s", err, RETRY_SECONDS)
                failed = True
                time.sleep(RETRY_SECONDS)
