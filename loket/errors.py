"""One error shape everywhere: {"error": code, "message": text} with a real HTTP status."""

from __future__ import annotations

import errno
import logging
from datetime import date

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .i18n import N_, day_name, gettext, in_catalog, long_date, request_language

log = logging.getLogger(__name__)

# code -> (status, Indonesian text). The text is a catalog id (loket/translations/): the English, or
# other Indonesian wording, comes from the catalogs. Texts may use {placeholders} from the error's params.
MESSAGES: dict[str, tuple[int, str]] = {
    "bad_request": (400, N_("Permintaan tidak valid.")),
    "invalid_json": (400, N_("Isi permintaan harus JSON yang valid.")),
    "invalid_field": (400, N_("Isian '{label}' tidak valid: {reason}.")),
    "missing_field": (400, N_("Isian '{label}' wajib diisi.")),
    "invalid_priority_reason": (
        400,
        N_("Alasan prioritas harus salah satu dari: penyandang disabilitas, lansia, ibu hamil, anak-anak, korban bencana."),
    ),
    "login_required": (401, N_("Silakan masuk terlebih dahulu.")),
    "session_expired": (401, N_("Sesi Anda telah berakhir. Silakan masuk kembali.")),
    "invalid_credentials": (401, N_("Nama pengguna atau kata sandi salah.")),
    "forbidden": (403, N_("Anda tidak berwenang melakukan tindakan ini.")),
    "csrf_failed": (403, N_("Permintaan ditolak karena asal halaman tidak sah.")),
    "self_priority_disabled": (403, N_("Antrean prioritas diberikan oleh petugas. Silakan hubungi petugas informasi.")),
    "phone_tickets_disabled": (403, N_("Pengambilan nomor lewat ponsel sedang tidak tersedia.")),
    "not_found": (404, N_("Data tidak ditemukan.")),
    "service_not_found": (404, N_("Layanan tidak ditemukan.")),
    "ticket_not_found": (404, N_("Nomor antrean tidak ditemukan.")),
    "counter_not_found": (404, N_("Loket tidak ditemukan.")),
    "agency_not_found": (404, N_("Instansi tidak ditemukan.")),
    "kiosk_not_found": (404, N_("Kios tidak terdaftar.")),
    "kiosk_not_paired": (403, N_("Kios ini belum dipasangkan. Minta admin memasangkannya.")),
    "method_not_allowed": (405, N_("Metode tidak diizinkan untuk alamat ini.")),
    "quota_reached": (409, N_("Kuota antrean hari ini sudah terpenuhi.")),
    "phone_quota_reached": (409, N_("Bagian kuota untuk pengambilan lewat ponsel hari ini sudah habis. Silakan ambil nomor di kios.")),
    "service_closed": (409, N_("Layanan sedang tutup. Jam layanan: {hours}.")),
    "service_inactive": (409, N_("Layanan ini tidak tersedia.")),
    "issuing_stopped": (409, N_("Pengambilan nomor antrean hari ini sudah ditutup (pukul {cutoff}).")),
    "on_break": (409, N_("{label}: pengambilan nomor dibuka kembali pukul {until}.")),
    "closed_today": (409, N_("Layanan tutup hari ini: {reason}.")),
    "no_counter_open": (
        409,
        N_("Belum ada loket yang buka untuk layanan ini. Nomor antrean dapat diambil setelah petugas membuka loket."),
    ),
    "counter_not_open": (409, N_("Loket belum dibuka atau sedang istirahat.")),
    "no_current_ticket": (409, N_("Loket ini tidak sedang melayani nomor antrean.")),
    "counter_changed": (409, N_("Loket ini baru saja berubah di layar lain; tampilan sudah diperbarui. Periksa lalu coba lagi.")),
    "counter_busy": (409, N_("Selesaikan dulu nomor antrean yang sedang dilayani.")),
    "closure_pending": (409, N_("Permintaan tutup loket ini masih menunggu persetujuan supervisor.")),
    "closure_decided": (409, N_("Permintaan tutup ini sudah diputuskan ({status}).")),
    "invalid_state": (409, N_("Tindakan ini tidak dapat dilakukan pada status antrean sekarang ({current}).")),
    "same_service": (409, N_("Nomor antrean sudah berada di layanan ini.")),
    "ticket_not_waiting": (409, N_("Nomor antrean tidak sedang menunggu.")),
    "no_printer": (409, N_("Nomor antrean ini tidak diambil di kios yang memiliki printer.")),
    "ticket_expired": (409, N_("Nomor antrean ini bukan untuk hari ini.")),
    "conflict": (409, N_("Data bertentangan dengan data yang sudah ada.")),
    "notify_unavailable": (409, N_("Pemberitahuan lewat saluran ini belum diaktifkan di MPP ini.")),
    "payload_too_large": (413, N_("Data yang dikirim terlalu besar.")),
    "unsupported_media_type": (415, N_("Jenis data tidak didukung; kirim JSON.")),
    "too_many_bookings": (429, N_("Terlalu banyak reservasi dari jaringan ini untuk layanan dan hari ini.")),
    "rate_limited": (429, N_("Terlalu banyak permintaan. Silakan coba lagi dalam {retry_after} detik.")),
    "too_many_follows": (429, N_("Terlalu banyak aduan diikuti dari satu halaman (maksimal {limit}).")),
    "storage_unavailable": (
        503,
        N_("Penyimpanan data sedang bermasalah; nomor antrean belum dibuat. Silakan coba lagi atau hubungi petugas."),
    ),
    # what the MPP publishes (public/, loket/publication.py)
    "period_not_published": (404, N_("Data periode {period} belum dipublikasikan.")),
    "period_not_closed": (409, N_("Periode {period} belum berakhir; hanya periode yang sudah selesai dapat dipublikasikan.")),
    # the satisfaction survey (survey/)
    "survey_already_answered": (409, N_("Survei untuk nomor antrean ini sudah diisi. Terima kasih.")),
    "survey_closed": (409, N_("Waktu pengisian survei untuk nomor antrean ini sudah berakhir.")),
    "tablet_not_paired": (403, N_("Tablet survei ini belum dipasangkan dengan loket. Minta admin memasangkannya.")),
    "survey_not_yet": (409, N_("Survei dapat diisi setelah pelayanan selesai.")),
    # complaints and suggestions (complaints/)
    "complaint_not_found": (404, N_("Kode aduan tidak ditemukan. Periksa kembali kode pelacakan Anda.")),
    "invalid_transition": (409, N_("Langkah '{action}' tidak dapat dilakukan pada status '{current}'.")),
    "photo_invalid": (400, N_("Foto harus berupa berkas JPEG atau PNG yang utuh.")),
    "photo_too_large": (413, N_("Ukuran foto maksimal {limit_mb} MB.")),
    "photo_too_many_pixels": (413, N_("Resolusi foto terlalu besar (maksimal {megapixels} megapiksel).")),
    "server_busy": (503, N_("Server sedang sibuk. Silakan coba lagi dalam {retry_after} detik.")),
    # online booking (booking/, loket/bookings.py)
    "booking_not_found": (404, N_("Kode reservasi tidak ditemukan. Periksa kembali kode Anda.")),
    "booking_closed": (409, N_("Reservasi tidak tersedia: {reason}.")),
    "slot_full": (409, N_("Sesi ini sudah penuh. Silakan pilih jam lain.")),
    "booking_exists": (409, N_("Sudah ada reservasi aktif dengan data ini untuk layanan dan hari yang sama.")),
    "too_early": (409, N_("Terlalu awal. Check-in reservasi ini dibuka {day} pukul {opens}. Silakan kembali nanti.")),
    "too_late": (409, N_("Waktu check-in reservasi ini sudah lewat (sampai pukul {closes}). Silakan ambil nomor antrean biasa.")),
    "already_checked_in": (409, N_("Reservasi ini sudah check-in; nomor antrean Anda sudah dibuat.")),
    "booking_cancelled": (409, N_("Reservasi ini sudah dibatalkan.")),
    "internal_error": (500, N_("Terjadi kesalahan pada server.")),
}

