"""Backups and their restore: the database and the uploaded files, checked table by table.

A backup is a directory holding `database.dump` (PostgreSQL's `pg_dump` custom format) or
`database.sqlite3` (SQLite's online backup API: a consistent copy while the platform
runs), `media.tar.gz` (the uploaded files: those under MEDIA_ROOT, or every object of the
bucket when the files live in object storage, read through the storage) and
`manifest.json`: when and from what it was taken, and for every table its number of rows
and a checksum of its rows (the sum of their SHA-256 digests, so that it does not depend
on their order).

A restore goes into an empty database only (no tables at all: a fresh database, before
`migrate`), and into an empty MEDIA_ROOT or an empty bucket; it is refused otherwise, and
nothing is changed. After it, every table's rows and checksum are read again and compared with the
manifest: a restore that does not give back what was backed up fails, naming the tables.

`Target` names a database by its Django settings (the `DATABASES` entry), so that the
restore drill can restore into another database than the one the platform runs on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone

from yiwang.core import storage

DUMP_PG = "database.dump"
DUMP_SQLITE = "database.sqlite3"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
MODULUS = 2**256


class BackupError(Exception):
    """A backup or a restore that cannot be done, with the reason for the operator."""


@dataclass(frozen=True)
class Target:
    """A database as Django's settings describe it: its engine, name and connection."""

    settings: dict

    @property
    def vendor(self) -> str:
        return "postgresql" if "postgresql" in self.settings["ENGINE"] else "sqlite"

    @classmethod
    def default(cls) -> Target:
        return cls(dict(settings.DATABASES["default"]))

    def pg_env(self) -> dict[str, str]:
        """libpq's environment for pg_dump and pg_restore (the password never on the
        command line)."""
        found = {
            "PGHOST": self.settings.get("HOST") or "",
            "PGPORT": str(self.settings.get("PORT") or ""),
            "PGUSER": self.settings.get("USER") or "",
            "PGPASSWORD": self.settings.get("PASSWORD") or "",
            "PGDATABASE": self.settings["NAME"],
        }
        return {**os.environ, **{k: v for k, v in found.items() if v}}

    def connect(self):
        """A DB-API connection of its own (never Django's), for reading the tables."""
        if self.vendor == "sqlite":
            return sqlite3.connect(str(self.settings["NAME"]))
        import psycopg

        return psycopg.connect(
            dbname=self.settings["NAME"],
            host=self.settings.get("HOST") or None,
            port=self.settings.get("PORT") or None,
            user=self.settings.get("USER") or None,
            password=self.settings.get("PASSWORD") or None,
            autocommit=True,
        )


def _tables(conn, vendor: str) -> list[str]:
    cursor = conn.cursor()
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(row[0] for row in cursor.fetchall())


def fingerprint(target: Target) -> dict[str, dict]:
    """{table: {"rows": n, "checksum": hex}} of every table of the database."""
    conn = target.connect()
    try:
        found = {}
        for table in _tables(conn, target.vendor):
            cursor = conn.cursor()
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — a table name read from the catalogue
            rows, total = 0, 0
            while batch := cursor.fetchmany(5000):
                for row in batch:
                    digest = hashlib.sha256(repr(tuple(row)).encode()).digest()
                    total = (total + int.from_bytes(digest, "big")) % MODULUS
                rows += len(batch)
            found[table] = {"rows": rows, "checksum": f"{total:064x}"}
        return found
    finally:
        conn.close()


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _object_store(store):
    """The object store the files are in (the given one, or the default storage when it
    is S3), or None for the files under MEDIA_ROOT."""
    if store is not None:
        return store
    return default_storage if storage.uses_object_storage() else None


def _walk(store, folder: str = ""):
    """Every file's name in the storage, through its API (listdir), in order."""
    folders, files = store.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _walk(store, f"{folder}/{sub}" if folder else sub)


def _gone(exc: Exception) -> bool:
    """The file is no longer there: the disk's FileNotFoundError, or the store's 404."""
    if isinstance(exc, FileNotFoundError):
        return True
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
    return code in ("404", "NoSuchKey", "NotFound")


def _archive_store(store, archive: tarfile.TarFile) -> int:
    files = 0
    for name in _walk(store):
        # A file removed since it was listed (an expired export, a deleted photo) is not
        # backed up, and does not stop the backup.
        try:
            info = tarfile.TarInfo(name)
            info.size = store.size(name)
            info.mode = 0o644
            with store.open(name, "rb") as handle:
                archive.addfile(info, handle)
        except Exception as exc:
            if not _gone(exc):
                raise
            continue
        files += 1
    return files


def _archive_folder(media: Path, archive: tarfile.TarFile) -> int:
    files = 0
    if media.is_dir():
        for path in sorted(media.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=str(path.relative_to(media)))
                files += 1
    return files


def _refuse_unless_store_empty(store) -> None:
    try:
        folders, files = store.listdir("")
    except Exception as exc:
        raise BackupError(
            f"Refused: the object store cannot be listed ({type(exc).__name__}); nothing "
            "was changed."
        ) from None
    if folders or files:
        raise BackupError(
            "Refused: the bucket already holds files. Restore into an empty bucket; nothing "
            "was changed."
        )


