"""Who may take a ticket (loket/issuing.py): paired kiosks, staff, and everyone else under the phone rules."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from test_cli import flask

from conftest import KIOSK, KIOSK_KEY, login
from loket.db import set_setting


def anonymous(app):
    """A client with no cookie, no login and no kiosk key: a script on the Wi-Fi that drops cookies."""
    return app.test_client()


def test_a_script_that_drops_cookies_takes_at_most_the_phones_share_of_a_day(app, db):
    """Issue 21 H1: 50 anonymous POST /api/tickets took all 50 passport tickets; now phones get half at most."""
    answers = [anonymous(app).post("/api/tickets", json={"service_id": 5}) for _ in range(50)]
    issued = [a for a in answers if a.status_code == 201]
    assert len(issued) == 25
    assert {a.get_json()["error"] for a in answers if a.status_code != 201} == {"phone_quota_reached"}
    assert all(a.get_json()["source"] == "phone" for a in issued)
    # the kiosk still has the other half
    at_kiosk = app.test_client().post("/api/kiosks/kios-1/tickets", json={"service_id": 5}, headers=KIOSK)
    assert at_kiosk.status_code == 201, at_kiosk.get_json()


def test_one_device_on_any_issuing_route_gets_the_phone_limit(app, db):
    phone = anonymous(app)
    for route in ("/api/tickets", "/api/phone/tickets", "/api/tickets"):
        assert phone.post(route, json={"service_id": 1}).status_code == 201
    refused = phone.post("/api/tickets", json={"service_id": 2})
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0


def test_the_phones_share_of_the_quota_is_an_admin_setting(app, db, client):
    login(client, "admin")
    assert client.put("/api/admin/profile", json={"phone_quota_percent": 10}).status_code == 200
    answers = [anonymous(app).post("/api/tickets", json={"service_id": 5}).status_code for _ in range(8)]
    assert answers.count(201) == 5  # 10 % of 50
    assert client.put("/api/admin/profile", json={"phone_quota_percent": 101}).status_code == 400


def test_the_kiosk_route_needs_the_kiosks_key(app):
    http = anonymous(app)
    for headers in ({}, {"X-Kiosk-Key": "salah"}, {"X-Kiosk-Key": "kunci-ñ"}, {"X-Kiosk-Key": "x" * 500}):
        refused = http.post("/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"] == "kiosk_not_paired", headers
    issued = http.post("/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers=KIOSK)
    assert issued.status_code == 201 and issued.get_json()["ticket"]["source"] == "kiosk"


def test_a_kiosk_id_in_the_body_needs_that_kiosks_key(app):
    refused = anonymous(app).post("/api/tickets", json={"service_id": 1, "kiosk_id": 1})
    assert refused.status_code == 403 and refused.get_json()["error"] == "kiosk_not_paired"
    assert anonymous(app).post("/api/tickets", json={"service_id": 1, "kiosk_id": 1}, headers=KIOSK).status_code == 201


def test_a_paired_kiosk_issues_without_the_phone_limits(app, db):
    set_setting(db, "phone_tickets", "0")  # phones off: the kiosk is not a phone
    kiosk = anonymous(app)
    numbers = [kiosk.post("/api/kiosks/kios-1/tickets", json={"service_id": 2}, headers=KIOSK).status_code for _ in range(12)]
    assert numbers == [201] * 12
    assert anonymous(app).post("/api/tickets", json={"service_id": 2}).get_json()["error"] == "phone_tickets_disabled"


def test_logged_in_staff_issue_as_before(app, client):
    login(client, "petugas.dukcapil")
    assert [client.post("/api/tickets", json={"service_id": 2}).status_code for _ in range(8)] == [201] * 8
    granted = client.post("/api/tickets", json={"service_id": 2, "priority": True, "priority_reason": "elderly"})
    assert granted.status_code == 201 and granted.get_json()["priority"]


@pytest.mark.parametrize("route", ["/api/tickets", "/api/phone/tickets"])
def test_nobody_declares_priority_for_themselves_off_a_paired_kiosk(app, db, route):
    set_setting(db, "self_priority", "1")
    body = {"service_id": 1, "priority": True, "priority_reason": "elderly"}
    refused = anonymous(app).post(route, json=body)
    assert refused.status_code == 403 and refused.get_json()["error"] == "self_priority_disabled"
    at_kiosk = anonymous(app).post("/api/kiosks/kios-1/tickets", json=body, headers=KIOSK).get_json()["ticket"]
    assert at_kiosk["priority"] is True
    granted_by = db.execute("SELECT priority_granted_by FROM tickets WHERE id = ?", (at_kiosk["id"],)).fetchone()[0]
    assert granted_by == "kiosk:kios-1"


def test_an_admin_pairs_a_kiosk_and_the_earlier_pc_stops_issuing(app, client):
    assert client.post("/api/kiosks/kios-1/pair").status_code == 401
    login(client, "petugas.dukcapil")
    assert client.post("/api/kiosks/kios-1/pair").status_code == 403
    login(client, "admin")
    paired = client.post("/api/kiosks/kios-1/pair").get_json()
    key = paired["kiosk_key"]
    assert paired["pair_url"].endswith(f"/kiosk/?kiosk=kios-1#pair={key}")
    http = anonymous(app)
    assert http.get("/api/kiosks/kios-1", headers={"X-Kiosk-Key": key}).get_json()["kiosk"]["paired"] is True
    assert http.get("/api/kiosks/kios-1", headers=KIOSK).get_json()["kiosk"]["paired"] is False
    assert http.post("/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers=KIOSK).status_code == 403
    assert http.post("/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers={"X-Kiosk-Key": key}).status_code == 201
    assert "key_hash" not in str(client.get("/api/admin/kiosks").get_json())
    assert client.delete("/api/kiosks/kios-1/pair").status_code == 200
    assert http.post("/api/kiosks/kios-1/tickets", json={"service_id": 1}, headers={"X-Kiosk-Key": key}).status_code == 403


def test_add_kiosk_prints_a_key_that_pairs_the_kiosk(tmp_path, demo_template):
    from conftest import copy_demo

    db_path = copy_demo(demo_template, tmp_path / "cli.db")
    added = flask(db_path, "add-kiosk", "kios-2", "--printer", "dummy", "--url", "http://192.168.1.10:5000")
    assert added.returncode == 0, added.stderr
    key = re.search(r"#pair=(\S+)", added.stdout).group(1)
    assert "http://192.168.1.10:5000/kiosk/?kiosk=kios-2#pair=" in added.stdout
    again = flask(db_path, "add-kiosk", "kios-2", "--printer", "dummy")
    assert "#pair=" not in again.stdout  # updating the printer keeps the pairing
    from server import create_app

    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "x", "TESTING": True})
    issued = app.test_client().post("/api/kiosks/kios-2/tickets", json={"service_id": 2}, headers={"X-Kiosk-Key": key})
    assert issued.status_code == 201, issued.get_json()
    assert KIOSK_KEY not in added.stdout


def test_fifty_requests_at_once_from_one_phone_get_only_its_limit(live_server):
    """The device limit is counted in the issuing transaction: concurrent requests cannot all pass a check made before it."""
    first = requests.post(live_server.url + "/api/tickets", json={"service_id": 2}, timeout=10)
    assert first.status_code == 201
    cookie = first.cookies["loket_device"]
    codes: list[int] = []
    lock = threading.Lock()

    def take():
        r = requests.post(live_server.url + "/api/tickets", json={"service_id": 2}, cookies={"loket_device": cookie}, timeout=30)
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=take) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(201) == 2 and codes.count(429) == 48
