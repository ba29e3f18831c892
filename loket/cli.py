"""The `loket` command an install gets (pyproject.toml): `loket serve …` runs the server, every other
subcommand is the Flask CLI of server.py (`loket backup DIR`, `loket restore DIR`, `loket add-user …`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    serving = argv[:1] == ["serve"]
    if serving and "--threading" not in argv:
        # As in `python server.py`: gevent patches sockets and threads before anything else is imported.
        from gevent import monkey

        monkey.patch_all()
    import server

    if serving:
        server.main(argv[1:])
        return
    from flask.cli import FlaskGroup

    FlaskGroup(create_app=lambda: server.create_app(), help="Loket: `loket serve --help` for the server, below the commands.")(
        args=argv, prog_name="loket"
    )
