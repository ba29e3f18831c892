"""Online booking: slots from the service's days, places never overbooked, check-in into the one queue."""

from __future__ import annotations

import threading

import pytest

from conftest import PASSWORD, login, settle
from loket import bookings, serializers, tickets
from loket.db import connect
from loket.errors import LoketError
from loket.realtime import socketio

SECRET = "test-secret"
PHONE = "081234567890"


def service_id(db, code: str = "PASPOR") -> int:
    return db.execute("SELECT id FROM services WHERE code = ?", (code,)).fetchone()[0]


def counter_id(db, number: int) -> int:
    return db.execute("SELECT id FROM counters WHERE number = ?", (number,)).fetchone()[0]


def configure(db, sid: int, **values) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE services SET {sets} WHERE id = ?", (*values.values(), sid))


def office_hours(db, sid: int, opens: str = "08:00", closes: str = "12:00") -> None:
    """Monday to Friday opens–closes, no weekend: a real MPP's week."""
    db.execute("DELETE FROM service_hours WHERE service_id = ?", (sid,))
    for weekday in range(5):
        db.execute("INSERT INTO service_hours (service_id, weekday, opens, closes) VALUES (?, ?, ?, ?)", (sid, weekday, opens, closes))


def book(db, clock, sid: int, day: str = "2026-11-25", start: str = "10:30", phone: str = PHONE, nik: str | None = "3201234567890123"):
    return bookings.book(db, sid, day, start, "Siti Aminah", phone, clock(), nik=nik, secret=SECRET)


