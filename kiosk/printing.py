"""Print queue tickets on thermal ESC/POS printers; the only module importing escpos."""

from __future__ import annotations

import logging
import socket
import textwrap
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode

from loket import i18n
from loket.printers import PrinterError, PrinterUrl, parse_printer_url
from loket.priority import PRIORITY_REASONS

logger = logging.getLogger(__name__)


@contextmanager
def _root_handlers_kept() -> Iterator[None]:
    """Take off the root logger any handler python-escpos adds inside the block."""
    # escpos.capabilities calls logging.basicConfig() on import, and the printer classes
    # log through the bare logging.info(), which calls basicConfig() again whenever the
    # root logger has no handler: either would print every warning of the app to stderr.
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


with _root_handlers_kept():
    from escpos import printer as escpos_printer
    from escpos.capabilities import CAPABILITIES
    from escpos.constants import QR_ECLEVEL_M
    from escpos.escpos import Escpos
    from escpos.magicencode import MagicEncode

DEFAULT_TIMEOUT = 3.0

# Indonesia has kept these offsets without daylight saving since 1988, so a fixed table
# needs no tzdata (absent on Windows kiosks); the names (WIB, WITA, WIT) are in loket/i18n.py.
ZONE_OFFSETS = {"Asia/Jakarta": 7, "Asia/Pontianak": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}

# Printers sold in Indonesia that escpos-printer-db lacks, mapped to a profile with the
# same paper width, resolution and command set.
PROFILE_ALIASES = {
    "TM-T82": "TM-T20II",
    "TM-T82II": "TM-T20II",
    "TM-T82III": "TM-T20II",
    "TM-T82X": "TM-T20II",
}

# A profile without a known paper width is treated as 58 mm, the narrowest common roll,
# so that text wrapped for it and a QR code sized for it fit on any printer.
NARROW_MEDIA = {"dpi": 203, "width": {"mm": 48, "pixels": 384}}
FONT_A_DOTS = 12
FONT_B_DOTS = 9
CODE_PAGE = "CP437"
MAX_QR_MODULE_DOTS = 6

# Characters outside CP437 that have an obvious ASCII stand-in.
TRANSLITERATIONS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


T = TypeVar("T")


@dataclass(frozen=True)
class PrintResult:
    """Whether the ticket reached the printer, and how long it took."""

    ok: bool
    error: str | None
    seconds: float


def _profile_name(profile: str | None) -> str:
    """Find the python-escpos profile for a printer model name, ignoring case."""
    wanted = (profile or "default").strip()
    known = {name.lower(): name for name in CAPABILITIES["profiles"]}
    aliases = {alias.lower(): target for alias, target in PROFILE_ALIASES.items()}
    name = aliases.get(wanted.lower()) or known.get(wanted.lower())
    if name is None:
        raise PrinterError(
            f"unknown printer profile {profile!r}; known: " + ", ".join(sorted(list(known.values()) + list(PROFILE_ALIASES)))
        )
    return name


def _fill_media_width(printer: Escpos) -> None:
    """Give a profile without a paper width the 58 mm one."""
    # Without a width python-escpos print()s a notice to stdout for every image and
    # cannot centre one; the profile object belongs to this printer alone.
    media = printer.profile.profile_data.get("media", {})
    if not isinstance(media.get("width", {}).get("pixels"), int):
        printer.profile.profile_data = {
            **printer.profile.profile_data,
            "media": NARROW_MEDIA,
        }


def _printer_object(address: PrinterUrl, profile: str, timeout: float) -> Escpos:
    """Construct (not yet open) the python-escpos printer for a parsed URL."""
    if address.kind == "tcp":
        return escpos_printer.Network(timeout=timeout, profile=profile, **address.options)
    if address.kind == "usb":
        # pyusb counts milliseconds, and python-escpos's default 0 waits forever.
        return escpos_printer.Usb(timeout=max(1, int(timeout * 1000)), profile=profile, **address.options)
    if address.kind == "serial":
        return escpos_printer.Serial(timeout=timeout, profile=profile, **address.options)
    if address.kind == "file":
        return escpos_printer.File(profile=profile, **address.options)
    if address.kind == "cups":
        if not escpos_printer.CupsPrinter.is_usable():
            raise PrinterError("cups:// printers need pycups (pip install pycups)")
        return escpos_printer.CupsPrinter(profile=profile, **address.options)
    return escpos_printer.Dummy(profile=profile)


