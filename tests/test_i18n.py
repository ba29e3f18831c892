"""Translation catalogs: every text the code or a template marks is in both catalogs, English is
complete, and the request's language picks the catalog."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import KIOSK
from loket import i18n
from loket.errors import MESSAGES, LoketError

ROOT = i18n.CATALOGS.parent.parent
# as the Makefile's `pybabel extract -k NC_:1c,2`: loket.js NC_("context", "text") marks a text with its context
KEYWORDS = {**DEFAULT_KEYWORDS, "NC_": ((1, "c"), 2)}
STATIC_JS = [p for p in ROOT.glob("*/static/**/*.js") if "node_modules" not in p.parts]


def marked_texts() -> dict[str, str]:
    """Message id -> the file that uses it, extracted exactly as `make messages` does (babel.cfg)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, KEYWORDS):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, filename)
    return found


def catalog(lang: str) -> dict[str, str]:
    with i18n.catalog_path(lang).open("rb") as po:
        return {m.id: m.string for m in read_po(po, locale=lang) if m.id}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text)) | set(re.findall(r"%\((\w+)\)s", text))


def test_the_extraction_sees_python_tables_and_templates():
    texts = marked_texts()
    assert MESSAGES["quota_reached"][1] in texts
    assert texts["Diterima"] == "loket/complaints.py"
    assert any(name.endswith(".html") for name in texts.values())


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_marked_text_is_in_the_catalog(lang):
    entries = catalog(lang)
    missing = {text: where for text, where in marked_texts().items() if text not in entries}
    assert not missing, f"run `make messages` and translate: missing from {lang}: {missing}"


def test_every_text_has_its_english_with_the_same_placeholders():
    english = catalog("en")
    untranslated = sorted(text for text in marked_texts() if not english.get(text))
    assert not untranslated, f"no English in loket/translations/en: {untranslated}"
    wrong = {text: english[text] for text in marked_texts() if placeholders(text) != placeholders(english[text])}
    assert not wrong


def test_the_catalogs_hold_no_text_the_code_no_longer_uses():
    used = marked_texts()
    for lang in i18n.LANGUAGES:
        assert sorted(set(catalog(lang)) - set(used)) == [], f"obsolete in {lang}: run `make messages`"


def test_an_error_reads_in_indonesian_unless_english_is_asked(client):
    body = {"service_id": 999_999}
    assert client.post("/api/tickets", headers=KIOSK, json=body).get_json()["message"] == "Layanan tidak ditemukan."
    assert client.post("/api/tickets?lang=en", headers=KIOSK, json=body).get_json()["message"] == "Service not found."
    english = client.post("/api/tickets", json=body, headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert english["message"] == "Service not found."


def test_an_error_message_fills_its_placeholders_in_both_languages():
    err = LoketError("missing_field", field="service_id")
    assert err.message("id") == "Isian 'Layanan' wajib diisi."
    assert err.message("en") == "Field 'Service' is required."


def test_outside_a_request_texts_are_indonesian():
    assert i18n.gettext("Diterima") == "Diterima"
    assert i18n.gettext("Diterima", "en") == "Received"
    assert i18n.bilingual("Diterima") == ("Diterima", "Received")
    assert i18n.pair("Diterima") == {"id": "Diterima", "en": "Received"}


def test_templates_translate_with_the_request_language(app):
    template = app.jinja_env.from_string('{{ _("Diterima") }} · {{ _("Loket %(n)s", n=3) }}')
    with app.test_request_context("/?lang=en"):
        assert template.render().startswith("Received · ")
    with app.test_request_context("/"):
        assert template.render() == "Diterima · Loket 3"


def test_the_landing_page_is_offered_in_english(client):
    indonesian = client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="id">' in indonesian and "Ambil nomor antrean di layar sentuh" in indonesian
    assert '<html lang="en">' in english and "Take a queue number on the touchscreen" in english


def test_day_month_and_zone_names_come_from_one_place():
    assert i18n.day_names("id") == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    assert i18n.day_name(4, "en") == "Friday"
    assert i18n.month_name(8, "id") == "Agustus"
    assert i18n.long_date(date(2026, 11, 28)) == "Sabtu, 28 November 2026"
    assert i18n.long_date(date(2026, 11, 28), "en") == "Saturday, 28 November 2026"
    assert [i18n.zone_abbreviation(tz) for tz in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")] == ["WIB", "WITA", "WIT"]


def test_every_error_code_has_a_catalog_text_with_its_english():
    english = catalog("en")
    shapes = {code: entry for code, entry in MESSAGES.items() if len(entry) != 2}
    assert not shapes, f"MESSAGES entries are (status, N_(Indonesian)); English goes in the catalog: {sorted(shapes)}"
    missing = sorted(code for code, (_status, text) in MESSAGES.items() if not english.get(text))
    assert not missing, f"error messages without English in loket/translations/en: {missing}"


def test_the_es_modules_get_each_catalog_as_json(client):
    english = client.get("/i18n/en.json")
    assert english.status_code == 200 and english.get_json()["lang"] == "en"
    assert english.get_json()["messages"]["Diterima"] == "Received"
    assert client.get("/i18n/id.json").get_json() == {"lang": "id", "messages": {}}
    assert client.get("/i18n/fr.json").status_code == 404


def test_no_es_module_keeps_its_own_english():
    """One way to translate: the screens mark Indonesian texts for the catalogs; none carries {id, en} pairs."""
    pair = re.compile(r"\bid:\s*[\"'`][^\n]*\ben(glish)?:\s*[\"'`]")
    helper = re.compile(r"(?<![\w.$])L\(\s*[\"'`]")
    found = []
    for path in STATIC_JS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pair.search(line) or helper.search(line) or re.search(r"\bconst EN = \{", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert len(STATIC_JS) > 20
    assert not found, "texts with their own English (mark them with _() / N_() instead):\n" + "\n".join(found)


def test_the_es_modules_import_the_english_catalog_as_a_module(client):
    import json

    answer = client.get("/i18n/en.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    body = answer.get_data(as_text=True)
    english = json.loads(body.split("export default ", 1)[1].rstrip().rstrip(";"))
    assert english["Pilih instansi"] == "Choose an agency"
    # the same Indonesian word, two English words: a text with a context keeps it
    assert english["Tutup"] == "Closed" and english["button\u0004Tutup"] == "Close"
    assert client.get("/i18n/fr.js").status_code == 404
