"""Complaints on a real database: filing, due dates in working days, the workflow, privacy, abuse limits."""

import csv
import io
import re

import pytest
from PIL import Image

from conftest import KIOSK, login

CODE = re.compile(r"^ADU-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def file(client, **fields):
    body = {"kind": "complaint", "text": "Antrean loket 2 lama sekali.", **fields}
    return client.post("/api/complaints", json=body)


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_filed_complaint_gets_a_typable_code_and_a_public_status_without_identity(client):
    r = file(client, agency_id=1, name="Budi Santoso", contact="0812-1111-2222", title="Antrean lama")
    assert r.status_code == 201
    body = r.get_json()
    assert CODE.match(body["code"]) and body["status"] == "received" and body["due_on"] == "2026-12-15"
    public = client.get(f"/api/complaints/track/{body['code'].lower().replace('-', ' ')}").get_json()
    assert public["code"] == body["code"] and public["status"] == "received" and public["agency"].startswith("Dinas Kependudukan")
    text = str(public)
    assert "Budi" not in text and "0812" not in text and "Antrean loket 2" not in text
    assert [s["status"] for s in public["timeline"]] == ["received"]
    assert client.get(f"/aduan/{body['code']}").status_code == 200
    assert client.get("/api/complaints/track/ADU-0000-0000").status_code == 404


@pytest.mark.parametrize(
    ("kind", "category", "holidays", "due"),
    [
        ("information", None, [], "2026-12-02"),  # Wed 25 Nov + 5 working days, over a weekend
        ("information", None, [("2026-11-30", None)], "2026-12-03"),  # an MPP holiday does not count
        ("information", None, [("2026-11-30", 1)], "2026-12-02"),  # one agency's closure does not move MPP deadlines
        ("complaint", "service", [], "2026-12-15"),
        ("suggestion", None, [], "2026-12-15"),
        ("complaint", "misconduct", [], "2027-02-17"),
    ],
)
def test_due_dates_count_working_days(client, db, kind, category, holidays, due):
    for day, agency in holidays:
        db.execute("INSERT INTO closed_dates (date, agency_id, reason) VALUES (?, ?, 'Libur')", (day, agency))
    r = file(client, kind=kind, category=category)
    assert r.status_code == 201 and r.get_json()["due_on"] == due


def test_filing_from_a_ticket_page_attaches_the_ticket_and_its_agency(client):
    ticket = client.post("/api/tickets", headers=KIOSK, json={"service_id": 5}).get_json()
    code = file(client, ticket_token=ticket["token"]).get_json()["code"]
    login(client, "admin")
    found = client.get("/api/complaints").get_json()["complaints"][0]
    assert found["code"] == code and found["agency_id"] == ticket["agency_id"] and found["ticket_number"] == ticket["number"]
    assert found["source"] == "ticket"
    assert file(client, ticket_token="bukan-token").status_code == 404


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"text": "x" * 4001}, 400, "text"),
        ({"text": "   "}, 400, "text"),
        ({"kind": "pujian"}, 400, "kind"),
        ({"title": "t" * 151}, 400, "title"),
        ({"contact": "c" * 201}, 400, "contact"),
        ({"agency_id": "satu"}, 400, "agency_id"),
        ({"anonymous": "mungkin"}, 400, "anonymous"),
        ({"category": "lain"}, 400, "category"),
        ({"agency_id": 999}, 404, None),
    ],
)
def test_bad_submissions_are_refused(client, fields, status, field):
    r = file(client, **fields)
    assert r.status_code == status
    assert r.get_json().get("field") == field and r.get_json()["message"]


