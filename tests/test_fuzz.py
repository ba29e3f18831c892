"""API fuzzing: hypothesis-made requests to every /api/ route and socket event; never a 500, never a trace.

Routes come from the app's own url_map, so every blueprint that lands is fuzzed without editing this file.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD, Clock
from loket import demo
from loket.db import connect, init_schema

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12
)
FIELDS = [
    "service_id", "kiosk_id", "priority", "priority_reason", "number", "ticket_id", "state", "note", "username", "password", "token",
    "date", "start", "name", "phone", "nik", "code", "agency_id", "logo", "contact", "text", "ok", "from", "to", "month", "year",
]  # fmt: skip
# Issue 21: lone surrogates, Infinity, other spellings of a date and of digits.
SPELLINGS = ["\ud800", "a\udfffb", "20261207", "2026-W50-1", "2026W501", "2026-12-07T00:00", "２０２６-12-07", "٠٨١٢٣٤٥٦٧٨٩٠", "2026-13"]
NASTY = st.sampled_from(
    [0, -1, 1, 2, 3, 2**31, 2**63, 10**30, "", " ", "1", "abc", "٣", "Ⅻ", "\x00", "𝟙", "A001", None, [], {}, True, 1.5, "🚀" * 300]
    + [float("inf"), float("-inf"), float("nan"), *SPELLINGS]
)
# Bodies that look like the real ones (known fields, wrong or extreme values) as well as arbitrary JSON.
BODY = st.dictionaries(st.sampled_from(FIELDS), NASTY | SCALARS, max_size=5) | JSON
PATH_VALUE = (
    st.integers(0, 3)
    | st.integers(4, 2**70)
    | st.text(max_size=20)
    | st.sampled_from(["1", "..", "%00", "A001", "ü", "1e3", "2026-11-25", "abc", "Infinity", *SPELLINGS[2:]])
)
# Header values a client may send: non-ASCII (latin-1, as HTTP carries them), long, empty.
HEADER_VALUE = st.sampled_from(["", "x", "kunci-é", "ñ" * 50, "k" * 500, "\xff\xfe", "abc def"])
KEY_HEADERS = ["X-Kiosk-Key", "X-Agent-Key", "X-CSRF-Token", "X-Tablet-Key"]
TRACE = re.compile(r"Traceback|File \"|line \d+, in ")


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from server import create_app

    path = tmp_path_factory.mktemp("fuzz") / "loket.db"
    clock = Clock()
    app = create_app({"DATABASE": str(path), "CLOCK": clock, "SECRET_KEY": "fuzz-secret", "TESTING": True})
    db = connect(path)
    init_schema(db)
    demo.seed(db, clock(), password=PASSWORD)
    db.close()
    return app


def api_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return sorted(routes)


def fill(rule: str, values: list) -> str:
    """Put fuzzed values into the route's <converter:name> slots."""
    parts = iter(values)
    return re.sub(r"<[^>]+>", lambda _m: str(next(parts)).replace("/", "%2F").replace("?", "%3F").replace("#", "%23"), rule)


def check(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {body[:500]}"
    assert not TRACE.search(body), body[:500]
    if response.status_code >= 400:
        data = response.get_json(silent=True)
        assert isinstance(data, dict), body[:300]
        assert isinstance(data.get("error"), str) and data["error"], data
        assert isinstance(data.get("message"), str) and data["message"], data


@st.composite
def requests_(draw, routes):
    method, rule = draw(st.sampled_from(routes))
    slots = len(re.findall(r"<[^>]+>", rule))
    path = fill(rule, draw(st.lists(PATH_VALUE, min_size=slots, max_size=slots)))
    names = ["agency_id", "service_id", "lang", "limit", "date", "from", "to", "month", "year", "quarter", "q", "x"]
    query = draw(st.dictionaries(st.sampled_from(names), PATH_VALUE, max_size=3))
    kind = draw(st.sampled_from(["json", "json", "json", "raw", "form", "none"]))
    headers = draw(st.dictionaries(st.sampled_from(KEY_HEADERS), HEADER_VALUE, max_size=2))
    options: dict = {"query_string": {k: str(v) for k, v in query.items()}, "headers": headers}
    if kind == "json":
        options["data"] = json.dumps(draw(BODY), allow_nan=True)
        options["content_type"] = "application/json"
    elif kind == "raw":
        options["data"] = draw(st.binary(max_size=200))
        options["content_type"] = draw(
            st.sampled_from(["application/json", "text/plain", "application/octet-stream", "application/x-www-form-urlencoded"])
        )
    elif kind == "form":
        fields = st.dictionaries(st.sampled_from([*FIELDS, "csrf_token"]), PATH_VALUE | HEADER_VALUE, max_size=4)
        options["data"] = {k: str(v) for k, v in draw(fields).items()}
    return method, path, options


def test_every_api_route_answers_fuzzed_requests_without_a_500_or_a_trace(fuzz_app):
    routes = api_routes(fuzz_app)
    assert ("POST", "/api/tickets") in routes
    anonymous = fuzz_app.test_client()
    officer = fuzz_app.test_client()
    admin = fuzz_app.test_client()

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(who=st.sampled_from(["anonymous", "officer", "admin"]), request=requests_(routes))
    def fuzz(who, request):
        client = {"anonymous": anonymous, "officer": officer, "admin": admin}[who]
        # Logging in hashes a password: only when the session is gone (a fuzzed logout), not every example.
        if who != "anonymous" and client.get_cookie("session") is None:
            client.post("/api/login", json={"username": "petugas.dukcapil" if who == "officer" else "admin", "password": PASSWORD})
        method, path, options = request
        check(client.open(path, method=method, **options))

    fuzz()


def test_socket_subscribe_answers_fuzzed_payloads_with_ok_or_the_error_shape(fuzz_app):
    from loket.realtime import socketio

    client = socketio.test_client(fuzz_app)
    try:
        room = st.sampled_from(["display", "kiosk", "counter", "staff", "ticket", "nope", "", None, 1])
        payload = st.fixed_dictionaries(
            {"room": room},
            optional={"display": NASTY | SCALARS, "agency_ids": NASTY | JSON, "counter_id": NASTY, "token": NASTY, "kiosk": NASTY},
        )

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(data=payload | JSON)
        def fuzz(data):
            answer = client.emit("subscribe", data, callback=True)
            assert isinstance(answer, dict), answer
            assert answer.get("ok") is True or (isinstance(answer.get("error"), str) and isinstance(answer.get("message"), str)), answer
            client.get_received()

        fuzz()
    finally:
        client.disconnect()


@pytest.mark.parametrize("event", ["follow_booking_slots", "display_status", "follow_complaint"])
def test_socket_events_answer_fuzzed_payloads_with_ok_or_the_error_shape(fuzz_app, event):
    """Issue 21 L2: Infinity or a lone surrogate in a socket payload crashed the handler (no answer at all)."""
    from loket.realtime import socketio

    client = socketio.test_client(fuzz_app)
    try:
        payload = st.fixed_dictionaries(
            {},
            optional={
                "service_id": NASTY | SCALARS,
                "date": NASTY | SCALARS,
                "display": NASTY | SCALARS,
                "voice_mode": NASTY,
                "code": NASTY,
            },
        )

        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(data=payload | JSON | NASTY)
        def fuzz(data):
            answer = client.emit(event, data, callback=True)
            assert isinstance(answer, dict), answer
            assert answer.get("ok") is True or (isinstance(answer.get("error"), str) and isinstance(answer.get("message"), str)), answer
            client.get_received()

        fuzz()
    finally:
        client.disconnect()
