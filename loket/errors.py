"""One error shape everywhere: {"error": code, "message": text} with a real HTTP status."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .i18n import N_, gettext, request_language

log = logging.getLogger(__name__)

# code -> (status, Indonesian text). The text is a catalog id (loket/translations/): the English, or
# other Indonesian wording, comes from the catalogs. Texts may use {placeholders} from the error's params.
MESSAGES: dict[str, tuple[int, str]] = {
    "bad_request": (400, N_("Permintaan tidak valid.")),
    "invalid_json": (400, N_("Isi permintaan harus JSON yang valid.")),
    "invalid_field": (400, N_("Isian '{field}' tidak valid: {reason}.")),
    "missing_field": (400, N_("Isian '{field}' wajib diisi.")),
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
    "method_not_allowed": (405, N_("Metode tidak diizinkan untuk alamat ini.")),
    "quota_reached": (409, N_("Kuota antrean hari ini sudah terpenuhi.")),
    "service_closed": (409, N_("Layanan sedang tutup. Jam layanan: {hours}.")),
    "service_inactive": (409, N_("Layanan ini tidak tersedia.")),
    "issuing_stopped": (409, N_("Pengambilan nomor antrean hari ini sudah ditutup (pukul {cutoff}).")),
    "on_break": (409, N_("{label}: pengambilan nomor dibuka kembali pukul {until}.")),
    "closed_today": (409, N_("Layanan tutup hari ini: {reason}.")),
    "counter_not_open": (409, N_("Loket belum dibuka atau sedang istirahat.")),
    "no_current_ticket": (409, N_("Loket ini tidak sedang melayani nomor antrean.")),
    "counter_changed": (409, N_("Loket ini baru saja berubah di layar lain; tampilan sudah diperbarui. Periksa lalu coba lagi.")),
    "counter_busy": (409, N_("Selesaikan dulu nomor antrean yang sedang dilayani.")),
    "invalid_state": (409, N_("Tindakan ini tidak dapat dilakukan pada status antrean sekarang ({current}).")),
    "same_service": (409, N_("Nomor antrean sudah berada di layanan ini.")),
    "ticket_not_waiting": (409, N_("Nomor antrean tidak sedang menunggu.")),
    "no_printer": (409, N_("Nomor antrean ini tidak diambil di kios yang memiliki printer.")),
    "ticket_expired": (409, N_("Nomor antrean ini bukan untuk hari ini.")),
    "conflict": (409, N_("Data bertentangan dengan data yang sudah ada.")),
    "payload_too_large": (413, N_("Data yang dikirim terlalu besar.")),
    "unsupported_media_type": (415, N_("Jenis data tidak didukung; kirim JSON.")),
    "rate_limited": (429, N_("Terlalu banyak permintaan. Silakan coba lagi dalam {retry_after} detik.")),
    "storage_unavailable": (
        503,
        N_("Penyimpanan data sedang bermasalah; nomor antrean belum dibuat. Silakan coba lagi atau hubungi petugas."),
    ),
    # the satisfaction survey (survey/)
    "survey_already_answered": (409, N_("Survei untuk nomor antrean ini sudah diisi. Terima kasih.")),
    "survey_closed": (409, N_("Waktu pengisian survei untuk nomor antrean ini sudah berakhir.")),
    "survey_not_yet": (409, N_("Survei dapat diisi setelah pelayanan selesai.")),
    # complaints and suggestions (complaints/)
    "complaint_not_found": (404, N_("Kode aduan tidak ditemukan. Periksa kembali kode pelacakan Anda.")),
    "invalid_transition": (409, N_("Langkah '{action}' tidak dapat dilakukan pada status '{current}'.")),
    "photo_invalid": (400, N_("Foto harus berupa berkas JPEG atau PNG yang utuh.")),
    "photo_too_large": (413, N_("Ukuran foto maksimal {limit_mb} MB.")),
    "internal_error": (500, N_("Terjadi kesalahan pada server.")),
}


# Parameters that also travel as fields of the error body, for screens that act on them.
EXTRA_FIELDS = ("field", "retry_after", "reason", "hours", "until", "cutoff", "current")


class LoketError(Exception):
    """A refusal the citizen or officer should read: code, HTTP status and message parameters."""

    def __init__(self, code: str, status: int | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status or MESSAGES.get(code, (400, ""))[0]
        self.params = params

    def message(self, lang: str = "id") -> str:
        text = MESSAGES[self.code][1] if self.code in MESSAGES else self.code
        template = gettext(text, lang)
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def to_dict(self, lang: str = "id") -> dict:
        body = {"error": self.code, "message": self.message(lang)}
        extra = {k: v for k, v in self.params.items() if k in EXTRA_FIELDS}
        body.update(extra)
        return body


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

        if isinstance(exc, OverflowError):  # an id in the URL beyond SQLite's 64-bit integers: no such row
            return error_response(LoketError("not_found", 404))
        if isinstance(exc, sqlite3.OperationalError) and _is_storage_failure(exc):
            log.error("storage failure: %s", exc)
            return error_response(LoketError("storage_unavailable", 503))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(LoketError("internal_error", 500))


def _is_storage_failure(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("disk", "readonly", "read-only", "locked", "i/o", "unable to open", "full"))