def test_photos_are_checked_by_content_and_size_and_shown_to_staff_only(client, app, tmp_path):
    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path / "photos")
    ok = client.post("/api/complaints", data={"kind": "complaint", "text": "Toilet rusak", "photo": (io.BytesIO(png_bytes()), "foto.png")})
    assert ok.status_code == 201, ok.get_json()
    fake = client.post(
        "/api/complaints", data={"kind": "complaint", "text": "x", "photo": (io.BytesIO(b"<script>alert(1)</script>"), "a.jpg")}
    )
    assert fake.status_code == 400 and fake.get_json()["error"] == "photo_invalid"
    broken = client.post(
        "/api/complaints", data={"kind": "complaint", "text": "x", "photo": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "b.png")}
    )
    assert broken.status_code == 400
    big = b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)
    too_big = client.post("/api/complaints", data={"kind": "complaint", "text": "x", "photo": (io.BytesIO(big), "c.jpg")})
    assert too_big.status_code == 413 and too_big.get_json()["error"] == "photo_too_large"
    assert len(list((tmp_path / "photos").iterdir())) == 1
    complaint_id = 1
    assert client.get(f"/api/complaints/{complaint_id}/photo").status_code == 401
    login(client, "admin")
    photo = client.get(f"/api/complaints/{complaint_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data.startswith(b"\x89PNG")
    photo.close()


def test_rate_limits_per_device_and_address(client, app):
    app.config["COMPLAINT_LIMITS"] = {"device": (2, 3600), "ip": (4, 3600)}
    client.get("/aduan/")  # the form page gives the device its cookie
    assert [file(client).status_code for _ in range(3)] == [201, 201, 429]
    other_device = app.test_client()
    assert [file(other_device).status_code for _ in range(2)] == [201, 429]  # the address limit (4) is reached


def step(client, complaint_id, action, **body):
    return client.post(f"/api/complaints/{complaint_id}/steps", json={"action": action, **body})


def test_the_workflow_runs_step_by_step_and_logs_who_and_when(client, clock):
    code = file(client, agency_id=None, contact="08123", anonymous=True).get_json()["code"]
    login(client, "admin")
    cid = client.get("/api/complaints").get_json()["complaints"][0]["id"]
    assert step(client, cid, "start").status_code == 409  # not yet assigned
    assert step(client, cid, "verify", category="misconduct").get_json()["due_on"] == "2027-02-17"
    assert step(client, cid, "assign").get_json()["field"] == "agency_id"
    assert step(client, cid, "assign", agency_id=1, note="Catatan internal: cek CCTV").get_json()["status"] == "assigned"
    client.post("/api/logout")

    login(client, "petugas.dukcapil")
    mine = client.get(f"/api/complaints/{cid}").get_json()
    assert mine["contact"] is None and mine["name"] is None  # anonymous: identity stays with the MPP organiser
    assert mine["actions"] == ["start", "answer", "note"]
    assert step(client, cid, "verify").status_code == 409
    clock.advance(hours=2)
    assert step(client, cid, "start").get_json()["status"] == "in_progress"
    assert step(client, cid, "answer").get_json()["field"] == "answer"
    answered = step(client, cid, "answer", answer="Petugas sudah ditegur dan loket ditambah.").get_json()
    assert answered["status"] == "answered"
    assert step(client, cid, "close").status_code == 403
    client.post("/api/logout")

    login(client, "admin")
    detail = client.get(f"/api/complaints/{cid}").get_json()
    assert detail["contact"] == "08123"
    assert [(s["action"], s["username"]) for s in detail["steps"]] == [
        ("received", ""),
        ("verify", "admin"),
        ("assign", "admin"),
        ("start", "petugas.dukcapil"),
        ("answer", "petugas.dukcapil"),
    ]
    assert detail["steps"][2]["note"] == "Catatan internal: cek CCTV"
    assert step(client, cid, "close").get_json()["status"] == "closed"
    public = client.get(f"/api/complaints/track/{code}").get_json()
    assert [s["status"] for s in public["timeline"]] == ["received", "verified", "assigned", "in_progress", "answered", "closed"]
    assert public["answer"] == "Petugas sudah ditegur dan loket ditambah."
    assert "CCTV" not in str(public)


def test_agency_staff_see_only_their_agency(client):
    file(client, agency_id=1)
    file(client, agency_id=2, text="Paspor lama jadi.")
    login(client, "petugas.imigrasi")
    listed = client.get("/api/complaints").get_json()["complaints"]
    assert [c["agency_id"] for c in listed] == [2]
    assert client.get("/api/complaints/1").status_code == 404
    assert step(client, 1, "note", note="intip").status_code == 404
    assert client.get("/api/reports/complaints?agency_id=1").status_code == 403
    assert client.get("/admin/complaints").status_code == 200


def test_rejection_carries_a_public_reason(client):
    code = file(client, kind="suggestion").get_json()["code"]
    login(client, "admin")
    assert step(client, 1, "reject", answer="Laporan tidak memuat informasi yang cukup.").status_code == 200
    public = client.get(f"/api/complaints/track/{code}").get_json()
    assert public["status"] == "rejected" and public["answer"].startswith("Laporan tidak")
    assert step(client, 1, "terbang").status_code == 400


def test_overdue_complaints_are_flagged_and_reported(client, clock):
    file(client, kind="information", agency_id=1)  # due 2026-12-02
    file(client, kind="information", agency_id=1)
    login(client, "admin")
    for action, extra in (("verify", {}), ("assign", {"agency_id": 1}), ("answer", {"answer": "Sudah dijawab."})):
        assert step(client, 1, action, **extra).status_code == 200
    clock.set_local("2026-12-03T10:00")
    login(client, "admin")  # the session of a week ago has expired
    listed = client.get("/api/complaints").get_json()["complaints"]
    assert {c["id"]: c["overdue"] for c in listed} == {1: False, 2: True}
    assert [c["id"] for c in client.get("/api/complaints?overdue=1").get_json()["complaints"]] == [2]
    report = client.get("/api/reports/complaints").get_json()
    assert report["total"] == 2 and report["answered"] == 1 and report["overdue_open"] == 1
    assert report["median_days_to_answer"] == 0.0 and report["on_time_percent"] == 50.0
    assert next(k for k in report["by_kind"] if k["kind"] == "information")["count"] == 2
    assert report["by_agency"][0]["overdue"] == 1
    assert client.get("/api/complaints?status=hilang").status_code == 400


def test_lapor_export_leaves_out_identity_of_anonymous_citizens(client):
    file(client, name="Siti", contact="siti@example.id", anonymous=True, title="Rahasia")
    file(client, name="Andi", contact="0812", text='=HYPERLINK("http://x")')
    login(client, "admin")
    r = client.get("/api/complaints/export.csv")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    by_name = {row["Judul"]: row for row in rows}
    assert by_name["Rahasia"]["Anonim"] == "Ya" and by_name["Rahasia"]["Nama"] == "" and by_name["Rahasia"]["Kontak"] == ""
    andi = next(row for row in rows if row["Nama"] == "Andi")
    assert andi["Kontak"] == "0812" and andi["Isi"].startswith("'=")
    assert set(rows[0]) == {"Tanggal", "Kode", "Judul", "Isi", "Kategori", "Instansi", "Status", "Anonim", "Nama", "Kontak", "Tanggapan"}
    client.post("/api/logout")
    assert client.get("/api/complaints/export.csv").status_code == 401
