"""The lobby display's server side: page, chime, announcement audio of real calls, media folder, voice mode."""

import io
import json
import os
import threading
import wave

import pytest
import requests

from conftest import KIOSK, espeak_available, login
from display import audio
from loket.db import connect
from loket.realtime import socketio
from loket.speech import announcement, short_announcement


def wav_info(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.getnframes(), wav.getnframes() / wav.getframerate()


def require_espeak():
    if espeak_available():
        return
    if os.environ.get("LOKET_REQUIRE_BROWSER") == "1":
        pytest.fail("LOKET_REQUIRE_BROWSER=1 but espeak-ng is missing: apt-get install -y espeak-ng")
    pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng): server-rendered voice not tested")


def call(client, counter_id: int = 1) -> dict:
    response = client.post(f"/api/counters/{counter_id}/call-next")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ticket"]


def last_call_id(db, ticket_id: int) -> int:
    return db.execute("SELECT max(id) FROM events WHERE ticket_id = ? AND kind IN ('called', 'recalled')", (ticket_id,)).fetchone()[0]


def test_the_display_page_names_the_display_and_loads_its_script(client):
    response = client.get("/display/?display=lobi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-display="lobi"' in html
    assert "/display/static/display.js" in html
    assert "Mal Pelayanan Publik Kota Contoh" in html
    assert "Aktifkan suara" in html


def test_a_display_name_in_the_address_is_escaped(client):
    html = client.get('/display/?display="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html or "&quot;&gt;&lt;script&gt;" in html


def test_the_chime_is_a_short_wav(client):
    response = client.get("/display/chime.wav")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    frames, seconds = wav_info(response.data)
    assert frames > 0 and 0.8 < seconds < 3


@pytest.mark.parametrize(("number", "counter"), [("A001", 1), ("B017", 4), ("PH-101", 12), ("4K-01", 10), ("Q999", 100)])
def test_espeak_renders_plausible_audio_for_announcements(tmp_path, number, counter):
    require_espeak()
    text = announcement(number, counter, "digits")
    path = audio.render(text, tmp_path)
    seconds = audio.wav_seconds(path)
    # Roughly 2.5–4 syllables a second at -s 140: the sentences here have 17–26 syllables.
    assert 2.5 < seconds < 12, (text, seconds)
    again = audio.render(text, tmp_path)
    assert again == path and len(list(tmp_path.glob("*.wav"))) == 1  # cached, not rendered twice


def test_a_longer_number_takes_longer_to_say(tmp_path):
    require_espeak()
    short = audio.wav_seconds(audio.render(announcement("A1", 1), tmp_path))
    long = audio.wav_seconds(audio.render(announcement("PH-987654", 23), tmp_path))
    assert long > short + 1


def test_a_real_call_is_served_as_its_spoken_announcement(client, db, officer):
    require_espeak()
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    ticket = call(client, 1)
    response = client.get(f"/display/audio/{last_call_id(db, ticket['id'])}.wav")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    frames, seconds = wav_info(response.data)
    assert frames > 0 and 2.5 < seconds < 12


def test_a_recall_has_its_own_audio_address(client, db, officer):
    require_espeak()
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    ticket = call(client, 1)
    first = last_call_id(db, ticket["id"])
    assert client.post("/api/counters/1/recall").status_code == 200
    second = last_call_id(db, ticket["id"])
    assert second != first
    assert client.get(f"/display/audio/{second}.wav").status_code == 200


def test_audio_is_only_rendered_for_real_calls(client, db, officer):
    issued = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    not_a_call = db.execute("SELECT id FROM events WHERE kind != 'called' ORDER BY id LIMIT 1").fetchone()[0]
    for address in (f"/display/audio/{not_a_call}.wav", "/display/audio/999999.wav"):
        response = client.get(address, headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert client.get("/display/audio/abc.wav").status_code == 404
    assert issued


def test_without_espeak_the_audio_address_says_so_in_indonesian(app, client, db, officer, monkeypatch, tmp_path):
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    ticket = call(client, 1)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without espeak-ng
    response = client.get(f"/display/audio/{last_call_id(db, ticket['id'])}.wav")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "voice_unavailable"
    assert "espeak-ng" in body["message"] and "bel" in body["message"]
    assert 'data-server-voice="0"' in client.get("/display/?display=lobi").get_data(as_text=True)


def test_media_folder_lists_pictures_and_videos_only(app, client, tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "b-promo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "a-profil.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (folder / "catatan.txt").write_text("bukan media")
    (folder / ".tersembunyi.jpg").write_bytes(b"x")
    app.config["DISPLAY_MEDIA_DIR"] = str(folder)
    items = client.get("/display/media").get_json()["items"]
    assert items == [
        {"name": "a-profil.mp4", "kind": "video", "url": "/display/media/a-profil.mp4"},
        {"name": "b-promo.png", "kind": "image", "url": "/display/media/b-promo.png"},
    ]
    assert client.get("/display/media/b-promo.png").data.startswith(b"\x89PNG")
    assert client.get("/display/media/catatan.txt").status_code == 404
    assert client.get("/display/media/../loket.db").status_code == 404
    assert client.get("/display/media/..%2Floket.db").status_code == 404


def test_an_empty_media_folder_lists_nothing(app, client, tmp_path):
    app.config["DISPLAY_MEDIA_DIR"] = str(tmp_path / "does-not-exist")
    assert client.get("/display/media").get_json() == {"items": []}


def test_a_display_reports_its_voice_mode_for_the_admin(app, client, db):
    sock = socketio.test_client(app, flask_test_client=client)
    try:
        assert sock.emit("subscribe", {"room": "display", "display": "lobi"}, callback=True) == {"ok": True}
        snapshot = next(m["args"][0] for m in sock.get_received() if m["name"] == "snapshot")
        assert snapshot["display"]["running_text"].startswith("Selamat datang")
        assert sock.emit("display_status", {"display": "lobi", "voice_mode": "server"}, callback=True) == {"ok": True}
    finally:
        sock.disconnect()
    assert db.execute("SELECT voice_mode FROM displays WHERE name = 'lobi'").fetchone()[0] == "server"


def test_the_public_display_snapshot_carries_no_ticket_tokens(app, client, officer):
    issued = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    call(client, 1)
    sock = socketio.test_client(app)  # no login: the lobby TV is public
    try:
        sock.emit("subscribe", {"room": "display", "display": "lobi"}, callback=True)
        snapshot = next(m["args"][0] for m in sock.get_received() if m["name"] == "snapshot")
    finally:
        sock.disconnect()
    assert snapshot["recent_calls"][0]["number"] == issued["number"]
    assert issued["token"] not in json.dumps(snapshot)


def display_snapshot(app) -> dict:
    sock = socketio.test_client(app)
    try:
        sock.emit("subscribe", {"room": "display", "display": "lobi"}, callback=True)
        return next(m["args"][0] for m in sock.get_received() if m["name"] == "snapshot")
    finally:
        sock.disconnect()


def test_the_history_labels_each_call_as_it_was_made_even_after_a_transfer(app, client, db, officer):
    issued = client.post("/api/tickets", headers=KIOSK, json={"service_id": 1}).get_json()
    call(client, 1)  # Dukcapil's Loket 1 calls A001 for KTP-el
    paspor = db.execute("SELECT id FROM services WHERE code = 'PASPOR'").fetchone()[0]
    assert client.post("/api/counters/1/transfer", json={"service_id": paspor}).status_code == 200
    client.post("/api/logout")
    login(client, "petugas.imigrasi")
    assert client.post("/api/counters/5/open").status_code == 200
    assert call(client, 5)["number"] == issued["number"]  # the same ticket, now at Imigrasi's Loket 5

    later, earlier = display_snapshot(app)["recent_calls"][:2]
    assert (later["number"], later["counter_number"], later["agency"], later["service"]) == (
        issued["number"],
        5,
        "Kantor Imigrasi",
        "Paspor Baru",
    )
    assert (earlier["number"], earlier["counter_number"], earlier["agency"], earlier["service"]) == (
        issued["number"],
        1,
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Perekaman & Pencetakan KTP-el",
    )
    assert (earlier["agency_id"], earlier["service_id"]) == (1, 1)
    assert earlier["service_short_name"] == "KTP-el" and later["service_short_name"] == "Paspor"


def test_a_service_without_a_short_name_is_shown_by_its_name(app, client, db, officer):
    db.execute("UPDATE services SET short_name = '' WHERE id = 1")
    db.conn.commit()
    ktp = next(s for a in client.get("/api/agencies").get_json() for s in a["services"] if s["id"] == 1)
    assert ktp["short_name"] == ktp["name"] == "Perekaman & Pencetakan KTP-el"
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    call(client, 1)
    assert display_snapshot(app)["recent_calls"][0]["service_short_name"] == "Perekaman & Pencetakan KTP-el"


def test_the_admin_sets_a_services_short_name_for_the_display(app, client, db):
    login(client, "admin")
    response = client.put("/api/admin/services/1", json={"short_name": "KTP"})
    assert response.status_code == 200, response.get_json()
    assert db.execute("SELECT short_name, name FROM services WHERE id = 1").fetchone() == ("KTP", "Perekaman & Pencetakan KTP-el")
    ktp = next(s for a in client.get("/api/agencies").get_json() for s in a["services"] if s["id"] == 1)
    assert ktp["short_name"] == "KTP"
    too_long = client.put("/api/admin/services/1", json={"short_name": "x" * 41})
    assert too_long.status_code == 400 and too_long.get_json()["error"] == "invalid_field"


def test_a_burst_uses_the_short_sentence_with_its_own_audio(client, db, officer):
    require_espeak()
    client.post("/api/tickets", headers=KIOSK, json={"service_id": 1})
    ticket = call(client, 1)
    call_id = last_call_id(db, ticket["id"])
    full = client.get(f"/display/audio/{call_id}.wav")
    short = client.get(f"/display/audio/{call_id}.wav?short=1")
    assert full.status_code == short.status_code == 200
    assert wav_info(short.data)[1] < wav_info(full.data)[1] - 0.8


def fetch_together(url: str, count: int) -> list[tuple[int, bytes]]:
    """`count` TVs asking for one address at the same instant."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def fetch(i: int) -> None:
        with requests.Session() as tv:
            barrier.wait()
            response = tv.get(url, timeout=30)
            results[i] = (response.status_code, response.content)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_tvs_fetching_one_calls_audio_at_once_all_get_the_same_audio(live_server):
    require_espeak()
    officer = live_server.session("petugas.dukcapil")
    assert officer.post(f"{live_server.url}/api/counters/1/open", timeout=10).status_code == 200
    live_server.session().post(f"{live_server.url}/api/tickets", headers=KIOSK, json={"service_id": 1}, timeout=10)
    assert officer.post(f"{live_server.url}/api/counters/1/call-next", timeout=10).status_code == 200
    db = connect(live_server.db_path)
    try:
        call_id = db.execute("SELECT max(id) FROM events WHERE kind = 'called'").fetchone()[0]
    finally:
        db.close()
    # The first round renders (six TVs at once); the second the burst sentence; the third finds it cached.
    for query in ("", "?short=1", ""):
        results = fetch_together(f"{live_server.url}/display/audio/{call_id}.wav{query}", 6)
        assert [status for status, _ in results] == [200] * 6, results
        assert len({body for _, body in results}) == 1
        assert wav_info(results[0][1])[0] > 0
    assert not [p for p in (live_server.db_path.parent / "audio-cache").iterdir() if p.suffix == ".part"]


@pytest.mark.parametrize(
    "number,counter,sentence",
    [("A001", 3, "A nol nol satu, loket tiga."), ("PH-012", 11, "pe ha nol satu dua, loket sebelas.")],
)
def test_the_burst_sentence_is_the_number_and_the_counter(number, counter, sentence):
    assert short_announcement(number, counter) == sentence
