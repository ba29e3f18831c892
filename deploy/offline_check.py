"""CI (`make dist-check`, .ci/run): install the offline archive with the network cut and serve from it.

    python deploy/offline_check.py dist        # the newest dist/loket-*.tar.gz

The archive's install.sh runs in a network namespace of its own (`unshare -rn`: not even loopback),
so any download — pip without --no-index, npm — fails; where unshare is not allowed, pip is pointed
at a dead proxy instead. Then the installed `loket serve` (from the new virtualenv, outside the
source tree) must answer /api/health, serve the front-end libraries, a kiosk page, issue a ticket
and take a backup.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def network_cut() -> list[str]:
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn"]
    return []


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    archive = max(folder.glob("loket-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    work = Path(tempfile.mkdtemp(prefix="loket-offline-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        (unpacked,) = [p for p in work.iterdir() if p.is_dir()]
        prefix = work / "opt-loket"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "PREFIX": str(prefix), "NO_SYSTEM": "1", "PYTHON": sys.executable}
        cut = network_cut()
        if not cut:  # no namespace here: every download goes to a port where nothing listens
            env |= {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "PIP_NO_INDEX": "1"}
        started = time.monotonic()
        subprocess.run([*cut, "sh", str(unpacked / "install.sh")], env=env, check=True, timeout=900)
        how = "cut (unshare -rn)" if cut else "proxied to nowhere"
        print(f"installed from {archive.name} in {time.monotonic() - started:.0f} s, network {how}")  # noqa: T201
        loket = prefix / ".venv" / "bin" / "loket"
        where = subprocess.run(
            [str(prefix / ".venv" / "bin" / "python"), "-c", "import server, loket.db; print(server.__file__); print(loket.db.SCHEMA)"],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert all(str(prefix) in w or w.startswith(str(prefix)) for w in where), where
        port = free_port()
        run_env = {**env, "LOKET_DB": str(work / "var" / "loket.db"), "LOKET_NODE_MODULES": str(prefix / "node_modules")}
        with (work / "server.log").open("wb") as log:
            command = [str(loket), "serve", "--port", str(port)]
            server = subprocess.Popen(command, cwd=work, env=run_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(base + "/api/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the installed server did not start:\n" + (work / "server.log").read_text())
                time.sleep(0.2)
            for path in ("/vendor/socket.io.esm.min.js", "/vendor/chart.umd.js", "/kiosk/", "/display/", "/static/loket.js"):
                status = requests.get(base + path, timeout=10).status_code
                assert status == 200, (path, status)
            issued = requests.post(base + "/api/tickets", json={"service_id": 1}, timeout=10)
            assert issued.status_code == 201, issued.text
            # its page, with the script it carries inline (read from the installed package's files)
            page = requests.get(base + "/t/" + issued.json()["token"], timeout=10)
            assert page.status_code == 200 and "loketEarlySocket" in page.text, (page.status_code, page.text[:300])
        finally:
            server.terminate()
            server.wait(15)
        backup = subprocess.run([str(loket), "backup", str(work / "backups")], cwd=work, env=run_env, capture_output=True, text=True)
        assert backup.returncode == 0, backup.stderr
        print(f"offline install OK: served /api/health, the vendor files, /kiosk/, a ticket and its page, and a backup from {prefix}")  # noqa: T201
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
