"""MPP configuration as plain functions: validate a whole row, write it with its audit entry, return it.

Every write validates the row as it will be after the change (the stored row merged with what was
sent), so a partial update cannot leave a service without a prefix or a counter without a service.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime

from sqlite_utils import Database

from loket import audit, auth, bookings, images, printers
from loket.db import after_commit, one, transaction
from loket.errors import LoketError
from loket.events import ConfigChanged
from loket.i18n import N_
from loket.inputs import boolean, choice, hhmm, integer, json_list, number, text
from loket.inputs import day as inputs_day
from loket.inputs import invalid as _bad
from loket.timeutil import iso

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,31}$")
PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,7}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
STANDARD_FIELDS = ("requirements", "procedure", "completion_time", "fee", "product", "complaint_channel", "sk_number")
ENGLISH_FIELDS = ("requirements_en", "procedure_en")  # m20_english_service_texts: empty shows the Indonesian


def flag(data: dict, field: str) -> int:
    """A boolean as the 0/1 the tables store."""
    return int(boolean(data, field))


def _agency(db: Database, agency_id: object, field: str = "agency_id", required: bool = True) -> int | None:
    aid = integer({field: agency_id}, field, minimum=1, required=required)
    if aid is None:
        return None
    if one(db, "SELECT id FROM agencies WHERE id = ?", (aid,)) is None:
        raise _bad(field, N_("instansi tidak ada"))
    return aid


# ---------------------------------------------------------------- entities


def _clean_agency(db: Database, data: dict, current: dict | None) -> dict:
    code = text(data, "code", required=True, max_length=32).upper()
    if not CODE.match(code):
        raise _bad("code", N_("huruf besar, angka, titik, garis bawah atau tanda hubung"))
    clash = one(db, "SELECT id FROM agencies WHERE code = ? COLLATE NOCASE AND id != ?", (code, current["id"] if current else 0))
    if clash:
        raise _bad("code", N_("kode {value} sudah dipakai instansi lain"), value=code)
    color = text(data, "color", max_length=200) or "#1f6feb"
    if not COLOR.match(color):
        raise _bad("color", N_("warna #RRGGBB"))
    return {
        "code": code,
        "name": text(data, "name", required=True, max_length=200),
        "color": color,
        "zone": text(data, "zone", max_length=60),
        "sort_order": integer(data, "sort_order", minimum=0, maximum=10_000, required=False) or 0,
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
        raise _bad("short_code", N_("1–8 huruf atau angka"))
    return value


def _logo(data: dict) -> str:
    """A PNG, JPEG or WebP as a data URL (the admin form reads the file); SVG is refused, it can carry script."""
    value = data.get("logo") or ""
    if not isinstance(value, str):
        raise _bad("logo", N_("berkas gambar"))
    if value and (len(value) > LOGO_MAX or not LOGO.match(value)):
        raise _bad("logo", N_("gambar PNG, JPEG atau WebP, maksimal 64 KB"))
    if not value:
        return value
    # Decoded and drawn again at badge size: what every screen loads is a small PNG we made ourselves.
    try:
        png = images.reencode_logo(base64.b64decode(value.split(",", 1)[1]))
    except (images.BadImage, ValueError):
        raise _bad("logo", N_("gambar PNG, JPEG atau WebP, maksimal 64 KB")) from None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _clean_hours(value: object) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise _bad("hours", N_("daftar jam per hari"))
    seen, out = set(), []
    for item in value:
        if not isinstance(item, dict):
            raise _bad("hours", N_("setiap baris berisi weekday, opens, closes"))
        weekday = integer(item, "weekday", minimum=0, maximum=6)
        if weekday in seen:
            raise _bad("hours", N_("hari {weekday} tercantum dua kali"), weekday=weekday)
        seen.add(weekday)
        opens, closes = hhmm(item, "hours", key="opens"), hhmm(item, "hours", key="closes")
        if closes <= opens:
            raise _bad(
                "hours",
                N_("jam tutup hari {weekday} ({closes}) harus setelah jam buka ({opens})"),
                weekday=weekday,
                closes=closes,
                opens=opens,
            )
        out.append({"weekday": weekday, "opens": opens, "closes": closes})
    return sorted(out, key=lambda h: h["weekday"])


def _clean_service(db: Database, data: dict, current: dict | None) -> dict:
    agency_id = _agency(db, data.get("agency_id"))
    own_id = current["id"] if current else 0
    code = text(data, "code", required=True, max_length=32).upper()
    if not CODE.match(code):
        raise _bad("code", N_("huruf besar, angka, titik, garis bawah atau tanda hubung"))
    if one(db, "SELECT id FROM services WHERE agency_id = ? AND code = ? COLLATE NOCASE AND id != ?", (agency_id, code, own_id)):
        raise _bad("code", N_("kode {value} sudah dipakai layanan lain di instansi ini"), value=code)
    prefix = text(data, "prefix", required=True, max_length=8).upper()
    if not PREFIX.match(prefix):
        raise _bad("prefix", N_("1–8 huruf besar/angka, misalnya A atau PH-"))
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
            raise _bad(
                "prefix",
                N_("awalan {prefix} sudah dipakai layanan aktif {service} ({agency})"),
                prefix=prefix,
                service=clash["name"],
                agency=clash["agency"],
            )
    values = {
        "agency_id": agency_id,
        "code": code,
        "name": text(data, "name", required=True, max_length=200),
        "name_en": text(data, "name_en", max_length=200),
        "short_name": text(data, "short_name", max_length=40),
        "prefix": prefix,
        "padding": integer(data, "padding", minimum=1, maximum=6, required=False) or 3,
        "daily_quota": integer(data, "daily_quota", minimum=0, maximum=100_000, required=False),
        "cutoff_minutes": integer(data, "cutoff_minutes", minimum=0, maximum=720, required=False) or 0,
        "default_service_minutes": number(data, "default_service_minutes", minimum=0.5, maximum=480, required=False, default=5),
        "promised_minutes": integer(data, "promised_minutes", minimum=1, maximum=100_000, required=False),
        # the standard watched live (issue 24); empty = the promised minutes
        "wait_target_minutes": integer(data, "wait_target_minutes", minimum=1, maximum=1440, required=False),
        "service_target_minutes": integer(data, "service_target_minutes", minimum=1, maximum=1440, required=False),
        "active": active,
        "sort_order": integer(data, "sort_order", minimum=0, maximum=10_000, required=False) or 0,
        "requires_open_counter": flag(data, "requires_open_counter"),
    }
    for field in STANDARD_FIELDS:
        values[field] = text(data, field, max_length=4000 if field in ("requirements", "procedure") else 500)
    for field in ENGLISH_FIELDS:
        values[field] = text(data, field, max_length=4000)
    values.update(bookings.clean_settings(data))  # online booking (m15_bookings)
    values["hours"] = _clean_hours(data.get("hours"))
    for h in values["hours"]:
        span = _minutes(h["closes"]) - _minutes(h["opens"])
        if values["cutoff_minutes"] >= span:
            raise _bad(
                "cutoff_minutes",
                N_("batas akhir pengambilan ({minutes} menit) melebihi jam layanan hari {weekday}"),
                minutes=values["cutoff_minutes"],
                weekday=h["weekday"],
            )
    return values


def _minutes(text_hhmm: str) -> int:
    hours, minutes = text_hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _clean_counter(db: Database, data: dict, current: dict | None) -> dict:
    agency_id = _agency(db, data.get("agency_id"))
    service_ids = data.get("service_ids")
    if not isinstance(service_ids, list) or not service_ids:
        raise _bad("service_ids", N_("loket harus melayani paling sedikit satu layanan"))
    ids = sorted({integer({"service_ids": s}, "service_ids", minimum=1) for s in service_ids})
    marks = ",".join("?" * len(ids))
    found = {r["id"]: r["agency_id"] for r in db.query(f"SELECT id, agency_id FROM services WHERE id IN ({marks})", ids)}
    if set(found) != set(ids):
        raise _bad("service_ids", N_("layanan tidak ada"))
    if any(a != agency_id for a in found.values()):
        raise _bad("service_ids", N_("loket hanya melayani layanan instansinya sendiri"))
    num = integer(data, "number", minimum=0, maximum=9999)
    if one(db, "SELECT id FROM counters WHERE number = ? AND id != ?", (num, current["id"] if current else 0)):
        raise _bad("number", N_("nomor loket {number} sudah dipakai"), number=num)
    return {
        "agency_id": agency_id,
        "name": text(data, "name", max_length=200) or f"Loket {num}",
        "number": num,
        "zone": text(data, "zone", max_length=60),
        "service_ids": ids,
    }


def _clean_kiosk(db: Database, data: dict, current: dict | None) -> dict:
    name = text(data, "name", required=True, max_length=60)
    if one(db, "SELECT id FROM kiosks WHERE name = ? AND id != ?", (name, current["id"] if current else 0)):
        raise _bad("name", N_("nama {name} sudah dipakai kios lain"), name=name)
    url = text(data, "printer_url", max_length=300)
    if url:
        try:
            printers.parse_printer_url(url)
        except printers.PrinterError as err:
            raise _bad("printer_url", N_("alamat printer tidak dapat dipakai ({detail})"), detail=str(err)) from None
    return {
        "name": name,
        "location": text(data, "location", max_length=200),
        "printer_url": url,
        "printer_profile": text(data, "printer_profile", max_length=60),
        "qr_mode": choice(data, "qr_mode", ("native", "image"), default="native"),
    }


def _clean_display(db: Database, data: dict, current: dict | None) -> dict:
    name = text(data, "name", required=True, max_length=60)
    if one(db, "SELECT id FROM displays WHERE name = ? AND id != ?", (name, current["id"] if current else 0)):
        raise _bad("name", N_("nama {name} sudah dipakai layar lain"), name=name)
    agency_ids = data.get("agency_ids") or []
    if isinstance(agency_ids, str) and not agency_ids.lstrip().startswith(("[", "{")):
        agency_ids = [a for a in agency_ids.split(",") if a.strip()]
    agency_ids = json_list(agency_ids, "agency_ids")
    if any(isinstance(a, (bool, float, list, dict)) for a in agency_ids):
        raise _bad("agency_ids", N_("daftar nomor instansi"))
    ids = sorted({_agency(db, a, "agency_ids") for a in agency_ids})
    return {
        "name": name,
        "location": text(data, "location", max_length=200),
        "agency_ids": json.dumps(ids),
        "zone": text(data, "zone", max_length=60),
        "layout": choice(data, "layout", ("landscape", "portrait"), default="landscape"),
        "running_text": text(data, "running_text", max_length=1000),
        "speak": flag(data, "speak"),
        "repeat_count": integer(data, "repeat_count", minimum=1, maximum=3, required=False) or 1,
    }


def _clean_break(db: Database, data: dict, current: dict | None) -> dict:
    starts, ends = hhmm(data, "starts"), hhmm(data, "ends")
    if ends <= starts:
        raise _bad("ends", N_("jam selesai ({ends}) harus setelah jam mulai ({starts})"), ends=ends, starts=starts)
    return {
        "agency_id": _agency(db, data.get("agency_id"), required=False),
        "weekday": integer(data, "weekday", minimum=0, maximum=6),
        "starts": starts,
        "ends": ends,
        "label": text(data, "label", max_length=100) or "Istirahat",
    }


def _clean_closed_date(db: Database, data: dict, current: dict | None) -> dict:
    day = inputs_day(data, "date")
    agency_id = _agency(db, data.get("agency_id"), required=False)
    clash = one(
        db,
        "SELECT id FROM closed_dates WHERE date = ? AND agency_id IS ? AND id != ?",
        (day, agency_id, current["id"] if current else 0),
    )
    if clash:
        raise _bad("date", N_("tanggal {day} sudah tercatat tutup"), day=day)
    return {"date": day, "agency_id": agency_id, "reason": text(data, "reason", required=True, max_length=200)}


def _clean_user(db: Database, data: dict, current: dict | None) -> dict:
    username = text(data, "username", required=True, max_length=64)
    if not re.match(r"^[A-Za-z0-9_.@-]+$", username):
        raise _bad("username", N_("huruf, angka, titik, garis bawah, @ atau tanda hubung"))
    if one(db, "SELECT id FROM users WHERE username = ? AND id != ?", (username, current["id"] if current else 0)):
        raise _bad("username", N_("nama pengguna {username} sudah dipakai"), username=username)
    role = choice(data, "role", auth.ROLES)
    agency_id = _agency(db, data.get("agency_id"), required=False)
    if role != "admin" and agency_id is None:
        raise _bad("agency_id", N_("petugas dan supervisor harus punya instansi"))
    return {
        "username": username,
        "full_name": text(data, "full_name", max_length=200),
        "role": role,
        "agency_id": agency_id if role != "admin" else None,
        "active": flag(data, "active"),
    }


REASON_CODE = re.compile(r"^[a-z0-9_]{1,32}$")


def _clean_counter_reason(db: Database, data: dict, current: dict | None) -> dict:
    """A reason a counter may pause or close for; "lainnya" stays active (a body-less pause uses it)."""
    code = text(data, "code", required=True, max_length=32).lower()
    if not REASON_CODE.match(code):
        raise _bad("code", N_("huruf kecil, angka atau garis bawah"))
    if current and current["code"] != code:
        raise _bad("code", N_("kode alasan tidak dapat diubah; buat alasan baru"))
    if one(db, "SELECT id FROM counter_reasons WHERE code = ? AND id != ?", (code, current["id"] if current else 0)):
        raise _bad("code", N_("kode {value} sudah dipakai"), value=code)
    active = flag(data, "active")
    if code == "lainnya" and not active:
        raise _bad("active", N_("alasan lainnya selalu aktif"))
    return {
        "code": code,
        "label": text(data, "label", required=True, max_length=100),
        "label_en": text(data, "label_en", max_length=100),
        "sort_order": integer(data, "sort_order", minimum=0, maximum=10_000, required=False) or 0,
        "active": active,
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
    "counter_reasons": _clean_counter_reason,
}
# Fields a new row starts with when the form leaves them out.
NEW_DEFAULTS = {
    "agencies": {"active": 1},
    "services": {"active": 1},
    "displays": {"speak": 1},
    "users": {"active": 1},
    "counter_reasons": {"active": 1},
}


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


# What only an admin reads: with a kiosk's key anyone receives its print jobs (citizens' ticket tokens).
ADMIN_ONLY_FIELDS = {"kiosks": ("agent_key", "printer_url")}


def for_reader(entity: str, item: dict, user: dict) -> dict:
    """The row as this user may read it: supervisors get no keys and no printer addresses; nobody a key's hash."""
    if entity == "kiosks":
        item = {**{k: v for k, v in item.items() if k != "key_hash"}, "paired": bool(item.get("key_hash"))}
    if user["role"] == "admin" or entity not in ADMIN_ONLY_FIELDS:
        return item
    shown = {k: v for k, v in item.items() if k not in ADMIN_ONLY_FIELDS[entity]}
    if entity == "kiosks":
        shown["printer_error"] = printers.public_printer_error(item, item.get("printer_error"))
    return shown


