"""The MPP's management day (issue 24): pauses and closures with a reason, closures approved or
rejected by the supervisor, counters reopening on the next service day, standards watched live."""

from __future__ import annotations

from conftest import login, settle
from loket import management, standards
from loket.db import set_setting
from loket.realtime import socketio

KTP = 1  # Dukcapil: counters 1, 2, 3 serve it


def dukcapil_hours(db, opens="08:00", closes="16:00", weekdays=range(5)):
    """Dukcapil's services open on weekdays only, so a weekend and a holiday mean something."""
    db.execute("DELETE FROM service_hours WHERE service_id IN (SELECT id FROM services WHERE agency_id = 1)")
    for (sid,) in db.execute("SELECT id FROM services WHERE agency_id = 1").fetchall():
        for weekday in weekdays:
            db.execute("INSERT INTO service_hours VALUES (?, ?, ?, ?)", (sid, weekday, opens, closes))


def open_as_officer(client, *counter_ids):
    login(client, "petugas.dukcapil")
    for counter_id in counter_ids:
        assert client.post(f"/api/counters/{counter_id}/open").status_code == 200


def lobby_counter(client, counter_id):
    client.post("/api/logout")
    found = next(c for c in client.get("/api/counters").get_json() if c["id"] == counter_id)
    return found


# ---------------------------------------------------------------- pause and close with a reason


def test_a_pause_without_a_body_still_pauses_with_the_reason_other(client):
    open_as_officer(client, 1)
    answer = client.post("/api/counters/1/pause")
    assert answer.status_code == 200
    counter = answer.get_json()["counter"]
    assert (counter["state"], counter["reason"], counter["reason_label"]) == ("paused", "lainnya", "Lainnya")


def test_a_pause_with_a_reason_and_return_time_reaches_the_lobby_in_plain_words_without_the_note(client, clock):
    open_as_officer(client, 1)
    body = {"reason": "istirahat", "note": "makan siang", "until": "13:00"}
    counter = client.post("/api/counters/1/pause", json=body).get_json()["counter"]
    assert counter["reason_label"] == "Istirahat" and counter["reason_label_en"] == "Break"
    assert (counter["until"], counter["reason_note"]) == ("13:00", "makan siang")
    public = lobby_counter(client, 1)
    assert (public["state"], public["reason"], public["until"], public["reason_note"]) == ("paused", "istirahat", "13:00", "")


def test_a_reason_the_admin_does_not_keep_is_refused_naming_the_field(client):
    open_as_officer(client, 1)
    answer = client.post("/api/counters/1/pause", json={"reason": "tidur"})
    assert answer.status_code == 400 and answer.get_json()["field"] == "reason"
    answer = client.post("/api/counters/1/pause", json={"reason": "istirahat", "until": "25:00"})
    assert answer.status_code == 400 and answer.get_json()["field"] == "until"


def test_opening_again_clears_the_reason(client):
    open_as_officer(client, 1)
    client.post("/api/counters/1/pause", json={"reason": "sholat", "until": "12:15"})
    counter = client.post("/api/counters/1/open").get_json()["counter"]
    assert (counter["state"], counter["reason"], counter["until"]) == ("open", None, None)


# ---------------------------------------------------------------- closures and approval


def test_a_short_closure_is_at_once_and_a_longer_one_is_a_request(client, db, clock):
    dukcapil_hours(db)
    clock.set_local("2026-11-25 10:00")  # a Wednesday, in the hours
    open_as_officer(client, 1, 2)
    short = client.post("/api/counters/1/close", json={"reason": "rapat", "until": "10:30"})  # 30 min: the threshold itself
    assert short.status_code == 200 and short.get_json()["counter"]["state"] == "closed"
    assert short.get_json()["closure_request"] is None
    longer = client.post("/api/counters/2/close", json={"reason": "rapat", "until": "10:31"})
    assert longer.status_code == 202
    request = longer.get_json()["closure_request"]
    assert (request["status"], request["reason_label"], request["until"]) == ("pending", "Rapat", "10:31")
    assert longer.get_json()["counter"]["state"] == "open"  # nothing changes until it is approved
    assert client.post("/api/counters/2/close", json={"reason": "rapat"}).get_json()["error"] == "closure_pending"


def test_a_closure_outside_the_hours_needs_no_approval(client, db, clock):
    dukcapil_hours(db)
    clock.set_local("2026-11-25 16:05")
    open_as_officer(client, 1)
    answer = client.post("/api/counters/1/close")
    assert answer.status_code == 200 and answer.get_json()["counter"]["state"] == "closed"


