"""Translation catalogs: every text the code or a template marks is in both catalogs, English is
complete, and the request's language picks the catalog."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

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
    assert texts["Lansia (60+)"] == "loket/priority.py"  # a Python table
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
            if pair.search(line) or helper.search(line) or re.search(r"\bconst EN = \{|\bdataset\.en\b", line):
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


# ---------------------------------------------------------------- nothing left unmarked

# Words shown as they are in every language: the product's name, the language switch's own names, codes.
AS_WRITTEN = {"Loket", "English", "Bahasa Indonesia", "Bahasa / Language", "ID", "EN", "NRR", "NRR × 25", "IKM", "SKM", "NIK"}
AS_WRITTEN |= {"Status", "Check-in"}  # the same word in both languages
KEYS = {"Esc", "Enter"}  # keyboard keys, as printed on them
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "alt", "title", "label")
TEMPLATES = sorted(p for p in ROOT.glob("*/templates/**/*.html"))


class _TextNodes(HTMLParser):
    """The text a reader sees in a template's literal HTML: text nodes and the attributes shown or read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.found += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.found.append(data)


def unmarked_template_texts(path) -> list[str]:
    """Words a template writes itself instead of through {{ _("…") }}: what Jinja outputs from code is cut
    out first, so only the literal HTML is read (a block that fills an attribute, body_class, is not text)."""
    from jinja2 import Environment

    source = re.sub(r"{%-? *block (body_class|lang) *-?%}.*?{%-? *endblock *-?%}", "", path.read_text(encoding="utf-8"), flags=re.S)
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    literal = "".join(value if kind == "data" else "\x00" for _line, kind, value in Environment().lex(source))
    parser = _TextNodes()
    parser.feed(literal)
    out = []
    for text in parser.found:
        for part in text.split("\x00"):
            part = " ".join(part.split()).strip("—·←‹›:→ ")
            if re.search(r"[a-z]{2}", part) and part not in AS_WRITTEN | KEYS:
                out.append(part)
    return out


def test_templates_write_no_text_of_their_own():
    assert len(TEMPLATES) > 20
    seconds = [str(p.relative_to(ROOT)) for p in TEMPLATES if re.search(r"\bdata-en=", p.read_text(encoding="utf-8"))]
    assert not seconds, f"a second English channel (data-en) in: {seconds}"
    found = {str(p.relative_to(ROOT)): unmarked_template_texts(p) for p in TEMPLATES}
    found = {path: texts for path, texts in found.items() if texts}
    assert not found, 'texts written in a template instead of {{ _("…") }}:\n' + "\n".join(f"{p}: {t}" for p, t in found.items())


def test_the_template_check_sees_text_nodes_and_shown_attributes(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% block body_class %}k-body{% endblock %}<p class="x">{{ _("Nomor") }}</p><h1>Pilih layanan</h1>'
        '<input placeholder="Cari layanan" value="{{ q }}"><img alt="{{ _("Foto") }}"><p>{{ n }} / {{ m }}</p>',
        encoding="utf-8",
    )
    assert unmarked_template_texts(page) == ["Pilih layanan", "Cari layanan"]


# A refusal's `reason` is shown to the citizen or officer: a catalog text (N_("…")), or a value quoted from the
# request or written by an admin. A Python string literal in its place would stay Indonesian on an English screen.
REASON_LITERAL = re.compile(r"""\breason=f?["']""")
BAD_LITERAL = re.compile(r"""\b(?:_bad|invalid)\(\s*["'][\w.]+["']\s*,\s*f?["']""")


def test_every_refusal_reason_is_a_catalog_text():
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] in ("tests", "bench", ".venv", "node_modules"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if REASON_LITERAL.search(line) or BAD_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "refusal reasons written as plain strings (mark them with N_()):\n" + "\n".join(found)


def test_no_error_carries_a_second_english_channel():
    """One way to translate: no `<param>_en` beside a param; a date param is named in the reader's language."""
    from datetime import date as day

    err = LoketError("too_early", opens="08:30", day="pada {opens_on}", opens_on=day(2026, 11, 28))
    assert err.message("id").startswith("Terlalu awal. Check-in reservasi ini dibuka pada Sabtu, 28 November 2026 pukul 08:30.")
    assert "on Saturday, 28 November 2026 at 08:30" in err.message("en")
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] in ("tests", "bench", ".venv", "node_modules"):
            continue
        assert not re.search(r"\b\w+_en=", path.read_text(encoding="utf-8")), f"{path}: a `<param>_en=` second channel"


def test_one_table_names_the_priority_reasons():
    from loket.priority import PRIORITY_REASONS

    assert set(PRIORITY_REASONS) == {"disability", "elderly", "pregnant", "child", "disaster"}
    copies = []
    for path in [*ROOT.glob("*/**/*.py"), *STATIC_JS]:
        if path.parts[len(ROOT.parts)] in ("tests", "bench", ".venv", "node_modules") or path.name == "priority.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "Korban bencana" in text or "Penyandang disabilitas" in text:
            copies.append(str(path.relative_to(ROOT)))
    assert not copies, f"priority labels written outside loket/priority.py: {copies}"
