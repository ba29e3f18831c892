"""The one CSV writer for every export: UTF-8 with a BOM (Excel in Indonesia), CRLF, formula-safe.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by spreadsheet
programs: an agency named `=HYPERLINK(…)` would become a live link. Such text gets a leading
apostrophe, which spreadsheets show as plain text (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def dict_rows(items: Iterable[dict], columns: list[str], header: list[str] | None = None) -> Iterable[list[object]]:
    """A header row, then each dict's values in `columns` order (missing keys are empty)."""
    yield header or columns
    for item in items:
        yield [item.get(k) for k in columns]


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
