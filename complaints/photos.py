"""Complaint photos: JPEG or PNG by content, size- and pixel-limited, re-encoded to drop EXIF (a phone's GPS).

Decoding is the expensive part (a 6300×6300 PNG of 154 KB needs ~160 MB), so the dimensions are read
from the header first, JPEGs are decoded at a reduced scale (draft mode) when larger than the cap,
everything is kept at most MAX_PIXELS, and only PHOTO_WORKERS photos are decoded at once, each in a
worker thread off the event loop (loket/offload.py), so a photo never stops the building's screens.
"""

from __future__ import annotations

import errno
import io
import math
import os
import secrets
import threading
import warnings
from pathlib import Path

from flask import Flask
from PIL import Image, ImageOps

from loket.errors import LoketError
from loket.offload import heavy

MAX_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 12_000_000  # what a complaint needs: a 4000×3000 picture
# A JPEG is decoded at 1/2, 1/4 or 1/8 scale first, so a 48 MP phone photo costs ~12 MP of memory.
MAX_JPEG_PIXELS = 8 * 8 * MAX_PIXELS // 4
SIGNATURES = {b"\xff\xd8\xff": ("JPEG", ".jpg"), b"\x89PNG\r\n\x1a\n": ("PNG", ".png")}
MIMETYPES = {".jpg": "image/jpeg", ".png": "image/png"}
DEFAULT_WORKERS = 2
DEFAULT_WAIT_SECONDS = 10


def kind_of(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def slots(app: Flask) -> threading.BoundedSemaphore:
    """The app's image-decoding slots (PHOTO_WORKERS at once), made on first use."""
    with app.extensions.setdefault("loket_photo_lock", threading.Lock()):
        if "loket_photo_slots" not in app.extensions:
            app.config.setdefault("PHOTO_WORKERS", DEFAULT_WORKERS)
            app.extensions["loket_photo_slots"] = threading.BoundedSemaphore(app.config["PHOTO_WORKERS"])
    return app.extensions["loket_photo_slots"]


def save(data: bytes, folder: Path, app: Flask | None = None) -> str:
    """Check and store a photo; returns its file name inside `folder`."""
    if len(data) > MAX_BYTES:
        raise LoketError("photo_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    kind = kind_of(data[:8])
    if kind is None:
        raise LoketError("photo_invalid")
    if app is None:
        encoded = heavy(_reencode, data, kind[0])
    else:
        gate = slots(app)
        if not gate.acquire(timeout=app.config.get("PHOTO_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)):
            raise LoketError("server_busy", retry_after=5)
        try:
            encoded = heavy(_reencode, data, kind[0])
        finally:
            gate.release()
    name = secrets.token_hex(16) + kind[1]
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        # Complainants' photos: readable by the server's user (and group) only, from the first byte.
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(encoded)
        except BaseException:
            # a half-written photo must not stay: a full disk is then fuller, and the name is unknown to any row
            (folder / name).unlink(missing_ok=True)
            raise
    except OSError as err:
        if storage_failure(err):
            raise LoketError("storage_unavailable", 503) from None
        raise
    return name


def storage_failure(err: OSError) -> bool:
    """A full disk, a file-size limit, a quota or a read-only filesystem: the storage, not a bug."""
    return err.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS)


def _reencode(data: bytes, fmt: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != fmt:
                    raise LoketError("photo_invalid")
                pixels = img.width * img.height
                if pixels > (MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_PIXELS):
                    raise LoketError("photo_too_many_pixels", megapixels=MAX_PIXELS // 1_000_000)
                target = _fit(img.width, img.height)
                if fmt == "JPEG" and target != img.size:
                    img.draft("RGB", target)  # decode at the smallest scale still at least the target
                img.load()
                clean = ImageOps.exif_transpose(img)
                if clean.width * clean.height > MAX_PIXELS:
                    clean = clean.resize(_fit(clean.width, clean.height), Image.Resampling.LANCZOS)
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                clean.save(out, format=fmt, **({"quality": 88} if fmt == "JPEG" else {}))
                return out.getvalue()
    except LoketError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LoketError("photo_invalid") from None


def _fit(width: int, height: int) -> tuple[int, int]:
    """The size within MAX_PIXELS keeping the aspect ratio (unchanged when already within)."""
    if width * height <= MAX_PIXELS:
        return width, height
    scale = math.sqrt(MAX_PIXELS / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))
