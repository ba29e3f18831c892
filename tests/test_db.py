"""The connection pool and the write-ahead log under steady load."""

from __future__ import annotations

import gc
import threading
import time

from loket import tickets
from loket.db import Pool


def test_the_wal_is_brought_back_to_its_start_while_readers_keep_coming(app, db_path, clock, monkeypatch):
    monkeypatch.setattr("loket.db.WAL_RESTART_PAGES", 8)
    pool = Pool(db_path)
    stop = threading.Event()

    def reader():
        # Overlapping readers: without a RESTART checkpoint the log would only grow.
        conn = pool.take()
        while not stop.is_set():
            conn.execute("SELECT count(*) FROM tickets").fetchall()
        pool.give_back(conn)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    rounds = []
    try:
        writer = pool.take()
        for n in range(300):
            tickets.issue(writer, 1, clock())
            if n % 30 == 29:
                rounds.append(pool.checkpoint())  # what the emitter does between deliveries, every second
        pool.give_back(writer)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    frames = [f for f, _again_soon in rounds]
    # The log starts again after a round (or the next one, when a reader thread held an old mark at
    # that moment): a few rounds' frames at most, never the 300 tickets' that a growing log would hold.
    assert max(frames) < 4 * min(frames)
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.stat().st_size < 2 * 4096 * max(frames)
    pool.close()


def test_a_connection_given_back_mid_transaction_is_rolled_back(app, db_path, clock):
    pool = Pool(db_path)
    conn = pool.take()
    conn.conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM tickets")
    pool.give_back(conn)
    again = pool.take()
    assert not again.conn.in_transaction
    assert again is conn
    pool.close()


def test_a_checkpoint_never_stalls_a_writer_while_a_reader_holds_a_snapshot(app, db_path, clock, monkeypatch):
    """A `sqlite3 .backup` or a long report holds a read snapshot: the checkpoint copies what it may and
    returns at once, instead of waiting for the reader while writers wait; once the reader is gone the
    log is caught up, restarted by the next writer and cut back to its size limit."""
    monkeypatch.setattr("loket.db.WAL_RESTART_PAGES", 8)
    monkeypatch.setattr("loket.db.WAL_KEEP_BYTES", 64 * 1024)
    pool = Pool(db_path)
    writer = pool.take()
    for _ in range(50):
        tickets.issue(writer, 1, clock())
    reader = pool.take()
    reader.conn.execute("BEGIN")
    reader.conn.execute("SELECT count(*) FROM tickets").fetchall()  # the snapshot is now held
    try:
        for _ in range(50):
            tickets.issue(writer, 1, clock())
        started = time.monotonic()
        pages, again_soon = pool.checkpoint()
        took = time.monotonic() - started
        assert pages > 8 and again_soon  # not caught up: the reader keeps its frames
        assert took < 1.0
        started = time.monotonic()
        tickets.issue(writer, 1, clock())
        assert time.monotonic() - started < 1.0
    finally:
        reader.conn.execute("COMMIT")
        pool.give_back(reader)
    wal = db_path.with_name(db_path.name + "-wal")
    grown = wal.stat().st_size
    _pages, again_soon = pool.checkpoint()
    assert not again_soon  # caught up
    tickets.issue(writer, 1, clock())
    assert grown > 10 * 64 * 1024 > wal.stat().st_size - 64 * 1024
    pool.give_back(writer)
    pool.close()


def test_a_pool_dropped_without_closing_keeps_no_descriptor_of_its_write_lock(app, db_path):
    """Each pool's writers take an flock of `<db>.write-lock` (WriteLock); a pool that is simply dropped,
    as every test's app is, must not keep the file open (a worker creates hundreds of apps)."""
    from pathlib import Path

    from loket.db import transaction

    def open_files() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    def write_once() -> None:
        pool = Pool(db_path)
        db = pool.take()
        try:
            with transaction(db):
                db.conn.execute("UPDATE settings SET value = value WHERE key = 'timezone'")
        finally:
            pool.give_back(db)
        assert pool.write_lock.fd is not None
        pool.idle.get_nowait().close()

    write_once()
    gc.collect()
    before = open_files()
    for _ in range(30):
        write_once()
    gc.collect()
    assert open_files() < before + 5
    closed = Pool(db_path)
    with closed.write_lock:
        pass
    closed.close()
    assert closed.write_lock.fd is None
