"""English from screen to screen (issue 20.4, 20.10): the ticket's link carries its language, a service's English
texts reach every screen, a socket's refusal reads in the screen's language, tablet pairing answers a QR code."""

from __future__ import annotations

from conftest import login
from loket.realtime import socketio


def test_a_ticket_taken_in_english_links_to_its_page_in_english(client):
    english = client.post("/api/tickets?lang=en", json={"service_id": 1}).get_json()
    assert english["status_url"].endswith(f"/t/{english['token']}?lang=en")
    indonesian = client.post("/api/tickets", json={"service_id": 1}).get_json()
    assert indonesian["status_url"].endswith(f"/t/{indonesian['token']}")
    page = client.get(f"/t/{english['token']}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Your queue number" in page and "Keep this page open" in page
    assert "Nomor antrean Anda" not in page
    page = client.get(f"/t/{indonesian['token']}").get_data(as_text=True)
    assert '<html lang="id">' in page and "Nomor antrean Anda" in page and "Biarkan halaman ini tetap terbuka" in page


def test_a_called_ticket_page_says_where_to_go_in_english(client):
    ticket = client.post("/api/tickets", json={"service_id": 1}).get_json()
    login(client, "petugas.dukcapil")
    assert client.post("/api/counters/1/open").status_code == 200
    assert client.post("/api/counters/1/call-next", json={}).get_json()["ticket"]["number"] == ticket["number"]
    client.set_cookie("lang", "en")  # the language a phone chose earlier
    assert "Please go to counter 1" in client.get(f"/t/{ticket['token']}").get_data(as_text=True)


def test_a_service_written_in_english_reaches_the_screens_and_falls_back_when_empty(client):
    login(client, "admin")
    service = client.get("/api/admin/services").get_json()
    item = next(s for s in (service["items"] if isinstance(service, dict) else service) if s["id"] == 1)
    body = {**item, "name_en": "KTP-el recording", "requirements_en": "Family card (KK)", "procedure_en": ""}
    saved = client.put("/api/admin/services/1", json=body)
    assert saved.status_code == 200, saved.get_json()
    listed = next(s for a in client.get("/api/agencies").get_json() for s in a["services"] if s["id"] == 1)
    assert listed["name_en"] == "KTP-el recording"
    assert listed["standard"]["requirements_en"] == "Family card (KK)" and listed["standard"]["procedure_en"] == ""
    other = next(s for a in client.get("/api/agencies").get_json() for s in a["services"] if s["id"] == 2)
    assert other["name_en"] == ""  # nothing written: screens show the Indonesian
    ticket = client.post("/api/tickets", json={"service_id": 1}).get_json()
    assert ticket["service_en"] == "KTP-el recording" and ticket["service"] == item["name"]
    too_long = client.put("/api/admin/services/1", json={**body, "name_en": "x" * 201}).get_json()
    assert too_long["field"] == "name_en" and "Nama dalam bahasa Inggris" in too_long["message"]


def test_a_socket_refusal_reads_in_the_language_of_the_screen(app):
    english = socketio.test_client(app, query_string="lang=en")
    indonesian = socketio.test_client(app)
    try:
        answer = english.emit("subscribe", {"room": "counter", "counter_id": 1}, callback=True)
        assert answer == {"error": "login_required", "message": "Please log in first."}
        errors = [e["args"][0] for e in english.get_received() if e["name"] == "error"]
        assert errors == [answer]
        answer = indonesian.emit("subscribe", {"room": "counter", "counter_id": 1}, callback=True)
        assert answer["message"] == "Silakan masuk terlebih dahulu."
        bad = english.emit("subscribe", {"room": "lobby"}, callback=True)
        assert bad["error"] == "invalid_field" and "choose one of" in bad["message"].lower()
    finally:
        english.disconnect()
        indonesian.disconnect()


def test_pairing_a_survey_tablet_answers_its_link_as_a_qr_code(client):
    login(client, "admin")
    answer = client.post("/api/survey/tablets/1/pair").get_json()
    assert "/survey/?counter=1#pair=" in answer["pair_url"]
    assert answer["pair_qr_svg"].startswith('<svg class="qr"') and "<path" in answer["pair_qr_svg"]


def test_the_snapshot_carries_the_one_table_of_priority_reasons(client):
    reasons = client.get("/api/mpp").get_json()["priority_reasons"]
    assert list(reasons) == ["disability", "elderly", "pregnant", "child", "disaster"]
    assert reasons["elderly"] == "Lansia (60+)"