def test_the_threshold_is_the_admins_setting(client, db, clock):
    dukcapil_hours(db)
    set_setting(db, "closure_approval_minutes", "90")
    clock.set_local("2026-11-25 10:00")
    open_as_officer(client, 1)
    assert client.post("/api/counters/1/close", json={"reason": "rapat", "until": "11:00"}).status_code == 200


def test_the_supervisor_approves_live_and_the_counter_closes_for_the_day_in_the_audit_log(app, client, db, clock):
    dukcapil_hours(db)
    clock.set_local("2026-11-25 10:00")
    open_as_officer(client, 1)
    settle(app)
    supervisor_client = app.test_client()
    login(supervisor_client, "supervisor.dukcapil")
    staff = socketio.test_client(app, flask_test_client=supervisor_client)
    try:
        assert staff.emit("subscribe", {"room": "staff"}, callback=True) == {"ok": True}
        staff.get_received()
        body = {"reason": "gangguan_sistem", "note": "SIAK mati"}
        request = client.post("/api/counters/1/close", json=body).get_json()["closure_request"]
        assert request["rest_of_day"] is True
        settle(app)
        heard = [e["args"][0] for e in staff.get_received() if e["name"] == "closure_request_changed"]
        assert [(r["id"], r["status"]) for r in heard] == [(request["id"], "pending")]
        listed = supervisor_client.get("/api/closure-requests?status=pending").get_json()["items"]
        assert [r["id"] for r in listed] == [request["id"]]
        approved = supervisor_client.post(f"/api/closure-requests/{request['id']}/approve", json={"note": "ok"})
        assert approved.status_code == 200 and approved.get_json()["request"]["status"] == "approved"
        settle(app)
        heard = [e["args"][0] for e in staff.get_received() if e["name"] == "closure_request_changed"]
        assert heard[-1]["status"] == "approved" and heard[-1]["decided_by"] == "Supervisor Dukcapil"
    finally:
        staff.disconnect()
    counter = db.execute("SELECT state, pause_reason, closed_for_day FROM counters WHERE id = 1").fetchone()
    assert counter == ("closed", "gangguan_sistem", "2026-11-25")
    again = supervisor_client.post(f"/api/closure-requests/{request['id']}/reject", json={"note": "terlambat"})
    assert again.get_json()["error"] == "closure_decided"
    login(client, "admin")
    log = client.get("/api/admin/audit?entity=closure_requests").get_json()["items"]
    assert [(e["action"], e["username"]) for e in log] == [("update", "supervisor.dukcapil"), ("create", "petugas.dukcapil")]
    assert client.get("/api/admin/audit?entity=counters").get_json()["items"][0]["after"]["state"] == "closed"


def test_a_rejected_request_leaves_the_counter_open_and_tells_the_officer_why(app, client, db, clock):
    dukcapil_hours(db)
    clock.set_local("2026-11-25 10:00")
    open_as_officer(client, 1)
    request = client.post("/api/counters/1/close", json={"reason": "rapat", "until": "12:00"}).get_json()["closure_request"]
    supervisor_client = app.test_client()
    login(supervisor_client, "supervisor.dukcapil")
    assert supervisor_client.post(f"/api/closure-requests/{request['id']}/reject", json={}).get_json()["error"] == "missing_field"
    rejected = supervisor_client.post(f"/api/closure-requests/{request['id']}/reject", json={"note": "Antrean masih panjang"})
    assert rejected.get_json()["request"]["status"] == "rejected"
    assert client.get("/api/counters/1").get_json()["counter"]["state"] == "open"
    mine = client.get("/api/counters/1/closure-requests").get_json()["items"][0]
    assert (mine["status"], mine["decision_note"]) == ("rejected", "Antrean masih panjang")


def test_an_officer_or_another_agencys_supervisor_cannot_decide(app, client, db, clock):
    from conftest import add_user

    dukcapil_hours(db)
    clock.set_local("2026-11-25 10:00")
    open_as_officer(client, 1)
    request = client.post("/api/counters/1/close", json={"reason": "rapat"}).get_json()["closure_request"]
    assert client.post(f"/api/closure-requests/{request['id']}/approve", json={}).status_code == 403
    add_user(db, "supervisor.imigrasi", "supervisor", "IMIGRASI")
    other = app.test_client()
    login(other, "supervisor.imigrasi")
    assert other.post(f"/api/closure-requests/{request['id']}/approve", json={}).status_code == 403
    assert other.get("/api/closure-requests").get_json()["items"] == []


def _closed_for_the_day(app, client, db, clock):
    """Counter 1 closed for the rest of Friday 2026-11-27, approved."""
    dukcapil_hours(db)
    clock.set_local("2026-11-27 10:00")
    open_as_officer(client, 1)
    request = client.post("/api/counters/1/close", json={"reason": "rapat"}).get_json()["closure_request"]
    supervisor_client = app.test_client()
    login(supervisor_client, "supervisor.dukcapil")
    assert supervisor_client.post(f"/api/closure-requests/{request['id']}/approve", json={}).status_code == 200