def open_printer(url: str, profile: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Escpos:
    """Open the printer a URL names, waiting at most timeout seconds to connect."""
    address = parse_printer_url(url)
    printer = _printer_object(address, _profile_name(profile), timeout)
    _fill_media_width(printer)
    if address.kind in ("dummy", "cups"):
        # A Dummy has nothing to open; CUPS connects when the job is sent.
        return printer
    if address.kind == "tcp":
        _connect(printer, url, timeout)
        return printer
    try:
        with _root_handlers_kept():
            printer.open()
    except Exception as exc:
        raise PrinterError(f"cannot open printer {url}: {_describe(exc)}") from exc
    return printer


def _connect(printer: Escpos, url: str, timeout: float) -> None:
    """Connect a Network printer within timeout seconds."""
    # Network.open() leaks its socket when the connection fails and only knows IPv4;
    # the socket it would have made is simply handed over.
    host, port = printer.host, printer.port
    try:
        printer.device = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise PrinterError(f"cannot open printer {url}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    """One line of error text for the kiosk's answer and the log."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _close(printer: Escpos) -> None:
    """Close a printer, never letting a failure to close hide the real outcome."""
    try:
        with _root_handlers_kept():
            printer.close()
    except Exception:
        logger.warning("closing the printer failed", exc_info=True)


def _columns(printer: Escpos, font_dots: int = FONT_A_DOTS) -> int:
    """Characters of a font on one line of this printer's paper."""
    return int(printer.profile.profile_data["media"]["width"]["pixels"]) // font_dots


def _printable(text: Any, code_page_known: bool = True) -> str:
    """Reduce text to what the printer's code page can show, and no control bytes."""
    # A service name holding ESC or GS would otherwise send the printer commands.
    out = []
    for char in unicodedata.normalize("NFC", str(text)).translate(TRANSLITERATIONS):
        if unicodedata.category(char) == "Cc":
            out.append(" ")
        elif char.isascii() or (code_page_known and _in_code_page(char)):
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            out.append(base if base.isascii() and base.isprintable() else "?")
    return "".join(out)


def _in_code_page(char: str) -> bool:
    """Whether CP437 has the character."""
    try:
        char.encode(CODE_PAGE)
    except UnicodeEncodeError:
        return False
    return True


def _pin_code_page(printer: Escpos) -> bool:
    """Select CP437 on the printer and stop python-escpos from switching tables."""
    # python-escpos would switch to any table the profile lists, by slot numbers cheap
    # clones assign differently, and sends Chinese as raw GB18030; a ticket only needs
    # Latin text, so one table every ESC/POS printer has is safer.
    slots = [int(slot) for slot, name in printer.profile.profile_data.get("codePages", {}).items() if name == CODE_PAGE]
    if not slots:
        return False
    printer._raw(b"\x1bt" + bytes([min(slots)]))
    printer.magic = MagicEncode(printer, encoding=CODE_PAGE, disabled=True)
    return True


def _lines(printer: Escpos, text: Any, width: int, code_page_known: bool) -> None:
    """Print text wrapped to width characters."""
    clean = _printable(text, code_page_known)
    for line in textwrap.wrap(clean, max(1, width)) or [""]:
        printer.textln(line)


def _whole_line(printer: Escpos, text: str, code_page_known: bool) -> None:
    """Print a short line unbroken, in the narrower font B if font A would wrap it."""
    clean = _printable(text, code_page_known)
    wide, narrow = _columns(printer), _columns(printer, FONT_B_DOTS)
    if wide < len(clean) <= narrow and "1" in printer.profile.fonts:
        printer.set(font="b")
        printer.textln(clean)
        printer.set(font="a")
    else:
        _lines(printer, clean, wide, code_page_known)


def local_time_text(issued_at: str | datetime, tz_name: str) -> str:
    """Format a UTC instant as 'Sabtu, 28 November 2026 09:05 WIB' in the MPP's zone."""
    local, abbreviation = _in_zone(issued_at, tz_name)
    return f"{i18n.long_date(local, 'id')} {local:%H:%M} {abbreviation}"


def local_clock_text(instant: str | datetime, tz_name: str) -> str:
    """A UTC instant as '16.00 WIB' in the MPP's zone (the Indonesian way of writing a time)."""
    local, abbreviation = _in_zone(instant, tz_name)
    return f"{local:%H.%M} {abbreviation}"


def _in_zone(issued_at: str | datetime, tz_name: str) -> tuple[datetime, str]:
    moment = issued_at if isinstance(issued_at, datetime) else datetime.fromisoformat(issued_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if tz_name in ZONE_OFFSETS:
        local = moment.astimezone(timezone(timedelta(hours=ZONE_OFFSETS[tz_name])))
        abbreviation = i18n.zone_abbreviation(tz_name)
    else:
        try:
            local = moment.astimezone(ZoneInfo(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("unknown time zone %r; printing UTC", tz_name)
            local = moment.astimezone(UTC)
        abbreviation = local.tzname() or "UTC"
    return local, abbreviation


def _priority_label(ticket: dict) -> str | None:
    """The reason label of a priority ticket ('Lansia (60+)'), or None when it has none; paper speaks Indonesian."""
    reason = ticket.get("priority_reason")
    if isinstance(ticket.get("priority"), str):
        reason = reason or ticket["priority"]
    label = PRIORITY_REASONS.get(reason) if isinstance(reason, str) else None
    return i18n.gettext(label, "id") if label else None


def _number_size(number: str, columns: int) -> int:
    """The largest character multiplier (1-8) at which the number fits on one line."""
    return max(1, min(8, columns // max(1, len(number))))


def _qr(printer: Escpos, url: str, qr_mode: str) -> None:
    """Print the status URL as a QR code, natively or as a raster image."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(url)
    code.make(fit=True)
    width = int(printer.profile.profile_data["media"]["width"]["pixels"])
    module = max(1, min(MAX_QR_MODULE_DOTS, width // (code.modules_count + 2)))
    native = qr_mode == "native" and printer.profile.supports("qrCode")
    if qr_mode == "native" and not native:
        logger.info("the printer profile has no native QR; printing it as an image")
    printer.set(align="center")
    printer.qr(url, ec=QR_ECLEVEL_M, size=module, native=native, center=not native)


def render_ticket(printer: Escpos, ticket: dict, mpp: dict, qr_mode: str = "native") -> None:
    """Write one ticket's ESC/POS commands to an open printer, ending with the cut."""
    if qr_mode not in ("native", "image"):
        raise ValueError(f"qr_mode must be 'native' or 'image', not {qr_mode!r}")
    _fill_media_width(printer)
    columns = _columns(printer)
    printer.hw("INIT")
    known = _pin_code_page(printer)

    def lines(text: Any, width: int = columns) -> None:
        _lines(printer, text, width, known)

    printer.set(align="center", bold=True, double_height=True)
    lines(mpp["name"])
    printer.set(normal_textsize=True, bold=False)
    if mpp.get("ticket_header"):
        lines(mpp["ticket_header"])
    printer.textln("-" * columns)
    if ticket.get("agency"):
        printer.set(bold=True)
        lines(ticket["agency"])
        printer.set(bold=False)
    if ticket.get("service"):
        lines(ticket["service"])
    printer.ln()
    printer.textln("Nomor Antrean")
    number = _printable(ticket["number"], known)
    size = _number_size(number, columns)
    printer.set(custom_size=True, width=size, height=size, bold=True)
    lines(number, columns // size)
    printer.set(custom_size=True, width=1, height=1)
    printer.set(normal_textsize=True, bold=False)
    if ticket.get("priority"):
        printer.ln()
        printer.set(double_width=True, double_height=True, bold=True, invert=True)
        printer.textln(" PRIORITAS ")
        printer.set(normal_textsize=True, bold=False, invert=False)
        label = _priority_label(ticket)
        if label:
            lines(label)
    if ticket.get("booking_code"):
        lines(f"Reservasi {_printable(ticket['booking_code'], known)}")
    printer.ln()
    # On 58 mm paper these lines are a few characters too long for font A.
    if ticket.get("issued_at"):
        when = local_time_text(ticket["issued_at"], mpp.get("timezone", "Asia/Jakarta"))
        _whole_line(printer, when, known)
    if ticket.get("called_around"):
        # a booking before its slot: walk-ins until then go first, so a time and not a count
        around = local_clock_text(ticket["called_around"], mpp.get("timezone", "Asia/Jakarta"))
        _whole_line(printer, f"Dipanggil sekitar pukul {around}", known)
    elif ticket.get("ahead") is not None:
        if ticket.get("open_counters") == 0:
            _whole_line(printer, "Belum ada loket yang buka", known)
        _whole_line(printer, f"Antrean di depan Anda: {ticket['ahead']}", known)
    if ticket.get("estimated_wait_minutes") is not None and not ticket.get("called_around"):
        minutes = round(ticket["estimated_wait_minutes"])
        estimate = f"Perkiraan waktu tunggu: \u00b1 {minutes} menit"
        _whole_line(printer, estimate, known)
    if ticket.get("status_url"):
        printer.ln()
        _qr(printer, ticket["status_url"], qr_mode)
        printer.set(align="center")
        lines("Pindai untuk melihat status antrean")
    if mpp.get("ticket_footer"):
        printer.textln("-" * columns)
        lines(mpp["ticket_footer"])
    # cut() feeds the paper past the cutter, and only feeds on a printer without one.
    printer.cut()


def _within(seconds: float, work: Callable[[], T]) -> T:
    """Run work in a helper thread and stop waiting for it after seconds."""
    # A serial port with hardware flow control or a stuck /dev/usb/lp0 blocks a write
    # forever and cannot be interrupted; the kiosk must answer all the same.
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller, which re-raises it
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="loket-printer", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise TimeoutError(f"the printer did not respond within {seconds:.1f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _send_tcp(printer: Escpos, data: bytes, deadline: float) -> None:
    """Send the ticket and wait until the printer has read all of it."""
    # Like CUPS's socket backend (waiteof): after our end-of-data the printer closes
    # only once it has consumed the job, so a hung or paper-less printer shows up as a
    # timeout instead of bytes silently parked in the kernel's buffers.
    connection: socket.socket = printer.device
    connection.settimeout(_remaining(deadline))
    connection.sendall(data)
    connection.shutdown(socket.SHUT_WR)
    while True:
        connection.settimeout(_remaining(deadline))
        if not connection.recv(256):
            return


def _remaining(deadline: float) -> float:
    """Seconds left before the deadline, or TimeoutError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _send_device(url: str, profile: str, data: bytes, timeout: float) -> None:
    """Open, write and close a usb, serial, file or cups printer."""
    printer = open_printer(url, profile, timeout)
    try:
        if isinstance(printer, escpos_printer.Serial):
            # python-escpos sets only a read timeout; a write waits for flow control.
            printer.device.write_timeout = timeout
        printer._raw(data)
    finally:
        _close(printer)


def _print_to_url(url: str, data: bytes, profile: str, timeout: float, deadline: float) -> None:
    """Deliver rendered ticket bytes to the printer a URL names."""
    address = parse_printer_url(url)
    if address.kind == "dummy":
        return
    if address.kind != "tcp":
        _within(_remaining(deadline), lambda: _send_device(url, profile, data, timeout))
        return
    printer = open_printer(url, profile, _remaining(deadline))
    try:
        _send_tcp(printer, data, deadline)
    except TimeoutError:
        raise TimeoutError(f"the printer did not take the whole ticket within {timeout:.1f} s (offline, out of paper or jammed?)") from None
    except OSError as exc:
        raise PrinterError(f"the printer dropped the connection mid-ticket: {_describe(exc)}") from exc
    finally:
        _close(printer)


def print_ticket(
    printer_or_url: str | Escpos,
    ticket: dict,
    mpp: dict,
    *,
    qr_mode: str = "native",
    profile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PrintResult:
    """Print one ticket (open, print, close); a failure is reported, never raised."""
    if qr_mode not in ("native", "image"):
        raise ValueError(f"qr_mode must be 'native' or 'image', not {qr_mode!r}")
    started = time.monotonic()
    deadline = started + timeout
    try:
        if isinstance(printer_or_url, str):
            profile_name = _profile_name(profile)
            # Render first, with no device open, then send the ticket in one write:
            # nothing half-printed because rendering failed, one deadline for the I/O.
            scratch = escpos_printer.Dummy(profile=profile_name)
            render_ticket(scratch, ticket, mpp, qr_mode)
            _print_to_url(printer_or_url, scratch.output, profile_name, timeout, deadline)
        else:
            # A printer the caller opened keeps its own timeout and stays open.
            scratch = escpos_printer.Dummy()
            scratch.profile = printer_or_url.profile
            render_ticket(scratch, ticket, mpp, qr_mode)
            printer_or_url._raw(scratch.output)
    except Exception as exc:
        seconds = time.monotonic() - started
        error = _describe(exc)
        if isinstance(exc, (PrinterError, OSError)):
            logger.warning("ticket %s not printed: %s", ticket.get("number"), error)
        else:
            logger.exception("ticket %s not printed", ticket.get("number"))
        return PrintResult(ok=False, error=error, seconds=seconds)
    seconds = time.monotonic() - started
    logger.info("ticket %s printed in %.2f s", ticket.get("number"), seconds)
    return PrintResult(ok=True, error=None, seconds=seconds)