def refusal(fn, *args, **kwargs) -> LoketError:
    with pytest.raises(LoketError) as caught:
        fn(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- slots


def test_slots_follow_the_weekly_hours_leave_out_the_break_and_a_closed_date(db, clock):
    sid = service_id(db)
    office_hours(db, sid)
    agency = db.execute("SELECT agency_id FROM services WHERE id = ?", (sid,)).fetchone()[0]
    db.execute("INSERT INTO breaks (agency_id, weekday, starts, ends, label) VALUES (?, 2, '10:00', '10:45', 'Istirahat')", (agency,))
    db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES ('2026-11-26', ?, 'Cuti bersama')", (agency,))
    clock.set_local("2026-11-24T15:00:00")  # the day before: every slot of Wednesday lies ahead
    wednesday = bookings.slots(db, sid, "2026-11-25", clock())
    assert [(s["start"], s["end"]) for s in wednesday["slots"]] == [
        ("08:00", "08:30"), ("08:30", "09:00"), ("09:00", "09:30"), ("09:30", "10:00"),
        ("10:45", "11:15"), ("11:15", "11:45"),
    ]  # fmt: skip
    assert all(s["capacity"] == 4 and s["left"] == 4 for s in wednesday["slots"])
    # Thursday is closed, Saturday has no hours, and 15 days ahead is beyond the window of 14.
    for day, reason in (("2026-11-26", "Cuti bersama"), ("2026-11-28", "tidak ada layanan"), ("2026-12-09", "14 hari")):
        err = refusal(bookings.slots, db, sid, day, clock())
        assert err.code == "booking_closed" and reason in err.message()
        assert err.message("en").startswith("Booking is not available: ") and "{" not in err.message("en")
    # A slot already begun is no longer offered today.
    clock.set_local("2026-11-25T09:00:00")
    assert bookings.slots(db, sid, "2026-11-25", clock())["slots"][0]["start"] == "09:30"


def test_the_slots_endpoint_answers_the_documented_shape_and_409_where_booking_is_off(client, db, clock):
    sid = service_id(db)
    answer = client.get(f"/api/bookings/slots?service_id={sid}&date=2026-11-25").get_json()
    assert answer["service_id"] == sid and answer["date"] == "2026-11-25"
    assert answer["slots"][0] == {"start": "10:30", "end": "11:00", "capacity": 4, "left": 4}
    ktp = service_id(db, "KTP")
    closed = client.get(f"/api/bookings/slots?service_id={ktp}&date=2026-11-25")
    assert closed.status_code == 409 and closed.get_json()["error"] == "booking_closed"
    assert client.get(f"/api/bookings/slots?service_id={sid}&date=25-11-2026").get_json()["field"] == "date"
    services = {s["code"]: s for a in client.get("/api/agencies").get_json() for s in a["services"]}
    assert services["PASPOR"]["booking_enabled"] is True and services["PKB"]["booking_enabled"] is True
    assert services["KTP"]["booking_enabled"] is False


# ---------------------------------------------------------------- places


def test_capacity_is_reached_at_exactly_the_last_place_under_50_concurrent_bookings(db, db_path, clock):
    sid = service_id(db)
    configure(db, sid, booking_capacity=7, daily_quota=None, booking_ask_nik=0)
    outcomes: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(50)

    def citizen(i: int) -> None:
        own = connect(db_path)  # a connection of its own, as another request or process would have
        try:
            gate.wait()
            bookings.book(own, sid, "2026-11-25", "11:00", "Warga", f"08120000{i:04d}", clock(), secret=SECRET)
            result = "booked"
        except LoketError as err:
            result = err.code
        finally:
            own.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("booked") == 7 and outcomes.count("slot_full") == 43
    assert db.execute("SELECT count(*) FROM bookings WHERE slot_start = '11:00'").fetchone()[0] == 7
    slot = next(s for s in bookings.slots(db, sid, "2026-11-25", clock())["slots"] if s["start"] == "11:00")
    assert slot["left"] == 0


def test_one_booking_per_phone_number_per_service_and_day(db, clock):
    sid = service_id(db)
    first = book(db, clock, sid)
    for phone in (PHONE, "+62 812-3456-7890", "62812 3456 7890"):
        err = refusal(book, db, clock, sid, start="11:00", phone=phone, nik="3201234567890999")
        assert err.code == "booking_exists" and err.params["field"] == "phone"
    book(db, clock, sid, day="2026-11-26", nik="3201234567890123")  # another day
    book(db, clock, service_id(db, "PKB"), nik=None)  # another service
    bookings.cancel(db, first["token"], clock())
    assert book(db, clock, sid, start="11:00")["status"] == "booked"  # a cancelled booking is not active


def test_the_nik_is_kept_only_as_a_keyed_hash_and_shown_by_its_last_four_digits(client, db, clock):
    sid = service_id(db)
    nik = "3201234567890123"
    answer = client.post(
        "/api/bookings", json={"service_id": sid, "date": "2026-11-25", "start": "10:30", "name": "Siti", "phone": PHONE, "nik": nik}
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["nik_last4"] == "0123" and nik not in answer.get_data(as_text=True)
    row = next(db.query("SELECT * FROM bookings"))
    assert nik not in " ".join(str(v) for v in row.values())
    assert row["nik_hash"] == bookings.nik_hash(nik, SECRET) != bookings.nik_hash(nik, "another-mpp")
    # The passport service asks for the NIK, and one NIK books once a day whatever the phone.
    again = client.post(
        "/api/bookings",
        json={"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Siti", "phone": "081299990000", "nik": nik},
    )
    assert again.status_code == 409 and again.get_json() | {"message": ""} == {"error": "booking_exists", "field": "nik", "message": ""}
    missing = client.post(
        "/api/bookings", json={"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Siti", "phone": "081299990000"}
    )
    assert missing.status_code == 400 and missing.get_json()["field"] == "nik"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("phone", "0212345678"),
        ("nik", "12345"),
        ("name", "A"),
        ("start", "10:10"),
        ("date", "besok"),
        ("service_id", "x"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(client, db, field, value):
    body = {"service_id": service_id(db), "date": "2026-11-25", "start": "10:30", "name": "Siti", "phone": PHONE, "nik": "3201234567890123"}
    answer = client.post("/api/bookings", json={**body, field: value})
    assert answer.status_code == 400 and answer.get_json()["field"] == field


def test_bookings_are_rate_limited_per_device(app, db):
    app.config["BOOKING_LIMITS"] = {"device": (2, 3600)}
    phone = app.test_client()
    sid = service_id(db, "PKB")
    codes = []
    for i in range(3):
        answer = phone.post(
            "/api/bookings", json={"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Budi", "phone": f"08131111000{i}"}
        )
        codes.append(answer.status_code)
    assert codes == [201, 201, 429]


def test_cancel_frees_the_place_at_once_and_open_booking_pages_hear_it(app, client, db, clock):
    sid = service_id(db)
    configure(db, sid, booking_capacity=1)
    page = socketio.test_client(app)
    assert page.emit("follow_booking_slots", {"service_id": sid, "date": "2026-11-25"}, callback=True) == {"ok": True}
    taken = client.post(
        "/api/bookings",
        json={"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Siti", "phone": PHONE, "nik": "3201234567890123"},
    ).get_json()
    settle(app)
    pushed = [e for e in page.get_received() if e["name"] == "booking_slots_changed"]
    assert [s["left"] for s in pushed[-1]["args"][0]["slots"] if s["start"] == "11:00"] == [0]
    assert refusal(book, db, clock, sid, start="11:00", phone="081299990000", nik="3201234567890999").code == "slot_full"
    cancelled = client.post(f"/api/bookings/{taken['token']}/cancel").get_json()
    assert cancelled["status"] == "cancelled"
    settle(app)
    pushed = [e for e in page.get_received() if e["name"] == "booking_slots_changed"]
    assert [s["left"] for s in pushed[-1]["args"][0]["slots"] if s["start"] == "11:00"] == [1]
    assert book(db, clock, sid, start="11:00", phone="081299990000", nik="3201234567890999")["status"] == "booked"
    again = client.post(f"/api/bookings/{taken['token']}/cancel")
    assert again.status_code == 409 and again.get_json()["error"] == "booking_cancelled"
    page.disconnect()


def test_a_page_joining_late_hears_the_places_as_of_its_join(app, client, db):
    """A booking made after the page read its times but before its socket joined is not missed."""
    sid = service_id(db)
    configure(db, sid, booking_capacity=2)
    body = {"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Siti", "phone": PHONE, "nik": "3201234567890123"}
    assert client.post("/api/bookings", json=body).status_code == 201
    settle(app)  # the booking's own broadcast is out before the page comes
    page = socketio.test_client(app)
    assert page.emit("follow_booking_slots", {"service_id": sid, "date": "2026-11-25"}, callback=True) == {"ok": True}
    pushed = [e for e in page.get_received() if e["name"] == "booking_slots_changed"]
    assert len(pushed) == 1 and pushed[0]["args"][0]["date"] == "2026-11-25"
    assert [s["left"] for s in pushed[0]["args"][0]["slots"] if s["start"] == "11:00"] == [1]
    unknown = page.emit("follow_booking_slots", {"service_id": 99999, "date": "2026-11-25"}, callback=True)
    assert unknown["error"] and unknown["message"] and not page.get_received()
    page.disconnect()


def test_walk_ins_leave_the_booked_share_of_the_quota_and_a_booked_citizen_still_gets_a_ticket(db, clock):
    sid = service_id(db)
    configure(db, sid, daily_quota=4, booking_quota_percent=50)
    first = book(db, clock, sid, start="10:30")
    book(db, clock, sid, start="10:30", phone="081299990000", nik="3201234567890999")
    assert refusal(book, db, clock, sid, start="11:00", phone="081277770000", nik="3201234567890777").code == "slot_full"
    quota_left = {s["id"]: s["quota_left"] for a in serializers.agencies_json(db, clock()) for s in a["services"]}
    assert quota_left[sid] == 2  # what the kiosk shows walk-ins: 4 less the 2 booked places
    tickets.issue(db, sid, clock())
    tickets.issue(db, sid, clock())
    assert refusal(tickets.issue, db, sid, clock()).code == "quota_reached"  # the two booked places are held
    clock.set_local("2026-11-25T10:10:00")
    _booking, ticket = bookings.check_in(db, first["code"], clock())
    assert ticket["source"] == "booking" and ticket["number"] == "E003"


# ---------------------------------------------------------------- check-in


@pytest.mark.parametrize(
    ("local_time", "outcome"),
    [
        ("09:29:59", "too_early"),
        ("09:30:00", "checked_in"),
        ("10:15:59", "checked_in"),
        ("10:16:00", "too_late"),
    ],
)
def test_the_check_in_window_opens_30_minutes_before_the_slot_and_closes_15_after_at_the_minute(db, clock, local_time, outcome):
    sid = service_id(db)
    clock.set_local("2026-11-25T08:00:00")
    booking = book(db, clock, sid, start="10:00")
    clock.set_local(f"2026-11-25T{local_time}")
    try:
        bookings.check_in(db, booking["code"], clock())
        result = "checked_in"
    except LoketError as err:
        result = err.code
        if err.code == "too_early":
            assert err.params["opens"] == "09:30" and "hari ini pukul 09:30" in err.message()
            assert "opens today at 09:30" in err.message("en")
        if err.code == "too_late":
            assert err.params["closes"] == "10:15"
    assert result == outcome


def test_a_second_check_in_answers_already_checked_in_with_the_same_ticket(client, db, clock):
    sid = service_id(db)
    booking = book(db, clock, sid, start="10:30")
    first = client.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"].lower()})
    assert first.status_code == 201, first.get_json()
    ticket = first.get_json()["ticket"]
    # printed like a walk-in's: off the request path, the outcome follows as ticket_printed
    assert ticket["source"] == "booking" and ticket["booking_code"] == booking["code"] and ticket["printed"] is None
    assert ticket["qr_svg"].startswith("<svg")
    second = client.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]})
    assert second.status_code == 409 and second.get_json()["error"] == "already_checked_in"
    assert second.get_json()["ticket"]["number"] == ticket["number"]
    status = client.get(f"/api/bookings/{booking['token']}").get_json()
    assert status["status"] == "checked_in" and status["ticket"]["number"] == ticket["number"]
    assert db.execute("SELECT count(*) FROM tickets WHERE source = 'booking'").fetchone()[0] == 1


