"""Complaint photos: JPEG or PNG by content, size-limited, re-encoded to drop EXIF (a phone's GPS)."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from loket.errors import LoketError

MAX_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIGNATURES = {b"\xff\xd8\xff": ("JPEG", ".jpg"), b"\x89PNG\r\n\x1a\n": ("PNG", ".png")}
MIMETYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def kind_of(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def save(data: bytes, folder: Path) -> str:
    """Check and store a photo; returns its file name inside `folder`."""
    if len(data) > MAX_BYTES:
        raise LoketError("photo_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    kind = kind_of(data[:8])
    if kind is None:
        raise LoketError("photo_invalid")
    fmt, ext = kind
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != fmt or img.width * img.height > MAX_PIXELS:
                    raise LoketError("photo_invalid")
                img.load()
                clean = ImageOps.exif_transpose(img)
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                clean.save(out, format=fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    except LoketError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LoketError("photo_invalid") from None
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ext
    (folder / name).write_bytes(out.getvalue())
    return name
