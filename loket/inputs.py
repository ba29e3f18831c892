"""Validating request bodies: every bad input becomes a 400 with the field named."""

from __future__ import annotations

import json

from flask import request

from .errors import LoketError


def body() -> dict:
    """The JSON object sent, or {} for an empty body; anything else is refused."""
    if not request.get_data(cache=True):
        return {}
    if request.mimetype not in ("application/json", "") and not request.mimetype.endswith("+json"):
        if request.form:
            return request.form.to_dict()
        raise LoketError("unsupported_media_type", 415)
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:  # "[[[[…" thousands deep: the parser gives up, the client gets a 400
        raise LoketError("invalid_json") from None
    if data is None:
        raise LoketError("invalid_json")
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    return data


def json_list(value: object, field: str) -> list:
    """A list sent as a list or as JSON text ("[1, 2]"); anything unreadable is a 400 naming the field."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise LoketError("invalid_field", field=field, reason="daftar JSON, mis. [1, 2]") from None
    if not isinstance(value, list):
        raise LoketError("invalid_field", field=field, reason="daftar JSON, mis. [1, 2]")
    return value


def integer(data: dict, field: str, *, required: bool = True, minimum: int | None = 1) -> int | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise LoketError("missing_field", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise LoketError("invalid_field", field=field, reason="harus bilangan bulat")
    try:
        number = int(value)
    except ValueError:
        raise LoketError("invalid_field", field=field, reason="harus bilangan bulat") from None
    if minimum is not None and number < minimum:
        raise LoketError("invalid_field", field=field, reason=f"minimal {minimum}")
    if abs(number) > 2**62:
        raise LoketError("invalid_field", field=field, reason="terlalu besar")
    return number


def boolean(data: dict, field: str, default: bool = False) -> bool:
    value = data.get(field, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise LoketError("invalid_field", field=field, reason="harus true atau false")


def text(data: dict, field: str, *, required: bool = False, max_length: int = 500, default: str = "") -> str:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise LoketError("missing_field", field=field)
        return default
    if not isinstance(value, str):
        raise LoketError("invalid_field", field=field, reason="harus teks")
    if len(value) > max_length:
        raise LoketError("invalid_field", field=field, reason=f"maksimal {max_length} karakter")
    if "\x00" in value:
        raise LoketError("invalid_field", field=field, reason="mengandung karakter tidak sah")
    return value.strip()
