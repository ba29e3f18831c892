"""The one CSV writer for every export: UTF-8 with a BOM (Excel in Indonesia), CRLF, formula-safe.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by spreadsheet
programs: an agency named `=HYPERLINK(…)` would become a live link. Such text gets a leading
apostrophe, which spreadsheets show as plain text (OWASP "CSV injection"). Numbers stay numbers.

Excel with Indonesian regional settings splits lines at `;`, not at `,` (and not inside quotes only
when the quote opens the field): a complaint contact `0812;=HYPERLINK(…)` would start a new cell with
a formula. So every place inside a text where a `;` or `,` (or a line break or tab) is followed by a
formula character gets the apostrophe too, whichever separator the reader's spreadsheet uses.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# a separator of either locale (or a line break), spaces and an opening quote, then a formula character
INNER_FORMULA = re.compile(r"""([;,\r\n\t][ ]*"?[ ]*)([=+\-@])""")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        value = INNER_FORMULA.sub(r"\1'\2", value)
        if value.lstrip(' "').startswith(FORMULA_STARTS):
            return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The text `safe_cell` was given, for a CSV read back in (the admin's configuration import)."""
    value = value[1:] if value.startswith("'") and value[1:].lstrip(' "').startswith(FORMULA_STARTS) else value
    return re.sub(r"""([;,\r\n\t][ ]*"?[ ]*)'([=+\-@])""", r"\1\2", value)


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


def table_response(items: Iterable[dict], columns: list[str], filename: str) -> Response:
    """A report's rows (dicts) as a CSV download, one column per name in `columns`."""
    return csv_response(dict_rows(items, columns), filename)