ORDER = {
    "agencies": "sort_order, name",
    "services": "agency_id, sort_order, name",
    "counters": "agency_id, number",
    "kiosks": "name",
    "displays": "name",
    "breaks": "weekday, starts",
    "closed_dates": "date DESC",
    "users": "role, username",
    "counter_reasons": "sort_order, label",
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
    db: Database,
    entity: str,
    data: dict,
    now: datetime,
    user: dict,
    entity_id: int | None = None,
    action: str | None = None,
    announce: bool = True,
) -> dict:
    """save() for callers that already hold the write transaction (the importer: all rows or none).

    The audit row is written and `config_changed` said in the same transaction: no route has to remember either.
    """
    clean = ENTITIES[entity]
    before = row(db, entity, entity_id) if entity_id is not None else None
    merged = {**(before or NEW_DEFAULTS.get(entity, {})), **data}
    values = clean(db, merged, before)
    columns = {k: v for k, v in values.items() if k not in CHILD_FIELDS}
    if entity == "users" and before is None:
        password = data.get("password")
        if not isinstance(password, str) or len(password) < 8:
            raise _bad("password", N_("minimal 8 karakter"))
        columns["password_hash"] = auth.hash_password(password)
        columns["created_at"] = iso(now)
    if entity == "users" and before is not None and before["id"] == user["id"] and (not columns["active"] or columns["role"] != "admin"):
        raise _bad("role" if columns["active"] else "active", N_("Anda tidak dapat menonaktifkan atau menurunkan peran akun sendiri"))
    if before is None:
        names = ", ".join(columns)
        marks = ", ".join(f":{k}" for k in columns)
        entity_id = db.execute(f"INSERT INTO {entity} ({names}) VALUES ({marks})", columns).lastrowid
    else:
        assignments = ", ".join(f"{k} = :{k}" for k in columns)
        db.execute(f"UPDATE {entity} SET {assignments} WHERE id = :id", {**columns, "id": entity_id})
    _write_children(db, entity, entity_id, values)
    if (
        entity == "users"
        and before is not None
        and (
            (before["active"] and not columns["active"]) or before["role"] != columns["role"] or before["agency_id"] != columns["agency_id"]
        )
    ):
        # A deactivated login, or one moved to another role or agency, ends on every device, and its
        # sockets leave the counter and staff rooms they joined under the old rights.
        auth.end_sessions(db, entity_id)
    after = row(db, entity, entity_id)
    if before != after:  # an import that re-sends an unchanged row leaves no noise in the log
        audit.record(db, now, user, action or ("create" if before is None else "update"), entity, entity_id, before, after)
        if announce:
            after_commit(db, ConfigChanged(entity, {"id": after.get("id"), "agency_id": after.get("agency_id")}))
    return after


