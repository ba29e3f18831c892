"""Websocket compression that costs one compression per broadcast, not one per screen.

simple-websocket accepts permessage-deflate with context takeover: every socket keeps its own zlib
stream, so a call sent to 1,000 screens is compressed 1,000 times (63 µs each for a 1.4 KB message,
against 4 µs to frame it plain: most of the server's time per recipient). Here the server answers
with `server_no_context_takeover` (RFC 7692 §7.1.1.1 lets a server add it to any offer): every message
it sends is compressed on its own, so the same message makes the same bytes for every socket, and
those are compressed once and reused. Phones keep the compression that matters on weak Wi-Fi (a
26 KB snapshot still travels as ~3 KB); a repeated message loses only what the shared window saved.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict

import simple_websocket.ws
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import Opcode, RsvBits

KEPT = 16  # distinct messages remembered: a burst's broadcasts to every room, not a day's history
# Below this a message goes plain (RFC 7692 §6 lets a sender leave any message uncompressed), as
# engine.io's own threshold has it: deflate saves a few hundred bytes there (a call, 550 bytes, by
# ~250: 5 ms at 400 kbit/s), and every screen and phone pays an inflate for each message it gets.
PLAIN_BELOW = 1024


def compress_once(bits: int, data: bytes) -> bytes:
    """A whole message deflated without context (RFC 7692 §7.2.1: the empty block's tail removed)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -bits)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


class _Compressed:
    """The last few messages' compressed bytes, by window size and message."""

    def __init__(self) -> None:
        self.kept: OrderedDict[tuple[int, bytes], bytes] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, bits: int, data: bytes) -> bytes:
        key = (bits, data)
        found = self.kept.get(key)
        if found is not None:
            self.hits += 1
            self.kept.move_to_end(key)
            return found
        self.misses += 1
        found = self.kept[key] = compress_once(bits, data)
        if len(self.kept) > KEPT:
            self.kept.popitem(last=False)
        return found


compressed = _Compressed()


class SharedDeflate(PerMessageDeflate):
    """permessage-deflate whose outgoing whole messages are compressed without context, once per message."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("server_no_context_takeover", True)
        super().__init__(*args, **kwargs)

    def frame_outbound(self, proto, opcode: Opcode, rsv: RsvBits, data: bytes, fin: bool) -> tuple[RsvBits, bytes]:
        # A client, a fragment, or a server that kept its context (never here): wsproto's own way.
        if proto.client or not fin or opcode is Opcode.CONTINUATION or not self.server_no_context_takeover:
            return super().frame_outbound(proto, opcode, rsv, data, fin)
        if not self._compressible_opcode(opcode) or len(data) < PLAIN_BELOW:
            return (rsv, data)
        return (RsvBits(True, rsv[1], rsv[2]), compressed.get(int(self.server_max_window_bits), bytes(data)))


def install() -> None:
    """Make simple-websocket (engineio's websocket under gevent) accept with SharedDeflate."""
    simple_websocket.ws.PerMessageDeflate = SharedDeflate
