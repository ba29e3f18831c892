"""Schema migrations: a database made before migrations existed upgrades with every row kept."""

import re
import sqlite3
from pathlib import Path

import pytest

from conftest import PASSWORD, Clock, login
from loket import migrations
from loket.db import connect, init_schema

FIXTURE = Path(__file__).parent / "fixtures" / "loket-v1.sql"
TABLES = ("agencies", "services", "users", "counters", "kiosks", "tickets", "events", "complaints", "survey_responses", "audit_log")


@pytest.fixture
def v1_path(tmp_path) -> Path:
    """The committed database of commit f0edc39, restored to a file."""
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return path


def counts(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def test_an_old_database_upgrades_with_every_row_kept(v1_path):
    before = counts(v1_path)
    assert before["tickets"] > 0 and before["complaints"] > 0 and before["survey_responses"] > 0
    db = connect(v1_path)
    applied = init_schema(db)
    db.close()
    assert applied == [m.name for m in migrations.migrations._migrations]
    assert counts(v1_path) == before
    conn = sqlite3.connect(v1_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    recorded = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'loket' ORDER BY id")]
    conn.close()
    assert recorded == applied


def test_migrations_run_once(v1_path):
    db = connect(v1_path)
    assert init_schema(db)
    assert init_schema(db) == []
    db.close()


def test_a_new_database_and_an_upgraded_one_have_the_same_schema(tmp_path, v1_path):
    fresh = connect(tmp_path / "new.db")
    init_schema(fresh)
    old = connect(v1_path)
    init_schema(old)

    def shape(db):
        return {
            (r[0], r[1]): [tuple(c[1:3]) + (c[3], c[5]) for c in db.conn.execute(f"PRAGMA table_info({r[1]})")]
            for r in db.conn.execute("SELECT type, name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        }

    def indexes(db):
        return set(db.conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall())

    assert shape(fresh) == shape(old)
    assert indexes(fresh) == indexes(old)
    fresh.close()
    old.close()


def test_an_index_a_migration_dropped_stays_dropped_when_the_server_starts_again(tmp_path, v1_path):
    for path in (tmp_path / "new.db", v1_path):
        db = connect(path)
        init_schema(db)
        init_schema(db)  # the next start: the baseline's IF NOT EXISTS must not bring it back
        names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        db.close()
        assert "tickets_waiting" not in names and "tickets_status_day" in names


def test_the_server_issues_calls_and_reports_on_an_upgraded_database(v1_path):
    from server import create_app

    clock = Clock()
    app = create_app({"DATABASE": str(v1_path), "CLOCK": clock, "SECRET_KEY": "test-secret", "TESTING": True})
    client = app.test_client()
    before = counts(v1_path)["tickets"]
    service_id = client.get("/api/agencies").get_json()[0]["services"][0]["id"]
    issued = client.post("/api/tickets", json={"service_id": service_id})  # no kiosk of v1 is paired: a phone's ticket
    assert issued.status_code == 201, issued.get_json()
    assert counts(v1_path)["tickets"] == before + 1
    login(client, "petugas.dukcapil", PASSWORD)
    assert client.post("/api/counters/1/open").status_code == 200
    called = client.post("/api/counters/1/call-next", json={})
    assert called.status_code == 200 and called.get_json()["ticket"] is not None
    client.post("/api/logout")
    login(client, "admin", PASSWORD)
    summary = client.get("/api/admin/reports/summary?from=2026-11-25&to=2026-11-25")
    assert summary.status_code == 200, summary.get_json()


def test_widening_a_check_keeps_rows_indexes_and_the_new_value(tmp_path):
    db = connect(tmp_path / "w.db")
    db.conn.executescript(
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);"
        "CREATE TABLE things (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id) ON DELETE CASCADE,"
        " kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));"
        "CREATE INDEX things_kind ON things (kind);"
        "INSERT INTO parents VALUES (1); INSERT INTO things VALUES (1, 1, 'a'), (2, 1, 'b');"
    )
    db.conn.execute("PRAGMA foreign_keys=OFF")
    db.conn.execute("BEGIN")
    migrations.widen_check(db, "things", "kind IN ('a', 'b')", "kind IN ('a', 'b', 'c')")
    db.conn.execute("COMMIT")
    db.conn.execute("PRAGMA foreign_keys=ON")
    db.conn.execute("INSERT INTO things VALUES (3, 1, 'c')")
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO things VALUES (4, 1, 'd')")
    assert [r[0] for r in db.conn.execute("SELECT kind FROM things ORDER BY id")] == ["a", "b", "c"]
    assert db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'things_kind'").fetchone()
    db.close()


def test_m24_gives_an_old_database_the_reasons_the_closure_requests_and_the_targets(v1_path):
    old_counters = sqlite3.connect(v1_path).execute("SELECT id, state FROM counters ORDER BY id").fetchall()
    db = connect(v1_path)
    init_schema(db)
    reasons = [r[0] for r in db.conn.execute("SELECT code FROM counter_reasons ORDER BY sort_order")]
    assert reasons == ["istirahat", "sholat", "rapat", "gangguan_sistem", "blanko_habis", "lainnya"]
    assert db.conn.execute("SELECT id, state FROM counters ORDER BY id").fetchall() == old_counters
    assert db.conn.execute("SELECT count(*) FROM counters WHERE pause_reason IS NOT NULL OR closed_for_day IS NOT NULL").fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM services WHERE wait_target_minutes IS NOT NULL").fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM closure_requests").fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM standard_breaches").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("UPDATE services SET wait_target_minutes = 0 WHERE id = 1")
    db.close()


def test_kiosks_of_an_old_database_upgrade_unpaired_and_issue_only_once_paired(v1_path):
    """m21_kiosk_keys: every kiosk row is kept, none is paired until an admin (or add-kiosk) issues its key."""
    from kiosk import service
    from server import create_app

    kiosks = counts(v1_path)["kiosks"]
    db = connect(v1_path)
    init_schema(db)
    rows = db.execute("SELECT name, key_hash, paired_at FROM kiosks").fetchall()
    assert len(rows) == kiosks > 0 and all(r[1] == "" and r[2] is None for r in rows)
    _kiosk, key = service.pair_kiosk(db, rows[0][0], Clock()())
    db.close()
    app = create_app({"DATABASE": str(v1_path), "CLOCK": Clock(), "SECRET_KEY": "test-secret", "TESTING": True})
    service_id = app.test_client().get("/api/agencies").get_json()[0]["services"][0]["id"]
    issued = app.test_client().post(f"/api/kiosks/{rows[0][0]}/tickets", json={"service_id": service_id}, headers={"X-Kiosk-Key": key})
    assert issued.status_code == 201, issued.get_json()


def test_bookings_of_an_upgraded_database_get_the_client_key_column_and_its_index(v1_path):
    """m21_booking_client: the keyed address hash that limits one address's bookings of a service's day."""
    db = connect(v1_path)
    init_schema(db)
    columns = {r[1] for r in db.conn.execute("PRAGMA table_info(bookings)")}
    indexes = {r[1] for r in db.conn.execute("PRAGMA index_list(bookings)")}
    db.close()
    assert "client_key" in columns and "bookings_client" in indexes


def test_an_upgraded_database_keeps_issuing_for_services_without_an_open_counter(v1_path):
    db = connect(v1_path)
    init_schema(db)
    flags = {r[0] for r in db.conn.execute("SELECT requires_open_counter FROM services")}
    db.close()
    assert flags == {0}  # m20: the old behaviour until an admin turns it on


def test_every_migration_function_is_registered():
    """A migration written but not decorated (easy to lose in a merge) would never run."""
    import inspect

    from loket import migrations

    written = {name for name, fn in inspect.getmembers(migrations, inspect.isfunction) if re.match(r"m\d+_", name)}
    registered = {m.name for m in migrations.migrations._migrations}
    assert written == registered, written ^ registered


def test_an_upgraded_database_has_empty_english_service_texts(v1_path):
    """m20_english_service_texts: every old service gets name_en, requirements_en and procedure_en, empty (= the Indonesian)."""
    db = connect(v1_path)
    init_schema(db)
    db.close()
    conn = sqlite3.connect(v1_path)
    try:
        rows = conn.execute("SELECT name, name_en, requirements_en, procedure_en FROM services").fetchall()
    finally:
        conn.close()
    assert rows and all(name and (en, req, proc) == ("", "", "") for name, en, req, proc in rows)
