"""Front-end files as a phone on the MPP's weak Wi-Fi needs them.

- Every static file, vendor library and catalog module gets a content hash in its URL (`?v=…`); a
  request with the current hash is cached for a year (`immutable`), so a warm visit asks nothing again.
- One import map per page sends every ES module import — `/static/loket.js`, `./common.js`,
  `/vendor/socket.io.esm.min.js` — to its hashed URL; its exact text is allowed by a hash in the CSP.
- Each page's module graph is announced with `<link rel="modulepreload">`, so its files load at once
  instead of one round trip per level of imports. A module loaded with `import("…")` is in the import
  map (hashed, cached) but not preloaded: a page loads it only when it needs it.
- Text is sent gzip-compressed to clients that accept it; static files are compressed once per version.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
import time
from pathlib import Path

from flask import Flask, Response, g, request
from markupsafe import Markup

IMPORT = re.compile(r"""(?:^|[;\n])\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?["']([^"']+\.js)["']""")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)  # a page's own script, written in its template
LAZY_IMPORT = re.compile(r"""\bimport\(\s*["']([^"']+\.js)["']\s*\)""")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
SMALLEST = 860  # below one packet gzip buys nothing
YEAR = 31536000
CHECK_SECONDS = 1.0  # how often a page looks for edited files (a developer's edit shows at the next load)


class Assets:
    """The URL → (file, content hash) table of every file the pages load, kept current."""

    def __init__(self, app: Flask, extra: dict[str, Path] | None = None, generated: dict | None = None) -> None:
        self.app = app
        self.extra = extra or {}  # URL path -> file (the vendor libraries)
        self.generated = generated or {}  # URL path -> callable giving the bytes (the catalog modules)
        self.lock = threading.Lock()
        self.files: dict[str, tuple[Path | None, str]] = {}
        self.stamps: dict[str, float] = {}
        self.checked = 0.0
        self.map_text = ""
        self.csp_source = ""
        self.graphs: dict[str, tuple[list[str], list[str]]] = {}
        self.compressed: dict[tuple[str, str], bytes] = {}
        self.inline_texts: dict[str, str] = {}

    # ---------------------------------------------------------------- the table

    def folders(self) -> list[tuple[str, Path]]:
        """(URL prefix, folder) of the app's and every blueprint's static route, as the URL map has them."""
        found = []
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint == "static":
                folder = self.app.static_folder
            elif rule.endpoint.endswith(".static"):
                folder = self.app.blueprints[rule.endpoint.rsplit(".", 1)[0]].static_folder
            else:
                continue
            if folder:
                found.append((rule.rule.replace("/<path:filename>", ""), Path(folder)))
        return found

    def _scan(self) -> dict[str, Path]:
        paths: dict[str, Path] = {}
        for prefix, folder in self.folders():
            for path in folder.rglob("*"):
                if path.is_file():
                    paths[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
        paths.update(self.extra)
        return paths

    def refresh(self, force: bool = False) -> None:
        """Hash what changed since the last look (at most once a CHECK_SECONDS)."""
        now = time.monotonic()
        if not force and now - self.checked < CHECK_SECONDS:
            return
        with self.lock:
            self.checked = now
            changed = False
            for url, path in self._scan().items():
                try:
                    stamp = path.stat().st_mtime_ns
                except OSError:
                    continue
                if self.stamps.get(url) != stamp:
                    self.stamps[url] = stamp
                    self.files[url] = (path, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
                    changed = True
            for url, make in self.generated.items():
                digest = hashlib.sha256(make()).hexdigest()[:12]
                if self.files.get(url, (None, ""))[1] != digest:
                    self.files[url] = (None, digest)
                    changed = True
            if changed or not self.map_text:
                self._rebuild()

    def _rebuild(self) -> None:
        self.map_text, self.csp_source = self.import_map([])
        self.graphs = {}
        self.compressed = {}
        self.inline_texts = {}

    def inline(self, url: str) -> str:
        """A static script's text, to write into a page where it must run before anything loads (its hash
        then allows it in the CSP, as prepare_page finds it)."""
        self.refresh()
        if url not in self.inline_texts:
            text = self.files[url][0].read_text(encoding="utf-8")
            # its comments are for its readers, not for every phone's download
            self.inline_texts[url] = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()
        return self.inline_texts[url]

    def import_map(self, modules: list[str]) -> tuple[str, str]:
        """A page's import map (its modules and the catalog modules loaded on demand) and its CSP source."""
        # The icons too: loket.js draws them by URL, and import.meta.resolve gives that URL with its hash.
        icons = sorted(url for url in self.files if "/icons/" in url and url.endswith(".svg"))
        wanted = [*modules, *self.generated, *icons]
        text = json.dumps({"imports": {url: self.hashed(url) for url in wanted if self.version(url)}}, separators=(",", ":"))
        return text, _sha256_source(text)

    def version(self, url: str) -> str | None:
        entry = self.files.get(url)
        return entry[1] if entry else None

    def hashed(self, url: str) -> str:
        digest = self.version(url)
        return f"{url}?v={digest}" if digest else url

    # ---------------------------------------------------------------- module graphs

    def graph(self, entry: str) -> tuple[list[str], list[str]]:
        """The modules the entry imports, directly or not, in load order: (static, loaded on demand).
        A module only reached through `import("…")` is on demand; the catalog modules are neither."""
        if entry in self.graphs:
            return self.graphs[entry]
        static: list[str] = []
        lazy: list[str] = []

        def walk(url: str, found: list[str]) -> None:
            path = self.files.get(url, (None, ""))[0]
            if path is None:
                return
            base = url.rsplit("/", 1)[0]
            text = path.read_text(encoding="utf-8", errors="replace")
            for pattern, into in ((IMPORT, found), (LAZY_IMPORT, lazy)):
                for spec in pattern.findall(text):
                    target = spec if spec.startswith("/") else _join(base, spec)
                    if target != entry and target not in static and target not in into:
                        into.append(target)
                        walk(target, into)

        walk(entry, static)
        lazy = [url for url in lazy if url not in static]
        for url in self.generated:
            for found in (static, lazy):
                if url in found:
                    found.remove(url)
        self.graphs[entry] = (static, lazy)
        return static, lazy

    def prepare_page(self, html: str) -> tuple[str, str]:
        """The page with its own import map (the modules it loads, no others) and <link rel="modulepreload">
        for the graph of each module script; returns the page and the map's CSP source."""
        entries = re.findall(r'<script type="module" src="([^"?]+)(?:\?v=[0-9a-f]+)?"', html)
        modules: list[str] = []
        on_demand: list[str] = []
        for entry in entries:
            static, lazy = self.graph(entry)
            for url in [entry, *static]:
                if url not in modules:
                    modules.append(url)
            on_demand += lazy
        text, source = self.import_map([*modules, *(url for url in on_demand if url not in modules)])
        html = html.replace(f'<script type="importmap">{self.map_text}</script>', f'<script type="importmap">{text}</script>', 1)
        links = [f'<link rel="modulepreload" href="{self.hashed(url)}">' for url in modules]
        if links and "</head>" in html:
            html = html.replace("</head>", "  " + "\n  ".join(links) + "\n</head>", 1)
        return html, " ".join([source, *(_sha256_source(text) for text in INLINE_SCRIPT.findall(html))])

    # ---------------------------------------------------------------- responses

    def finish(self, response: Response) -> Response:
        """Cache lifetime, preloads and compression for one answer (an after_request hook)."""
        path = request.path
        digest = self.version(path)
        if digest is not None and response.status_code in (200, 304):
            if request.args.get("v") == digest:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"  # revalidate: the URL without its hash may change
        if response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough:
            html, g.import_map_source = self.prepare_page(response.get_data(as_text=True))
            response.set_data(html)
        return self._compress(response, digest)

    def _compress(self, response: Response, digest: str | None) -> Response:
        if (
            response.status_code != 200
            or "gzip" not in request.headers.get("Accept-Encoding", "")
            or "Content-Encoding" in response.headers
            or not response.mimetype.startswith(COMPRESSIBLE)
            or request.method == "HEAD"
        ):
            return response
        response.vary.add("Accept-Encoding")
        if response.direct_passthrough:  # a file from send_file: read it whole (and close it) to pack it
            body = response.response
            try:
                data = b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()
            response.direct_passthrough = False
            response.set_data(data)
        elif response.is_streamed:
            return response
        data = response.get_data()
        if len(data) < SMALLEST:
            return response
        key = (request.path, digest) if digest and request.args.get("v") == digest else None
        packed = self.compressed.get(key) if key else None
        if packed is None:
            packed = gzip.compress(data, compresslevel=6, mtime=0)
            if key:
                self.compressed[key] = packed
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        etag, _weak = response.get_etag()
        if etag:
            # the same content in other bytes: a weak validator, which If-None-Match still matches
            response.set_etag(etag, weak=True)
        return response


def _sha256_source(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def csp_source(app: Flask) -> str:
    """The script-src source that allows this answer's import map (the page's own, or the empty one)."""
    return g.get("import_map_source") or app.extensions["loket_assets"].csp_source


def _join(base: str, spec: str) -> str:
    parts = base.split("/")
    for piece in spec.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def install(app: Flask, vendor: dict[str, Path], generated: dict) -> Assets:
    assets = Assets(app, vendor, generated)
    app.extensions["loket_assets"] = assets

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" or endpoint.endswith(".static"):
            assets.refresh()
            rule = next(r for r in app.url_map.iter_rules(endpoint))
            url = rule.rule.replace("<path:filename>", values.get("filename", ""))
            digest = assets.version(url)
            if digest and "v" not in values:
                values["v"] = digest

    @app.context_processor
    def _import_map() -> dict:
        assets.refresh()
        # A file of Loket's own static folder, never anything a request brought.
        return {"import_map": assets.map_text, "inline_script": lambda url: Markup(assets.inline(url))}  # noqa: S704

    app.after_request(assets.finish)
    return assets
