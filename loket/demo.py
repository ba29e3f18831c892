"""A realistic demo MPP, open every hour of every day so it can be tried any time."""

from __future__ import annotations

import os
import secrets
from datetime import datetime

from sqlite_utils import Database

from . import auth
from .db import set_setting, transaction

# What the lobby display shows where the full service name does not fit (services.short_name).
SHORT_NAMES = {
    "KTP": "KTP-el",
    "KK": "KK",
    "AKTA": "Akta Lahir",
    "PINDAH": "Pindah",
    "PASPOR": "Paspor",
    "PASPOR-GANTI": "Ganti Paspor",
    "PKB": "Pajak Kend.",
    "STNK5": "STNK 5 Th",
    "SIM": "SIM",
    "SKCK": "SKCK",
    "DAFTAR": "Daftar JKN",
    "UBAH": "Ubah Data",
    "JHT": "Klaim JHT",
    "PESERTA": "Peserta BPU",
    "NPWP": "NPWP",
    "SPT": "SPT",
    "INFO": "Sertifikat",
    "ROYA": "Roya",
    "NIB": "NIB / OSS",
    "PBG": "PBG",
    "KONSUL": "Konsultasi",
    "PASANG": "Pasang Baru",
    "TAGIHAN": "Tagihan",
}
REQ_KTP = "Fotokopi Kartu Keluarga (KK); Sudah berusia 17 tahun atau sudah/pernah kawin"
# (code, name, color, zone, services: (code, name, prefix, quota, minutes, requirements, fee, completion, product), counters)
AGENCIES = [
    (
        "DUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "#0b5394",
        "Lantai 1",
        [
            ("KTP", "Perekaman & Pencetakan KTP-el", "A", None, 6, REQ_KTP, "Gratis", "Selesai di tempat (±30 menit)", "KTP-el"),
            (
                "KK",
                "Kartu Keluarga (KK)",
                "B",
                150,
                8,
                "KK lama; Surat pengantar RT/RW; Dokumen peristiwa (akta nikah/kelahiran)",
                "Gratis",
                "1 hari kerja",
                "Kartu Keluarga",
            ),
            (
                "AKTA",
                "Akta Kelahiran",
                "C",
                80,
                10,
                "Surat keterangan lahir dari bidan/rumah sakit; KK; KTP-el kedua orang tua",
                "Gratis",
                "1 hari kerja",
                "Kutipan akta kelahiran",
            ),
            (
                "PINDAH",
                "Surat Pindah Datang (SKPWNI)",
                "D",
                60,
                10,
                "KK; KTP-el; Surat pengantar RT/RW",
                "Gratis",
                "1 hari kerja",
                "SKPWNI",
            ),
        ],
        [("Loket 1", 1, ["KTP"]), ("Loket 2", 2, ["KTP"]), ("Loket 3", 3, ["KTP", "KK"]), ("Loket 4", 4, ["KK", "AKTA", "PINDAH"])],
    ),
    (
        "IMIGRASI",
        "Kantor Imigrasi",
        "#6a1b9a",
        "Lantai 1",
        [
            (
                "PASPOR",
                "Paspor Baru",
                "E",
                50,
                15,
                "KTP-el; KK; Akta kelahiran/ijazah/buku nikah",
                "Rp350.000 (paspor biasa 48 hlm)",
                "4 hari kerja",
                "Paspor RI",
            ),
            ("PASPOR-GANTI", "Penggantian Paspor", "F", 40, 12, "KTP-el; Paspor lama", "Rp350.000", "4 hari kerja", "Paspor RI"),
        ],
        [("Loket 5", 5, ["PASPOR", "PASPOR-GANTI"]), ("Loket 6", 6, ["PASPOR", "PASPOR-GANTI"])],
    ),
    (
        "SAMSAT",
        "Samsat (Bapenda & Polda)",
        "#e69138",
        "Lantai 1",
        [
            (
                "PKB",
                "Pembayaran Pajak Kendaraan Tahunan",
                "G",
                200,
                5,
                "KTP-el sesuai STNK; STNK asli",
                "Sesuai besaran PKB dan SWDKLLJ",
                "Selesai di tempat",
                "STNK disahkan, notice pajak",
            ),
            (
                "STNK5",
                "Perpanjangan STNK 5 Tahunan",
                "H",
                80,
                12,
                "KTP-el; STNK asli; BPKB asli; Cek fisik kendaraan",
                "Sesuai PP 76/2020",
                "1 hari kerja",
                "STNK & TNKB baru",
            ),
        ],
        [("Loket 7", 7, ["PKB"]), ("Loket 8", 8, ["PKB", "STNK5"])],
    ),
    (
        "POLRES",
        "Kepolisian Resor (SIM & SKCK)",
        "#3d85c6",
        "Lantai 2",
        [
            (
                "SIM",
                "Perpanjangan SIM",
                "J",
                50,
                10,
                "SIM lama; KTP-el; Surat keterangan sehat & psikologi",
                "Rp80.000 (SIM A), Rp75.000 (SIM C)",
                "Selesai di tempat",
                "SIM",
            ),
            (
                "SKCK",
                "Surat Keterangan Catatan Kepolisian (SKCK)",
                "K",
                100,
                7,
                "KTP-el; KK; Akta kelahiran; Pas foto 4×6 latar merah (6 lembar)",
                "Rp30.000",
                "Selesai di tempat",
                "SKCK",
            ),
        ],
        [("Loket 9", 9, ["SIM"]), ("Loket 10", 10, ["SKCK"])],
    ),
    (
        "BPJSKES",
        "BPJS Kesehatan",
        "#2e7d32",
        "Lantai 2",
        [
            ("DAFTAR", "Pendaftaran Peserta JKN", "L", 80, 10, "KTP-el; KK; Buku tabungan", "Gratis", "Selesai di tempat", "Kartu JKN-KIS"),
            (
                "UBAH",
                "Perubahan Data & Pindah Faskes",
                "M",
                80,
                7,
                "KTP-el; Kartu JKN-KIS",
                "Gratis",
                "Selesai di tempat",
                "Data peserta diperbarui",
            ),
        ],
        [("Loket 11", 11, ["DAFTAR", "UBAH"])],
    ),
    (
        "BPJSTK",
        "BPJS Ketenagakerjaan",
        "#1b8a5a",
        "Lantai 2",
        [
            (
                "JHT",
                "Klaim Jaminan Hari Tua (JHT)",
                "N",
                60,
                15,
                "KTP-el; KK; Kartu peserta; Surat keterangan berhenti bekerja; Buku tabungan",
                "Gratis",
                "5 hari kerja",
                "Pencairan JHT",
            ),
            (
                "PESERTA",
                "Pendaftaran Peserta Bukan Penerima Upah",
                "P",
                60,
                8,
                "KTP-el",
                "Sesuai iuran",
                "Selesai di tempat",
                "Kartu peserta",
            ),
        ],
        [("Loket 12", 12, ["JHT", "PESERTA"])],
    ),
    (
        "KPP",
        "KPP Pratama (Pajak)",
        "#990000",
        "Lantai 2",
        [
            (
                "NPWP",
                "Pendaftaran NPWP",
                "Q",
                60,
                8,
                "KTP-el; Surat keterangan usaha (bagi pengusaha)",
                "Gratis",
                "Selesai di tempat",
                "Kartu NPWP",
            ),
            (
                "SPT",
                "Konsultasi & Pelaporan SPT",
                "R",
                80,
                10,
                "NPWP; Bukti potong; EFIN",
                "Gratis",
                "Selesai di tempat",
                "Bukti penerimaan SPT",
            ),
        ],
        [("Loket 13", 13, ["NPWP", "SPT"])],
    ),
    (
        "BPN",
        "Kantor Pertanahan (BPN)",
        "#7f6000",
        "Lantai 2",
        [
            (
                "INFO",
                "Informasi & Pengecekan Sertifikat",
                "S",
                50,
                10,
                "KTP-el; Sertifikat asli",
                "Rp50.000",
                "1 hari kerja",
                "Surat keterangan pendaftaran tanah",
            ),
            (
                "ROYA",
                "Roya (Penghapusan Hak Tanggungan)",
                "T",
                30,
                12,
                "KTP-el; Sertifikat HT; Surat roya dari bank",
                "Rp50.000",
                "5 hari kerja",
                "Sertifikat tanpa HT",
            ),
        ],
        [("Loket 14", 14, ["INFO", "ROYA"])],
    ),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan PTSP",
        "#0097a7",
        "Lantai 1",
        [
            (
                "NIB",
                "Pendampingan NIB / OSS-RBA",
                "U",
                80,
                12,
                "KTP-el; NPWP; Alamat & bidang usaha",
                "Gratis",
                "Selesai di tempat",
                "Nomor Induk Berusaha (NIB)",
            ),
            (
                "PBG",
                "Persetujuan Bangunan Gedung (PBG)",
                "V",
                30,
                20,
                "KTP-el; Bukti kepemilikan tanah; Gambar teknis",
                "Sesuai retribusi daerah",
                "28 hari kerja",
                "PBG",
            ),
            ("KONSUL", "Konsultasi Perizinan", "W", None, 8, "KTP-el", "Gratis", "Selesai di tempat", "Informasi perizinan"),
        ],
        [("Loket 15", 15, ["NIB", "KONSUL"]), ("Loket 16", 16, ["PBG", "KONSUL"])],
    ),
    (
        "PDAM",
        "Perumda Air Minum (PDAM)",
        "#00796b",
        "Lantai 1",
        [
            (
                "PASANG",
                "Pasang Baru Sambungan Air",
                "X",
                40,
                10,
                "KTP-el; Denah lokasi; Rekening listrik terakhir",
                "Sesuai tarif pasang baru",
                "7 hari kerja",
                "Sambungan air",
            ),
            (
                "TAGIHAN",
                "Pengaduan & Pembayaran Tagihan",
                "Y",
                None,
                5,
                "Nomor pelanggan",
                "Sesuai tagihan",
                "Selesai di tempat",
                "Bukti bayar",
            ),
        ],
        [("Loket 17", 17, ["PASANG", "TAGIHAN"])],
    ),
]


