"""MPP configuration as plain functions: validate a whole row, write it with its audit entry, return it.

Every write validates the row as it will be after the change (the stored row merged with what was
sent), so a partial update cannot leave a service without a prefix or a counter without a service.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlite_utils import Database

from loket import auth
from loket.db import DEFAULT_SETTINGS, one, set_setting, settings, transaction
from loket.errors import LoketError
from loket.timeutil import iso

from . import audit

TIMEZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,31}$")
PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,7}$")
HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DAY_NAMES = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
STANDARD_FIELDS = ("requirements", "procedure", "completion_time", "fee", "product", "complaint_channel", "sk_number")


def _bad(field: str, reason: str) -> LoketError:
    return LoketError("invalid_field", field=field, reason=reason)


# ---------------------------------------------------------------- field readers


def text(data: dict, field: str, *, required: bool = False, max_length: int = 200) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _bad(field, "harus teks")
    value = value.strip()
    if required and not value:
        raise LoketError("missing_field", field=field)
    if len(value) > max_length:
        raise _bad(field, f"maksimal {max_length} karakter")
    if "\x00" in value:
        raise _bad(field, "mengandung karakter tidak sah")
    return value


def integer(data: dict, field: str, *, minimum: int | None = None, maximum: int | None = None, nullable: bool = False) -> int | None:
    value = data.get(field)
    if value is None or value == "":
        if nullable:
            return None
        raise LoketError("missing_field", field=field)
    if isinstance(value, bool):
        raise _bad(field, "harus bilangan bulat")
    try:
        number = int(value)
        if isinstance(value, float) and number != value:
            raise ValueError
    except (TypeError, ValueError):
        raise _bad(field, "harus bilangan bulat") from None
    if minimum is not None and number < minimum:
        raise _bad(field, f"minimal {minimum}")
    if maximum is not None and number > maximum:
        raise _bad(field, f"maksimal {maximum}")
    return number


def number(data: dict, field: str, *, minimum: float, maximum: float) -> float:
    value = data.get(field)
    if value is None or value == "" or isinstance(value, bool):
        raise LoketError("missing_field", field=field)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise _bad(field, "harus angka") from None
    if not minimum <= result <= maximum:
        raise _bad(field, f"antara {minimum:g} dan {maximum:g}")
    return result


def flag(data: dict, field: str) -> int:
    value = data.get(field, 0)
    if value in (True, 1, "1", "true", "on", "ya"):
        return 1
    if value in (False, 0, "0", "false", "", None, "tidak"):
        return 0
    raise _bad(field, "harus ya atau tidak")


def choice(data: dict, field: str, options: tuple[str, ...] | dict) -> str:
    value = data.get(field)
    if value not in options:
        raise _bad(field, "pilih salah satu: " + ", ".join(options))
    return value


def hhmm(value: object, field: str) -> str:
    if not isinstance(value, str) or not HHMM.match(value.strip()):
        raise _bad(field, "format jam HH:MM, misalnya 08:00")
    return value.strip()


def _agency(db: Database, agency_id: object, field: str = "agency_id", nullable: bool = False) -> int | None:
    if agency_id in (None, "") and nullable:
        return None
    aid = integer({field: agency_id}, field, minimum=1)
    if one(db, "SELECT id FROM agencies WHERE id = ?", (aid,)) is None:
        raise _bad(field, "instansi tidak ada")
    return aid


# ---------------------------------------------------------------- entities


def _clean_agency(db: Database, data: dict, current: dict | None) -> dict:
    code = text(data, "code", required=True, max_length=32).upper()
    if not CODE.match(code):
        raise _bad("code", "huruf besar, angka, titik, garis bawah atau tanda hubung")
    clash = one(db, "SELECT id FROM agencies WHERE code = ? COLLATE NOCASE AND id != ?", (code, current["id"] if current else 0))
    if clash:
        raise _bad("code", f"kode {code} sudah dipakai instansi lain")
    color = text(data, "color") or "#1f6feb"
    if not COLOR.match(color):
        raise _bad("color", "warna #RRGGBB")
    return {
        "code": code,
        "name": text(data, "name", required=True),
        "color": color,
        "zone": text(data, "zone", max_length=60),
        "sort_order": integer(data, "sort_order", minimum=0, maximum=10_000, nullable=True) or 0,
        "active": flag(data, "active"),
        "maklumat": text(data, "maklumat", max_length=4000),
        "maklumat_signer": text(data, "maklumat_signer", max_length=200),
        "short_code": _short_code(data),
        "logo": _logo(data),
    }


SHORT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&-]{0,7}$")
LOGO = re.compile(r"^data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]+=*$")
LOGO_MAX = 96 * 1024  # characters of the data URL: a badge, not a poster


def _short_code(data: dict) -> str:
    value = text(data, "short_code", max_length=8)
    if value and not SHORT_CODE.match(value):
        raise _bad("short_code", "1–8 huruf atau angka")
    return value


def _logo(data: dict) -> str:
    """A PNG, JPEG or WebP as a data URL (the admin form reads the file); SVG is refused, it can carry script."""
    value = data.get("logo") or ""
    if not isinstance(value, str):
        raise _bad("logo", "berkas gambar")
    if value and (len(value) > LOGO_MAX or not LOGO.match(value)):
        raise _bad("logo", "gambar PNG, JPEG atau WebP, maksimal 64 KB")
    return value


def _clean_hours(value: object) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise _bad("hours", "daftar jam per hari")
    seen, out = set(), []
    for item in value:
        if not isinstance(item, dict):
            raise _bad("hours", "setiap baris berisi weekday, opens, closes")
        weekday = integer(item, "weekday", minimum=0, maximum=6)
        day = DAY_NAMES[weekday]
        if weekday in seen:
            raise _bad("hours", f"hari {day} tercantum dua kali")
        seen.add(weekday)
        opens, closes = hhmm(item.get("opens"), "hours"), hhmm(item.get("closes"), "hours")
        if closes <= opens:
            raise _bad("hours", f"jam tutup hari {day} ({closes}) harus setelah jam buka ({opens})")
        out.append({"weekday": weekday, "opens": opens, "closes": closes})
    return sorted(out, key=lambda h: h["weekday"])


def _clean_service(db: Database, data: dict, current: dict | None) -> dict:
    agency_id = _agency(db, data.get("agency_id"))
    own_id = current["id"] if current else 0
    code = text(data, "code", required=True, max_length=32).upper()
    if not CODE.match(code):
        raise _bad("code", "huruf besar, angka, titik, garis bawah atau tanda hubung")
    if one(db, "SELECT id FROM services WHERE agency_id = ? AND code = ? COLLATE NOCASE AND id != ?", (agency_id, code, own_id)):
        raise _bad("code", f"kode {code} sudah dipakai layanan lain di instansi ini")
    prefix = text(data, "prefix", required=True, max_length=8).upper()
    if not PREFIX.match(prefix):
        raise _bad("prefix", "1–8 huruf besar/angka, misalnya A atau PH-")
    active = flag(data, "active")
    if active:
        # Numbers restart daily per service; two active services with one prefix would both call "A001".
        clash = one(
            db,
            "SELECT s.name, a.code AS agency FROM services s JOIN agencies a ON a.id = s.agency_id"
            " WHERE s.active = 1 AND s.prefix = ? COLLATE NOCASE AND s.id != ?",
            (prefix, own_id),
        )
        if clash:
            raise _bad("prefix", f"awalan {prefix} sudah dipakai layanan aktif {clash['name']} ({clash['agency']})")
    values = {
        "agency_id": agency_id,
        "code": code,
        "name": text(data, "name", required=True),
        "prefix": prefix,
        "padding": integer(data, "padding", minimum=1, maximum=6, nullable=True) or 3,
        "daily_quota": integer(data, "daily_quota", minimum=0, maximum=100_000, nullable=True),
        "cutoff_minutes": integer(data, "cutoff_minutes", minimum=0, maximum=720, nullable=True) or 0,
        "default_service_minutes": number(
            {"default_service_minutes": 5, **_present(data)}, "default_service_minutes", minimum=0.5, maximum=480
        ),
        "promised_minutes": integer(data, "promised_minutes", minimum=1, maximum=100_000, nullable=True),
        "active": active,
        "sort_order": integer(data, "sort_order", minimum=0, maximum=10_000, nullable=True) or 0,
    }
    for field in STANDARD_FIELDS:
        values[field] = text(data, field, max_length=4000 if field in ("requirements", "procedure") else 500)
    values["hours"] = _clean_hours(data.get("hours"))
    for h in values["hours"]:
        span = _minutes(h["closes"]) - _minutes(h["opens"])
        if values["cutoff_minutes"] >= span:
            raise _bad(
                "cutoff_minutes",
                f"batas akhir pengambilan ({values['cutoff_minutes']} menit) melebihi jam layanan hari {DAY_NAMES[h['weekday']]}",
            )
    return values


def _present(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "")}


def _minutes(text_hhmm: str) -> int:
    hours, minutes = text_hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _clean_counter(db: Database, data: dict, current: dict | None) -> dict:
    agency_id = _agency(db, data.get("agency_id"))
    service_ids = data.get("service_ids")
    if not isinstance(service_ids, list) or not service_ids:
        raise _bad("service_ids", "loket harus melayani paling sedikit satu layanan")
    ids = sorted({integer({"service_ids": s}, "service_ids", minimum=1) for s in service_ids})
    marks = ",".join("?" * len(ids))
    found = {r["id"]: r["agency_id"] for r in db.query(f"SELECT id, agency_id FROM services WHERE id IN ({marks})", ids)}
    if set(found) != set(ids):
        raise _bad("service_ids", "layanan tidak ada")
    if any(a != agency_id for a in found.values()):
        raise _bad("service_ids", "loket hanya melayani layanan instansinya sendiri")
    num = integer(data, "number", minimum=0, maximum=9999)
    if one(db, "SELECT id FROM counters WHERE number = ? AND id != ?", (num, current["id"] if current else 0)):
        raise _bad("number", f"nomor loket {num} sudah dipakai")
    return {
        "agency_id": agency_id,
        "name": text(data, "name") or f"Loket {num}",
        "number": num,
        "zone": text(data, "zone", max_length=60),
        "service_ids": ids,
    }


def _printing():
    """kiosk/printing.py when the kiosk module is installed; the admin works without it."""
    try:
        from kiosk import printing
    except ImportError:
        return None
    return printing


def _clean_kiosk(db: Database, data: dict, current: dict | None) -> dict:
    name = text(data, "name", required=True, max_length=60)
    if one(db, "SELECT id FROM kiosks WHERE name = ? AND id != ?", (name, current["id"] if current else 0)):
        raise _bad("name", f"nama {name} sudah dipakai kios lain")
    url = text(data, "printer_url", max_length=300)
    printing = _printing()
    if url and printing is not None:
        try:
            printing.parse_printer_url(url)
        except printing.PrinterError as err:
            raise _bad("printer_url", str(err)) from None
    return {
        "name": name,
        "location": text(data, "location"),
        "printer_url": url,
        "printer_profile": text(data, "printer_profile", max_length=60),
        "qr_mode": choice({"qr_mode": data.get("qr_mode") or "native"}, "qr_mode", ("native", "image")),
    }


def _clean_display(db: Database, data: dict, current: dict | None) -> dict:
    name = text(data, "name", required=True, max_length=60)
    if one(db, "SELECT id FROM displays WHERE name = ? AND id != ?", (name, current["id"] if current else 0)):
        raise _bad("name", f"nama {name} sudah dipakai layar lain")
    agency_ids = data.get("agency_ids") or []
    if isinstance(agency_ids, str):
        agency_ids = json.loads(agency_ids) if agency_ids.startswith("[") else [a for a in agency_ids.split(",") if a.strip()]
    if not isinstance(agency_ids, list):
        raise _bad("agency_ids", "daftar instansi")
    ids = sorted({_agency(db, a, "agency_ids") for a in agency_ids})
    return {
        "name": name,
        "location": text(data, "location"),
        "agency_ids": json.dumps(ids),
        "zone": text(data, "zone", max_length=60),
        "layout": choice({"layout": data.get("layout") or "landscape"}, "layout", ("landscape", "portrait")),
        "running_text": text(data, "running_text", max_length=1000),
        "speak": flag(data, "speak"),
        "repeat_count": integer(data, "repeat_count", minimum=1, maximum=3, nullable=True) or 1,
    }


def _clean_break(db: Database, data: dict, current: dict | None) -> dict:
    starts, ends = hhmm(data.get("starts"), "starts"), hhmm(data.get("ends"), "ends")
    if ends <= starts:
        raise _bad("ends", f"jam selesai ({ends}) harus setelah jam mulai ({starts})")
    return {
        "agency_id": _agency(db, data.get("agency_id"), nullable=True),
        "weekday": integer(data, "weekday", minimum=0, maximum=6),
        "starts": starts,
        "ends": ends,
        "label": text(data, "label", max_length=100) or "Istirahat",
    }


def _clean_closed_date(db: Database, data: dict, current: dict | None) -> dict:
    day = text(data, "date", required=True, max_length=10)
    try:
        date.fromisoformat(day)
    except ValueError:
        raise _bad("date", "tanggal YYYY-MM-DD") from None
    if len(day) != 10:
        raise _bad("date", "tanggal YYYY-MM-DD")
    agency_id = _agency(db, data.get("agency_id"), nullable=True)
    clash = one(
        db,
        "SELECT id FROM closed_dates WHERE date = ? AND agency_id IS ? AND id != ?",
        (day, agency_id, current["id"] if current else 0),
    )
    if clash:
        raise _bad("date", f"tanggal {day} sudah tercatat tutup")
    return {"date": day, "agency_id": agency_id, "reason": text(data, "reason", required=True, max_length=200)}


def _clean_user(db: Database, data: dict, current: dict | None) -> dict:
    username = text(data, "username", required=True, max_length=64)
    if not re.match(r"^[A-Za-z0-9_.@-]+$", username):
        raise _bad("username", "huruf, angka, titik, garis bawah, @ atau tanda hubung")
    if one(db, "SELECT id FROM users WHERE username = ? AND id != ?", (username, current["id"] if current else 0)):
        raise _bad("username", f"nama pengguna {username} sudah dipakai")
    role = choice(data, "role", auth.ROLES)
    agency_id = _agency(db, data.get("agency_id"), nullable=True)
    if role != "admin" and agency_id is None:
        raise _bad("agency_id", "petugas dan supervisor harus punya instansi")
    return {
        "username": username,
        "full_name": text(data, "full_name"),
        "role": role,
        "agency_id": agency_id if role != "admin" else None,
        "active": flag(data, "active"),
    }


ENTITIES = {
    "agencies": _clean_agency,
    "services": _clean_service,
    "counters": _clean_counter,
    "kiosks": _clean_kiosk,
    "displays": _clean_display,
    "breaks": _clean_break,
    "closed_dates": _clean_closed_date,
    "users": _clean_user,
}
# Fields a new row starts with when the form leaves them out.
NEW_DEFAULTS = {"agencies": {"active": 1}, "services": {"active": 1}, "displays": {"speak": 1}, "users": {"active": 1}}


# ---------------------------------------------------------------- reading


def row(db: Database, entity: str, entity_id: int) -> dict:
    """The stored row as the admin API shows it (services with hours, counters with service_ids)."""
    found = one(db, f"SELECT * FROM {entity} WHERE id = ?", (entity_id,))  # entity comes from ENTITIES only
    if found is None:
        raise LoketError("not_found")
    return _decorate(db, entity, found)


def _decorate(db: Database, entity: str, found: dict) -> dict:
    if entity == "services":
        found["hours"] = list(
            db.query("SELECT weekday, opens, closes FROM service_hours WHERE service_id = ? ORDER BY weekday", (found["id"],))
        )
    elif entity == "counters":
        found["service_ids"] = [
            r[0] for r in db.execute("SELECT service_id FROM counter_services WHERE counter_id = ? ORDER BY service_id", (found["id"],))
        ]
    elif entity == "displays":
        found["agency_ids"] = json.loads(found["agency_ids"] or "[]")
    elif entity == "users":
        found.pop("password_hash", None)
    return found


ORDER = {
    "agencies": "sort_order, name",
    "services": "agency_id, sort_order, name",
    "counters": "agency_id, number",
    "kiosks": "name",
    "displays": "name",
    "breaks": "weekday, starts",
    "closed_dates": "date DESC",
    "users": "role, username",
}


def rows(db: Database, entity: str, agency_id: int | None = None) -> list[dict]:
    """Every row of an entity; a supervisor's view is narrowed to rows of their agency (and MPP-wide ones)."""
    where, params = "", ()
    if agency_id is not None:
        if entity == "agencies":
            where, params = " WHERE id = ?", (agency_id,)
        elif entity in ("services", "counters", "users"):
            where, params = " WHERE agency_id = ?", (agency_id,)
        elif entity in ("breaks", "closed_dates"):
            where, params = " WHERE agency_id = ? OR agency_id IS NULL", (agency_id,)
    return [_decorate(db, entity, r) for r in db.query(f"SELECT * FROM {entity}{where} ORDER BY {ORDER[entity]}", params)]


