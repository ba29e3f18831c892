"""The docs are kept true by tests (as sqlite-utils and Datasette do): a route, an event or an error
code that exists in the code but not in docs/ fails here, with the names that are missing."""

from __future__ import annotations

import re
from pathlib import Path

from loket.errors import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
EVENTS = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
SOURCE_DIRS = ("loket", "kiosk", "display", "counter", "admin", "survey", "complaints", "booking", "public")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def normalized(path: str) -> str:
    """`/api/counters/<int:counter_id>` and `/api/counters/<id>` both read `/api/counters/<>`."""
    return re.sub(r"<[^>]*>", "<>", path)


def documented_routes() -> dict[str, set[str]]:
    """Every path written in backticks in docs/api.md, with the methods named on the same line."""
    routes: dict[str, set[str]] = {}
    for line in API.splitlines():
        methods = {m for m in METHODS if re.search(rf"\b{m}\b", line)}
        for code in re.findall(r"`([^`]+)`", line):
            for path in re.findall(r"(/[A-Za-z0-9_./<>:-]*)", code.split("?")[0].split("[")[0]):
                routes.setdefault(normalized(path.rstrip(".")), set()).update(methods)
    return routes


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route, minus Flask's static-file routes (served files, not an API)."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        pairs += [(method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return pairs


def python_sources() -> list[Path]:
    files = [ROOT / "server.py"]
    for folder in SOURCE_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def emitted_events() -> set[str]:
    """Events the server sends (every type of loket/events.py, and a handler's own `emit("name"`) or
    handles (`socketio.on("name")`)."""
    from loket.events import EVENTS

    names: set[str] = {name for event in EVENTS for name in event.names}
    for path in python_sources():
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"\bemit\(\s*[\"']([a-z_]+)[\"']", text))
        names |= set(re.findall(r"\bsocketio\.on\(\s*[\"']([a-z_]+)[\"']", text))
    return names


def documented_error_codes() -> dict[str, int]:
    """`| 409 | `quota_reached`, … |` rows of the error table in docs/api.md."""
    table: dict[str, int] = {}
    for status, codes in re.findall(r"^\| (\d{3}) \| (.+) \|$", API, flags=re.M):
        for code in re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", codes)):
            table[code] = int(status)
    return table


def test_every_route_in_the_url_map_is_in_the_api_docs_with_its_method(app):
    documented = documented_routes()
    missing = [f"{method} {path}" for method, path in app_routes(app) if method not in documented.get(normalized(path), set())]
    assert not missing, f"routes missing from docs/api.md (a path in backticks, its method on the line): {missing}"


def test_the_route_check_sees_the_whole_app(app):
    paths = {path for _method, path in app_routes(app)}
    assert {"/api/tickets", "/api/admin/profile", "/api/survey/settings", "/display/"} <= paths


def test_every_socket_event_in_the_code_is_in_the_events_docs():
    events = emitted_events()
    assert {"snapshot", "ticket_called", "queue_changed", "config_changed", "subscribe"} <= events  # the scan sees the code
    documented = set(re.findall(r"`([a-z_]+)`", EVENTS))
    missing = sorted(events - documented)
    assert not missing, f"events missing from docs/events.md: {missing}"


def test_every_event_type_is_in_the_events_docs_table():
    from loket.events import EVENTS as EVENTS_TYPES

    table = EVENTS.split("## How an event leaves the server", 1)[1].split("\n## ", 1)[0]
    missing = [event.__name__ for event in EVENTS_TYPES if f"`{event.__name__}`" not in table]
    assert not missing, f"event types of loket/events.py missing from docs/events.md's table: {missing}"


def test_only_the_emitter_sends_to_rooms():
    """A route or a rule that emits by itself bypasses the commit: it may tell of what then rolls back."""
    # places.py sends each phone its place from committed rows, when the emitter's lines_moved says so.
    allowed = {ROOT / "loket" / "broadcasts.py", ROOT / "loket" / "emitter.py", ROOT / "loket" / "places.py"}
    offenders = []
    for path in python_sources():
        if path in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\bsocketio\.emit\(", r"\.server\.disconnect\(", r"\bclose_room\("):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not offenders, f"emit through after_commit(db, <event of loket/events.py>) instead: {offenders}"


def test_every_error_code_is_in_the_api_error_table_with_its_status():
    table = documented_error_codes()
    missing = sorted(code for code in MESSAGES if code not in table)
    assert not missing, f"error codes missing from the table in docs/api.md: {missing}"
    wrong = {code: (table[code], status) for code, (status, *_texts) in MESSAGES.items() if table[code] != status}
    assert not wrong, f"code: (status in docs/api.md, status in loket/errors.py): {wrong}"


def test_the_error_table_names_no_code_that_does_not_exist():
    extra = sorted(set(documented_error_codes()) - set(MESSAGES) - {"voice_unavailable"})
    assert extra == []


def test_every_error_code_the_code_raises_has_a_message():
    raised: set[str] = set()
    for path in python_sources():
        raised |= set(re.findall(r"LoketError\(\s*\"([a-z_]+)\"", path.read_text(encoding="utf-8")))
    assert sorted(raised - set(MESSAGES)) == []


def test_the_extra_fields_of_an_error_named_in_the_docs_are_the_ones_the_code_sends():
    from loket.errors import EXTRA_FIELDS

    sentence = re.search(r"Some errors carry extra fields \(([^)]*)\)", API.replace("\n", " "))
    assert sentence, "docs/api.md no longer lists the extra fields of an error"
    assert set(re.findall(r"`([a-z_]+)`", sentence.group(1))) == set(EXTRA_FIELDS)


VOICE_MODES = ("browser", "server", "chime", "off")


def test_the_voice_modes_a_display_reports_are_the_documented_ones():
    display_js = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "display" / "static").glob("*.js")))
    assert all(f'"{mode}"' in display_js for mode in VOICE_MODES)
    lists = re.findall(r'"voice_mode": ([^}]*)\}', EVENTS)
    assert lists, "docs/events.md no longer shows the voice_mode values"
    for values in lists:
        assert tuple(re.findall(r'"([a-z-]+)"', values)) == VOICE_MODES