def seed(db: Database, now: datetime, password: str | None = None) -> dict:
    """Fill an empty database with the demo MPP; returns the demo logins."""
    password = password or os.environ.get("LOKET_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    with transaction(db):
        for key, value in {
            "mpp_name": "Mal Pelayanan Publik Kota Contoh",
            "mpp_address": "Jl. Merdeka No. 1, Kota Contoh",
            "ticket_header": "MPP Kota Contoh — Melayani dengan Hati",
        }.items():
            set_setting(db, key, value)
        for order, (code, name, color, zone, services, counters) in enumerate(AGENCIES):
            agency_id = db.execute(
                "INSERT INTO agencies (code, name, color, zone, sort_order, maklumat, maklumat_signer) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    code,
                    name,
                    color,
                    zone,
                    order,
                    f"Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar pelayanan {name}.",
                    f"Kepala {name}",
                ),
            ).lastrowid
            service_ids = {}
            for s_order, (s_code, s_name, prefix, quota, minutes, req, fee, completion, product) in enumerate(services):
                service_ids[s_code] = db.execute(
                    "INSERT INTO services (agency_id, code, name, prefix, daily_quota, cutoff_minutes, default_service_minutes,"
                    " promised_minutes, sort_order, requirements, procedure, completion_time, fee, product, complaint_channel, sk_number)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        agency_id,
                        s_code,
                        s_name,
                        prefix,
                        quota,
                        minutes,
                        60,
                        s_order,
                        req,
                        "Ambil nomor antrean; Menunggu panggilan; Verifikasi berkas di loket; Proses layanan; Penyerahan produk",
                        completion,
                        fee,
                        product,
                        "Kotak saran, /aduan/, SP4N-LAPOR! (lapor.go.id)",
                        f"SK/{code}/2026/001",
                    ),
                ).lastrowid
                db.execute("UPDATE services SET short_name = ? WHERE id = ?", (SHORT_NAMES.get(s_code, ""), service_ids[s_code]))
                for weekday in range(7):
                    db.execute(
                        "INSERT INTO service_hours (service_id, weekday, opens, closes) VALUES (?, ?, '00:00', '24:00')",
                        (service_ids[s_code], weekday),
                    )
            for c_name, number, served in counters:
                counter_id = db.execute(
                    "INSERT INTO counters (agency_id, name, number, zone, state) VALUES (?, ?, ?, ?, 'closed')",
                    (agency_id, c_name, number, zone),
                ).lastrowid
                for s_code in served:
                    db.execute("INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)", (counter_id, service_ids[s_code]))
        db.execute(
            "INSERT INTO kiosks (name, location, printer_url, printer_profile, agent_key)"
            " VALUES ('kios-1', 'Pintu masuk utama', 'dummy', 'TM-T82', ?)",
            (secrets.token_urlsafe(24),),
        )
        db.execute(
            "INSERT INTO displays (name, location, running_text) VALUES ('lobi', 'Ruang tunggu utama', ?)",
            (
                "Selamat datang di Mal Pelayanan Publik. Siapkan dokumen persyaratan Anda sebelum dipanggil."
                " Layanan ini tidak dipungut biaya kecuali yang tercantum.",
            ),
        )
        db.execute("INSERT INTO displays (name, location, zone) VALUES ('lantai-2', 'Ruang tunggu lantai 2', 'Lantai 2')")
    logins = {"admin": ("admin", None)}
    # One hash for the shared demo password: hashing is deliberately slow, a dozen of them add up.
    hashed = auth.create_user(db, "admin", password, "admin", now, full_name="Administrator MPP")["password_hash"]
    for agency in db.query("SELECT id, code, name FROM agencies ORDER BY sort_order"):
        username = f"petugas.{agency['code'].lower()}"
        auth.create_user(
            db,
            username,
            password,
            "officer",
            now,
            agency_id=agency["id"],
            full_name=f"Petugas {agency['code'].title()}",
            password_hash=hashed,
        )
        logins[username] = ("officer", agency["code"])
    dukcapil = db.execute("SELECT id FROM agencies WHERE code = 'DUKCAPIL'").fetchone()[0]
    auth.create_user(
        db, "supervisor.dukcapil", password, "supervisor", now, agency_id=dukcapil, full_name="Supervisor Dukcapil", password_hash=hashed
    )
    logins["supervisor.dukcapil"] = ("supervisor", "DUKCAPIL")
    return {"password": password, "users": logins}