# ---------------------------------------------------------------- writing


def _write_children(db: Database, entity: str, entity_id: int, values: dict) -> None:
    if entity == "services":
        db.execute("DELETE FROM service_hours WHERE service_id = ?", (entity_id,))
        db.conn.executemany(
            "INSERT INTO service_hours (service_id, weekday, opens, closes) VALUES (?, ?, ?, ?)",
            [(entity_id, h["weekday"], h["opens"], h["closes"]) for h in values["hours"]],
        )
    elif entity == "counters":
        db.execute("DELETE FROM counter_services WHERE counter_id = ?", (entity_id,))
        db.conn.executemany(
            "INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)", [(entity_id, s) for s in values["service_ids"]]
        )


CHILD_FIELDS = ("hours", "service_ids")


def save(db: Database, entity: str, data: dict, now: datetime, user: dict, entity_id: int | None = None, action: str | None = None) -> dict:
    """Create (entity_id None) or update one row in a transaction with its audit entry; returns the new row."""
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    with transaction(db):
        return save_in_transaction(db, entity, data, now, user, entity_id, action)


def save_in_transaction(
    db: Database, entity: str, data: dict, now: datetime, user: dict, entity_id: int | None = None, action: str | None = None
) -> dict:
    """save() for callers that already hold the write transaction (the importer: all rows or none)."""
    clean = ENTITIES[entity]
    before = row(db, entity, entity_id) if entity_id is not None else None
    merged = {**(before or NEW_DEFAULTS.get(entity, {})), **data}
    values = clean(db, merged, before)
    columns = {k: v for k, v in values.items() if k not in CHILD_FIELDS}
    if entity == "users" and before is None:
        password = data.get("password")
        if not isinstance(password, str) or len(password) < 8:
            raise _bad("password", "minimal 8 karakter")
        columns["password_hash"] = auth.hash_password(password)
        columns["created_at"] = iso(now)
    if entity == "users" and before is not None and before["id"] == user["id"] and (not columns["active"] or columns["role"] != "admin"):
        raise _bad("role" if columns["active"] else "active", "Anda tidak dapat menonaktifkan atau menurunkan peran akun sendiri")
    if before is None:
        names = ", ".join(columns)
        marks = ", ".join(f":{k}" for k in columns)
        entity_id = db.execute(f"INSERT INTO {entity} ({names}) VALUES ({marks})", columns).lastrowid
    else:
        assignments = ", ".join(f"{k} = :{k}" for k in columns)
        db.execute(f"UPDATE {entity} SET {assignments} WHERE id = :id", {**columns, "id": entity_id})
    _write_children(db, entity, entity_id, values)
    after = row(db, entity, entity_id)
    if before != after:  # an import that re-sends an unchanged row leaves no noise in the log
        audit.record(db, now, user, action or ("create" if before is None else "update"), entity, entity_id, before, after)
    return after


