"""A realistic demo MPP, open every hour of every day so it can be tried any time."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import NamedTuple

from sqlite_utils import Database

from . import auth, pairing
from .db import set_setting, transaction
from .timeutil import iso

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


class Service(NamedTuple):
    code: str
    name: str
    prefix: str
    quota: int | None  # tickets per day; None is unlimited
    minutes: int  # default service minutes, for the first waiting-time estimates
    requirements: str
    fee: str
    completion: str
    product: str


class Counter(NamedTuple):
    name: str
    number: int
    services: list[str]  # service codes of its own agency


class Agency(NamedTuple):
    code: str
    name: str
    color: str
    zone: str
    services: list[Service]
    counters: list[Counter]


AGENCIES = [
    Agency(
        "DUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "#0b5394",
        "Lantai 1",
        [
            Service("KTP", "Perekaman & Pencetakan KTP-el", "A", None, 6, REQ_KTP, "Gratis", "Selesai di tempat (±30 menit)", "KTP-el"),
            Service(
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
            Service(
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
            Service(
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
        [
            Counter("Loket 1", 1, ["KTP"]),
            Counter("Loket 2", 2, ["KTP"]),
            Counter("Loket 3", 3, ["KTP", "KK"]),
            Counter("Loket 4", 4, ["KK", "AKTA", "PINDAH"]),
        ],
    ),
    Agency(
        "IMIGRASI",
        "Kantor Imigrasi",
        "#6a1b9a",
        "Lantai 1",
        [
            Service(
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
            Service("PASPOR-GANTI", "Penggantian Paspor", "F", 40, 12, "KTP-el; Paspor lama", "Rp350.000", "4 hari kerja", "Paspor RI"),
        ],
        [Counter("Loket 5", 5, ["PASPOR", "PASPOR-GANTI"]), Counter("Loket 6", 6, ["PASPOR", "PASPOR-GANTI"])],
    ),
    Agency(
        "SAMSAT",
        "Samsat (Bapenda & Polda)",
        "#e69138",
        "Lantai 1",
        [
            Service(
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
            Service(
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
        [Counter("Loket 7", 7, ["PKB"]), Counter("Loket 8", 8, ["PKB", "STNK5"])],
    ),
    Agency(
        "POLRES",
        "Kepolisian Resor (SIM & SKCK)",
        "#3d85c6",
        "Lantai 2",
        [
            Service(
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
            Service(
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
        [Counter("Loket 9", 9, ["SIM"]), Counter("Loket 10", 10, ["SKCK"])],
    ),
    Agency(
        "BPJSKES",
        "BPJS Kesehatan",
        "#2e7d32",
        "Lantai 2",
        [
            Service(
                "DAFTAR",
                "Pendaftaran Peserta JKN",
                "L",
                80,
                10,
                "KTP-el; KK; Buku tabungan",
                "Gratis",
                "Selesai di tempat",
                "Kartu JKN-KIS",
            ),
            Service(
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
        [Counter("Loket 11", 11, ["DAFTAR", "UBAH"])],
    ),
    Agency(
        "BPJSTK",
        "BPJS Ketenagakerjaan",
        "#1b8a5a",
        "Lantai 2",
        [
            Service(
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
            Service(
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
        [Counter("Loket 12", 12, ["JHT", "PESERTA"])],
    ),
    Agency(
        "KPP",
        "KPP Pratama (Pajak)",
        "#990000",
        "Lantai 2",
        [
            Service(
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
            Service(
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
        [Counter("Loket 13", 13, ["NPWP", "SPT"])],
    ),
    Agency(
        "BPN",
        "Kantor Pertanahan (BPN)",
        "#7f6000",
        "Lantai 2",
        [
            Service(
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
            Service(
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
        [Counter("Loket 14", 14, ["INFO", "ROYA"])],
    ),
    Agency(
        "DPMPTSP",
        "Dinas Penanaman Modal dan PTSP",
        "#0097a7",
        "Lantai 1",
        [
            Service(
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
            Service(
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
            Service("KONSUL", "Konsultasi Perizinan", "W", None, 8, "KTP-el", "Gratis", "Selesai di tempat", "Informasi perizinan"),
        ],
        [Counter("Loket 15", 15, ["NIB", "KONSUL"]), Counter("Loket 16", 16, ["PBG", "KONSUL"])],
    ),
    Agency(
        "PDAM",
        "Perumda Air Minum (PDAM)",
        "#00796b",
        "Lantai 1",
        [
            Service(
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
            Service(
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
        [Counter("Loket 17", 17, ["PASANG", "TAGIHAN"])],
    ),
]


def seed(db: Database, now: datetime, password: str | None = None, kiosk_key: str | None = None) -> dict:
    """Fill an empty database with the demo MPP; returns the demo logins and the demo kiosk's pairing key."""
    password = password or os.environ.get("LOKET_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    kiosk_key = kiosk_key or os.environ.get("LOKET_DEMO_KIOSK_KEY") or pairing.new_key()
    with transaction(db):
        for key, value in {
            "mpp_name": "Mal Pelayanan Publik Kota Contoh",
            "mpp_address": "Jl. Merdeka No. 1, Kota Contoh",
            "ticket_header": "MPP Kota Contoh — Melayani dengan Hati",
        }.items():
            set_setting(db, key, value)
        for order, agency in enumerate(AGENCIES):
            code, name, zone = agency.code, agency.name, agency.zone
            agency_id = db.execute(
                "INSERT INTO agencies (code, name, color, zone, sort_order, maklumat, maklumat_signer) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    code,
                    name,
                    agency.color,
                    zone,
                    order,
                    f"Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar pelayanan {name}.",
                    f"Kepala {name}",
                ),
            ).lastrowid
            service_ids = {}
            for s_order, service in enumerate(agency.services):
                s_code = service.code
                service_ids[s_code] = db.execute(
                    "INSERT INTO services (agency_id, code, name, prefix, daily_quota, cutoff_minutes, default_service_minutes,"
                    " promised_minutes, sort_order, requirements, procedure, completion_time, fee, product, complaint_channel, sk_number)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        agency_id,
                        s_code,
                        service.name,
                        service.prefix,
                        service.quota,
                        service.minutes,
                        60,
                        s_order,
                        service.requirements,
                        "Ambil nomor antrean; Menunggu panggilan; Verifikasi berkas di loket; Proses layanan; Penyerahan produk",
                        service.completion,
                        service.fee,
                        service.product,
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
            for counter in agency.counters:
                counter_id = db.execute(
                    "INSERT INTO counters (agency_id, name, number, zone, state) VALUES (?, ?, ?, ?, 'closed')",
                    (agency_id, counter.name, counter.number, zone),
                ).lastrowid
                for s_code in counter.services:
                    db.execute("INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)", (counter_id, service_ids[s_code]))
        # Online booking (reservasi) for the passport, with the NIK asked, and for the yearly vehicle tax.
        for agency_code, service_code, ask_nik in (("IMIGRASI", "PASPOR", 1), ("SAMSAT", "PKB", 0)):
            db.execute(
                "UPDATE services SET booking_enabled = 1, booking_slot_minutes = 30, booking_capacity = 4, booking_days_ahead = 14,"
                " booking_quota_percent = 50, booking_ask_nik = ? WHERE code = ? AND agency_id = (SELECT id FROM agencies WHERE code = ?)",
                (ask_nik, service_code, agency_code),
            )
        db.execute(
            "INSERT INTO kiosks (name, location, printer_url, printer_profile, agent_key, key_hash, paired_at)"
            " VALUES ('kios-1', 'Pintu masuk utama', 'dummy', 'TM-T82', ?, ?, ?)",
            (secrets.token_urlsafe(24), pairing.digest(kiosk_key), iso(now)),
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
    return {"password": password, "users": logins, "kiosk": {"name": "kios-1", "key": kiosk_key}}
