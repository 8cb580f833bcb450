"""`kizuna backup` and `kizuna restore` (docs/backup.md): one tar file holding a consistent
copy of the database and every attachment, with a manifest of sizes and sha256 digests.

The database is copied first, while the service runs: SQLite through its online backup API,
PostgreSQL with `pg_dump` in its custom format, each a snapshot of one moment. Attachments
are then copied as they are; they are stored by content and written before the row that
names them commits, so every file the snapshot names is there (files written later are
extra, and harmless). A restore checks the whole archive before it changes anything, writes
the attachments, and replaces the database last, in one step (SQLite's backup API, or
`pg_restore --single-transaction`): it ends with everything or changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from kizuna.tickets.models import Contact, Organization, Ticket

FORMAT = "kizuna-backup"
VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class BackupError(Exception):
    """What is wrong, in words for the person running the command."""


@dataclass(frozen=True)
class Summary:
    database: str
    files: int
    bytes: int


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


class _Hashing(io.RawIOBase):
    """A file read once: into the archive, and into its sha256 on the way."""

    def __init__(self, f) -> None:
        self.f, self.sha = f, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.f.readinto(buffer)
        self.sha.update(memoryview(buffer)[:n])
        return n


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> tuple[int, str]:
    """Add one file to the archive; its size and sha256 as written there."""
    with path.open("rb") as f:
        info = tar.gettarinfo(arcname=arcname, fileobj=f)
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return info.size, reader.sha.hexdigest()


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured PostgreSQL database (no password on a
    command line, where other users could read it)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} was not found: install PostgreSQL's client programs "
            "(Debian: postgresql-client) to back up or restore a PostgreSQL database."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(folder: Path) -> Path:
    if connection.vendor == "sqlite":
        target = folder / "kizuna.sqlite3"
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=60)
        copy = sqlite3.connect(target)
        try:
            # One step: the copy is the database as of one moment, writers wait briefly.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = folder / "kizuna.pgdump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            "pg_dump",
        )
        return target
    raise BackupError(f"Backing up a {connection.vendor} database is not supported.")


def _attachment_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and not name.endswith(".tmp"):
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def backup_write(out: Path) -> Summary:
    """Write the archive to `out` (through a temporary file beside it, renamed when complete:
    a backup that stops half-way never leaves a half archive under the name asked for)."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"--out {out}: is a directory; give a file name.")
    if not out.parent.is_dir():
        raise BackupError(f"--out {out}: the directory {out.parent} does not exist.")
    with tempfile.TemporaryDirectory(prefix=".kizuna-backup-", dir=out.parent) as tmp:
        database = _dump_database(Path(tmp))
        applied = sorted(MigrationRecorder.Migration.objects.values_list("app", "name"))
        partial = Path(tmp) / "archive.tar"
        files = []
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            db_name = f"database/{database.name}"
            size, sha = _add(tar, database, db_name)
            for name, path in _attachment_files():
                try:
                    size_f, sha_f = _add(tar, path, f"attachments/{name}")
                except FileNotFoundError:
                    continue  # removed meanwhile: no row of the snapshot can still name it
                files.append({"path": name, "size": size_f, "sha256": sha_f})
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "database": {
                    "vendor": connection.vendor,
                    "path": db_name,
                    "size": size,
                    "sha256": sha,
                },
                "migrations": [f"{app}.{name}" for app, name in applied],
                "attachments": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
    total = size + sum(f["size"] for f in files)
    return Summary(database=connection.vendor, files=len(files), bytes=total)


# --- Restore ----------------------------------------------------------------------------------


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError("This is not a Kizuna backup: it has no readable manifest.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a Kizuna backup: its manifest is of another format.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"This backup is of version {manifest.get('version')}; this Kizuna reads "
            f"version {VERSION}."
        )
    return manifest


def _verify(tar: tarfile.TarFile, manifest: dict) -> list[tuple[str, tarfile.TarInfo, dict]]:
    """Check every entry's size and digest against the manifest, reading the archive once;
    returns (name in the archive, member, manifest entry) of every file to restore."""
    database = manifest.get("database") or {}
    wanted = {database.get("path", ""): database}
    for entry in manifest.get("attachments") or []:
        wanted[f"attachments/{entry.get('path', '')}"] = entry
    members = {}
    for member in tar.getmembers():
        if member.name == MANIFEST:
            continue
        if not _safe(member.name) or not member.isfile():
            raise BackupError(f"The archive holds an entry that is not allowed: {member.name!r}.")
        members[member.name] = member
    checked = []
    for name, entry in wanted.items():
        if not _safe(name) or name not in members:
            raise BackupError(f"The archive is incomplete: {name or 'the database'} is missing.")
        sha = hashlib.sha256()
        size = 0
        stream = tar.extractfile(members[name])
        while chunk := stream.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
        if size != entry.get("size") or sha.hexdigest() != entry.get("sha256"):
            raise BackupError(
                f"The archive is damaged: {name} does not match its recorded size and sha256."
            )
        checked.append((name, members[name], entry))
    return checked


def installation_holds() -> dict[str, int]:
    """What this installation already holds (empty when nothing, or not even its tables)."""
    counts = {}
    try:
        for label, model in (
            ("tickets", Ticket),
            ("contacts", Contact),
            ("organizations", Organization),
            ("users", get_user_model()),
        ):
            n = model.objects.count()
            if n:
                counts[label] = n
    except DatabaseError:  # not migrated yet: nothing in it
        return {}
    return counts


def restore(archive: Path, *, force: bool = False) -> Summary:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    try:
        tar = tarfile.open(archive, "r:")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive}: not a readable backup ({exc}).") from None
    with tar:
        manifest = _read_manifest(tar)
        vendor = manifest["database"].get("vendor")
        if vendor != connection.vendor:
            raise BackupError(
                f"This backup holds a {vendor} database; this installation uses "
                f"{connection.vendor}. Restore it into an installation of the same kind."
            )
        entries = _verify(tar, manifest)
        held = installation_holds()
        if held and not force:
            listed = ", ".join(f"{n} {label}" for label, n in held.items())
            raise BackupError(
                f"This installation is not empty ({listed}). Restore into an empty one, or "
                "add --force to replace everything in it with the backup."
            )
        files = [
            (name, member, e) for name, member, e in entries if name.startswith("attachments/")
        ]
        _restore_attachments(tar, files)
        database = next(
            member for name, member, _e in entries if not name.startswith("attachments/")
        )
        _restore_database(tar, database)
    return Summary(
        database=vendor,
        files=len(files),
        bytes=sum(e["size"] for _n, _m, e in entries),
    )


def _restore_attachments(tar: tarfile.TarFile, files) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name, member, entry in files:
        target = root / PurePosixPath(name).relative_to("attachments")
        if target.is_file() and _digest(target) == (entry["size"], entry["sha256"]):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restore.tmp")
        with tar.extractfile(member) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)


def _restore_database(tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    home = Path(settings.KIZUNA_HOME)
    with tempfile.TemporaryDirectory(prefix=".kizuna-restore-", dir=home) as tmp:
        copy = Path(tmp) / PurePosixPath(member.name).name
        with tar.extractfile(member) as source, copy.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        connection.close()
        if connection.vendor == "sqlite":
            source = sqlite3.connect(copy)
            target = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=60)
            try:
                # Every page replaced in one step, under the database's own locks (the
                # write-ahead log included): readers see the old database or the new one.
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={settings.DATABASES['default']['NAME']}",
                    str(copy),
                ],
                "pg_restore",
            )