def test_check_in_refusals_each_have_their_own_answer(client, db, clock):
    sid = service_id(db)
    tomorrow = book(db, clock, sid, day="2026-11-26", start="09:00")
    early = client.post("/api/kiosks/kios-1/check-in", json={"code": tomorrow["code"]}).get_json()
    assert early["error"] == "too_early" and early["opens"] == "08:30" and early["date"] == "2026-11-26"
    assert "pada Kamis, 26 November 2026 pukul 08:30" in early["message"]
    cancelled = book(db, clock, sid, start="10:30", phone="081299990000", nik="3201234567890999")
    bookings.cancel(db, cancelled["token"], clock())
    assert client.post("/api/kiosks/kios-1/check-in", json={"code": cancelled["code"]}).get_json()["error"] == "booking_cancelled"
    unknown = client.post("/api/kiosks/kios-1/check-in", json={"code": "ZZZZZZ"})
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "booking_not_found"
    assert client.post("/api/kiosks/kios-1/check-in", json={"code": "O0I1"}).status_code == 404


def test_an_officer_checks_in_bookings_of_their_own_agency_only(app, db, clock):
    sid = service_id(db)
    booking = book(db, clock, sid, start="10:30")
    other = app.test_client()
    login(other, "petugas.dukcapil")
    refused = other.post("/api/bookings/check-in", json={"code": booking["code"]})
    assert refused.status_code == 403
    officer = app.test_client()
    assert officer.post("/api/bookings/check-in", json={"code": booking["code"]}).status_code == 401
    login(officer, "petugas.imigrasi", PASSWORD)
    answer = officer.post("/api/bookings/check-in", json={"code": booking["code"]})
    assert answer.status_code == 201 and answer.get_json()["ticket"]["booking_code"] == booking["code"]
    assert other.post("/api/bookings/check-in", json={"code": booking["code"]}).status_code == 403  # never the ticket


