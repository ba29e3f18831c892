"""The connection pool and the write-ahead log under steady load."""

from __future__ import annotations

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
    try:
        writer = pool.take()
        for n in range(300):
            tickets.issue(writer, 1, clock())
            if n % 30 == 29:
                pool.checkpoint()  # what the emitter does between deliveries, every second
        pool.give_back(writer)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.stat().st_size < 64 * 4096 * 8  # restarted, not hundreds of commits long
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
    """A `sqlite3 .backup` or a long report holds a read snapshot: the log restart gives up at once and
    tries again later, instead of holding SQLite's writer lock for the whole busy timeout (15 s)."""
    monkeypatch.setattr("loket.db.WAL_RESTART_PAGES", 8)
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
        pages, truncated = pool.checkpoint()
        took = time.monotonic() - started
        assert pages > 8 and not truncated
        assert took < 1.0
        started = time.monotonic()
        tickets.issue(writer, 1, clock())
        assert time.monotonic() - started < 1.0
    finally:
        reader.conn.execute("COMMIT")
        pool.give_back(reader)
    _pages, truncated = pool.checkpoint()
    assert truncated
    pool.give_back(writer)
    pool.close()
