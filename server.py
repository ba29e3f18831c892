"""Loket: the queue server of a Mal Pelayanan Publik. `python server.py --host --port --db`."""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--threading" not in sys.argv:
    # The production server runs on gevent, and gevent must patch sockets and threads before any
    # other module (Flask, sqlite3's callers, requests for network printers) is imported.
    from gevent import monkey

    monkey.patch_all()

import argparse
import logging
import os
import secrets
import weakref
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, abort, render_template, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from loket import api, assets, auth, backup, demo, emitter, errors, i18n, metrics, realtime, sender, watcher, wsdeflate, wssend
from loket.db import Pool, close_db, connect, init_schema, is_empty
from loket.timeutil import now_utc

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("loket")

# Front-end libraries installed from npm (package.json) and served by Flask: no CDN on an MPP's LAN.
VENDOR_FILES = {
    "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "chart.umd.js": "chart.js/dist/chart.umd.js",
    # Icons (lucide-static, ISC): SVG files, so a kiosk without an emoji font never shows empty boxes.
    **{
        f"icons/{name}.svg": f"lucide-static/icons/{name}.svg"
        for name in ("accessibility", "baby", "life-buoy", "bell", "bell-ring", "frown", "meh", "smile", "laugh", "delete")
        + ("search", "chevron-left", "chevron-right", "calendar")  # the kiosk's search and pages, the reports' dates
    },
}


def default_config() -> dict:
    return {
        "DATABASE": os.environ.get("LOKET_DB", str(ROOT / "instance" / "loket.db")),
        "CLOCK": now_utc,
        "PUBLIC_URL": os.environ.get("LOKET_PUBLIC_URL", ""),
        "REDIS_URL": os.environ.get("LOKET_REDIS_URL", ""),
        "DEMO": True,
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,  # complaint photos; JSON endpoints check their own sizes
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "ASYNC_MODE": "threading",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=auth.SESSION_HOURS),
        # The cookie is written at login only: the session's end is kept on the server (table sessions),
        # and re-signing it on every answer cost ~7 % of a ticket's CPU.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "JSON_SORT_KEYS": False,
        # Front-end libraries (package.json); an install from the offline archive keeps them in /opt/loket/node_modules.
        "NODE_MODULES": os.environ.get("LOKET_NODE_MODULES") or str(ROOT / "node_modules"),
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto; 0 trusts none.
        "TRUSTED_PROXIES": int(os.environ.get("LOKET_TRUSTED_PROXIES") or 0),
        # Cookies only over HTTPS: for installs behind TLS (nginx with a certificate).
        "SECURE_COOKIES": os.environ.get("LOKET_SECURE_COOKIES", "") in ("1", "true", "yes"),
        # /metrics for a Prometheus on another machine: `Authorization: Bearer <token>` (localhost needs none).
        "METRICS_TOKEN": os.environ.get("LOKET_METRICS_TOKEN", ""),
        # Continuous replication (docs/deployment.md): "litestream" leaves WAL checkpoints to Litestream.
        "CHECKPOINTS": os.environ.get("LOKET_CHECKPOINTS", "loket"),
        # A file replica's folder: /api/health reports how far behind it is.
        "REPLICA_DIR": os.environ.get("LOKET_REPLICA_DIR", ""),
    }


