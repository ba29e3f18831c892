"""Sound for the lobby: a chime made with the wave module and announcements rendered by espeak-ng."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import shutil
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22050
ESPEAK_TIMEOUT = 15  # seconds; a sentence renders in well under one


class VoiceUnavailable(Exception):
    """espeak-ng is not installed or failed: the display falls back to the chime alone."""


@lru_cache(maxsize=1)
def chime_wav() -> bytes:
    """A two-tone "ding-dong" (E6 then C6) with soft bell decay, as 16-bit mono WAV bytes."""
    samples = bytearray()
    for freq, length in ((1318.5, 0.55), (1046.5, 0.9)):
        count = int(RATE * length)
        for i in range(count):
            t = i / RATE
            # A short attack avoids a click; the exponential tail sounds like a struck bell.
            envelope = min(1.0, t / 0.01) * math.exp(-4.0 * t)
            value = envelope * (0.6 * math.sin(2 * math.pi * freq * t) + 0.2 * math.sin(2 * math.pi * 2 * freq * t))
            samples += int(max(-1.0, min(1.0, value)) * 30000).to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(samples))
    return buffer.getvalue()


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def render(text: str, cache_dir: Path) -> Path:
    """The WAV of `text` in espeak-ng's Indonesian voice, rendered once and kept on disk by the text's hash."""
    binary = espeak_path()
    if binary is None:
        raise VoiceUnavailable("espeak-ng is not installed")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / (hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".wav")
    if path.exists() and path.stat().st_size > 44:
        return path
    # Render to a name of this request's own, then link it into place: several TVs asking for one
    # call at once each render (or wait for nobody), and the first finished file is the one every TV gets.
    fd, partial_name = tempfile.mkstemp(dir=cache_dir, prefix=path.stem + ".", suffix=".part")
    os.close(fd)
    partial = Path(partial_name)
    try:
        # -s 140: a little slower than the default 175 words a minute, clearer in a hall that echoes.
        result = subprocess.run(
            [binary, "-v", "id", "-s", "140", "-w", str(partial), "--", text], capture_output=True, timeout=ESPEAK_TIMEOUT, check=False
        )
        if result.returncode != 0 or not partial.exists() or partial.stat().st_size <= 44:
            raise VoiceUnavailable(f"espeak-ng failed: {result.stderr.decode(errors='replace')[:200]}")
        try:
            os.link(partial, path)  # atomic, and never replaces a file another request already served
        except FileExistsError:
            pass
    except subprocess.TimeoutExpired as err:
        raise VoiceUnavailable("espeak-ng timed out") from err
    finally:
        partial.unlink(missing_ok=True)
    return path