def test_a_counter_closed_for_the_day_reopens_by_itself_on_the_next_service_day(app, client, db, clock):
    _closed_for_the_day(app, client, db, clock)
    watcher = app.extensions["loket_watcher"]
    clock.set_local("2026-11-27 23:00")
    assert watcher.run_once()["reopened"] == []
    clock.set_local("2026-11-28 09:00")  # Saturday: no Dukcapil service
    assert watcher.run_once()["reopened"] == []
    clock.set_local("2026-11-30 07:59")  # Monday, before the hours
    assert watcher.run_once()["reopened"] == []
    clock.set_local("2026-11-30 08:00")
    assert watcher.run_once()["reopened"] == [1]
    assert db.execute("SELECT state, pause_reason, closed_for_day FROM counters WHERE id = 1").fetchone() == ("open", None, None)
    login(client, "admin")
    entry = client.get("/api/admin/audit?entity=counters").get_json()["items"][0]
    assert (entry["username"], entry["after"]["state"]) == ("", "open")


def test_a_counter_closed_for_the_day_does_not_reopen_on_a_holiday(app, client, db, clock):
    _closed_for_the_day(app, client, db, clock)
    db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES ('2026-11-30', NULL, 'Cuti bersama')")
    clock.set_local("2026-11-30 09:00")
    assert management.reopen_due(db, clock()) == []
    clock.set_local("2026-12-01 08:30")
    assert management.reopen_due(db, clock()) == [1]


# ---------------------------------------------------------------- standards watched live


def test_an_alert_is_raised_once_when_a_wait_crosses_its_target_and_cleared_when_served(app, client, db, clock):
    db.execute("UPDATE services SET wait_target_minutes = 15 WHERE id = ?", (KTP,))
    open_as_officer(client, 1)
    settle(app)

    def check():  # the watcher's pass, on the app's own connections: what it says goes out to sockets
        return app.extensions["loket_watcher"].run_once()["alerts"]

    staff_client = app.test_client()
    login(staff_client, "supervisor.dukcapil")
    staff = socketio.test_client(app, flask_test_client=staff_client)
    try:
        staff.emit("subscribe", {"room": "staff"}, callback=True)
        staff.get_received()
        assert client.post("/api/tickets", json={"service_id": KTP}).status_code == 201
        clock.advance(minutes=15)
        assert check() == []  # at the target, not past it
        clock.advance(minutes=1)
        raised = check()
        assert [(a["state"], a["kind"], a["service_id"], a["tickets"]) for a in raised] == [("raised", "wait", KTP, 1)]
        clock.advance(minutes=5)
        assert check() == []  # still past it: no second alert
        live = staff_client.get("/api/standards/live").get_json()
        ktp = next(s for s in live["services"] if s["id"] == KTP)
        assert (ktp["waiting_beyond_target"], ktp["longest_wait_minutes"]) == (1, 21.0)
        assert [a["service_id"] for a in live["alerts"]] == [KTP]
        assert client.post("/api/counters/1/call-next", json={}).status_code == 200
        cleared = check()
        assert [(a["state"], a["id"]) for a in cleared] == [("cleared", raised[0]["id"])]
        settle(app)
        heard = [e["args"][0]["state"] for e in staff.get_received() if e["name"] == "standard_alert"]
        assert heard == ["raised", "cleared"]
    finally:
        staff.disconnect()
    breach = db.execute("SELECT kind, peak_minutes, peak_tickets, ended_at IS NOT NULL FROM standard_breaches").fetchall()
    assert breach == [("wait", 21.0, 1, 1)]


def test_the_promised_minutes_are_the_default_target_and_the_projection_counts_who_will_not_be_served(client, db, clock):
    dukcapil_hours(db, closes="10:30")
    clock.set_local("2026-11-25 10:00")
    db.execute("UPDATE services SET promised_minutes = 45, default_service_minutes = 10 WHERE id = ?", (KTP,))
    open_as_officer(client, 1)  # one counter: 30 minutes left at 10 minutes each serve 3 of the 5
    for _ in range(5):
        client.post("/api/tickets", json={"service_id": KTP})
    ktp = next(s for s in standards.standings(db, clock(), 1) if s["id"] == KTP)
    assert (ktp["wait_target_minutes"], ktp["waiting"], ktp["projected_unserved"]) == (45, 5, 2)


# ---------------------------------------------------------------- attendance


