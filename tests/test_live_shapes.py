"""One shape per thing: a service in the snapshot and in `queue_changed` is the same object.

The kiosk merges each `queue_changed` service into the service of its snapshot whole; a field the
broadcast left out or named differently would stay stale on screen after the first update.
"""

from __future__ import annotations

import pytest

from conftest import KIOSK, login, settle
from loket.realtime import socketio
from loket.serializers import LIVE_SERVICE_FIELDS

# What only configuration changes (and configuration sends `config_changed`, then a fresh snapshot):
# kept out of `queue_changed`, which goes to every screen on every ticket.
CONFIG_ONLY = {"code", "name", "name_en", "short_name", "prefix", "booking_enabled", "requires_open_counter", "standard"}


def kiosk_services(app) -> dict[int, dict]:
    screen = socketio.test_client(app)
    try:
        screen.emit("subscribe", {"room": "kiosk"})
        snapshot = next(e["args"][0] for e in screen.get_received() if e["name"] == "snapshot")
    finally:
        screen.disconnect()
    return {s["id"]: s for a in snapshot["agencies"] for s in a["services"]}


def issue(client):
    assert client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).status_code in (200, 201)


def open_and_call(client):
    issue(client)
    login(client, "petugas.dukcapil")
    assert client.post("/api/counters/1/open").status_code == 200
    assert client.post("/api/counters/1/call-next", json={}).status_code == 200


@pytest.mark.parametrize("action", [issue, open_and_call], ids=["issued", "counter_opened_and_called"])
def test_a_queue_changed_service_is_the_snapshot_service_less_its_configuration(app, client, action):
    screen = socketio.test_client(app)
    try:
        screen.emit("subscribe", {"room": "kiosk"})
        screen.get_received()
        action(client)
        settle(app)
        changes = [e["args"][0] for e in screen.get_received() if e["name"] == "queue_changed"]
    finally:
        screen.disconnect()
    assert changes, "no queue_changed reached the kiosk"
    live = {s["id"]: s for s in changes[-1]["services"]}
    assert 1 in live
    snapshot = kiosk_services(app)
    for service_id, update in live.items():
        whole = snapshot[service_id]
        assert set(update) == set(LIVE_SERVICE_FIELDS)
        assert set(whole) == set(LIVE_SERVICE_FIELDS) | CONFIG_ONLY
        assert update == {k: whole[k] for k in LIVE_SERVICE_FIELDS}


def test_a_service_that_waits_for_a_counter_opens_with_it_in_the_broadcast(app, client, db):
    """The kiosk no longer works out open/closed from open_counters: the broadcast says it."""
    db.execute("UPDATE services SET requires_open_counter = 1 WHERE id = 1")
    db.commit()
    assert kiosk_services(app)[1]["closed_reason"] == "no_counter_open"
    screen = socketio.test_client(app)
    try:
        screen.emit("subscribe", {"room": "kiosk"})
        screen.get_received()
        login(client, "petugas.dukcapil")
        assert client.post("/api/counters/1/open").status_code == 200
        settle(app)
        changes = [e["args"][0] for e in screen.get_received() if e["name"] == "queue_changed"]
    finally:
        screen.disconnect()
    update = next(s for s in changes[-1]["services"] if s["id"] == 1)
    assert update["open"] is True and update["closed_reason"] is None
    assert update == {k: kiosk_services(app)[1][k] for k in LIVE_SERVICE_FIELDS}
