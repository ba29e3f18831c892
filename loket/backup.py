"""Backups that restore: the database (SQLite's online backup), the complaint photos and the secret key.

A backup is one folder, `DIR/<UTC time>/`, written under a `.partial-` name and renamed when
complete, so a folder with a name is always whole. Everything in it is 0600 (the database holds
password hashes and complainants' contacts). The database copy is a single self-contained file
(journal_mode=DELETE): no -wal beside it to lose or to mix up.

A restore refuses while a server holds the database (the server's lock, below), moves the old
database *with* its -wal and -shm aside, and only then puts the copy in place: a stale WAL next to
a restored database is what SQLite replays onto it ("database disk image is malformed").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .db import connect

log = logging.getLogger(__name__)

DATABASE_FILE = "loket.db"
PHOTOS_DIR = "complaint-photos"
SECRET_FILE = "secret_key"
MANIFEST = "manifest.json"
SIDECARS = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# ---------------------------------------------------------------- the server's lock


def lock_path(database: str | Path) -> Path:
    return Path(f"{database}.server-lock")


def hold_server_lock(database: str | Path) -> int | None:
    """A shared lock every server process holds on `<db>.server-lock` while it runs (several
    processes on one database share it); a restore needs it exclusively. Returns the descriptor
    (kept open: closing it, or the process dying, releases the lock)."""
    try:
        fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a read-only folder: nothing can be restored over it anyway
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def release_server_lock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def no_server_running(database: str | Path):
    """Hold the database exclusively; refuse when a server (or another restore) has it."""
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"Server Loket masih berjalan pada {database}: hentikan dulu (systemctl stop loket loket-litestream)."
            ) from None
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------- backup


def _private_copy(source: Path, target: Path) -> None:
    with source.open("rb") as src, os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def snapshots(folder: Path) -> list[Path]:
    """Complete backups in a folder, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists())


def backup(database: str | Path, photos: Path, secret_key: str, folder: Path, keep: int = 0) -> Path:
    """Write one complete backup into `folder` and return it; keep the newest `keep` (0: all)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    partial = folder / f".partial-{name}"
    partial.mkdir(mode=0o700)
    target = partial / DATABASE_FILE
    started = time.monotonic()
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = connect(database)
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot while the server keeps writing;
        # a whole copy at once (pages=-1) holds one read snapshot for a fraction of a second.
        source.conn.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal to lose
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {t: copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("tickets", "complaints", "users")}
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        shutil.rmtree(partial)
        raise BackupError(f"Salinan basis data rusak: {verdict}")
    photo_names = _copy_photos(photos, partial / PHOTOS_DIR, previous=(snapshots(folder) or [None])[-1])
    with os.fdopen(os.open(partial / SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(secret_key)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": str(database),
        "sha256": _sha256(target),
        "counts": counts,
        "photos": len(photo_names),
        "seconds": round(time.monotonic() - started, 3),
    }
    with os.fdopen(os.open(partial / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    _fsync_dir(partial)
    final = folder / name
    partial.rename(final)
    _fsync_dir(folder)
    if keep > 0:
        for old in snapshots(folder)[:-keep]:
            shutil.rmtree(old)
    log.info("backup %s: %s tickets, %s photos, %.2f s", final, counts["tickets"], len(photo_names), manifest["seconds"])
    return final


def _copy_photos(source: Path, target: Path, previous: Path | None) -> list[str]:
    """Photos never change once written (random names): one already in the previous backup is
    linked, not copied again, so a nightly backup costs only the day's new photos."""
    target.mkdir(mode=0o700)
    if not source.is_dir():
        return []
    names = sorted(p.name for p in source.iterdir() if p.is_file())
    for name in names:
        earlier = previous / PHOTOS_DIR / name if previous else None
        if earlier is not None and earlier.exists():
            try:
                os.link(earlier, target / name)
                continue
            except OSError:
                pass
        _private_copy(source / name, target / name)
    return names


# ---------------------------------------------------------------- restore


@dataclass
class Restored:
    snapshot: Path
    moved_aside: Path | None
    seconds: float
    counts: dict


def resolve(path: Path) -> Path:
    """A backup folder itself, or the folder of backups (then its newest complete one)."""
    if (path / MANIFEST).exists():
        return path
    found = snapshots(path)
    if not found:
        raise BackupError(f"Tidak ada cadangan lengkap di {path}.")
    return found[-1]


def restore(source: Path, database: str | Path, photos: Path, secret_path: Path | None) -> Restored:
    """Put a backup in place of the database (never while a server has it) with its photos and key."""
    started = time.monotonic()
    snapshot = resolve(source)
    manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    copy = snapshot / DATABASE_FILE
    if _sha256(copy) != manifest["sha256"]:
        raise BackupError(f"{copy} tidak sama dengan saat dicadangkan (sha256 berbeda).")
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with no_server_running(database):
        staged = database.with_name(f".{database.name}.restoring")
        staged.unlink(missing_ok=True)
        _private_copy(copy, staged)
        check = sqlite3.connect(staged)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if verdict != "ok":
            staged.unlink()
            raise BackupError(f"Cadangan {copy} rusak: {verdict}")
        aside = _move_aside(database)
        os.replace(staged, database)
        _fsync_dir(database.parent)
    _restore_photos(snapshot / PHOTOS_DIR, photos)
    if secret_path is not None and (snapshot / SECRET_FILE).exists():
        secret_path.unlink(missing_ok=True)
        _private_copy(snapshot / SECRET_FILE, secret_path)
    seconds = time.monotonic() - started
    log.info("restored %s into %s in %.2f s (old files: %s)", snapshot, database, seconds, aside)
    return Restored(snapshot, aside, seconds, manifest["counts"])


def _move_aside(database: Path) -> Path | None:
    """The old database goes aside together with its -wal and -shm: never a WAL beside the wrong database."""
    present = [Path(f"{database}{s}") for s in ("", *SIDECARS) if Path(f"{database}{s}").exists()]
    if not present:
        return None
    aside = database.parent / f"before-restore-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"
    aside.mkdir(mode=0o700)
    # The sidecars first: a crash half-way leaves no WAL beside a database it does not belong to.
    for path in sorted(present, key=lambda p: p == database):
        path.rename(aside / path.name)
    return aside


def _restore_photos(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True, mode=0o750)
    for photo in source.iterdir():
        if not (target / photo.name).exists():
            _private_copy(photo, target / photo.name)