# field -> the label the user sees on the form: refusals name it (the body keeps `field` for the screen).
FIELD_LABELS: dict[str, str] = {
    "service_id": N_("Layanan"),
    "priority": N_("Prioritas"),
    "priority_reason": N_("Alasan prioritas"),
    "kiosk_id": N_("Kios"),
    "ticket_id": N_("Nomor antrean"),
    "expected_ticket_id": N_("Nomor antrean di layar"),
    "number": N_("Nomor"),
    "note": N_("Catatan"),
    "until": N_("Kembali pukul"),
    "rest_of_day": N_("Tutup sampai akhir hari"),
    "state": N_("Status loket"),
    "token": N_("Kode tiket"),
    "username": N_("Nama pengguna"),
    "password": N_("Kata sandi"),
    "code": N_("Kode"),
    "name": N_("Nama"),
    "name_en": N_("Nama dalam bahasa Inggris"),
    "requirements_en": N_("Persyaratan dalam bahasa Inggris"),
    "procedure_en": N_("Prosedur dalam bahasa Inggris"),
    "color": N_("Warna"),
    "zone": N_("Zona"),
    "sort_order": N_("Urutan"),
    "requires_open_counter": N_("Berhenti memberi nomor selama belum ada loket yang buka"),
    "active": N_("Aktif"),
    "maklumat": N_("Maklumat pelayanan"),
    "maklumat_signer": N_("Penanda tangan maklumat"),
    "agency_id": N_("Instansi"),
    "prefix": N_("Awalan nomor"),
    "padding": N_("Jumlah digit"),
    "daily_quota": N_("Kuota harian"),
    "cutoff_minutes": N_("Berhenti mengambil nomor sebelum tutup (menit)"),
    "promised_minutes": N_("Waktu layanan dijanjikan (menit)"),
    "default_service_minutes": N_("Perkiraan lama layanan (menit)"),
    "hours": N_("Jam layanan"),
    "requirements": N_("Persyaratan"),
    "procedure": N_("Sistem, mekanisme dan prosedur"),
    "completion_time": N_("Jangka waktu penyelesaian"),
    "fee": N_("Biaya/tarif"),
    "product": N_("Produk pelayanan"),
    "complaint_channel": N_("Penanganan pengaduan"),
    "sk_number": N_("Nomor SK standar pelayanan"),
    "service_ids": N_("Layanan yang dilayani"),
    "location": N_("Lokasi"),
    "printer_url": N_("Alamat printer"),
    "printer_profile": N_("Profil printer"),
    "qr_mode": N_("Kode QR"),
    "agency_ids": N_("Instansi yang ditampilkan"),
    "layout": N_("Tata letak"),
    "running_text": N_("Teks berjalan"),
    "speak": N_("Bacakan panggilan"),
    "repeat_count": N_("Ulangi panggilan"),
    "weekday": N_("Hari"),
    "starts": N_("Jam mulai"),
    "ends": N_("Jam selesai"),
    "label": N_("Keterangan"),
    "date": N_("Tanggal"),
    "reason": N_("Alasan"),
    "full_name": N_("Nama lengkap"),
    "role": N_("Peran"),
    "mpp_name": N_("Nama MPP"),
    "mpp_address": N_("Alamat"),
    "mpp_logo_url": N_("Alamat logo (URL)"),
    "timezone": N_("Zona waktu"),
    "ticket_header": N_("Kepala tiket"),
    "ticket_footer": N_("Kaki tiket"),
    "number_reading": N_("Cara membaca nomor"),
    "announcement_repeat": N_("Ulangi panggilan (1–3)"),
    "self_priority": N_("Warga boleh memilih antrean prioritas sendiri"),
    "phone_tickets": N_("Ambil nomor lewat ponsel"),
    "phone_tickets_per_hour": N_("Batas nomor per ponsel per jam"),
    "phone_quota_percent": N_("Bagian kuota harian untuk ponsel (%)"),
    "priority_policy": N_("Aturan prioritas"),
    "priority_interleave_n": N_("N (untuk selang-seling)"),
    "max_regular_wait_minutes": N_("Batas tunggu antrean reguler (menit)"),
    "survey_mode": N_("Survei kepuasan"),
    "from": N_("Dari tanggal"),
    "to": N_("Sampai tanggal"),
    "month": N_("Bulan"),
    "limit": N_("Jumlah baris"),
    "mode": N_("Mode survei"),
    "answers": N_("Jawaban survei"),
    "profile": N_("Profil responden"),
    "sex": N_("Jenis kelamin"),
    "age_group": N_("Kelompok umur"),
    "education": N_("Pendidikan"),
    "occupation": N_("Pekerjaan"),
    "ticket_token": N_("Kode tiket"),
    "counter_id": N_("Loket"),
    "kind": N_("Jenis"),
    "text": N_("Isi"),
    "title": N_("Judul"),
    "category": N_("Kategori"),
    "contact": N_("Kontak"),
    "anonymous": N_("Rahasiakan identitas"),
    "photo": N_("Foto"),
    "action": N_("Langkah"),
    "answer": N_("Tanggapan"),
}


