"""Who may be served first (UU 25/2009 art. 29): the one table of priority reasons and their labels.

Every screen reads it from here: the printer (kiosk/printing.py), the queue rules (loket/tickets.py),
and the ES modules through the snapshot's and /api/mpp's `mpp.priority_reasons` (labels are catalog
texts, translated where shown). It imports nothing heavier than the catalogs, so the kiosk's print
agent can use it too.
"""

from __future__ import annotations

from .i18n import N_

PRIORITY_REASONS: dict[str, str] = {  # reason -> its label (a catalog id: English from loket/translations/)
    "disability": N_("Penyandang disabilitas"),
    "elderly": N_("Lansia (60+)"),
    "pregnant": N_("Ibu hamil"),
    "child": N_("Anak-anak"),
    "disaster": N_("Korban bencana"),
}
