"""Kiosk printer addresses: reading a printer URL, and keeping the address off what screens show.

The admin checks an address when a kiosk is saved, the kiosk's print worker and agent connect with it
(kiosk/printing.py, the only module importing escpos); both read it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

STOPBITS = {"1": 1, "1.5": 1.5, "2": 2}
BYTESIZES = (5, 6, 7, 8)


class PrinterError(Exception):
    """The printer URL, profile or device cannot be used."""


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed printer URL: the kind of connection and its python-escpos arguments."""

    kind: str
    options: dict[str, Any] = field(default_factory=dict)


def parse_printer_url(url: str) -> PrinterUrl:
    """Read tcp://, usb://, serial://, file://, cups:// or dummy into a PrinterUrl."""
    text = (url or "").strip()
    if text.lower() in ("dummy", "dummy:", "dummy://"):
        return PrinterUrl("dummy")
    parts = urlsplit(text)
    query = _query(parts.query, url)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        return _tcp_url(parts, query, url)
    if scheme == "usb":
        return _usb_url(parts, query, url)
    if scheme == "serial":
        return _serial_url(parts, query, url)
    if scheme == "file":
        _no_options(query, url)
        return PrinterUrl("file", {"devfile": _device_path(parts, url)})
    if scheme == "cups":
        _no_options(query, url)
        queue = unquote(parts.netloc + parts.path).strip("/")
        if not queue:
            raise PrinterError(f"printer URL {url!r} names no CUPS queue")
        return PrinterUrl("cups", {"printer_name": queue})
    raise PrinterError(
        f"unsupported printer URL {url!r}; use tcp://HOST:9100, "
        "usb://VENDOR:PRODUCT, serial:///dev/ttyS0?baudrate=9600, "
        "file:///dev/usb/lp0, cups://QUEUE or dummy"
    )


def _query(query: str, url: str) -> dict[str, str]:
    """Return the URL's query options, refusing a repeated one."""
    pairs = parse_qsl(query, keep_blank_values=True)
    options = dict(pairs)
    if len(options) != len(pairs):
        raise PrinterError(f"printer URL {url!r} repeats an option")
    return options


def _no_options(query: dict[str, str], url: str, allowed: tuple[str, ...] = ()) -> None:
    """Refuse options this kind of printer does not take, so a typo is not ignored."""
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        raise PrinterError(f"printer URL {url!r} has unknown option(s): {unknown}")


def _tcp_url(parts: Any, query: dict[str, str], url: str) -> PrinterUrl:
    """Parse tcp://HOST[:PORT]; the port defaults to 9100, the raw printing port."""
    _no_options(query, url)
    try:
        port = parts.port or 9100
    except ValueError as exc:
        raise PrinterError(f"printer URL {url!r} has a bad port") from exc
    if not parts.hostname or parts.path not in ("", "/"):
        raise PrinterError(f"printer URL {url!r} needs the form tcp://HOST:9100")
    return PrinterUrl("tcp", {"host": parts.hostname, "port": port})


def _usb_url(parts: Any, query: dict[str, str], url: str) -> PrinterUrl:
    """Parse usb://VENDOR:PRODUCT with hexadecimal ids, optionally ?in_ep=&out_ep=."""
    _no_options(query, url, ("in_ep", "out_ep"))
    ids = parts.netloc.split(":")
    if len(ids) != 2 or parts.path not in ("", "/"):
        raise PrinterError(f"printer URL {url!r} needs the form usb://04b8:0202")
    options: dict[str, Any] = {}
    for name, value in zip(("idVendor", "idProduct"), ids, strict=True):
        options[name] = _hex_number(value, 0xFFFF, url)
        if options[name] == 0:
            raise PrinterError(f"printer URL {url!r} has a zero USB id")
    for name in ("in_ep", "out_ep"):
        if name in query:
            options[name] = _hex_number(query[name], 0xFF, url)
    return PrinterUrl("usb", options)


def _hex_number(text: str, maximum: int, url: str) -> int:
    """Read a hexadecimal id as lsusb prints it (04b8 or 0x04b8)."""
    try:
        number = int(text, 16)
    except ValueError:
        raise PrinterError(f"printer URL {url!r}: {text!r} is not hexadecimal") from None
    if not 0 <= number <= maximum:
        raise PrinterError(f"printer URL {url!r}: {text!r} is out of range")
    return number


def _serial_url(parts: Any, query: dict[str, str], url: str) -> PrinterUrl:
    """Parse serial:///dev/ttyS0?baudrate=9600 (and bytesize, parity, stopbits, …)."""
    _no_options(query, url, ("baudrate", "bytesize", "parity", "stopbits", "xonxoff", "dsrdtr"))
    options: dict[str, Any] = {"devfile": _device_path(parts, url)}
    try:
        if "baudrate" in query:
            options["baudrate"] = int(query["baudrate"])
        if "bytesize" in query:
            options["bytesize"] = int(query["bytesize"])
    except ValueError:
        raise PrinterError(f"printer URL {url!r} has a non-numeric option") from None
    if options.get("baudrate", 9600) <= 0 or options.get("bytesize", 8) not in BYTESIZES:
        raise PrinterError(f"printer URL {url!r} has a bad baudrate or bytesize")
    if "stopbits" in query:
        if query["stopbits"] not in STOPBITS:
            raise PrinterError(f"printer URL {url!r} has bad stopbits")
        options["stopbits"] = STOPBITS[query["stopbits"]]
    if "parity" in query:
        parity = query["parity"].upper()
        if parity not in ("N", "E", "O", "M", "S"):
            raise PrinterError(f"printer URL {url!r} has bad parity")
        options["parity"] = parity
    for name in ("xonxoff", "dsrdtr"):
        if name in query:
            options[name] = _flag(query[name], url)
    return PrinterUrl("serial", options)


def _flag(text: str, url: str) -> bool:
    """Read a yes/no URL option."""
    value = text.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise PrinterError(f"printer URL {url!r}: {text!r} is not a yes/no value")


def _device_path(parts: Any, url: str) -> str:
    """Join the URL's host and path into a device path (/dev/usb/lp0, COM3)."""
    path = unquote(parts.netloc + parts.path)
    if not path or path == "/":
        raise PrinterError(f"printer URL {url!r} names no device")
    return path


def printer_kind(url: str) -> str | None:
    """tcp, usb, serial, file, cups or dummy; None when the kiosk has no (usable) printer."""
    if not (url or "").strip():
        return None
    try:
        return parse_printer_url(url).kind
    except PrinterError:
        return None


ADDRESS_PATTERNS = (re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.I), re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"))


def public_printer_error(kiosk: dict, error: str | None) -> str:
    """A printer error as a kiosk screen may show it: the printer's address (URL, host, IP) replaced."""
    text = error or ""
    url = (kiosk.get("printer_url") or "").strip()
    if url:
        text = text.replace(repr(url), "printer").replace(url, "printer")
        host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if len(host) > 2:
            text = text.replace(host, "printer")
    for pattern in ADDRESS_PATTERNS:
        text = pattern.sub("printer", text)
    return text