def test_an_unchecked_booking_expires_after_its_window_and_counts_as_a_no_show(client, db, clock):
    sid = service_id(db)
    configure(db, sid, daily_quota=2, booking_quota_percent=50)
    booking = book(db, clock, sid, start="10:30")
    tickets.issue(db, sid, clock())
    assert refusal(tickets.issue, db, sid, clock()).code == "quota_reached"  # held for the booking
    clock.set_local("2026-11-25T10:46:00")
    assert client.get(f"/api/bookings/{booking['token']}").get_json()["status"] == "expired"
    assert client.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).get_json()["error"] == "too_late"
    assert tickets.issue(db, sid, clock())["number"] == "E002"  # the no-show's place went back to walk-ins
    login(client, "admin")
    report = client.get("/api/admin/reports/bookings?from=2026-11-25&to=2026-11-25").get_json()
    assert [(r["service"], r["booked"], r["checked_in"], r["expired"], r["cancelled"]) for r in report["rows"]] == [
        ("Paspor Baru", 1, 0, 1, 0)
    ]


# ---------------------------------------------------------------- the queue


def test_a_booked_ticket_is_called_after_walk_ins_who_queued_before_its_slot_and_before_those_after(db, clock):
    sid = service_id(db)
    counter = counter_id(db, 5)
    clock.set_local("2026-11-25T09:00:00")
    booking = book(db, clock, sid, start="10:00")
    clock.set_local("2026-11-25T09:40:00")
    before = tickets.issue(db, sid, clock())  # walked in before the slot
    clock.set_local("2026-11-25T09:45:00")
    _b, booked = bookings.check_in(db, booking["code"], clock())  # checks in early: joins at 10:00
    assert booked["queued_at"] == "2026-11-25T03:00:00.000Z" and booked["issued_at"] < booked["queued_at"]
    clock.set_local("2026-11-25T09:55:00")
    just_before = tickets.issue(db, sid, clock())
    clock.set_local("2026-11-25T10:02:00")
    after = tickets.issue(db, sid, clock())  # walked in after the slot began
    assert after["queued_at"] > booked["queued_at"]  # the booking's later place does not drag walk-ins behind it
    priority = tickets.issue(db, sid, clock(), priority=True, priority_reason="elderly", granted_by="kiosk:kios-1")
    tickets.set_counter_state(db, counter, "open", clock())
    order = []
    for _ in range(5):
        called, _done = tickets.call_next(db, counter, clock())
        order.append(called["number"])
        assert called["called_at"] <= "2026-11-25T03:02:00.000Z"  # called now, never at a future queue time
    assert order == [priority["number"], before["number"], just_before["number"], booked["number"], after["number"]]