# No inline script but each page's import map, allowed by its hash (every page loads its ES modules from 'self').
# Styles may be inline: the screens build markup with style attributes. Images only from this server (and
# data: URLs, the agency logos and QR codes): a page never loads a picture from elsewhere, which would tell
# that host who looked at it.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
SERVER_NAME_HEADER = "Loket"


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, but "Server: Loket": no Werkzeug or Python version for a scanner to match."""

    def version_string(self) -> str:
        return SERVER_NAME_HEADER


def private_files(database: str) -> None:
    """Files we create are the server user's (0640/0750); an older database made 0644 is tightened.

    loket.db and its WAL hold password hashes, complainants' contacts and ticket tokens.
    """
    os.umask(0o027)
    base = Path(database)
    for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o007:
                path.chmod(path.stat().st_mode & 0o770)
        except OSError:  # not our file (a shared volume): leave it as the operator set it
            pass


def secret_key(database: str) -> str:
    """LOKET_SECRET_KEY, else a random key kept beside the database so sessions survive restarts."""
    if os.environ.get("LOKET_SECRET_KEY"):
        return os.environ["LOKET_SECRET_KEY"]
    path = Path(database).resolve().parent / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # 0600 from the first byte: never a moment where another user could read it.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # a second process made it at the same moment: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def register_blueprints(app: Flask) -> None:
    """One room per role; each folder owns its pages, endpoints and static files, each blueprint its url_prefix."""
    import admin
    from booking import views as booking_views
    from complaints import views as complaints_views
    from counter import api as counter_api
    from counter import views as counter_views
    from display import views as display_views
    from kiosk import views as kiosk_views
    from public import views as public_views
    from survey import views as survey_views

    for blueprint in (
        api.bp,
        *admin.blueprints,
        *kiosk_views.blueprints,
        counter_views.bp,
        counter_api.bp,
        display_views.bp,
        *survey_views.blueprints,
        *complaints_views.blueprints,
        *booking_views.blueprints,
        public_views.bp,
        public_views.api,
    ):
        app.register_blueprint(blueprint)


def create_app(config: dict | None = None) -> Flask:
    """The app factory: config overrides (tests pass DATABASE and CLOCK) on top of the defaults."""
    app = Flask(__name__, template_folder=str(ROOT / "loket" / "templates"), static_folder=str(ROOT / "loket" / "static"))
    app.config.update(default_config())
    app.config.update(config or {})
    private_files(app.config["DATABASE"])
    if app.config["SECURE_COOKIES"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.config["DATABASE"])
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx every request comes from the proxy: take the client's address from the
        # proxy's X-Forwarded-For, trusting exactly that many hops (a client cannot forge past them).
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # Every process serving this database holds its lock: a restore refuses while one runs.
    lock = backup.hold_server_lock(app.config["DATABASE"])
    app.extensions["loket_server_lock"] = lock
    weakref.finalize(app, backup.release_server_lock, lock)
    db = connect(app.config["DATABASE"])
    try:
        init_schema(db)
    finally:
        db.close()

    app.extensions["loket_pool"] = Pool(app.config["DATABASE"])
    app.extensions["loket_pool"].checkpoints = app.config["CHECKPOINTS"]
    emitter.install(app)
    watcher.install(app)
    sender.install(app)  # started by main(): SMS and WhatsApp go out from the serving process only
    app.teardown_appcontext(close_db)
    errors.register(app)
    i18n.install(app)

    @app.before_request
    def _csrf():
        auth.check_csrf()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        # the page's one inline script, its import map, is allowed by its hash
        policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {assets.csp_source(app)}")
        response.headers.setdefault("Content-Security-Policy", policy)
        return response

    app.jinja_env.globals["csrf_token"] = auth.csrf_token

    @app.context_processor
    def _page_lang():
        # Server-rendered staff pages (IKM report, complaints) speak the language chosen on any screen.
        return {"page_lang": errors.request_lang()}

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(ROOT / "loket" / "static", "favicon.ico", max_age=86400)

    @app.get("/vendor/<path:name>")
    def vendor(name: str):
        if name not in VENDOR_FILES:
            abort(404)
        folder, _, filename = VENDOR_FILES[name].rpartition("/")
        return send_from_directory(Path(app.config["NODE_MODULES"]) / folder, filename, max_age=86400)

    register_blueprints(app)
    modules = Path(app.config["NODE_MODULES"])
    assets.install(
        app,
        vendor={f"/vendor/{name}": modules / path for name, path in VENDOR_FILES.items()},
        generated={"/i18n/en.js": lambda: i18n.catalog_module("en")},
    )
    metrics.install(app)
    wsdeflate.install()  # a broadcast compressed once, not once per socket (loket/wsdeflate.py)
    realtime.socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        client_manager=emitter.client_manager(app, app.config["REDIS_URL"]),
        ping_interval=10,
        ping_timeout=10,
        logger=False,
        engineio_logger=False,
    )
    wssend.install(realtime.socketio.server)  # a message framed once, written at once (loket/wssend.py)
    realtime.connect_on_opening(realtime.socketio.server)  # the ticket page's early websocket (early-socket.js)
    _register_cli(app)
    return app


def prepare_database(app: Flask, with_demo: bool) -> dict | None:
    """Schema always; the demo MPP only into an empty database. Returns demo logins when seeded."""
    db = connect(app.config["DATABASE"])
    try:
        init_schema(db)
        if with_demo and is_empty(db):
            return demo.seed(db, app.config["CLOCK"]())
    finally:
        db.close()
    return None


def _print_logins(logins: dict | None, database: str, base_url: str = "http://127.0.0.1:5000") -> None:
    if logins is None:
        return
    lines = [f"Demo MPP dibuat di {database}. Masuk sebagai (kata sandi sama untuk semua): {logins['password']}"]
    lines += [f"  {user:24} {role}{' · ' + agency if agency else ''}" for user, (role, agency) in logins["users"].items()]
    kiosk = logins.get("kiosk")
    if kiosk:
        # The kiosk screen keeps the key (localStorage) once it has opened this link; /kiosk/ then issues as this kiosk.
        lines.append(f"Kios demo {kiosk['name']} (buka sekali di PC kios): {base_url}/kiosk/?kiosk={kiosk['name']}#pair={kiosk['key']}")
    text = "\n".join(lines)
    path = Path(database).resolve().parent / "demo-logins.txt"
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(text + "\n")
    click.echo(text)


def erase_personal_data(db, today: str) -> int:
    """The nightly end of the day's phone numbers (UU 27/2022): erased with their bytes overwritten, the
    WAL copied back and emptied, gammu-smsd's sent and error files of past days removed."""
    from loket import notify
    from loket import sender as sending
    from loket.db import settings
    from loket.timeutil import day_start_utc

    conf = settings(db)
    erased = notify.erase_past(db, today)
    sending.erase_gammu_files(conf, day_start_utc(today, conf["timezone"]))
    with db.ensure_autocommit_on():
        busy, _frames, _copied = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("the WAL is in use: erased numbers leave it at its next checkpoint")
    return erased


