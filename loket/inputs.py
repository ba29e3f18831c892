"""The one validation layer for JSON bodies (and form posts and query strings): every bad input
becomes a 400 in the one error shape, with `field` naming the field and a message naming the label
the user sees on the form (errors.FIELD_LABELS).

The same rules everywhere:
- blank is absent: a missing key, null, "" or only spaces is "not given": `missing_field` when
  required, else the default (None for numbers and choices, "" for text);
- integers are JSON integers or digit strings (a form post): never a float, never a boolean;
- booleans are true/false, 1/0 or "1"/"0", "true"/"false", "on"/"off", "ya"/"tidak";
- text is a string, trimmed, without NUL or lone surrogates, at most `max_length` characters;
- dates are `YYYY-MM-DD` only, in ASCII digits (`day`): never `20261207` or `2026-W50-1`, which
  Python's `date.fromisoformat` also reads, so one date has one spelling wherever it is stored;
- lists of ids are JSON lists, JSON text or "1,2,3" in a query string (`id_list`);
- digits that identify a person (phone, NIK) are ASCII digits only (`ascii_digits`).

The readers take a plain dict: `body()` for a JSON body or a form, `query()` for the query string, or
a socket event's payload, so a query string or a socket is checked as a body is.

Reasons are catalog texts with {placeholders} (loket/translations/), so the refusal reads in the
request's language.
"""

from __future__ import annotations

import json
import re
from datetime import date

from flask import request

from .errors import LoketError
from .i18n import N_

TRUE = (True, 1, "1", "true", "on", "ya")
FALSE = (False, 0, "0", "false", "off", "tidak")
HHMM = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
MAX_IDS = 200  # ids in one list (a display's agencies, a filter)
LARGEST = 2**62  # SQLite's integers are 64-bit; beyond this an id is surely a mistake


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


def query() -> dict:
    """The query string as a dict of its first values, to read with the same readers as a body."""
    return request.args.to_dict()


def payload(data: object) -> dict:
    """A socket event's payload: an object, or nothing ({}); anything else is a bad request."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    return data


def json_list(value: object, field: str) -> list:
    """A list sent as a list or as JSON text ("[1, 2]"); anything unreadable is a 400 naming the field."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise invalid(field, N_("daftar JSON, mis. [1, 2]")) from None
    if not isinstance(value, list):
        raise invalid(field, N_("daftar JSON, mis. [1, 2]"))
    return value


def invalid(field: str, reason: str, **values: object) -> LoketError:
    """A 400 `invalid_field`; `reason` is a catalog text whose {placeholders} come from `values`."""
    return LoketError("invalid_field", field=field, reason=reason, **values)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _absent(field: str, required: bool, default):
    if required:
        raise LoketError("missing_field", field=field)
    return default


