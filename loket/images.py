"""Pictures an admin uploads for screens every citizen's device draws (agency logos): decoded, checked
and re-encoded at a bounded size, so an 8000×8000 PNG is never decoded by every kiosk, TV and phone."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from .offload import heavy

LOGO_SIDE = 256  # pixels: a badge on a kiosk button, a TV row, a phone
LOGO_MAX_PIXELS = 4096 * 4096  # read from the header before anything is decoded


class BadImage(ValueError):
    """Not a PNG, JPEG or WebP that can be decoded within the limits."""


def reencode_logo(raw: bytes) -> bytes:
    """The logo as a PNG of at most LOGO_SIDE×LOGO_SIDE pixels, decoded off the event loop (loket/offload.py)."""
    return heavy(_reencode_logo, raw)


def _reencode_logo(raw: bytes) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as img:
                if img.format not in ("PNG", "JPEG", "WEBP"):
                    raise BadImage(img.format)
                if img.width * img.height > LOGO_MAX_PIXELS:
                    raise BadImage("too many pixels")
                if img.format == "JPEG":
                    img.draft("RGB", (LOGO_SIDE, LOGO_SIDE))  # decode at a reduced scale where it can
                img.load()
                small = img.convert("RGBA")
                small.thumbnail((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                small.save(out, format="PNG", optimize=True)
                return out.getvalue()
    except BadImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise BadImage(str(err)) from None
