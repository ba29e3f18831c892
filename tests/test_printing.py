"""Tickets rendered through python-escpos's Dummy, and sent to real sockets on 127.0.0.1."""

import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk import printing
from kiosk.printing import PrinterError, PrinterUrl

ROOT = Path(__file__).resolve().parents[1]
STATUS_URL = "https://mpp.bogorkota.go.id/antrean/7f3a9c"
GS_CUT = b"\x1dV"
GS_RASTER_IMAGE = b"\x1dv0"
GS_2D_CODE = b"\x1d(k"

MPP = {
    "name": "Mal Pelayanan Publik Kota Bogor",
    "ticket_header": "Jl. Ir. H. Juanda No. 10",
    "timezone": "Asia/Jakarta",
    "ticket_footer": "Maklumat: kami siap melayani sesuai standar pelayanan.",
}
TICKET = {
    "number": "A001",
    "agency": "Dinas Kependudukan dan Pencatatan Sipil",
    "service": "Perekaman KTP-el",
    "priority": False,
    "issued_at": "2026-11-28T02:05:00.000Z",
    "ahead": 3,
    "estimated_wait_minutes": 15,
    "status_url": STATUS_URL,
}


def rendered(ticket=None, mpp=None, qr_mode="native", profile=None) -> bytes:
    """The bytes one ticket renders to on a Dummy printer."""
    printer = printing.open_printer("dummy", profile)
    printing.render_ticket(printer, ticket or TICKET, mpp or MPP, qr_mode)
    return printer.output


def qr_store_command(data: str) -> bytes:
    """GS ( k <pL pH> cn=1 fn=P m=0 <data>: store a QR code's data in the printer."""
    payload = data.encode()
    return GS_2D_CODE + struct.pack("<H", len(payload) + 3) + b"1P0" + payload


def test_a_ticket_carries_every_field():
    output = rendered()
    for text in [
        "Mal Pelayanan Publik Kota Bogor",
        "Jl. Ir. H. Juanda No. 10",
        "Dinas Kependudukan dan",
        "Perekaman KTP-el",
        "A001",
        "Sabtu, 28 November 2026 09:05 WIB",
        "Antrean di depan Anda: 3",
        "Maklumat: kami siap melayani",
    ]:
        assert text.encode("cp437") in output, text
    assert b"Perkiraan waktu tunggu: \xf1 15 menit" in output
    assert qr_store_command(STATUS_URL) in output
    assert b"PRIORITAS" not in output


def test_the_ticket_ends_with_the_cut():
    output = rendered()
    assert output.endswith(GS_CUT + b"\x00")
    assert output.count(GS_CUT) == 1


@pytest.mark.parametrize(
    ("zone", "issued_at", "expected"),
    [
        ("Asia/Jakarta", "2026-11-28T02:05:00.000Z", "Sabtu, 28 November 2026 09:05 WIB"),
        ("Asia/Pontianak", "2026-11-28T02:05:00.000Z", "Sabtu, 28 November 2026 09:05 WIB"),
        ("Asia/Makassar", "2026-11-28T02:05:00.000Z", "Sabtu, 28 November 2026 10:05 WITA"),
        ("Asia/Jayapura", "2026-11-28T02:05:00.000Z", "Sabtu, 28 November 2026 11:05 WIT"),
        ("Asia/Jakarta", "2026-12-31T16:59:00.000Z", "Kamis, 31 Desember 2026 23:59 WIB"),
        ("Asia/Jayapura", "2026-12-31T15:00:00.000Z", "Jumat, 1 Januari 2027 00:00 WIT"),
        ("Asia/Makassar", "2026-03-01T23:30:00Z", "Senin, 2 Maret 2026 07:30 WITA"),
    ],
)
def test_the_date_and_time_are_in_the_mpps_zone_in_indonesian(zone, issued_at, expected):
    assert printing.local_time_text(issued_at, zone) == expected
    output = rendered({**TICKET, "issued_at": issued_at}, {**MPP, "timezone": zone})
    assert expected.encode() in output


@pytest.mark.parametrize(
    ("number", "profile", "size_byte"),
    [
        ("A001", None, 0x77),  # 8 x 8 fills the 32 columns of 58 mm paper
        ("PH-001", None, 0x44),  # 6 characters fit at 5 x 5 on 58 mm
        ("PH-001", "TM-T82", 0x77),  # 48 columns of 80 mm paper take 8 x 8
        ("4K-01", "POS-5890", 0x55),
    ],
)
def test_the_number_is_printed_as_large_as_the_paper_allows(number, profile, size_byte):
    output = rendered({**TICKET, "number": number}, profile=profile)
    assert b"\x1d!" + bytes([size_byte]) + b"\x1bE\x01" + number.encode() in output


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("disability", "Penyandang disabilitas"),
        ("elderly", "Lansia (60+)"),
        ("pregnant", "Ibu hamil"),
        ("child", "Anak-anak"),
        ("disaster", "Korban bencana"),
    ],
)
def test_a_priority_ticket_is_marked_with_its_reason(reason, label):
    output = rendered({**TICKET, "priority": True, "priority_reason": reason})
    assert b"PRIORITAS" in output
    assert label.encode() in output
    # the reason may also come as the value of "priority" itself
    assert label.encode() in rendered({**TICKET, "priority": reason})


