"""Side effects no route may forget: an audit row and a live push for every configuration change,
one transaction per change, and rate-limit windows that do not pile up forever."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from conftest import KIOSK, login, settle
from loket import ratelimit
from loket.db import connect, transaction
from loket.errors import LoketError
from loket.events import PrintWanted
from loket.realtime import socketio


@pytest.fixture
def admin(client):
    return login(client, "admin")


def test_changing_the_survey_mode_writes_an_audit_row_and_tells_the_screens(app, client, admin, db):
    screen = socketio.test_client(app)
    try:
        screen.emit("subscribe", {"room": "kiosk"})
        screen.get_received()
        assert client.put("/api/survey/settings", json={"mode": "quick"}).get_json() == {"mode": "quick"}
        settle(app)
        pushed = [e["args"][0] for e in screen.get_received() if e["name"] == "config_changed"]
        assert pushed == [{"what": "mpp"}]
    finally:
        screen.disconnect()
    row = db.execute("SELECT username, action, entity, before, after FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert row[:3] == ("admin", "update", "settings")
    assert json.loads(row[3])["survey_mode"] == "skm" and json.loads(row[4])["survey_mode"] == "quick"
    assert client.get("/api/survey/questions").get_json()["mode"] == "quick"


def test_a_refused_survey_mode_changes_nothing_and_audits_nothing(client, admin, db):
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    response = client.put("/api/survey/settings", json={"mode": "lima"})
    assert response.status_code == 400 and response.get_json()["field"] == "mode"
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_a_test_print_stores_the_printer_state_and_its_audit_row_in_one_transaction(app, client, admin, db_path):
    statements: list[str] = []
    pool = app.extensions["loket_pool"]
    me = threading.get_ident()
    pool.trace = lambda sql: statements.append(sql) if threading.get_ident() == me else None  # the request's own statements
    response = client.post("/api/admin/kiosks/1/test-print")
    pool.trace = None
    assert response.status_code == 200 and response.get_json()["item"]["printer_state"] == "ok"
    writes = [s.split()[0].upper() for s in statements if s.split()[0].upper() in ("BEGIN", "COMMIT", "UPDATE", "INSERT")]
    assert writes == ["BEGIN", "UPDATE", "INSERT", "COMMIT"]
    check = connect(db_path)
    try:
        row = check.execute("SELECT action, entity, entity_id, after FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert row[:3] == ("print_test", "kiosks", 1) and json.loads(row[3])["printer_state"] == "ok"
    finally:
        check.close()


def test_old_rate_limit_windows_of_every_bucket_are_purged(db, clock):
    start = clock()
    for device in range(50):
        ratelimit.hit(db, f"phone:device:{device}", 5, 3600, start)
    assert db.execute("SELECT count(*) FROM rate_limits WHERE bucket LIKE 'phone:device:%'").fetchone()[0] == 50
    ratelimit.hit(db, "login:admin", 10, 300, start + timedelta(days=1, minutes=1))
    assert db.execute("SELECT count(*) FROM rate_limits WHERE bucket LIKE 'phone:device:%'").fetchone()[0] == 0
    assert db.execute("SELECT bucket FROM rate_limits").fetchall() == [("login:admin",)]


def test_a_purge_keeps_the_windows_that_still_count(db, clock):
    ratelimit.hit(db, "complaint:ip:1", 1, 3600, clock())
    ratelimit.hit(db, "survey:1", 60, 600, clock.advance(minutes=30))
    with pytest.raises(LoketError) as refused:
        ratelimit.hit(db, "complaint:ip:1", 1, 3600, clock())
    assert refused.value.code == "rate_limited"


def test_a_window_longer_than_the_purge_horizon_is_refused(db, clock):
    with pytest.raises(ValueError):
        ratelimit.hit(db, "yearly", 1, 2 * ratelimit.KEEP_SECONDS, clock())


def test_the_purge_reads_the_window_index(db):
    with transaction(db):
        plan = db.execute("EXPLAIN QUERY PLAN DELETE FROM rate_limits WHERE window_start < 0").fetchall()
    assert any("rate_limits_window" in str(step) for step in plan)


def test_a_kiosk_ticket_wants_paper_only_once_it_committed_and_the_core_never_calls_the_kiosk(app, client, db):
    wanted = []
    app.extensions["loket_emitter"].subscribe(PrintWanted, wanted.append)
    ticket = client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 1}).get_json()["ticket"]
    settle(app)
    row = db.execute("SELECT id, kiosk_id FROM tickets WHERE token = ?", (ticket["token"],)).fetchone()
    assert [(job.ticket_id, job.kiosk_id, job.reprint) for job in wanted] == [(row[0], row[1], False)]
    # A ticket refused inside its transaction (a service that does not exist) wants nothing printed.
    assert client.post("/api/kiosks/kios-1/tickets", headers=KIOSK, json={"service_id": 999}).status_code == 404
    settle(app)
    assert len(wanted) == 1
