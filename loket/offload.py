"""CPU-heavy work (decoding images, hashing passwords) off the event loop, at most one per CPU at once.

Under gevent every request shares one OS thread: a 4000×3000 PNG decoded there, or forty scrypt
hashes when a shift logs in, stopped every kiosk, counter and lobby screen for seconds (issue 21 H2,
M3). Pillow and hashlib's scrypt release the GIL while they work, so in real OS threads they run
beside the loop, which goes on serving everyone else. The pool has as many threads as CPUs: more
would only make every heavy job slower, and the loop still needs its share of the machine. Jobs
beyond that wait in the pool's queue without holding a greenlet's thread.

In the threading server (`--threading`, tests) each request already has its own thread; the work runs
there, bounded by a semaphore of the same size. `loket/db.py off_loop` does the same for SQLite's
checkpoint, on gevent's own hub pool.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def workers() -> int:
    """How many heavy jobs run at once: the CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@functools.cache
def _native_pool():
    """gevent's pool of real OS threads, when the server runs on gevent; None otherwise."""
    try:
        from gevent import monkey
        from gevent.threadpool import ThreadPool
    except ImportError:
        return None
    if not monkey.is_module_patched("threading"):
        return None
    return ThreadPool(workers())


@functools.cache
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(workers())


def heavy(work: Callable[..., T], *args) -> T:
    """Run `work(*args)` off the event loop (at most `workers()` at once) and return its result or raise its error.

    `work` runs without the request's context: pass it plain values, not `g`, `request` or a connection.
    """
    pool = _native_pool()
    if pool is not None:
        return pool.apply(work, args)
    with _slots():
        return work(*args)