def test_attendance_figures_for_a_scripted_day(app, client, db, clock):
    dukcapil_hours(db, closes="12:00")
    at = clock.set_local
    at("2026-11-25 08:05")
    open_as_officer(client, 1)
    at("2026-11-25 08:06")
    client.post("/api/tickets", json={"service_id": KTP})
    at("2026-11-25 08:10")
    client.post("/api/counters/1/call-next", json={})
    at("2026-11-25 08:20")
    client.post("/api/counters/1/complete")
    at("2026-11-25 09:00")
    client.post("/api/counters/1/pause", json={"reason": "istirahat", "until": "09:30"})
    at("2026-11-25 09:30")
    client.post("/api/counters/1/open")
    at("2026-11-25 10:00")
    assert client.post("/api/counters/1/close", json={"reason": "rapat", "until": "10:20"}).status_code == 200
    at("2026-11-25 11:00")
    client.post("/api/counters/1/open")
    at("2026-11-25 11:30")
    request = client.post("/api/counters/1/close", json={"reason": "lainnya"}).get_json()["closure_request"]
    supervisor = app.test_client()
    login(supervisor, "supervisor.dukcapil")
    supervisor.post(f"/api/closure-requests/{request['id']}/reject", json={"note": "Masih ada antrean"})
    at("2026-11-25 12:05")
    assert client.post("/api/counters/1/close").status_code == 200  # after the hours: at once
    at("2026-11-25 13:00")

    report = supervisor.get("/api/admin/reports/attendance?month=2026-11").get_json()
    [row] = report["officers"]
    assert (row["day"], row["agency"], row["officer"]) == ("2026-11-25", "Dinas Kependudukan dan Pencatatan Sipil", row["officer"])
    assert (row["first_opened"], row["last_closed"]) == ("2026-11-25T01:05:00.000Z", "2026-11-25T05:05:00.000Z")
    assert (row["open_minutes"], row["break_minutes"], [b["reason"] for b in row["breaks"]]) == (150, 30, ["istirahat"])
    assert (row["served"], row["serving_minutes"], row["idle_minutes"]) == (1, 10, 140)
    assert (row["closures_approved"], row["closures_rejected"]) == (0, 1)
    today = [r for r in report["unrepresented"] if r["day"] == "2026-11-25"]
    assert today == [{"day": "2026-11-25", "agency_id": 1, "agency": row["agency"], "hours": ["10:00"], "count": 1}]
    # the 17 weekdays of November before had no counter open at all: 1 day of 18 represented at 08:00
    assert len(report["unrepresented"]) == 18 and {r["agency_id"] for r in report["unrepresented"]} == {1}
    assert report["hours"] == [{"agency_id": 1, "agency": row["agency"], "hours": {"08": 6, "09": 6, "10": 0, "11": 6}}]
    csv = supervisor.get("/api/admin/reports/attendance?month=2026-11&format=csv").get_data(as_text=True)
    assert csv.splitlines()[1].startswith("2026-11-25,Dinas Kependudukan dan Pencatatan Sipil,")
    assert ",08:05,12:05,150.0,istirahat 30,30.0,0,1,1,10.0,140.0" in csv
    assert supervisor.get("/api/admin/reports/attendance?month=2026-11&agency_id=2").status_code == 403


def test_the_months_standards_report_gives_the_share_within_target_the_breaches_and_the_longest_wait(app, client, db, clock):
    db.execute("UPDATE services SET wait_target_minutes = 15 WHERE id = ?", (KTP,))
    open_as_officer(client, 1)
    for _ in range(2):
        client.post("/api/tickets", json={"service_id": KTP})
    clock.advance(minutes=10)
    client.post("/api/counters/1/call-next", json={})  # waited 10: within
    clock.advance(minutes=10)
    assert [a["state"] for a in app.extensions["loket_watcher"].run_once()["alerts"]] == ["raised"]
    client.post("/api/counters/1/call-next", json={})  # the first is completed by this; the second waited 20
    client.post("/api/counters/1/complete")
    assert [a["state"] for a in app.extensions["loket_watcher"].run_once()["alerts"]] == ["cleared"]
    login(client, "admin")
    report = client.get("/api/admin/reports/standards?month=2026-11").get_json()
    [ktp] = [s for s in report["services"] if s["id"] == KTP]
    assert (ktp["served"], ktp["within_target_pct"], ktp["wait_breaches"], ktp["longest_wait_minutes"]) == (2, 50.0, 1, 20.0)
    assert report["days"] == [{"day": "2026-11-25", "served": 2, "within_target_pct": 50.0}]
    csv = client.get("/api/admin/reports/standards?month=2026-11&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0] == (
        "\ufeffid,agency,name,wait_target_minutes,served,within_target_pct,wait_breaches,service_breaches,longest_wait_minutes"
    )
    assert ",15,2,50.0,1,0,20.0" in csv