def test_a_missing_estimate_leaves_its_line_out():
    output = rendered({**TICKET, "estimated_wait_minutes": None})
    assert b"Perkiraan waktu tunggu" not in output
    assert b"Antrean di depan Anda: 3" in output


def test_a_booking_before_its_slot_prints_a_time_and_no_count():
    output = rendered({**TICKET, "ahead": 0, "estimated_wait_minutes": 0, "called_around": "2026-11-28T09:00:00.000Z"})
    assert b"Dipanggil sekitar pukul 16.00 WIB" in output
    assert b"Antrean di depan Anda" not in output and b"Perkiraan waktu tunggu" not in output


def test_a_ticket_no_open_counter_can_call_says_so_and_promises_no_time():
    output = rendered({**TICKET, "ahead": 0, "estimated_wait_minutes": None, "open_counters": 0})
    assert b"Belum ada loket yang buka" in output and b"Antrean di depan Anda: 0" in output
    assert b"Perkiraan waktu tunggu" not in output


def test_image_mode_prints_the_qr_code_as_a_raster_image(capsys):
    output = rendered(qr_mode="image")
    assert GS_RASTER_IMAGE in output
    assert GS_2D_CODE not in output
    # python-escpos print()s to stdout for images when the paper width is unknown
    assert capsys.readouterr().out == ""


def test_a_profile_without_native_qr_gets_the_qr_code_as_an_image():
    output = rendered(profile="POS-5890")
    assert GS_RASTER_IMAGE in output
    assert GS_2D_CODE not in output


@pytest.mark.parametrize("profile", [None, "default", "TM-T82", "TM-T20II", "POS-5890"])
@pytest.mark.parametrize("qr_mode", ["native", "image"])
def test_every_profile_renders_in_both_qr_modes(profile, qr_mode):
    output = rendered(profile=profile, qr_mode=qr_mode)
    assert b"A001" in output
    assert b"Sabtu, 28 November 2026 09:05 WIB" in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café", b"Caf\x82"),  # in CP437
        ("± 20", b"\xf1 20"),  # in CP437
        ("Gdańsk", b"Gdansk"),  # accent dropped
        ("“Layanan” – cepat…", b'"Layanan" - cepat...'),
        ("KTP 🪪 baru", b"KTP ? baru"),
        ("Kemenag مرحبا", b"Kemenag ?????"),
        ("Layanan 你好", b"Layanan ??"),  # not raw GB18030, as python-escpos would
    ],
)
def test_characters_the_code_page_lacks_degrade_without_error(text, expected):
    output = rendered({**TICKET, "service": text}, {**MPP, "ticket_footer": text})
    assert output.count(expected) == 2


def test_control_characters_in_names_cannot_send_printer_commands():
    output = rendered({**TICKET, "service": "Paspor\x1d\x56\x00\x1b@"})
    assert output.count(GS_CUT) == 1
    assert output.count(b"\x1b@") == 1
    assert b"Paspor" in output


def test_print_ticket_accepts_an_open_printer_object():
    printer = printing.open_printer("dummy")
    result = printing.print_ticket(printer, TICKET, MPP)
    assert result.ok
    assert result.error is None
    assert printer.output == rendered()


@contextmanager
def fake_printer(serve: Callable[[socket.socket, threading.Event], None], rcvbuf: int | None = None):
    """A listener on 127.0.0.1 whose thread hands the accepted connection to serve, with an event set at the end."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    finished = threading.Event()

    def run() -> None:
        try:
            connection, _ = listener.accept()
            with connection:
                serve(connection, finished)
        except OSError:
            pass  # the listener was closed under us, or the client went away

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        finished.set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes an accept() that is still waiting
        except OSError:
            pass
        listener.close()
        worker.join(5)
        assert not worker.is_alive()


def read_until_eof(connection: socket.socket, into: bytearray) -> None:
    """Read everything the client sends, as a printer does."""
    while chunk := connection.recv(4096):
        into.extend(chunk)


def test_a_network_printer_receives_the_whole_ticket():
    received = bytearray()
    with fake_printer(lambda c, _: read_until_eof(c, received)) as url:
        result = printing.print_ticket(url, TICKET, MPP, timeout=3)
    assert result.ok, result.error
    assert result.seconds < 3
    assert bytes(received) == rendered()


def test_a_network_printer_receives_the_image_mode_ticket_for_its_profile():
    received = bytearray()
    with fake_printer(lambda c, _: read_until_eof(c, received)) as url:
        result = printing.print_ticket(url, TICKET, MPP, qr_mode="image", profile="TM-T82")
    assert result.ok, result.error
    assert bytes(received) == rendered(qr_mode="image", profile="TM-T82")
    assert b"Mal Pelayanan Publik Kota Bogor" in received
    assert GS_RASTER_IMAGE in received


def closed_port() -> str:
    """A tcp:// URL on which nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def test_a_printer_that_refuses_the_connection_fails_fast():
    started = time.monotonic()
    result = printing.print_ticket(closed_port(), TICKET, MPP, timeout=1)
    assert not result.ok
    assert "refused" in result.error.lower()
    assert time.monotonic() - started < 1 + 2


