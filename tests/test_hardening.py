"""Every bad input a 4xx, storage failures a 503 with nothing left behind, formula-safe CSV cells,
bounded logos, one session per login, a strict CSP (issue 21 M7, L1, L2, L3 and the smaller findings)."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import subprocess
import sys

import pytest
import requests
from PIL import Image

from conftest import KIOSK, PASSWORD, ROOT, LiveServer, copy_demo, login

SURROGATE = '"\\ud800"'  # JSON text for a lone surrogate: valid JSON, not encodable as UTF-8


def noise_jpeg(side: int = 1500, quality: int = 30) -> bytes:
    """~630 KB sent; re-encoded at quality 88 it is ~1.9 MB: what fills a small disk while being written."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="JPEG", quality=quality)
    return out.getvalue()


@contextlib.contextmanager
def tmpfs(path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


# ---------------------------------------------------------------- M7: a full disk during an upload


def test_a_full_disk_while_a_photo_is_written_is_a_503_and_leaves_no_partial_file(app, client, tmp_path):
    """M7: a 500 and a half-written photo, which then made ticket issuing 503."""
    with tmpfs(tmp_path / "photos", "1m") as folder:
        app.config["COMPLAINT_PHOTO_DIR"] = str(folder)
        answer = client.post(
            "/api/complaints", data={"kind": "complaint", "text": "Antrean macet", "photo": (io.BytesIO(noise_jpeg()), "foto.jpg")}
        )
        assert answer.status_code == 503 and answer.get_json()["error"] == "storage_unavailable", answer.get_json()
        assert list(folder.iterdir()) == []
        assert client.post("/api/tickets", json={"service_id": 1}, headers=KIOSK).status_code == 201
        small = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(small, format="PNG")
        ok = client.post("/api/complaints", data={"kind": "complaint", "text": "Lagi", "photo": (io.BytesIO(small.getvalue()), "a.png")})
        assert ok.status_code == 201 and len(list(folder.iterdir())) == 1


def test_a_full_disk_for_the_uploads_temporary_file_is_a_503(tmp_path, demo_template):
    """Werkzeug spools a large form upload to a temporary file first: a full TMPDIR is storage too."""
    with tmpfs(tmp_path / "tmp", "128k") as spool:
        server = LiveServer(copy_demo(demo_template, tmp_path / "live.db"), env={"TMPDIR": str(spool)}).start()
        try:
            answer = requests.post(
                server.url + "/api/complaints",
                data={"kind": "complaint", "text": "Foto"},
                files={"photo": ("foto.jpg", noise_jpeg(), "image/jpeg")},
                timeout=60,
            )
            assert answer.status_code == 503 and answer.json()["error"] == "storage_unavailable", answer.text[:300]
            assert not (tmp_path / "complaint-photos").exists() or not list((tmp_path / "complaint-photos").iterdir())
        finally:
            server.stop()


RLIMIT_SCRIPT = """
import io, json, os, resource, sys
sys.path.insert(0, sys.argv[1])
from server import create_app
db, photos, photo, limit = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
app = create_app({"DATABASE": db, "SECRET_KEY": "x", "TESTING": True, "COMPLAINT_PHOTO_DIR": photos})
client = app.test_client()
client.get("/api/health")
data = open(photo, "rb").read()
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
r = client.post("/api/complaints", data={"kind": "complaint", "text": "Foto", "photo": (io.BytesIO(data), "f.jpg")})
print(json.dumps({"status": r.status_code, "body": r.get_json(), "files": os.listdir(photos) if os.path.isdir(photos) else []}))
"""


def test_a_file_size_limit_while_a_photo_is_written_is_a_503_and_leaves_no_partial_file(tmp_path, demo_template):
    """The same without mount rights: RLIMIT_FSIZE in a subprocess makes the photo's write fail (EFBIG)."""
    import json

    db_path = copy_demo(demo_template, tmp_path / "rl.db")
    photo = tmp_path / "in.jpg"
    photo.write_bytes(noise_jpeg())
    limit = max(photo.stat().st_size, db_path.stat().st_size) + 256 * 1024  # the upload fits, its ~1.9 MB re-encoding does not
    done = subprocess.run(
        [sys.executable, "-c", RLIMIT_SCRIPT, str(ROOT), str(db_path), str(tmp_path / "photos"), str(photo), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 503 and result["body"]["error"] == "storage_unavailable", result
    assert result["files"] == []


# ---------------------------------------------------------------- L1: lone surrogates, non-ASCII headers, Infinity


@pytest.mark.parametrize(
    ("path", "body", "who"),
    [
        (
            "/api/bookings",
            '{"service_id": 7, "date": "2026-11-26", "start": "10:30", "phone": "081234567890", "name": ' + SURROGATE + "}",
            None,
        ),
        ("/api/login", '{"username": ' + SURROGATE + ', "password": "x"}', None),
        ("/api/admin/agencies", '{"code": "X1", "name": ' + SURROGATE + "}", "admin"),
        ("/api/admin/profile", '{"mpp_name": ' + SURROGATE + "}", "admin"),
        ("/api/kiosks/kios-1/print-result", '{"token": ' + SURROGATE + ', "ok": true}', None),
        ("/api/complaints", '{"kind": "complaint", "text": ' + SURROGATE + "}", None),
        ("/api/tickets", '{"service_id": Infinity}', None),
        ("/api/admin/services/1", '{"default_service_minutes": Infinity}', "admin"),
        ("/api/admin/services/1", '{"default_service_minutes": NaN}', "admin"),
    ],
)
def test_a_lone_surrogate_or_infinity_in_json_is_a_400(app, path, body, who):
    client = app.test_client()
    if who:
        login(client, who)
    method = client.put if path.startswith(("/api/admin/profile", "/api/admin/services/")) else client.post
    answer = method(path, data=body, content_type="application/json", headers={"X-Agent-Key": "x"})
    assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.get_data(as_text=True)[:300])
    assert answer.get_json()["error"] in ("invalid_field", "bad_request", "forbidden", "invalid_json"), answer.get_json()


def test_non_ascii_agent_keys_and_csrf_tokens_are_refused_not_crashed(app, client):
    """L1: compare_digest raised TypeError on a non-ASCII header value or form field (a 500)."""
    answer = client.post("/api/kiosks/kios-1/print-result", json={"token": "x", "ok": True}, headers={"X-Agent-Key": "kunci-é"})
    assert answer.status_code == 403
    login(client, "admin")
    form = client.post("/admin/survey-tablets", data={"csrf_token": "tokén-ñ"}, content_type="application/x-www-form-urlencoded")
    assert form.status_code in (403, 405) and form.status_code != 500
    posted = client.post("/api/logout", data={"csrf_token": "tokén"}, headers={"X-CSRF-Token": "tokén"})
    assert posted.status_code == 403 and posted.get_json()["error"] == "csrf_failed"


# ---------------------------------------------------------------- L3: CSV cells for ; and , locales


def test_no_csv_cell_becomes_a_formula_when_excel_splits_at_semicolons_or_commas(app, client):
    """L3: Excel with Indonesian settings splits at ';', so `0812;=HYPERLINK(...)` started a new cell with a formula."""
    contact = '0812;=HYPERLINK("http://jahat.example","x")'
    filed = client.post("/api/complaints", json={"kind": "complaint", "text": "Isi, +SUM(1;2)", "name": "Budi", "contact": contact})
    assert filed.status_code == 201
    login(client, "admin")
    text = client.get("/api/complaints/export.csv").get_data(as_text=True)
    for separator in (";", ","):
        cells = [cell.strip(' "') for line in text.splitlines() for cell in line.split(separator)]
        dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
        assert not dangerous, (separator, dangerous)


# ---------------------------------------------------------------- sessions, logos, CSP, query strings


def test_a_second_login_ends_the_earlier_session_in_the_database(app, db):
    """A second login left the earlier session valid for 12 hours beside the new one."""
    browser = app.test_client()
    login(browser, "admin")
    earlier = browser.get_cookie("session")
    login(browser, "admin")
    copied = app.test_client()
    copied.set_cookie(earlier.key, earlier.value)
    assert copied.get("/api/me").status_code == 401
    assert browser.get("/api/me").status_code == 200
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_an_agency_logo_is_decoded_and_redrawn_at_badge_size(client):
    login(client, "admin")
    big = io.BytesIO()
    Image.new("RGB", (3000, 3000), "white").save(big, format="PNG")
    sent = "data:image/png;base64," + base64.b64encode(big.getvalue()).decode()
    answer = client.put("/api/admin/agencies/1", json={"logo": sent})
    assert answer.status_code == 200, answer.get_json()
    logo = client.get("/api/agencies/1/logo")
    with Image.open(io.BytesIO(logo.data)) as img:
        assert img.format == "PNG" and max(img.size) <= 256
    logo.close()
    huge = io.BytesIO()
    Image.new("1", (8000, 8000)).save(huge, format="PNG")  # 8000×8000 in a few KB: refused from its header
    refused = client.put("/api/admin/agencies/1", json={"logo": "data:image/png;base64," + base64.b64encode(huge.getvalue()).decode()})
    assert refused.status_code == 400 and refused.get_json()["field"] == "logo"
    fake = client.put("/api/admin/agencies/1", json={"logo": "data:image/png;base64," + base64.b64encode(b"<svg onload=x>").decode()})
    assert fake.status_code == 400


def test_pages_load_pictures_only_from_the_server_itself(client):
    policy = client.get("/kiosk/").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy + ";" and "http:" not in policy and "https:" not in policy


def test_the_mpp_logo_is_a_path_on_this_server(client):
    login(client, "admin")
    assert client.put("/api/admin/profile", json={"mpp_logo_url": "https://cdn.example/logo.png"}).status_code == 400
    assert client.put("/api/admin/profile", json={"mpp_logo_url": "//cdn.example/logo.png"}).status_code == 400
    assert client.put("/api/admin/profile", json={"mpp_logo_url": "/static/logo.png"}).status_code == 200


def test_a_one_ended_ikm_range_on_the_admin_page_is_a_400(client):
    login(client, "admin", PASSWORD)
    assert client.get("/admin/ikm?to=2026-11-30").status_code == 400
