"""Translations through gettext catalogs and Babel: one place for every bilingual text and date name.

Bahasa Indonesia is the source language: a message id is the Indonesian text itself, so the code
reads as the citizen reads it, and `translations/en/LC_MESSAGES/messages.po` gives the English.
`translations/id/…/messages.po` holds the same ids (an empty msgstr means "as written"), for a
translator who wants other Indonesian wording without touching the code.

The ES modules get the same catalogs (`/i18n/en.js`, imported by loket.js for `_()`, `pgettext()`; `/i18n/<lang>.json`; and
`_("…")`). Mark a text with `N_("…")` where it is defined (a table at module level) and translate it where it
is shown with `gettext(text, lang)`; `bilingual("…")` gives both languages at once, for the JSON
fields that carry `{id, en}`. `make messages` re-extracts the ids (babel.cfg) and updates both
catalogs; the catalogs are compiled in memory at start, so a clean clone needs no .mo files.
"""

from __future__ import annotations

import functools
import io
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from babel import Locale, dates, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CATALOGS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

# Babel has no Indonesian zone abbreviations (it says "GMT+07:00"): the official ones, by law.
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class Bilingual(NamedTuple):
    """A text in both languages; unpacks as (id, en) and `._asdict()` is the API's {id, en}."""

    id: str
    en: str


def N_(text: str) -> str:
    """Mark a text for the catalogs without translating it yet (it is translated where shown)."""
    return text


def catalog_path(lang: str) -> Path:
    return CATALOGS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> support.Translations:
    """The language's catalog, compiled from its .po file once per process."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return support.Translations(compiled, domain=DOMAIN)


def gettext(text: str, lang: str | None = None) -> str:
    """The text in `lang` (default: the request's language, Indonesian outside a request)."""
    return translations(lang or current_language()).gettext(text)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    return translations(lang or current_language()).ngettext(singular, plural, n)


def pgettext(context: str, text: str, lang: str | None = None) -> str:
    """The text as said in one context, where one Indonesian word needs two English ones ("admin", "button")."""
    return translations(lang or current_language()).pgettext(context, text)


def in_catalog(text: str) -> bool:
    """Whether a text is a catalog entry (one written in the code), not text that came from outside."""
    return text in translations("en")._catalog


def bilingual(text: str) -> Bilingual:
    """Both languages of one catalog text."""
    return Bilingual(gettext(text, "id"), gettext(text, "en"))


def pair(text: str) -> dict[str, str]:
    """Both languages of one catalog text as the API's {"id": …, "en": …}."""
    return bilingual(text)._asdict()


# ---------------------------------------------------------------- the request's language


def request_language() -> str:
    """Indonesian unless the client asks for English (?lang=en, the lang cookie or Accept-Language)."""
    from flask import request

    asked = request.args.get("lang") or request.cookies.get("lang") or ""
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The request's language inside a request, else Indonesian (CLI, background work)."""
    from flask import has_request_context

    return request_language() if has_request_context() else DEFAULT_LANGUAGE


def catalog_json(lang: str) -> dict[str, str]:
    """The language's texts that differ from the Indonesian id, for the ES modules' _()."""
    catalog = translations(lang)._catalog
    return {msgid: text for msgid, text in catalog.items() if isinstance(msgid, str) and msgid and text != msgid}


def _catalog_view(lang: str):
    from flask import abort

    if lang not in LANGUAGES:
        abort(404)
    return {"lang": lang, "messages": catalog_json(lang)}, 200, {"Cache-Control": "public, max-age=300"}


def catalog_module(lang: str) -> bytes:
    """The catalog as an ES module, imported by loket.js (only for a screen shown in that language)."""
    import json

    body = "// Generated from loket/translations (make messages): the Indonesian text -> this language's.\n"
    body += "export default " + json.dumps(catalog_json(lang), ensure_ascii=False, sort_keys=True) + ";\n"
    return body.encode()


def _catalog_module(lang: str):
    from flask import abort

    if lang not in LANGUAGES:
        abort(404)
    return catalog_module(lang), 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=300"}


def install(app) -> None:
    """Let templates say {{ _("…") }} in the request's language (Jinja's i18n extension), and serve
    each catalog to the ES modules: GET /i18n/<lang>.js (the module loket.js imports) and /i18n/<lang>.json."""
    app.add_url_rule("/i18n/<lang>.json", "i18n_catalog", _catalog_view)
    app.add_url_rule("/i18n/<lang>.js", "i18n_module", _catalog_module)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # newstyle: {{ _("Loket %(n)s", n=3) }} formats after translating, escaping the parameters.
    app.jinja_env.install_gettext_callables(
        lambda text: gettext(text), lambda s, p, n: ngettext(s, p, n), newstyle=True, pgettext=lambda c, text: pgettext(c, text)
    )
    app.jinja_env.globals["page_language"] = current_language
    # The catalog's English of a text, for the few lines a page shows in both languages on purpose (the
    # kiosk's attract screen, the booking poster on the wall); the text itself is marked with _() beside it.
    app.jinja_env.globals["english"] = lambda text: gettext(text, "en")


# ---------------------------------------------------------------- dates, days, months, zones


def day_name(weekday: int, lang: str = DEFAULT_LANGUAGE, width: str = "wide") -> str:
    """0 = Monday, as Python and the database count: 'Senin' / 'Monday'."""
    return dates.get_day_names(width, locale=lang)[weekday]


def day_names(lang: str = DEFAULT_LANGUAGE, width: str = "wide") -> list[str]:
    return [day_name(d, lang, width) for d in range(7)]


def month_name(month: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """1 = January: 'Januari' / 'January'."""
    return dates.get_month_names("wide", locale=lang)[month]


def long_date(day: date | datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """'Sabtu, 28 November 2026' / 'Saturday, 28 November 2026' (of a date already local)."""
    return dates.format_date(day, "EEEE, d MMMM y", locale=Locale.parse(lang))


def zone_abbreviation(tz: str, moment: datetime | None = None) -> str:
    """WIB / WITA / WIT for Indonesia's zones; other zones as the clock names them."""
    if tz in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[tz]
    from .timeutil import local, now_utc

    return local(moment or now_utc(), tz).strftime("%Z")
