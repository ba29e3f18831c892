"""Front-end files for weak Wi-Fi: hashed URLs cached for a year, one import map, preloaded graphs, gzip."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re

import pytest

from conftest import LiveServer, copy_demo

IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


def test_static_urls_carry_their_content_hash_and_that_url_is_cached_for_a_year(client):
    page = client.get("/ambil/").get_data(as_text=True)
    css = re.search(r'href="(/static/loket\.css\?v=[0-9a-f]{12})"', page)
    assert css, "the stylesheet's URL has no content hash"
    hashed = client.get(css[1])
    assert (
        hashed.status_code == 200
        and "immutable" in hashed.headers["Cache-Control"]
        and "max-age=31536000" in hashed.headers["Cache-Control"]
    )
    bare = client.get("/static/loket.css")
    assert bare.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/loket.css?v=000000000000")
    assert "immutable" not in stale.headers["Cache-Control"]


def test_every_module_is_imported_through_the_import_map_and_the_csp_allows_exactly_it(client):
    response = client.get("/kiosk/?kiosk=kios-1")
    text = response.get_data(as_text=True)
    found = IMPORT_MAP.search(text)
    assert found
    imports = json.loads(found[1])["imports"]
    for url in ("/static/loket.js", "/vendor/socket.io.esm.min.js", "/i18n/en.js", "/kiosk/static/kiosk.js"):
        assert re.fullmatch(re.escape(url) + r"\?v=[0-9a-f]{12}", imports[url]), url
    digest = base64.b64encode(hashlib.sha256(found[1].encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in response.headers["Content-Security-Policy"]
    assert text.count("<script") == text.count('type="module"') + 1  # the import map is the only inline script


def test_a_page_preloads_its_module_graph_but_not_the_english_catalog(client):
    text = client.get("/ambil/").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"?]+)\?v=[0-9a-f]{12}">', text)
    assert {"/kiosk/static/kiosk.js", "/static/loket.js", "/vendor/socket.io.esm.min.js"} <= set(preloaded)
    assert "/i18n/en.js" not in preloaded
    assert text.index("modulepreload") < text.index("</head>")


def test_the_phone_page_leaves_the_kiosks_own_modules_to_the_kiosk(client):
    # /ambil/ on a phone never shows the keyboard, pairing, ticket screen or SMS pad: they are imported on
    # demand (kiosk.js's import("./kioskmode.js")), so they are in the import map, hashed, but not preloaded.
    text = client.get("/ambil/").get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"?]+)\?v=[0-9a-f]{12}">', text))
    imports = json.loads(IMPORT_MAP.search(text)[1])["imports"]
    kiosk_only = {
        "/kiosk/static/kioskmode.js",
        "/kiosk/static/pairing.js",
        "/static/keyboard.js",
        "/kiosk/static/ticketscreen.js",
        "/kiosk/static/notify.js",
    }
    assert not preloaded & kiosk_only
    for url in kiosk_only:
        assert re.fullmatch(re.escape(url) + r"\?v=[0-9a-f]{12}", imports[url]), url


@pytest.mark.parametrize("path", ["/vendor/socket.io.esm.min.js", "/i18n/en.js", "/ambil/", "/api/agencies"])
def test_text_is_gzipped_for_clients_that_accept_it(client, path):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_a_304_and_a_head_are_never_gzipped(client):
    first = client.get("/vendor/socket.io.esm.min.js", headers={"Accept-Encoding": "gzip"})
    again = client.get("/vendor/socket.io.esm.min.js", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Content-Encoding" not in again.headers


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("assets") / "live.db")).start()
    yield live
    live.stop()


def _watch(page) -> list[dict]:
    """Every response the page gets, with whether the browser took it from its own cache (memory or disk)."""
    seen: list[dict] = []
    from_cache: set[str] = set()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on(
        "Network.responseReceived",
        lambda e: seen.append({"url": e["response"]["url"], "cached": e["response"].get("fromDiskCache") or e["requestId"] in from_cache}),
    )
    return seen


@pytest.mark.browser
def test_an_indonesian_page_never_loads_the_english_catalog_and_an_english_one_does(server, page_factory):
    page = page_factory(360, 740)
    seen = _watch(page)
    page.goto(server.url + "/ambil/?lang=id")
    page.wait_for_selector(".k-card")
    assert not [r for r in seen if "/i18n/en.js" in r["url"]]
    page.click("[data-lang=en]")
    page.wait_for_function("() => document.body.innerText.includes('Please choose an agency')")
    assert [r for r in seen if "/i18n/en.js" in r["url"]], "switching to English did not load its catalog"


@pytest.mark.browser
def test_a_warm_visit_asks_the_server_for_no_unchanged_file(server, page_factory):
    page = page_factory(360, 740)
    page.goto(server.url + "/ambil/")
    page.wait_for_selector(".k-card")
    # The first visit is over when its last icon has come: under load some arrive after the first card.
    page.wait_for_load_state("networkidle")
    seen = _watch(page)
    page.goto(server.url + "/ambil/")
    page.wait_for_selector(".k-card")
    fetched = [r["url"] for r in seen if re.search(r"\.(js|css|svg)(\?|$)", r["url"]) and not r["cached"]]
    assert not fetched, f"asked the server again for: {fetched}"


def test_every_static_import_of_every_module_names_a_file_the_server_serves(app):
    """A module that imports a file no longer there (a screen's import of a deleted helper) fails to load
    in the browser with nothing on the server's log: caught here, for every module of every screen."""
    from loket.assets import IMPORT, _join

    assets = app.extensions["loket_assets"]
    assets.refresh()
    missing = []
    for url, (path, _digest) in sorted(assets.files.items()):
        if path is None or not url.endswith(".js") or url.startswith("/vendor/"):
            continue
        base = url.rsplit("/", 1)[0]
        for spec in IMPORT.findall(path.read_text(encoding="utf-8")):
            target = spec if spec.startswith("/") else _join(base, spec)
            if target not in assets.files and target not in assets.generated:
                missing.append((url, spec))
    assert missing == []


def test_only_the_shared_live_helper_opens_a_socket(app):
    """Every screen connects through loket.js's live(): one reconnect rule, one way to follow a room."""
    from loket.assets import IMPORT

    assets = app.extensions["loket_assets"]
    assets.refresh()
    opening = []
    for url, (path, _digest) in sorted(assets.files.items()):
        if path is None or not url.endswith(".js") or url.startswith("/vendor/") or url == "/static/loket.js":
            continue
        text = path.read_text(encoding="utf-8")
        if any("socket.io" in spec for spec in IMPORT.findall(text)) or re.search(r"\bio\(", text):
            opening.append(url)
    assert opening == []