def _restore_store(store, archive: tarfile.TarFile) -> None:
    for member in archive:
        if not member.isfile():
            continue
        name = member.name
        if name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"The backup holds a file outside the bucket: {name}")
        saved = store.save(name, File(archive.extractfile(member), name=name))
        if saved != name:
            raise BackupError(f"{name} was stored as {saved}: the bucket was not empty.")


def backup(directory: Path, target: Target | None = None, store=None) -> Path:
    """Backs up the database and the uploaded files (from `store`, an object storage, or
    the default storage when it is one; else from MEDIA_ROOT) into a new directory under
    `directory`; returns it."""
    target = target or Target.default()
    store = _object_store(store)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    out = Path(directory) / f"yiwang-{stamp}"
    if out.exists():
        raise BackupError(f"{out} exists already: wait a second and run it again.")
    out.mkdir(parents=True)
    try:
        if target.vendor == "postgresql":
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(out / DUMP_PG),
                ],
                env=target.pg_env(),
                check=True,
                capture_output=True,
            )
        else:
            source = sqlite3.connect(str(target.settings["NAME"]))
            copy = sqlite3.connect(str(out / DUMP_SQLITE))
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        with tarfile.open(out / MEDIA, "w:gz") as archive:
            if store is not None:
                files = _archive_store(store, archive)
            else:
                files = _archive_folder(_media_root(), archive)
        source = (
            Target({**target.settings, "NAME": str(out / DUMP_SQLITE)})
            if (target.vendor == "sqlite")
            else target
        )
        manifest = {
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "vendor": target.vendor,
            "media_files": files,
            "media_from": "object storage" if store is not None else "folder",
            "tables": fingerprint(source),
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(out, ignore_errors=True)
        raise BackupError(
            f"pg_dump failed: {exc.stderr.decode(errors='replace').strip()}"
        ) from None
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} holds no {MANIFEST}: not a backup made by `backup`.")
    return json.loads(path.read_text())


def _refuse_unless_empty(target: Target) -> None:
    name = str(target.settings["NAME"])
    if target.vendor == "sqlite" and (name.startswith("file:") or name == ":memory:"):
        raise BackupError("Refused: the database is in memory, not in a file; nothing was changed.")
    if target.vendor == "sqlite" and not Path(name).exists():
        return
    conn = target.connect()
    try:
        tables = _tables(conn, target.vendor)
    finally:
        conn.close()
    if tables:
        raise BackupError(
            f"Refused: the database {target.settings['NAME']} already has {len(tables)} "
            "tables. Restore into an empty database (create a new one, do not migrate it); "
            "nothing was changed."
        )


def restore(
    directory: Path, target: Target | None = None, media_root: Path | None = None, store=None
) -> dict:
    """Restores a backup into an empty database and an empty MEDIA_ROOT (or an empty
    object store: `store`, or the default storage when it is one), then compares every
    table with the manifest. Returns the manifest's figures."""
    directory = Path(directory)
    target = target or Target.default()
    media = Path(media_root or _media_root())
    store = _object_store(store) if media_root is None else store
    manifest = read_manifest(directory)
    if manifest["vendor"] != target.vendor:
        raise BackupError(
            f"Refused: the backup is of a {manifest['vendor']} database and the target is "
            f"{target.vendor}; nothing was changed."
        )
    _refuse_unless_empty(target)
    if store is not None:
        _refuse_unless_store_empty(store)
    elif media.is_dir() and any(media.iterdir()):
        raise BackupError(
            f"Refused: {media} already holds files. Restore into an empty folder; nothing "
            "was changed."
        )
    if target.vendor == "postgresql":
        try:
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--dbname",
                    target.settings["NAME"],
                    str(directory / DUMP_PG),
                ],
                env=target.pg_env(),
                check=True,
                capture_output=True,
            )
        except subprocess.CalledProcessError as exc:
            raise BackupError(
                f"pg_restore failed: {exc.stderr.decode(errors='replace').strip()}"
            ) from None
    else:
        source = sqlite3.connect(str(directory / DUMP_SQLITE))
        copy = sqlite3.connect(str(target.settings["NAME"]))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    with tarfile.open(directory / MEDIA, "r:gz") as archive:
        if store is not None:
            _restore_store(store, archive)
        else:
            media.mkdir(parents=True, exist_ok=True)
            archive.extractall(media, filter="data")
    found = fingerprint(target)
    wrong = sorted(
        table
        for table in set(found) | set(manifest["tables"])
        if found.get(table) != manifest["tables"].get(table)
    )
    if wrong:
        raise BackupError(
            "The restored database differs from the backup in "
            + ", ".join(wrong[:20])
            + (" …" if len(wrong) > 20 else "")
        )
    return {
        "tables": len(found),
        "rows": sum(t["rows"] for t in found.values()),
        "media_files": manifest["media_files"],
        "created_at": manifest["created_at"],
    }


def close_default() -> None:
    """Closes this process's connection to the default database (before a restore
    replaces it under Django's feet)."""
    connections["default"].close()