def integer(
    data: dict, field: str, *, required: bool = True, minimum: int | None = 1, maximum: int | None = None, default: int | None = None
) -> int | None:
    value = data.get(field)
    if blank(value):
        return _absent(field, required, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid(field, N_("harus bilangan bulat"))
    if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        raise invalid(field, N_("harus bilangan bulat"))  # int() would also read "١٢" and "1_000"
    number = int(value.strip()) if isinstance(value, str) else value
    if abs(number) > LARGEST:
        raise invalid(field, N_("terlalu besar"))
    if minimum is not None and number < minimum:
        raise invalid(field, N_("minimal {minimum}"), minimum=minimum)
    if maximum is not None and number > maximum:
        raise invalid(field, N_("maksimal {maximum}"), maximum=maximum)
    return number


def number(data: dict, field: str, *, minimum: float, maximum: float, required: bool = True, default: float | None = None) -> float | None:
    """A number that may have decimals (minutes of service, for instance)."""
    value = data.get(field)
    if blank(value):
        return _absent(field, required, default)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(field, N_("harus angka"))
    if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+(?:[.,][0-9]+)?", value.strip()):
        raise invalid(field, N_("harus angka"))  # float() would also read "inf", "nan" and "١٫٥"
    result = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    if not minimum <= result <= maximum:  # also refuses NaN
        raise invalid(field, N_("antara {minimum} dan {maximum}"), minimum=f"{minimum:g}", maximum=f"{maximum:g}")
    return result


def boolean(data: dict, field: str, default: bool = False) -> bool:
    value = data.get(field)
    if blank(value):
        return default
    spelled = value.strip().lower() if isinstance(value, str) else value
    if not isinstance(spelled, float):  # 1.0 == 1 in Python; JSON booleans are never floats
        if spelled in TRUE:
            return True
        if spelled in FALSE:
            return False
    raise invalid(field, N_("harus ya atau tidak"))


def text(data: dict, field: str, *, required: bool = False, max_length: int = 500, default: str = "") -> str:
    value = data.get(field)
    if blank(value):
        return _absent(field, required, default)
    if not isinstance(value, str):
        raise invalid(field, N_("harus teks"))
    value = value.strip()
    if len(value) > max_length:
        raise invalid(field, N_("maksimal {max_length} karakter"), max_length=max_length)
    if "\x00" in value or not encodable(value):
        raise invalid(field, N_("mengandung karakter tidak sah"))
    return value


def encodable(value: str) -> bool:
    """Whether the text can be stored and sent as UTF-8 (a lone surrogate "\\ud800" in JSON cannot)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def choice(data: dict, field: str, options, *, required: bool = True, default: str | None = None) -> str | None:
    """One of `options` (a tuple, or a dict's keys)."""
    value = data.get(field)
    if blank(value):
        return _absent(field, required and default is None, default)
    if not isinstance(value, str) or value not in options:
        raise invalid(field, N_("pilih salah satu: {options}"), options=", ".join(options))
    return value


def hhmm(data: dict, field: str, *, key: str | None = None) -> str:
    """A time of day "08:00" ("24:00" is the end of the day); `key` reads another key, named as `field`."""
    value = data.get(key or field)
    if not isinstance(value, str) or not HHMM.match(value.strip()):
        raise invalid(field, N_("format jam HH:MM, misalnya 08:00"))
    return value.strip()


def day_value(value: object, field: str) -> str:
    """A calendar date written `YYYY-MM-DD`, returned as written: the one spelling stored and compared."""
    if isinstance(value, str) and DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass  # 2026-02-30
    raise invalid(field, N_("tanggal YYYY-MM-DD, misalnya 2026-12-07"))


def day(data: dict, field: str, *, required: bool = True, default: str | None = None) -> str | None:
    """A date field (`YYYY-MM-DD` only): bookings, closed dates, report ranges, every query string."""
    value = data.get(field)
    if blank(value):
        return _absent(field, required, default)
    return day_value(value, field)


def month(data: dict, field: str, *, required: bool = True, default: str | None = None) -> str | None:
    """A month `YYYY-MM` (the report's month grid)."""
    value = data.get(field)
    if blank(value):
        return _absent(field, required, default)
    if isinstance(value, str) and MONTH.fullmatch(value.strip()) and 1 <= int(value.strip()[5:]) <= 12:
        return value.strip()
    raise invalid(field, N_("bulan YYYY-MM"))


def id_list(data: dict, field: str, *, required: bool = False) -> list[int]:
    """Ids as a JSON list, JSON text "[1, 2]" or "1,2" (a query string); each a positive integer."""
    value = data.get(field)
    if blank(value):
        _absent(field, required, None)
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    elif isinstance(value, str) and not value.strip().startswith("["):
        value = [part.strip() for part in value.split(",")]
    items = json_list(value, field)
    if len(items) > MAX_IDS:
        raise invalid(field, N_("maksimal {maximum}"), maximum=MAX_IDS)
    return [integer({field: item}, field) for item in items]


def ascii_digits(value: str, field: str, reason: str) -> str:
    """`value` with spaces, dots, dashes and brackets dropped, refused unless ASCII digits remain (an
    Arabic-Indic or fullwidth "٠٨١٢" is not another person's number: it is refused, with `reason`)."""
    digits = re.sub(r"[\s\-.()]", "", value)
    if not re.fullmatch(r"\+?[0-9]+", digits):
        raise invalid(field, reason)
    return digits


PHONE_REASON = N_("nomor ponsel Indonesia, misalnya 0812 3456 7890")


def mobile_number(value: object, field: str = "phone") -> str:
    """An Indonesian mobile number as 62… (E.164 without the +), from every usual way of writing it:
    0812-3456-7890, 62812…, +62 812 3456 7890, (0812) 3456.7890. Anything else is a 400 naming `field`.

    Mobile numbers start 08 (628 in international form) and have 10–13 digits written with the 0.
    """
    if not isinstance(value, str):
        raise invalid(field, PHONE_REASON)
    digits = re.sub(r"[\s\-.()]", "", value)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("62"):
            raise invalid(field, PHONE_REASON)
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"08[0-9]{8,11}", digits):
        raise invalid(field, PHONE_REASON)
    return "62" + digits[1:]


def phone(data: dict, field: str = "phone", *, required: bool = True) -> str | None:
    """A body's phone field as 62…, or None when absent and not required."""
    value = data.get(field)
    if blank(value):
        return _absent(field, required, None)
    return mobile_number(value, field)


def masked_phone(phone: str) -> str:
    """A stored number (62… or 08…) as the citizen writes it, with only its first four and last three digits:
    0812•••••890. The only way a number is shown anywhere."""
    if not phone:
        return ""
    local = "0" + phone[2:] if phone.startswith("62") else phone
    return local[:4] + "•" * max(len(local) - 7, 0) + local[-3:]