def test_a_late_check_in_joins_the_line_at_the_moment_of_check_in(db, clock):
    sid = service_id(db)
    booking = book(db, clock, sid, start="10:30")
    clock.set_local("2026-11-25T10:40:00")
    walk_in = tickets.issue(db, sid, clock())
    clock.set_local("2026-11-25T10:44:00")
    _b, booked = bookings.check_in(db, booking["code"], clock())
    assert booked["queued_at"] == "2026-11-25T03:44:00.000Z" > walk_in["queued_at"]
    assert tickets.ahead_of(db, booked, clock()) == 1


def test_an_early_check_in_called_before_its_slot_is_stamped_with_the_real_call_time(db, clock):
    sid = service_id(db)
    counter = counter_id(db, 6)
    booking = book(db, clock, sid, start="11:00")
    clock.set_local("2026-11-25T10:40:00")
    _b, booked = bookings.check_in(db, booking["code"], clock())
    tickets.set_counter_state(db, counter, "open", clock())
    called, _done = tickets.call_next(db, counter, clock())  # nobody else waits: served early
    assert called["id"] == booked["id"] and called["called_at"] == "2026-11-25T03:40:00.000Z"


# ---------------------------------------------------------------- admin


def test_the_admin_sets_booking_per_service_and_a_value_out_of_range_names_its_field(client, db):
    login(client, "admin")
    sid = service_id(db, "KTP")
    answer = client.put(
        f"/api/admin/services/{sid}",
        json={"booking_enabled": True, "booking_slot_minutes": 20, "booking_capacity": 3, "booking_checkin_before": 10},
    )
    assert answer.status_code == 200, answer.get_json()
    item = answer.get_json()["item"]
    assert item["booking_enabled"] == 1 and item["booking_slot_minutes"] == 20 and item["booking_checkin_after"] == 15
    slots = client.get(f"/api/bookings/slots?service_id={sid}&date=2026-11-25").get_json()["slots"]
    assert slots[0] == {"start": "10:20", "end": "10:40", "capacity": 3, "left": 3}
    refused = client.put(f"/api/admin/services/{sid}", json={"booking_capacity": -1})
    assert refused.status_code == 400 and refused.get_json()["field"] == "booking_capacity"
    audit = db.execute("SELECT after FROM audit_log WHERE entity = 'services' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert '"booking_slot_minutes": 20' in audit


def test_the_booking_report_comes_as_csv_with_waiting_of_booked_and_walk_in_tickets(client, db, clock):
    sid = service_id(db)
    booking = book(db, clock, sid, start="10:30")
    clock.set_local("2026-11-25T10:20:00")
    walk_in = tickets.issue(db, sid, clock())
    bookings.check_in(db, booking["code"], clock())
    counter = counter_id(db, 5)
    tickets.set_counter_state(db, counter, "open", clock())
    clock.set_local("2026-11-25T10:35:00")
    tickets.call_next(db, counter, clock())  # the walk-in, after 15 minutes
    clock.set_local("2026-11-25T10:40:00")
    tickets.call_next(db, counter, clock())  # the booking, 10 minutes after its slot began
    login(client, "admin")
    data = client.get("/api/admin/reports/bookings?from=2026-11-25&to=2026-11-25").get_json()
    row = data["rows"][0]
    assert (row["booked"], row["checked_in"], row["wait_booked_avg_min"], row["wait_walk_in_avg_min"]) == (1, 1, 10.0, 15.0)
    assert data["waiting"]["booking"] == {"called": 1, "wait_avg_min": 10.0} and walk_in["source"] == "kiosk"
    answer = client.get("/api/admin/reports/bookings?from=2026-11-25&to=2026-11-25&format=csv")
    assert answer.mimetype == "text/csv"
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("date,agency,service,booked,checked_in,expired,cancelled")
    assert lines[1].startswith("2026-11-25,Kantor Imigrasi,Paspor Baru,1,1,0,0,0,10.0,15.0")
    officer = client.application.test_client()
    login(officer, "petugas.imigrasi")
    assert officer.get("/api/admin/reports/bookings").status_code == 403


def test_screens_learn_only_the_source_of_a_checked_in_ticket_never_its_code(app, client, db, clock):
    sid = service_id(db)
    booking = book(db, clock, sid)
    lobby = socketio.test_client(app)
    lobby.emit("subscribe", {"room": "display"})
    settle(app)
    lobby.get_received()
    assert client.post("/api/kiosks/kios-1/check-in", json={"code": booking["code"]}).status_code == 201
    settle(app)
    changes = [e["args"][0] for e in lobby.get_received() if e["name"] == "queue_changed"]
    ticket = changes[-1]["ticket"]
    assert changes[-1]["kind"] == "issued" and ticket["source"] == "booking"
    assert "booking_code" not in ticket and "token" not in ticket
    lobby.disconnect()


def test_fifty_phones_booking_the_last_places_of_a_live_server_at_once_get_exactly_the_capacity(live_server):
    import requests

    own = connect(live_server.db_path)
    sid = service_id(own, "PKB")
    configure(own, sid, booking_capacity=7, daily_quota=None)
    own.close()
    day = requests.get(f"{live_server.url}/api/bookings/days?service_id={sid}", timeout=10).json()["days"][1]["date"]
    start = requests.get(f"{live_server.url}/api/bookings/slots?service_id={sid}&date={day}", timeout=10).json()["slots"][0]["start"]
    gate = threading.Barrier(50)
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def phone(i: int) -> None:
        with requests.Session() as session:  # a device of its own: no cookie yet
            gate.wait()
            answer = session.post(
                f"{live_server.url}/api/bookings",
                json={"service_id": sid, "date": day, "start": start, "name": "Warga", "phone": f"08570000{i:04d}"},
                timeout=60,
            )
        with lock:
            statuses.append((answer.status_code, answer.json().get("error", "")))

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count((201, "")) == 7 and statuses.count((409, "slot_full")) == 43
    slots = requests.get(f"{live_server.url}/api/bookings/slots?service_id={sid}&date={day}", timeout=10).json()["slots"]
    assert slots[0]["left"] == 0


def test_an_upgraded_v1_database_keeps_its_tickets_and_takes_bookings(tmp_path):
    import sqlite3
    from pathlib import Path

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript((Path(__file__).parent / "fixtures" / "loket-v1.sql").read_text(encoding="utf-8"))
    before = conn.execute("SELECT count(*), group_concat(source) FROM tickets").fetchone()
    conn.close()
    from loket.db import init_schema

    db = connect(path)
    try:
        assert "m15_bookings" in init_schema(db)
        assert db.execute("SELECT count(*), group_concat(source) FROM tickets").fetchone() == before
        assert db.execute("SELECT count(*) FROM services WHERE booking_enabled = 1").fetchone()[0] == 0  # off until an admin turns it on
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'tickets'")}
        assert "'booking'" in sql and {"tickets_counter", "tickets_status_day"} <= indexes
    finally:
        db.close()


def test_kiosks_hear_the_walk_in_quota_shrink_when_a_place_is_booked_for_today(app, client, db):
    sid = service_id(db)
    configure(db, sid, daily_quota=10, booking_quota_percent=50)
    kiosk = socketio.test_client(app)
    kiosk.emit("subscribe", {"room": "kiosk"})
    settle(app)
    kiosk.get_received()
    body = {"service_id": sid, "date": "2026-11-25", "start": "11:00", "name": "Siti", "phone": PHONE, "nik": "3201234567890123"}
    taken = client.post("/api/bookings", json=body).get_json()
    settle(app)
    change = [e["args"][0] for e in kiosk.get_received() if e["name"] == "queue_changed"][-1]
    assert change["kind"] == "booking_changed" and [s["quota_left"] for s in change["services"] if s["id"] == sid] == [9]
    client.post(f"/api/bookings/{taken['token']}/cancel")
    settle(app)
    change = [e["args"][0] for e in kiosk.get_received() if e["name"] == "queue_changed"][-1]
    assert [s["quota_left"] for s in change["services"] if s["id"] == sid] == [10]
    tomorrow = client.post("/api/bookings", json={**body, "date": "2026-11-26"})
    assert tomorrow.status_code == 201
    settle(app)
    assert not [e for e in kiosk.get_received() if e["name"] == "queue_changed"]  # another day's booking holds nothing today
    kiosk.disconnect()


def test_the_phone_of_a_booking_before_its_slot_is_pushed_the_time_its_ticket_says(app, db, clock):
    """The push to a following phone (loket/places.py) places the ticket from its agency's line, not from
    a read of the ticket: a booking's slot and source must still come out as its own JSON has them."""
    sid = service_id(db)
    tickets.set_counter_state(db, counter_id(db, 5), "open", clock())
    booking = book(db, clock, sid, start="10:30")
    clock.set_local("2026-11-25T10:03:00")
    _b, booked = bookings.check_in(db, booking["code"], clock())
    phone = socketio.test_client(app)
    assert phone.emit("subscribe", {"room": "ticket", "token": booked["token"]}, callback=True) == {"ok": True}
    phone.get_received()
    clock.set_local("2026-11-25T10:05:00")
    tickets.issue(db, sid, clock())  # a walk-in: it goes first until 10:30
    with app.app_context():
        assert app.extensions["loket_places"].push({sid}) == 1
    pushed = [e["args"][0] for e in phone.get_received() if e["name"] == "ticket_place"]
    seen = serializers.ticket_json(db, booked, clock(), loaded=serializers.Loaded(db, clock(), ""))
    assert pushed == [{field: seen[field] for field in pushed[0]}]
    assert pushed[0]["ahead"] == 1 and pushed[0]["called_around"] == "2026-11-25T03:30:00.000Z"
    phone.disconnect()


def test_a_booking_checked_in_before_its_slot_is_told_a_time_not_that_it_is_next(db, clock):
    sid = service_id(db)
    tickets.set_counter_state(db, counter_id(db, 5), "open", clock())
    booking = book(db, clock, sid, start="10:30")
    clock.set_local("2026-11-25T10:03:00")
    _b, booked = bookings.check_in(db, booking["code"], clock())
    seen = serializers.ticket_json(db, booked, clock(), loaded=serializers.Loaded(db, clock(), ""))
    assert seen["ahead"] == 0  # nobody waits now, but every walk-in until 10:30 will go first
    assert seen["called_around"] == "2026-11-25T03:30:00.000Z"
    clock.set_local("2026-11-25T10:05:00")
    walk_in = tickets.issue(db, sid, clock())
    seen = serializers.ticket_json(db, booked, clock(), loaded=serializers.Loaded(db, clock(), ""))
    assert seen["ahead"] == 1 and seen["called_around"] == "2026-11-25T03:30:00.000Z"
    assert serializers.ticket_json(db, walk_in, clock(), loaded=serializers.Loaded(db, clock(), ""))["called_around"] is None
