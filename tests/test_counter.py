"""The counter console's server side: today's figures, who may see which counter, stale tabs, live rooms."""

from __future__ import annotations

from conftest import KIOSK, PASSWORD, add_user, login, settle
from loket.realtime import socketio


def issue(client, service_id: int = 1, **extra) -> dict:
    response = client.post("/api/tickets", headers=KIOSK, json={"service_id": service_id, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, counter_id: int, action: str, status: int = 200, **body) -> dict:
    response = client.post(f"/api/counters/{counter_id}/{action}", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- today


def test_today_counts_served_no_shows_and_average_service_time(client, officer, clock):
    for _ in range(3):
        issue(client)
    act(client, 1, "call-next")
    clock.advance(minutes=1)
    act(client, 1, "start")
    clock.advance(minutes=4)
    act(client, 1, "complete")  # 4 minutes of service
    act(client, 1, "call-next")
    clock.advance(minutes=2)
    act(client, 1, "no-show")
    act(client, 1, "call-next")
    act(client, 1, "start")
    clock.advance(minutes=6)
    assert act(client, 1, "call-next")["ticket"] is None  # "next" on an empty queue still finishes the citizen: 6 minutes

    mine = client.get("/api/me/today").get_json()["today"]
    assert mine == {
        "date": "2026-11-25",
        "called": 3,
        "served": 2,
        "no_shows": 1,
        "transferred": 0,
        "average_service_minutes": 5.0,
    }
    assert client.get("/api/counters/1/today").get_json()["today"] == mine
    assert client.get("/api/counters/2/today").get_json()["today"]["served"] == 0


def test_today_is_the_officers_own_work_and_the_counters_is_everyones(app, client, officer, db, clock):
    add_user(db, "petugas.dukcapil2", "officer", "DUKCAPIL")
    issue(client)
    issue(client)
    act(client, 1, "call-next")
    act(client, 1, "complete")
    other = app.test_client()
    login(other, "petugas.dukcapil2")
    act(other, 1, "call-next")
    clock.advance(minutes=3)
    act(other, 1, "transfer", service_id=5, note="Perlu paspor")

    assert client.get("/api/me/today").get_json()["today"]["served"] == 1
    theirs = other.get("/api/me/today").get_json()["today"]
    assert (theirs["served"], theirs["transferred"], theirs["average_service_minutes"]) == (0, 1, None)
    counter = client.get("/api/counters/1/today").get_json()["today"]
    assert (counter["called"], counter["served"], counter["transferred"]) == (2, 1, 1)


def test_today_starts_at_local_midnight(client, officer, clock):
    clock.set_local("2026-11-24T23:50:00")
    issue(client)
    act(client, 1, "call-next")
    act(client, 1, "complete")
    assert client.get("/api/me/today").get_json()["today"]["served"] == 1
    clock.set_local("2026-11-25T00:05:00")
    today = client.get("/api/me/today").get_json()["today"]
    assert (today["date"], today["served"], today["average_service_minutes"]) == ("2026-11-25", 0, None)


# ---------------------------------------------------------------- who may see what


def test_an_officer_cannot_see_or_work_another_agencys_counter(client):
    login(client, "petugas.imigrasi")
    for method, path in [
        ("get", "/api/counters/1"),
        ("get", "/api/counters/1/today"),
        ("post", "/api/counters/1/open"),
        ("post", "/api/counters/1/call-next"),
        ("post", "/api/counters/1/complete"),
        ("post", "/api/counters/1/transfer"),
    ]:
        response = getattr(client, method)(path, json={"service_id": 5} if method == "post" else None)
        assert response.status_code == 403, path
        assert response.get_json() == {"error": "forbidden", "message": "Anda tidak berwenang melakukan tindakan ini."}


def test_the_console_page_of_another_agencys_counter_is_refused(client):
    login(client, "petugas.imigrasi")
    response = client.get("/counter/1")
    assert response.status_code == 403
    assert "Anda tidak berwenang melakukan tindakan ini." in response.get_data(as_text=True)
    assert client.get("/counter/5").status_code == 200
    assert client.get("/counter/999").status_code == 404


def test_admin_may_open_any_console(client):
    login(client, "admin")
    for counter_id in (1, 5, 17):
        assert client.get(f"/counter/{counter_id}").status_code == 200


def test_pages_send_a_visitor_without_login_to_the_login_page(client):
    response = client.get("/counter/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/counter/?next=/counter/1"
    page = client.get("/counter/").get_data(as_text=True)
    assert 'id="login"' in page and "Sesi Anda telah berakhir" not in page
    assert client.get("/api/me/today").get_json()["error"] == "login_required"


def test_an_expired_session_is_told_so_in_indonesian(client, clock):
    login(client, "petugas.dukcapil")
    clock.advance(hours=13)
    response = client.get("/counter/1")
    assert response.status_code == 302
    assert "expired=1" in response.headers["Location"]
    assert "Sesi Anda telah berakhir. Silakan masuk kembali." in client.get(response.headers["Location"]).get_data(as_text=True)
    body = client.get("/api/me/today").get_json()
    assert body == {"error": "session_expired", "message": "Sesi Anda telah berakhir. Silakan masuk kembali."}


def test_wrong_credentials_are_refused_in_indonesian(client):
    response = client.post("/api/login", json={"username": "petugas.dukcapil", "password": PASSWORD + "x"})
    assert response.status_code == 401
    assert response.get_json()["message"] == "Nama pengguna atau kata sandi salah."


def test_the_supervisor_view_is_for_supervisors_and_admin(client):
    for username, status in [("petugas.dukcapil", 403), ("supervisor.dukcapil", 200), ("admin", 200)]:
        login(client, username)
        assert client.get("/counter/supervisor").status_code == status, username


def test_console_pages_carry_the_counters_id_and_its_scripts(client, officer):
    page = client.get("/counter/2").get_data(as_text=True)
    assert 'data-counter-id="2"' in page
    assert client.get("/counter/static/console.js").status_code == 200
    assert client.get("/counter/static/counter.css").status_code == 200


# ---------------------------------------------------------------- two tabs of one counter


def test_a_stale_tab_cannot_call_next_over_a_citizen_it_never_saw(client, officer):
    first, second = issue(client), issue(client)
    called = act(client, 1, "call-next", expected_ticket_id=None)["ticket"]
    assert called["number"] == first["number"]
    # the other tab still shows an empty counter: its "next" would finish the first citizen unseen
    refused = act(client, 1, "call-next", 409, expected_ticket_id=None)
    assert refused["error"] == "counter_changed"
    assert client.get("/api/counters/1").get_json()["counter"]["current_ticket"]["number"] == first["number"]
    refused = act(client, 1, "call", 409, number=second["number"], expected_ticket_id=None)
    assert refused["error"] == "counter_changed"
    assert act(client, 1, "call-next", expected_ticket_id=called["id"])["ticket"]["number"] == second["number"]


def test_expected_ticket_must_be_a_number(client, officer):
    body = act(client, 1, "call-next", 400, expected_ticket_id="satu")
    assert body["error"] == "invalid_field"


def test_both_tabs_of_a_counter_and_its_neighbours_hear_every_change(app, client, officer):
    settle(app)  # opening the counters was announced after the fixture's answers
    tab_a = socketio.test_client(app, flask_test_client=client)
    tab_b = socketio.test_client(app, flask_test_client=client)
    neighbour = socketio.test_client(app, flask_test_client=client)
    try:
        for sock, counter_id in ((tab_a, 1), (tab_b, 1), (neighbour, 2)):
            assert sock.emit("subscribe", {"room": "counter", "counter_id": counter_id}, callback=True) == {"ok": True}
            assert sock.get_received()[0]["name"] == "snapshot"
        issue(client)
        settle(app)
        for sock in (tab_a, tab_b, neighbour):
            changes = [e["args"][0] for e in sock.get_received() if e["name"] == "queue_changed"]
            assert [c["kind"] for c in changes] == ["issued"]
            assert changes[0]["services"][0] == {**changes[0]["services"][0], "id": 1, "waiting": 1}
        act(client, 1, "call-next", expected_ticket_id=None)
        settle(app)
        for sock in (tab_a, tab_b):
            received = sock.get_received()
            assert "ticket_called" in [e["name"] for e in received]
            change = next(e["args"][0] for e in received if e["name"] == "queue_changed")
            assert change["counters"][0]["current_ticket"]["number"] == "A001"
        change = next(e["args"][0] for e in neighbour.get_received() if e["name"] == "queue_changed")
        assert change["services"][0]["waiting"] == 0
    finally:
        for sock in (tab_a, tab_b, neighbour):
            sock.disconnect()


def test_another_agencys_officer_cannot_listen_to_a_counter(app, client):
    login(client, "petugas.imigrasi")
    sock = socketio.test_client(app, flask_test_client=client)
    try:
        answer = sock.emit("subscribe", {"room": "counter", "counter_id": 1}, callback=True)
        assert answer["error"] == "forbidden"
    finally:
        sock.disconnect()
