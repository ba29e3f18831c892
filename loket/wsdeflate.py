"""Websocket compression that costs one compression per broadcast, not one per screen.

simple-websocket accepts permessage-deflate with context takeover: every socket keeps its own zlib
stream, so a call sent to 1,000 screens is compressed 1,000 times (63 µs each for a 1.4 KB message,
against 4 µs to frame it plain: most of the server's time per recipient). Here the server answers
with `server_no_context_takeover` (RFC 7692 §7.1.1.1 lets a server add it to any offer): every message
it sends is compressed on its own, so the same message makes the same bytes for every socket, and
loket/wssend.py compresses and frames it once for all of them. Phones keep the compression that
matters on weak Wi-Fi (a 26 KB snapshot still travels as ~3 KB); a repeated message loses only what
the shared window saved.
"""

from __future__ import annotations

import zlib

import simple_websocket.ws
from wsproto.extensions import PerMessageDeflate

# Below this a message goes plain (RFC 7692 §6 lets a sender leave any message uncompressed), as
# engine.io's own threshold has it: deflate saves a few hundred bytes there (a call, 550 bytes, by
# ~250: 5 ms at 400 kbit/s), and every screen and phone pays an inflate for each message it gets.
PLAIN_BELOW = 1024


def compress_once(bits: int, data: bytes) -> bytes:
    """A whole message deflated without context (RFC 7692 §7.2.1: the empty block's tail removed)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -bits)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


class SharedDeflate(PerMessageDeflate):
    """permessage-deflate accepted without the server's context: what the server sends is compressed
    and framed by loket/wssend.py (compress_once), once per message whatever the socket."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("server_no_context_takeover", True)
        super().__init__(*args, **kwargs)


def install() -> None:
    """Make simple-websocket (engineio's websocket under gevent) accept with SharedDeflate."""
    simple_websocket.ws.PerMessageDeflate = SharedDeflate
