"""Configuration import and export (agencies, services, counters) as JSON or CSV, keyed by codes.

Rows are matched by their natural keys (agency code; agency code + service code; counter number),
so a spreadsheet exported from one MPP and edited can be imported into the same or another one.
An import is all or nothing: one bad row refuses the whole file, naming the row.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlite_utils import Database

from loket import csvout
from loket.db import after_commit, one, transaction
from loket.errors import LoketError
from loket.events import ConfigChanged
from loket.i18n import N_

from . import config

KINDS = ("agencies", "services", "counters")
AGENCY_COLUMNS = ["code", "name", "color", "zone", "sort_order", "active", "maklumat", "maklumat_signer"]
SERVICE_COLUMNS = [
    "agency_code", "code", "name", "prefix", "padding", "daily_quota", "cutoff_minutes", "default_service_minutes",
    "promised_minutes", "wait_target_minutes", "service_target_minutes", "active", "sort_order", *config.STANDARD_FIELDS, "hours",
    "name_en", *config.ENGLISH_FIELDS,
]  # fmt: skip
COUNTER_COLUMNS = ["agency_code", "number", "name", "zone", "service_codes"]
COLUMNS = {"agencies": AGENCY_COLUMNS, "services": SERVICE_COLUMNS, "counters": COUNTER_COLUMNS}
MAX_ROWS = 5000


def hours_text(hours: list[dict]) -> str:
    """'0=08:00-15:00;4=08:00-11:30': weekday 0 is Monday, one spreadsheet cell for a week."""
    return ";".join(f"{h['weekday']}={h['opens']}-{h['closes']}" for h in hours)


def parse_hours(text: str) -> list[dict]:
    out = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        try:
            day, span = part.split("=")
            opens, closes = span.split("-")
            out.append({"weekday": int(day), "opens": opens.strip(), "closes": closes.strip()})
        except ValueError:
            reason = N_("'{part}' bukan format HARI=HH:MM-HH:MM (0 = Senin)")
            raise LoketError("invalid_field", field="hours", reason=reason, part=part) from None
    return out


def export(db: Database) -> dict:
    codes = {r["id"]: r["code"] for r in db.query("SELECT id, code FROM agencies")}
    service_codes = {r["id"]: r["code"] for r in db.query("SELECT id, code FROM services")}
    agencies = [{k: a[k] for k in AGENCY_COLUMNS} for a in config.rows(db, "agencies")]
    services = []
    for s in config.rows(db, "services"):
        item = {k: s[k] for k in SERVICE_COLUMNS if k in s and k != "hours"}
        services.append({"agency_code": codes[s["agency_id"]], **item, "hours": s["hours"]})
    counters = [
        {
            "agency_code": codes[c["agency_id"]],
            "number": c["number"],
            "name": c["name"],
            "zone": c["zone"],
            "service_codes": [service_codes[s] for s in c["service_ids"]],
        }
        for c in config.rows(db, "counters")
    ]
    return {"agencies": agencies, "services": services, "counters": counters}


def to_csv(kind: str, items: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        flat = dict(item)
        if kind == "services":
            flat["hours"] = hours_text(item["hours"])
        if kind == "counters":
            flat["service_codes"] = ";".join(item["service_codes"])
        writer.writerow({k: csvout.safe_cell(v) for k, v in flat.items()})
    return out.getvalue()


def from_csv(kind: str, text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code" if kind == "agencies" else "agency_code",) if c not in (reader.fieldnames or [])]
    if missing:
        raise LoketError("invalid_field", field="csv", reason=N_("kolom {column} tidak ada pada baris judul"), column=missing[0])
    items = []
    for line in reader:
        item = {k: csvout.unsafe_cell(v) if isinstance(v, str) else v for k, v in line.items() if k is not None}
        if kind == "services":
            item["hours"] = item.get("hours") or ""
        if kind == "counters":
            item["service_codes"] = [c.strip() for c in (item.get("service_codes") or "").split(";") if c.strip()]
        items.append(item)
    return items


def _agency_id(db: Database, code: object) -> int:
    found = one(db, "SELECT id FROM agencies WHERE code = ? COLLATE NOCASE", (str(code or ""),))
    if found is None:
        raise LoketError("invalid_field", field="agency_code", reason=N_("instansi {value} tidak ada"), value=code)
    return found["id"]


def _import_one(db: Database, kind: str, item: dict, now: datetime, user: dict) -> dict:
    if not isinstance(item, dict):
        raise LoketError("bad_request")
    data = {k: v for k, v in item.items() if k not in ("id", "agency_code", "service_codes")}
    if kind == "agencies":
        code = str(item.get("code") or "").strip().upper()
        existing = one(db, "SELECT id FROM agencies WHERE code = ? COLLATE NOCASE", (code,))
    elif kind == "services":
        data["agency_id"] = _agency_id(db, item.get("agency_code"))
        if isinstance(data.get("hours"), str):
            data["hours"] = parse_hours(data["hours"])
        code = str(item.get("code") or "").strip().upper()
        existing = one(db, "SELECT id FROM services WHERE agency_id = ? AND code = ? COLLATE NOCASE", (data["agency_id"], code))
    else:
        data["agency_id"] = _agency_id(db, item.get("agency_code"))
        codes = item.get("service_codes") or []
        if not isinstance(codes, list):
            raise LoketError("invalid_field", field="service_codes", reason=N_("daftar kode layanan"))
        ids = []
        for code in codes:
            found = one(db, "SELECT id FROM services WHERE agency_id = ? AND code = ? COLLATE NOCASE", (data["agency_id"], str(code)))
            if found is None:
                raise LoketError("invalid_field", field="service_codes", reason=N_("layanan {value} tidak ada di instansi ini"), value=code)
            ids.append(found["id"])
        data["service_ids"] = ids
        existing = one(db, "SELECT id FROM counters WHERE number = ?", (item.get("number"),))
    return config.save_in_transaction(db, kind, data, now, user, existing["id"] if existing else None, action="import", announce=False)


def import_config(db: Database, payload: dict, now: datetime, user: dict) -> dict:
    """Upsert agencies, then services, then counters; returns how many rows of each were written."""
    if not isinstance(payload, dict) or not any(k in payload for k in KINDS):
        raise LoketError("invalid_field", field="file", reason=N_("berisi agencies, services dan/atau counters"))
    written = {}
    with transaction(db):
        for kind in KINDS:
            items = payload.get(kind) or []
            if not isinstance(items, list) or len(items) > MAX_ROWS:
                raise LoketError("invalid_field", field=kind, reason=N_("daftar berisi paling banyak {rows} baris"), rows=MAX_ROWS)
            for index, item in enumerate(items, start=1):
                try:
                    _import_one(db, kind, item, now, user)
                except LoketError as err:
                    where = f"{kind} baris {index}: {err.params.get('field', '')}"
                    if err.code == "invalid_field":  # keep the reason's values: it is translated when shown
                        raise LoketError("invalid_field", **{**err.params, "field": where}) from None
                    raise LoketError("invalid_field", field=where, reason=err.message()) from None
            written[kind] = len(items)
        after_commit(db, ConfigChanged("import", {"written": written}))  # one redraw for the whole file
    return written