# Rows other data points at (tickets, history) are deactivated rather than deleted.
DELETABLE = {"counters", "kiosks", "displays", "breaks", "closed_dates"}


def delete(db: Database, entity: str, entity_id: int, now: datetime, user: dict) -> dict:
    if entity not in DELETABLE:
        raise LoketError("method_not_allowed", 405)
    with transaction(db):
        before = row(db, entity, entity_id)
        if entity == "counters" and one(db, "SELECT id FROM tickets WHERE counter_id = ? LIMIT 1", (entity_id,)):
            raise LoketError("invalid_field", 409, field="id", reason=N_("loket ini sudah punya riwayat antrean; ubah saja layanannya"))
        if entity == "kiosks" and one(db, "SELECT id FROM tickets WHERE kiosk_id = ? LIMIT 1", (entity_id,)):
            raise LoketError("invalid_field", 409, field="id", reason=N_("kios ini sudah mencetak antrean; ganti saja namanya"))
        db.execute(f"DELETE FROM {entity} WHERE id = ?", (entity_id,))
        audit.record(db, now, user, "delete", entity, entity_id, before, None)
        after_commit(db, ConfigChanged(entity, {"id": before.get("id"), "agency_id": before.get("agency_id")}))
    return before


def reset_password(db: Database, user_id: int, password: object, now: datetime, admin: dict) -> dict:
    if not isinstance(password, str) or len(password) < 8:
        raise _bad("password", N_("minimal 8 karakter"))
    if len(password) > 200:
        raise _bad("password", N_("maksimal 200 karakter"))
    with transaction(db):
        before = row(db, "users", user_id)
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (auth.hash_password(password), user_id))
        auth.end_sessions(db, user_id)
        audit.record(db, now, admin, "reset_password", "users", user_id, before, before)
    return before