# Rows other data points at (tickets, history) are deactivated rather than deleted.
DELETABLE = {"counters", "kiosks", "displays", "breaks", "closed_dates"}


def delete(db: Database, entity: str, entity_id: int, now: datetime, user: dict) -> dict:
    if entity not in DELETABLE:
        raise LoketError("method_not_allowed", 405)
    with transaction(db):
        before = row(db, entity, entity_id)
        if entity == "counters" and one(db, "SELECT id FROM tickets WHERE counter_id = ? LIMIT 1", (entity_id,)):
            raise LoketError("invalid_field", 409, field="id", reason="loket ini sudah punya riwayat antrean; ubah saja layanannya")
        if entity == "kiosks" and one(db, "SELECT id FROM tickets WHERE kiosk_id = ? LIMIT 1", (entity_id,)):
            raise LoketError("invalid_field", 409, field="id", reason="kios ini sudah mencetak antrean; ganti saja namanya")
        db.execute(f"DELETE FROM {entity} WHERE id = ?", (entity_id,))
        audit.record(db, now, user, "delete", entity, entity_id, before, None)
    return before


def reset_password(db: Database, user_id: int, password: object, now: datetime, admin: dict) -> dict:
    if not isinstance(password, str) or len(password) < 8:
        raise _bad("password", "minimal 8 karakter")
    if len(password) > 200:
        raise _bad("password", "maksimal 200 karakter")
    with transaction(db):
        before = row(db, "users", user_id)
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (auth.hash_password(password), user_id))
        audit.record(db, now, admin, "reset_password", "users", user_id, before, before)
    return before