# Parameters that are themselves catalog texts (with {placeholders} of their own), translated before the message.
TRANSLATED_PARAMS = ("label", "reason", "day", "hours")

# Parameters that also travel as fields of the error body, for screens that act on them.
EXTRA_FIELDS = ("field", "retry_after", "reason", "hours", "until", "cutoff", "current", "opens", "opens_at", "date", "closes", "ticket")


# Parameters an error's JSON carries besides its message (too_early says when check-in opens, …).


class LoketError(Exception):
    """A refusal the citizen or officer should read: code, HTTP status and message parameters."""

    def __init__(self, code: str, status: int | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status or MESSAGES.get(code, (400, ""))[0]
        self.params = params

    def shown_params(self, lang: str = "id") -> dict:
        """The params as the user reads them: the field's label, the TRANSLATED_PARAMS translated, a
        `weekday` number (0 = Monday) as the day's name and a date as the long date, in `lang`."""
        params = dict(self.params)
        if "field" in params:
            params.setdefault("label", FIELD_LABELS.get(str(params["field"]), params["field"]))
        if isinstance(params.get("weekday"), int) and 0 <= params["weekday"] <= 6:
            params["weekday"] = day_name(params["weekday"], lang)
        for key, value in list(params.items()):
            if isinstance(value, date):  # a day named in the reader's language: "Sabtu, 28 November 2026"
                params[key] = long_date(value, lang)
        for key in TRANSLATED_PARAMS:
            # Only catalog texts are templates: a reason quoting what was sent (or an admin's words) is shown as it is.
            if isinstance(params.get(key), str) and in_catalog(params[key]):
                params[key] = _format(gettext(params[key], lang), params)
        return params

    def message(self, lang: str = "id") -> str:
        text = MESSAGES[self.code][1] if self.code in MESSAGES else self.code
        return _format(gettext(text, lang), self.shown_params(lang))

    def to_dict(self, lang: str = "id") -> dict:
        params = self.shown_params(lang)
        return {"error": self.code, "message": self.message(lang), **{k: v for k, v in params.items() if k in EXTRA_FIELDS}}


def _format(template: str, params: dict) -> str:
    """Fill {placeholders}; a text with braces of its own (or a missing value) is shown as it is."""
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


request_lang = request_language  # the name the views import


def error_response(err: LoketError):
    response = err.to_dict(request_lang())
    headers = {}
    if err.code == "rate_limited" and "retry_after" in err.params:
        headers["Retry-After"] = str(err.params["retry_after"])
    return response, err.status, headers


HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json" or request.is_json


def register(app: Flask) -> None:
    """Map domain errors, HTTP errors and crashes to the one JSON shape (HTML pages keep HTML for 404)."""

    @app.errorhandler(LoketError)
    def _loket(err: LoketError):
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = HTTP_CODES.get(exc.code or 400, "bad_request")
        if not wants_json() and exc.code == 404:
            return exc
        return error_response(LoketError(code, exc.code or 400))

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        # Storage failures (disk full, read-only file) are not bugs: say so, do not leak a trace.
        import sqlite3

        if isinstance(exc, RecursionError):  # input nested thousands deep, wherever it was parsed
            return error_response(LoketError("bad_request", 400))
        if isinstance(exc, OverflowError):  # an id in the URL beyond SQLite's 64-bit integers: no such row
            return error_response(LoketError("not_found", 404))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS):
            # an upload spooled to a temporary file (werkzeug's form parser) on a full disk
            log.error("storage failure: %s", exc)
            return error_response(LoketError("storage_unavailable", 503))
        if isinstance(exc, sqlite3.OperationalError) and _is_storage_failure(exc):
            log.error("storage failure: %s", exc)
            return error_response(LoketError("storage_unavailable", 503))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(LoketError("internal_error", 500))


def _is_storage_failure(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("disk", "readonly", "read-only", "locked", "i/o", "unable to open", "full"))