def never_read(connection: socket.socket, finished: threading.Event) -> None:
    """A hung printer: it took the connection but reads nothing."""
    finished.wait(10)


def read_but_never_close(connection: socket.socket, finished: threading.Event) -> None:
    """A printer that swallows the data but never finishes the job."""
    connection.settimeout(10)
    while not finished.is_set() and connection.recv(4096):
        pass
    finished.wait(10)


def drop_mid_ticket(connection: socket.socket, finished: threading.Event) -> None:
    """A printer that resets the connection after the first bytes."""
    connection.recv(64)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    "behaviour",
    [
        never_read,  # the ticket waits in the kernel's buffers; the printer never closes
        read_but_never_close,
        drop_mid_ticket,
    ],
)
def test_a_printer_that_hangs_or_drops_fails_within_the_timeout(behaviour):
    with fake_printer(behaviour, rcvbuf=4096) as url:
        started = time.monotonic()
        result = printing.print_ticket(url, TICKET, MPP, timeout=1)
        elapsed = time.monotonic() - started
    assert not result.ok
    assert "the printer" in result.error
    assert elapsed < 1 + 2


def test_an_open_network_printer_that_stops_reading_fails_within_its_timeout():
    mpp = {**MPP, "ticket_footer": "Maklumat pelayanan. " * 5_000}
    with fake_printer(never_read, rcvbuf=4096) as url:
        printer = printing.open_printer(url, timeout=1)
        try:
            # loopback buffers hold megabytes; a small one makes the write itself block
            printer.device.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            started = time.monotonic()
            result = printing.print_ticket(printer, TICKET, mpp)
            elapsed = time.monotonic() - started
        finally:
            printer.close()
    assert not result.ok
    assert "timed out" in result.error
    assert elapsed < 1 + 2


