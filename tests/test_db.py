"""The connection pool and the write-ahead log under steady load."""

from __future__ import annotations

import threading

from loket import tickets
from loket.db import WAL_CHECK_EVERY, Pool


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
        for _ in range(WAL_CHECK_EVERY * 3):
            tickets.issue(writer, 1, clock())
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