def _photo_folder(app: Flask) -> Path:
    configured = app.config.get("COMPLAINT_PHOTO_DIR")
    return Path(configured) if configured else Path(app.config["DATABASE"]).resolve().parent / "complaint-photos"


def _register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db_command():
        """Create the tables (safe to run again)."""
        prepare_database(app, with_demo=False)
        click.echo(f"Basis data siap: {app.config['DATABASE']}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Fill an empty database with the demo MPP."""
        logins = prepare_database(app, with_demo=True)
        if logins is None:
            click.echo("Basis data sudah berisi data; demo tidak ditambahkan.")
        _print_logins(logins, app.config["DATABASE"])

    @app.cli.command("rollup")
    @click.option("--from", "start", default=None, help="First local date YYYY-MM-DD (default: the first ticket's)")
    @click.option("--to", "end", default=None, help="Last local date (default and at most: yesterday)")
    @click.option("--rebuild", is_flag=True, help="Roll the days up again, e.g. after a service's promised time changed")
    @click.option(
        "--at-local-hour", "at_hour", type=click.IntRange(0, 23), default=None, help="Only in this hour of the MPP's zone (hourly timer)"
    )
    def rollup_command(start, end, rebuild, at_hour):
        """Roll up finished days for the reports (run nightly; reports also do it on first use)."""
        from zoneinfo import ZoneInfo

        from loket import reports
        from loket.db import settings
        from loket.timeutil import local_day

        db = connect(app.config["DATABASE"])
        try:
            init_schema(db)
            zone = settings(db)["timezone"]
            now = app.config["CLOCK"]()
            # The timer fires every hour; the MPP's zone (not the PC's clock zone) says which hour is 01:00.
            if at_hour is not None and now.astimezone(ZoneInfo(zone)).hour != at_hour:
                click.echo(f"Bukan pukul {at_hour:02d}.00 {zone}: tidak ada yang direkap.")
                return
            today = local_day(now, zone)
            days = reports.rollup(db, today, start, end, rebuild=rebuild)
            erased = erase_personal_data(db, today)
        finally:
            db.close()
        click.echo(f"{days} hari direkap untuk laporan.")
        click.echo(f"{erased} nomor ponsel dari hari yang sudah lewat dihapus.")

    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--keep", default=0, show_default=True, help="Keep only the newest N backups in FOLDER (0: keep all)")
    def backup_command(folder, keep):
        """Back up the database, complaint photos and secret key into FOLDER/<UTC time>/ (files 0600)."""
        try:
            made = backup.backup(app.config["DATABASE"], _photo_folder(app), app.config["SECRET_KEY"], folder, keep=keep)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"Cadangan dibuat: {made}")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def restore_command(source):
        """Restore a backup (a FOLDER/<time>/ or FOLDER: its newest) over the database; the server must be stopped."""
        # This command's own app holds the server lock too: let go of it, then ask for it alone.
        backup.release_server_lock(app.extensions.pop("loket_server_lock", None))
        secret_path = None if os.environ.get("LOKET_SECRET_KEY") else Path(app.config["DATABASE"]).resolve().parent / "secret_key"
        try:
            done = backup.restore(source, app.config["DATABASE"], _photo_folder(app), secret_path)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"Dipulihkan dari {done.snapshot} dalam {done.seconds:.2f} s: {done.counts}")
        if done.moved_aside:
            click.echo(f"Basis data lama (dengan -wal/-shm) dipindah ke {done.moved_aside}")
        if secret_path is None:
            click.echo("LOKET_SECRET_KEY diatur di lingkungan: pastikan nilainya sama dengan secret_key di cadangan.")

    @app.cli.command("add-user")
    @click.argument("name")
    @click.option("--role", type=click.Choice(auth.ROLES), required=True)
    @click.option("--agency", "agency_code", default=None, help="Agency code, e.g. DUKCAPIL (officers and supervisors)")
    @click.option("--full-name", default="")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
    def add_user_command(name, role, agency_code, full_name, password_stdin):
        """Add a login."""
        from loket.errors import LoketError

        password = (
            sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
        )
        db = connect(app.config["DATABASE"])
        try:
            init_schema(db)
            agency_id = None
            if agency_code:
                row = db.execute("SELECT id FROM agencies WHERE code = ? COLLATE NOCASE", (agency_code,)).fetchone()
                if row is None:
                    raise click.ClickException(f"Instansi {agency_code} tidak ada.")
                agency_id = row[0]
            try:
                auth.create_user(db, name, password, role, app.config["CLOCK"](), agency_id=agency_id, full_name=full_name)
            except LoketError as err:
                raise click.ClickException(err.message()) from None
        finally:
            db.close()
        click.echo(f"Pengguna {name} ({role}) ditambahkan.")

    @app.cli.command("add-kiosk")
    @click.argument("name")
    @click.option(
        "--printer",
        "printer_url",
        default="",
        help="tcp://HOST:9100, usb://VENDOR:PRODUCT, serial:///dev/ttyS0, file://…, cups://QUEUE, dummy",
    )
    @click.option("--location", default="")
    @click.option("--profile", default="", help="python-escpos printer profile, e.g. TM-T82")
    @click.option("--qr", "qr_mode", type=click.Choice(["native", "image"]), default="native")
    @click.option("--pair", "pair_again", is_flag=True, help="Issue a new kiosk key even if the kiosk is paired (the old PC stops issuing)")
    @click.option("--url", "base_url", default="http://127.0.0.1:5000", help="The server's address as the kiosk PC reaches it")
    def add_kiosk_command(name, printer_url, location, profile, qr_mode, pair_again, base_url):
        """Register a kiosk (or update the one with this name) and its printer; a new kiosk gets its pairing key."""
        from kiosk import service as kiosk_service
        from loket.errors import LoketError

        db = connect(app.config["DATABASE"])
        try:
            init_schema(db)
            try:
                kiosk, created = kiosk_service.save_kiosk(db, name, printer_url, location, profile, qr_mode)
                key = None
                if pair_again or not kiosk["key_hash"]:
                    kiosk, key = kiosk_service.pair_kiosk(db, kiosk["name"], app.config["CLOCK"]())
            except LoketError as err:
                raise click.ClickException(err.message()) from None
        finally:
            db.close()
        verb = "ditambahkan" if created else "diperbarui"
        click.echo(f"Kios {kiosk['name']} {verb}.")
        if key:
            click.echo(f"Pasangkan PC kios: buka sekali {kiosk_service.pair_url(base_url.rstrip('/'), kiosk['name'], key)}")
            click.echo(f"Kunci kios (header X-Kiosk-Key): {key}")
        else:
            click.echo(f"Kios sudah dipasangkan; layar kios di /kiosk/?kiosk={kiosk['name']} (--pair untuk kunci baru)")
        click.echo(f"Kunci agen cetak (USB/serial): python -m kiosk.agent --kiosk {kiosk['name']} --key {kiosk['agent_key']} …")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Loket queue server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--db", default=None, help="SQLite file (default: $LOKET_DB or instance/loket.db)")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo MPP into an empty database")
    parser.add_argument("--threading", action="store_true", help="OS threads and Werkzeug instead of gevent (for comparison only)")
    parser.add_argument(
        "--idle-timeout", type=float, default=None, help="seconds an idle keep-alive HTTP connection stays open (default 75)"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = {"DATABASE": args.db} if args.db else {}
    config["ASYNC_MODE"] = "threading" if args.threading else "gevent"
    app = create_app(config)
    logins = prepare_database(app, with_demo=not args.no_demo)
    _print_logins(logins, app.config["DATABASE"], f"http://{args.host}:{args.port}")
    db = connect(app.config["DATABASE"])
    try:
        has_users = db.execute("SELECT count(*) FROM users").fetchone()[0] > 0
    finally:
        db.close()
    if os.environ.get("LOKET_NOTIFY_SENDER", "1") != "0":  # 0: a second process on the same database sends nothing
        app.extensions["loket_sender"].start()
    if not has_users:
        click.echo("Belum ada pengguna. Buat admin: flask --app server add-user admin --role admin --password-stdin")
    click.echo(f"Loket berjalan di http://{args.host}:{args.port}/")
    if args.threading:
        realtime.socketio.run(
            app,
            host=args.host,
            port=args.port,
            allow_unsafe_werkzeug=True,
            use_reloader=False,
            log_output=False,
            request_handler=QuietRequestHandler,
        )
    else:
        from loket import serve

        serve.run(app, args.host, args.port, args.idle_timeout or serve.IDLE_SECONDS)


if __name__ == "__main__":
    main()
