"""Devices an admin pairs with the server: kiosk PCs and counters' survey tablets.

An admin (or `flask add-kiosk`) issues a random key; it is shown once, inside a link the device
opens (the key rides in the #fragment, so it never reaches a server log), and the device keeps it in
localStorage and sends it in a header. The database keeps only the key's SHA-256, so a copy of the
database pairs nothing.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_MAX = 100  # longer "keys" are refused before hashing


def new_key() -> str:
    return secrets.token_urlsafe(24)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def readable(key: object) -> str | None:
    """The key as sent when it can be one (printable ASCII, bounded), else None: never an error, never a 500."""
    if not isinstance(key, str) or not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        return None
    return key


def matches(stored_hash: str | None, key: object) -> bool:
    """Whether `key` is the one whose hash is stored (in constant time)."""
    key = readable(key)
    return bool(stored_hash) and key is not None and secrets.compare_digest(stored_hash, digest(key))
