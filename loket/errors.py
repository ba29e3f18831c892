"""One error shape everywhere: {"error": code, "message": text} with a real HTTP status."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# code -> (status, Indonesian, English). Messages may use {placeholders} from the error's params.
MESSAGES: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "Permintaan tidak valid.", "Invalid request."),
    "invalid_json": (400, "Isi permintaan harus JSON yang valid.", "The body must be valid JSON."),
    "invalid_field": (400, "Isian '{field}' tidak valid: {reason}.", "Field '{field}' is invalid: {reason}."),
    "missing_field": (400, "Isian '{field}' wajib diisi.", "Field '{field}' is required."),
    "invalid_priority_reason": (
        400,
        "Alasan prioritas harus salah satu dari: penyandang disabilitas, lansia, ibu hamil, anak-anak, korban bencana.",
        "The priority reason must be one of: disability, elderly, pregnant, child, disaster.",
    ),
    "login_required": (401, "Silakan masuk terlebih dahulu.", "Please log in first."),
    "session_expired": (401, "Sesi Anda telah berakhir. Silakan masuk kembali.", "Your session has expired. Please log in again."),
    "invalid_credentials": (401, "Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "forbidden": (403, "Anda tidak berwenang melakukan tindakan ini.", "You are not allowed to do this."),
    "csrf_failed": (403, "Permintaan ditolak karena asal halaman tidak sah.", "Request refused: it did not come from this site."),
    "self_priority_disabled": (
        403,
        "Antrean prioritas diberikan oleh petugas. Silakan hubungi petugas informasi.",
        "Priority tickets are granted by staff. Please ask the information desk.",
    ),
    "phone_tickets_disabled": (403, "Pengambilan nomor lewat ponsel sedang tidak tersedia.", "Taking a ticket by phone is switched off."),
    "not_found": (404, "Data tidak ditemukan.", "Not found."),
    "service_not_found": (404, "Layanan tidak ditemukan.", "Service not found."),
    "ticket_not_found": (404, "Nomor antrean tidak ditemukan.", "Ticket not found."),
    "counter_not_found": (404, "Loket tidak ditemukan.", "Counter not found."),
    "agency_not_found": (404, "Instansi tidak ditemukan.", "Agency not found."),
    "kiosk_not_found": (404, "Kios tidak terdaftar.", "Kiosk not registered."),
    "method_not_allowed": (405, "Metode tidak diizinkan untuk alamat ini.", "Method not allowed for this address."),
    "quota_reached": (409, "Kuota antrean hari ini sudah terpenuhi.", "Today's quota for this service has been reached."),
    "service_closed": (409, "Layanan sedang tutup. Jam layanan: {hours}.", "The service is closed. Hours: {hours}."),
    "service_inactive": (409, "Layanan ini tidak tersedia.", "This service is not available."),
    "issuing_stopped": (
        409,
        "Pengambilan nomor antrean hari ini sudah ditutup (pukul {cutoff}).",
        "Ticket issuing has stopped for today (at {cutoff}).",
    ),
    "on_break": (409, "{label}: pengambilan nomor dibuka kembali pukul {until}.", "{label}: issuing resumes at {until}."),
    "closed_today": (409, "Layanan tutup hari ini: {reason}.", "The service is closed today: {reason}."),
    "counter_not_open": (409, "Loket belum dibuka atau sedang istirahat.", "The counter is not open."),
    "no_current_ticket": (409, "Loket ini tidak sedang melayani nomor antrean.", "This counter has no current ticket."),
    "counter_changed": (
        409,
        "Loket ini baru saja berubah di layar lain; tampilan sudah diperbarui. Periksa lalu coba lagi.",
        "This counter just changed on another screen; the view is refreshed. Check and try again.",
    ),
    "counter_busy": (409, "Selesaikan dulu nomor antrean yang sedang dilayani.", "Finish the current ticket first."),
    "invalid_state": (
        409,
        "Tindakan ini tidak dapat dilakukan pada status antrean sekarang ({current}).",
        "Not possible in the ticket's current state ({current}).",
    ),
    "same_service": (409, "Nomor antrean sudah berada di layanan ini.", "The ticket is already in this service."),
    "ticket_not_waiting": (409, "Nomor antrean tidak sedang menunggu.", "The ticket is not waiting."),
    "no_printer": (
        409,
        "Nomor antrean ini tidak diambil di kios yang memiliki printer.",
        "This ticket was not taken at a kiosk with a printer.",
    ),
    "ticket_expired": (409, "Nomor antrean ini bukan untuk hari ini.", "This ticket is not for today."),
    "conflict": (409, "Data bertentangan dengan data yang sudah ada.", "Conflicts with existing data."),
    "payload_too_large": (413, "Data yang dikirim terlalu besar.", "The request is too large."),
    "unsupported_media_type": (415, "Jenis data tidak didukung; kirim JSON.", "Unsupported media type; send JSON."),
    "rate_limited": (
        429,
        "Terlalu banyak permintaan. Silakan coba lagi dalam {retry_after} detik.",
        "Too many requests. Try again in {retry_after} seconds.",
    ),
    "storage_unavailable": (
        503,
        "Penyimpanan data sedang bermasalah; nomor antrean belum dibuat. Silakan coba lagi atau hubungi petugas.",
        "Storage is failing; no ticket was created. Please try again or ask staff.",
    ),
    # the satisfaction survey (survey/)
    "survey_already_answered": (
        409,
        "Survei untuk nomor antrean ini sudah diisi. Terima kasih.",
        "This ticket's survey has already been answered. Thank you.",
    ),
    "survey_closed": (409, "Waktu pengisian survei untuk nomor antrean ini sudah berakhir.", "The survey for this ticket has closed."),
    "survey_not_yet": (409, "Survei dapat diisi setelah pelayanan selesai.", "The survey opens once the service is finished."),
    # complaints and suggestions (complaints/)
    "complaint_not_found": (
        404,
        "Kode aduan tidak ditemukan. Periksa kembali kode pelacakan Anda.",
        "Tracking code not found. Please check it.",
    ),
    "invalid_transition": (
        409,
        "Langkah '{action}' tidak dapat dilakukan pada status '{current}'.",
        "Step '{action}' is not possible in status '{current}'.",
    ),
    "photo_invalid": (400, "Foto harus berupa berkas JPEG atau PNG yang utuh.", "The photo must be a valid JPEG or PNG file."),
    "photo_too_large": (413, "Ukuran foto maksimal {limit_mb} MB.", "The photo may be at most {limit_mb} MB."),
    # online booking (booking/, loket/bookings.py)
    "booking_not_found": (
        404,
        "Kode reservasi tidak ditemukan. Periksa kembali kode Anda.",
        "Booking code not found. Please check it.",
    ),
    "booking_closed": (409, "Reservasi tidak tersedia: {reason}.", "Booking is not available: {reason_en}."),
    "slot_full": (409, "Sesi ini sudah penuh. Silakan pilih jam lain.", "This time slot is full. Please choose another."),
    "booking_exists": (
        409,
        "Sudah ada reservasi aktif dengan data ini untuk layanan dan hari yang sama.",
        "There is already an active booking with these details for this service and day.",
    ),
    "too_early": (
        409,
        "Terlalu awal. Check-in reservasi ini dibuka {day_id} pukul {opens}. Silakan kembali nanti.",
        "Too early. Check-in for this booking opens {day_en} at {opens}. Please come back then.",
    ),
    "too_late": (
        409,
        "Waktu check-in reservasi ini sudah lewat (sampai pukul {closes}). Silakan ambil nomor antrean biasa.",
        "The check-in time for this booking has passed (until {closes}). Please take a regular ticket.",
    ),
    "already_checked_in": (
        409,
        "Reservasi ini sudah check-in; nomor antrean Anda sudah dibuat.",
        "This booking is already checked in; your queue number exists.",
    ),
    "booking_cancelled": (409, "Reservasi ini sudah dibatalkan.", "This booking was cancelled."),
    "internal_error": (500, "Terjadi kesalahan pada server.", "Server error."),
}


# Parameters an error's JSON carries besides its message (too_early says when check-in opens, …).
PUBLIC_PARAMS = ("field", "retry_after", "reason", "hours", "until", "cutoff", "current", "opens", "opens_at", "date", "closes", "ticket")


class LoketError(Exception):
    """A refusal the citizen or officer should read: code, HTTP status and message parameters."""

    def __init__(self, code: str, status: int | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status or MESSAGES.get(code, (400, "", ""))[0]
        self.params = params

    def message(self, lang: str = "id") -> str:
        _status, text_id, text_en = MESSAGES.get(self.code, (self.status, self.code, self.code))
        template = text_en if lang == "en" else text_id
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def to_dict(self, lang: str = "id") -> dict:
        body = {"error": self.code, "message": self.message(lang)}
        extra = {k: v for k, v in self.params.items() if k in PUBLIC_PARAMS}
        body.update(extra)
        return body


def request_lang() -> str:
    """Indonesian unless the client asks for English (?lang=en, cookie or Accept-Language)."""
    asked = request.args.get("lang") or request.cookies.get("lang") or ""
    if asked in ("id", "en"):
        return asked
    best = request.accept_languages.best_match(["id", "en"], default="id")
    return best or "id"


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