# ---------------------------------------------------------------- MPP profile


PROFILE_KEYS = (
    "mpp_name", "mpp_address", "mpp_logo_url", "timezone", "ticket_header", "ticket_footer", "number_reading",
    "self_priority", "phone_tickets", "phone_tickets_per_hour", "priority_policy", "priority_interleave_n",
    "max_regular_wait_minutes", "announcement_repeat", "survey_mode",
)  # fmt: skip


def profile(db: Database) -> dict:
    conf = settings(db)
    return {k: conf.get(k, DEFAULT_SETTINGS.get(k, "")) for k in PROFILE_KEYS}


def _clean_profile(data: dict) -> dict[str, str]:
    logo = text(data, "mpp_logo_url", max_length=500)
    if logo and not re.match(r"^(https?://|/)[^\s<>\"']*$", logo):
        raise _bad("mpp_logo_url", "alamat http(s):// atau /jalur/berkas")
    return {
        "mpp_name": text(data, "mpp_name", required=True),
        "mpp_address": text(data, "mpp_address", max_length=500),
        "mpp_logo_url": logo,
        "timezone": choice(data, "timezone", TIMEZONES),
        "ticket_header": text(data, "ticket_header", max_length=200),
        "ticket_footer": text(data, "ticket_footer", max_length=300),
        "number_reading": choice(data, "number_reading", ("digits", "whole")),
        "self_priority": str(flag(data, "self_priority")),
        "phone_tickets": str(flag(data, "phone_tickets")),
        "phone_tickets_per_hour": str(integer(data, "phone_tickets_per_hour", minimum=1, maximum=100)),
        "priority_policy": choice(data, "priority_policy", ("strict", "interleave")),
        "priority_interleave_n": str(integer(data, "priority_interleave_n", minimum=1, maximum=50)),
        "max_regular_wait_minutes": str(integer(data, "max_regular_wait_minutes", minimum=0, maximum=1440)),
        "announcement_repeat": str(integer(data, "announcement_repeat", minimum=1, maximum=3)),
        "survey_mode": choice(data, "survey_mode", ("skm", "quick")),
    }


def save_profile(db: Database, data: dict, now: datetime, user: dict) -> dict:
    if not isinstance(data, dict):
        raise LoketError("bad_request")
    with transaction(db):
        before = profile(db)
        values = _clean_profile({**before, **data})
        for key, value in values.items():
            set_setting(db, key, value)
        after = profile(db)
        audit.record(db, now, user, "update", "settings", None, before, after)
    return after
