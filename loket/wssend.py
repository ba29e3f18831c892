"""How a message reaches a websocket: framed once per broadcast, written whole, and at once when it can be.

python-engineio gives every websocket a queue and a writer greenlet: a message to 5,000 screens and
phones is 5,000 queue puts, 5,000 greenlet wakeups (each arming a timeout for its next wait) and
5,000 framings by wsproto. Measured during a big MPP's calls (bench/fanout.py, 500 screens + 4,500
phones at 10 calls/s), that machinery was half of the server's time. Here:

- a packet is framed once and the frame is kept on the packet, which python-socketio reuses for every
  recipient of a broadcast (server frames are unmasked, and compressed without context: see
  loket/wsdeflate.py), so a screen costs a dictionary lookup, not a framing;
- when a socket's queue is empty and nothing is being written to it, the frame is written at once,
  without blocking (under gevent): the kernel takes it whole, or the rest is queued for the writer, in
  order. A slow phone cannot hold up the others; a socket with anything queued keeps the queue;
- every write is whole (`sendall`) and under one lock per socket: simple-websocket 1.1.0 writes with
  a single `send`, which can take only part of a large frame on a full socket and corrupt the stream
  (https://github.com/miguelgrinberg/simple-websocket/issues/45), and its reader answers pings on the
  same socket.
"""

from __future__ import annotations

import threading

import simple_websocket
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from .wsdeflate import PLAIN_BELOW, compress_once

TEXT, BINARY = 0x1, 0x2


def frame(payload: bytes, opcode: int, deflated: bool) -> bytes:
    """A final, unmasked server frame (RFC 6455 §5.2); RSV1 marks a deflated message (RFC 7692)."""
    head = 0x80 | opcode | (0x40 if deflated else 0)
    size = len(payload)
    if size < 126:
        return bytes((head, size)) + payload
    if size < 65536:
        return bytes((head, 126)) + size.to_bytes(2, "big") + payload
    return bytes((head, 127)) + size.to_bytes(8, "big") + payload


def message_frame(message: str | bytes, bits: int | None) -> bytes:
    """The frame of one message for a socket that deflates with this window (None: plain)."""
    binary = isinstance(message, bytes)
    data = message if binary else message.encode()
    opcode = BINARY if binary else TEXT
    if bits is None or len(data) < PLAIN_BELOW:
        return frame(data, opcode, False)
    return frame(compress_once(bits, data), opcode, True)


class Frame(bytes):
    """Bytes already framed: the writer sends them as they are."""


class FramePacket(eio_packet.Packet):
    """A packet in a socket's queue whose frame is made (all of it, or the rest of a partial write)."""

    def __init__(self, framed: bytes) -> None:
        super().__init__(eio_packet.MESSAGE, data="<frame>")
        self.encode_cache = Frame(framed)


def packet_frame(pkt: eio_packet.Packet, bits: int | None) -> bytes:
    """The packet's frame for this window, made the first time a socket with it asks."""
    frames = pkt.__dict__.setdefault("loket_frames", {})
    found = frames.get(bits)
    if found is None:
        found = frames[bits] = message_frame(pkt.encode(), bits)
    return found


def direct_websocket(base: type) -> type:
    """The engine.io websocket wrapper of this async mode, writing frames whole under one lock."""

    class DirectWebSocket(base):
        def __call__(self, environ, start_response):
            # engineio's SimpleWebSocketWSGI.__call__, with the socket attached between the handshake
            # and the handler (its engine.io socket is the handler's `self`)
            self.ws = simple_websocket.Server(environ, **self.server_args)
            socket = self.app.__self__
            self.attach(socket)
            try:
                ret = self.app(self)
            finally:
                socket.loket_ws = None
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return ret

        def attach(self, socket) -> None:
            """What this socket negotiated, its lock, and (under gevent) the socket to write to at once."""
            ws = self.ws
            self.lock = threading.Lock()
            self.bits = _deflate_bits(ws)
            ws.sock = _LockedSocket(ws.sock, self.lock)
            inner = getattr(ws.sock.sock, "_sock", None)  # gevent's socket wraps a non-blocking one
            self.raw = inner if socket.server.async_mode == "gevent" and inner is not None else None
            socket.loket_ws = self

        def send(self, message):
            if not self.ws.connected:
                raise OSError("websocket closed")
            data = message if isinstance(message, Frame) else message_frame(message, self.bits)
            with self.lock:
                self.ws.sock.sock.sendall(data)

        def write_now(self, socket, data: bytes) -> bool:
            """Write without waiting, if nothing is queued or being written; the rest goes to the queue.

            False: not written here (the caller queues the packet as engine.io would)."""
            if self.raw is None or not self.ws.connected or not self.lock.acquire(blocking=False):
                return False
            try:
                if not socket.queue.empty():
                    return False
                try:
                    sent = self.raw.send(data)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    return False  # the writer meets the error too and closes the socket
                if sent < len(data):
                    socket.queue.put(FramePacket(data[sent:]))
                return True
            finally:
                self.lock.release()

    DirectWebSocket.__name__ = DirectWebSocket.__qualname__ = f"Direct{base.__name__}"
    return DirectWebSocket


class _LockedSocket:
    """simple-websocket's socket, whose writes (pong, close) take the same lock as ours and go whole."""

    def __init__(self, sock, lock) -> None:
        self.sock = sock
        self.lock = lock

    def send(self, data: bytes) -> int:
        with self.lock:
            self.sock.sendall(data)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _deflate_bits(ws) -> int | None:
    """The server's window bits if the client accepted permessage-deflate (always without context here)."""
    connection = getattr(ws.ws, "connection", None)
    for extension in getattr(getattr(connection, "_proto", None), "extensions", ()):
        if getattr(extension, "name", "") == "permessage-deflate" and extension.enabled():
            if not getattr(extension, "server_no_context_takeover", False):
                return None  # never negotiated here (SharedDeflate); plain is always allowed
            return int(extension.server_max_window_bits)
    return None


def install(server) -> None:
    """Use these writes for this python-socketio server (its engine.io server's websockets and sends)."""
    eio = server.eio
    base = eio._async["websocket"]
    # Only simple-websocket's wrapper (engineio's choice unless gevent-websocket is installed) is known here.
    if not isinstance(base, type) or not issubclass(base, SimpleWebSocketWSGI) or base.__name__.startswith("Direct"):
        return
    eio._async = {**eio._async, "websocket": direct_websocket(base)}
    queued = server._send_eio_packet

    def send_eio_packet(eio_sid, pkt):
        socket = eio.sockets.get(eio_sid)
        ws = getattr(socket, "loket_ws", None) if socket is not None else None
        if ws is None or socket.closed or socket.closing or socket.upgrading or not socket.upgraded:
            return queued(eio_sid, pkt)
        if not socket.check_ping_timeout():
            return None
        data = packet_frame(pkt, ws.bits)
        if not ws.write_now(socket, data):
            socket.queue.put(FramePacket(data))
        return None

    server._send_eio_packet = send_eio_packet