def test_a_device_that_blocks_forever_does_not_block_the_kiosk(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # opening a FIFO for writing blocks until someone reads it
    started = time.monotonic()
    result = printing.print_ticket(f"file://{fifo}", TICKET, MPP, timeout=0.5)
    assert time.monotonic() - started < 0.5 + 2
    assert not result.ok
    assert "did not respond" in result.error
    # let the stuck writer finish, so no thread outlives the test
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        deadline = time.monotonic() + 5
        while any(t.name == "loket-printer" for t in threading.enumerate()):
            assert time.monotonic() < deadline
            try:
                os.read(reader, 65536)
            except BlockingIOError:
                time.sleep(0.01)
    finally:
        os.close(reader)


def test_a_file_printer_receives_the_ticket(tmp_path):
    device = tmp_path / "lp0"
    result = printing.print_ticket(f"file://{device}", TICKET, MPP, profile="TM-T20II")
    assert result.ok, result.error
    assert device.read_bytes() == rendered(profile="TM-T20II")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://192.168.1.50:9100", PrinterUrl("tcp", {"host": "192.168.1.50", "port": 9100})),
        ("tcp://printer.local", PrinterUrl("tcp", {"host": "printer.local", "port": 9100})),
        ("TCP://10.0.0.7:9101/", PrinterUrl("tcp", {"host": "10.0.0.7", "port": 9101})),
        ("tcp://[::1]:9100", PrinterUrl("tcp", {"host": "::1", "port": 9100})),
        ("usb://04b8:0202", PrinterUrl("usb", {"idVendor": 0x04B8, "idProduct": 0x0202})),
        (
            "usb://0x0416:0x5011?in_ep=0x81&out_ep=03",
            PrinterUrl(
                "usb",
                {"idVendor": 0x0416, "idProduct": 0x5011, "in_ep": 0x81, "out_ep": 3},
            ),
        ),
        ("serial:///dev/ttyS0", PrinterUrl("serial", {"devfile": "/dev/ttyS0"})),
        (
            "serial:///dev/ttyUSB0?baudrate=19200&parity=e&stopbits=2&dsrdtr=no",
            PrinterUrl(
                "serial",
                {
                    "devfile": "/dev/ttyUSB0",
                    "baudrate": 19200,
                    "parity": "E",
                    "stopbits": 2,
                    "dsrdtr": False,
                },
            ),
        ),
        ("serial://COM3?baudrate=9600", PrinterUrl("serial", {"devfile": "COM3", "baudrate": 9600})),
        ("file:///dev/usb/lp0", PrinterUrl("file", {"devfile": "/dev/usb/lp0"})),
        ("cups://TM-T82", PrinterUrl("cups", {"printer_name": "TM-T82"})),
        ("dummy", PrinterUrl("dummy")),
        (" dummy:// ", PrinterUrl("dummy")),
    ],
)
def test_printer_urls_are_parsed(url, expected):
    assert printing.parse_printer_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "192.168.1.50:9100",
        "http://192.168.1.50",
        "tcp://",
        "tcp://:9100",
        "tcp://printer:port",
        "tcp://printer:99999",
        "tcp://printer:9100/queue",
        "tcp://printer:9100?timeout=60",
        "usb://04b8",
        "usb://04b8:0202:1",
        "usb://zzzz:0202",
        "usb://10000:0202",
        "usb://0000:0202",
        "usb://04b8:0202?in_ep=xyz",
        "serial://",
        "serial:///dev/ttyS0?baudrate=fast",
        "serial:///dev/ttyS0?baudrate=0",
        "serial:///dev/ttyS0?bytesize=9",
        "serial:///dev/ttyS0?parity=x",
        "serial:///dev/ttyS0?stopbits=3",
        "serial:///dev/ttyS0?dsrdtr=maybe",
        "serial:///dev/ttyS0?baud=9600",
        "serial:///dev/ttyS0?baudrate=9600&baudrate=19200",
        "file://",
        "file:///",
        "cups://",
    ],
)
def test_bad_printer_urls_are_refused_clearly(url):
    with pytest.raises(PrinterError, match="printer URL"):
        printing.parse_printer_url(url)
    with pytest.raises(PrinterError):
        printing.open_printer(url)
    result = printing.print_ticket(url, TICKET, MPP)
    assert not result.ok
    assert "printer URL" in result.error


def test_cups_without_pycups_is_a_clear_error():
    if printing.escpos_printer.CupsPrinter.is_usable():
        pytest.skip("pycups is installed here")
    with pytest.raises(PrinterError, match="pycups"):
        printing.open_printer("cups://TM-T82")


def test_a_device_that_is_not_there_is_a_printer_error(tmp_path):
    with pytest.raises(PrinterError, match="cannot open printer"):
        printing.open_printer(f"file://{tmp_path}/missing/lp0")


@pytest.mark.parametrize(
    ("profile", "profile_name"),
    [
        (None, "Default"),
        ("default", "Default"),
        ("TM-T20II", "TM-T20II"),
        ("tm-t20ii", "TM-T20II"),
        ("TM-T82", "TM-T20II"),  # escpos-printer-db has no TM-T82; same 80 mm class
        ("POS-5890", "POS5890 Series"),
    ],
)
def test_known_profiles_are_passed_to_python_escpos(profile, profile_name):
    printer = printing.open_printer("dummy", profile)
    assert printer.profile.profile_data["name"] == profile_name
    assert isinstance(printer.profile.profile_data["media"]["width"]["pixels"], int)


def test_an_unknown_profile_is_a_printer_error():
    with pytest.raises(PrinterError, match="unknown printer profile 'TM-X999'"):
        printing.open_printer("dummy", "TM-X999")
    result = printing.print_ticket("dummy", TICKET, MPP, profile="TM-X999")
    assert not result.ok
    assert "TM-X999" in result.error


def test_a_bad_qr_mode_is_a_programming_error():
    with pytest.raises(ValueError, match="qr_mode"):
        printing.print_ticket("dummy", TICKET, MPP, qr_mode="barcode")


def test_importing_and_printing_leave_the_root_logger_alone(tmp_path):
    # A fresh interpreter, because python-escpos adds its handler only on first import,
    # and pytest keeps handlers of its own on the root logger.
    script = textwrap.dedent(
        f"""
        import logging
        root = logging.getLogger()
        assert root.handlers == [], root.handlers
        from kiosk import printing
        assert root.handlers == [], root.handlers
        device = {str(tmp_path / "lp0")!r}
        result = printing.print_ticket("file://" + device, {TICKET!r}, {MPP!r})
        assert result.ok, result
        assert root.handlers == [], root.handlers
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == ""


def test_a_checked_in_booking_is_printed_with_its_booking_code():
    output = rendered({**TICKET, "source": "booking", "booking_code": "K7M4QX"})
    assert b"Reservasi K7M4QX" in output
    assert b"Reservasi" not in rendered()
