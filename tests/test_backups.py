"""The restore drill: the database (the area tree, the personas, a household and a visit to
it: on PostgreSQL a partitioned table, its key table kept by triggers) and the
uploaded files backed up, restored into an empty database and an empty folder, and every
table the same, rows and checksum; a restore into a database that has tables, or into a
folder that has files, refused with nothing changed. On the suite's database: SQLite's
online backup API, or pg_dump and pg_restore into a scratch database on the same server."""

import json
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from conftest import UNIT
from yiwang.core import backups
from yiwang.outreach.services.visits import record_visit
from yiwang.registry.models import Household
from yiwang.registry.services import add_resident, create_household

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    (root / "visits" / "2026").mkdir(parents=True)
    (root / "visits" / "2026" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def source(tree, chief, tmp_path):
    """The suite's database with a household, as a Target: the file of a copy on SQLite
    (the suite's own is in memory), the database itself on PostgreSQL."""
    household = create_household(actor=None, unit_code=UNIT, number="901", address="备份街 1 号")
    add_resident(actor=None, household_id=household.pk, name="王备份", relation="head")
    record_visit(
        actor=chief,
        uuid=uuid.uuid4(),
        household_id=household.pk,
        visited_at=timezone.now(),
        outcome="all_well",
    )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        path = tmp_path / "source.sqlite3"
        copy = sqlite3.connect(str(path))
        connection.connection.backup(copy)
        copy.close()
        return backups.Target({**connection.settings_dict, "NAME": str(path)})
    return backups.Target(dict(connection.settings_dict))


@pytest.fixture
def empty(source, tmp_path):
    """An empty database of the same kind: a new file, or a scratch PostgreSQL database."""
    if source.vendor == "sqlite":
        yield backups.Target({**source.settings, "NAME": str(tmp_path / "restored.sqlite3")})
        return
    import psycopg

    name = f"restore_drill_{uuid.uuid4().hex[:8]}"
    admin = backups.Target({**source.settings, "NAME": "postgres"}).connect()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield backups.Target({**source.settings, "NAME": name})
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        assert psycopg  # the driver the PostgreSQL suite runs on


def test_a_backup_restored_into_an_empty_database_gives_every_table_back(
    source, empty, media, tmp_path
):
    made = backups.backup(tmp_path / "backups", source)
    manifest = backups.read_manifest(made)
    assert manifest["vendor"] == source.vendor and manifest["media_files"] == 1
    tables = manifest["tables"]
    assert tables["registry_household"]["rows"] == Household.objects.count() >= 1
    assert tables["areas_area"]["rows"] > 10

    restored_media = tmp_path / "restored-media"
    found = backups.restore(made, empty, media_root=restored_media)
    assert found["tables"] == len(tables)
    assert backups.fingerprint(empty) == tables
    assert (restored_media / "visits" / "2026" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"

    # A restore over what is there now is refused, and changes nothing.
    before = backups.fingerprint(empty)
    with pytest.raises(backups.BackupError, match="already has"):
        backups.restore(made, empty, media_root=tmp_path / "other-media")
    assert backups.fingerprint(empty) == before
    assert not (tmp_path / "other-media").exists()


def test_a_restore_into_a_folder_with_files_is_refused(source, empty, media, tmp_path):
    made = backups.backup(tmp_path / "backups", source)
    with pytest.raises(backups.BackupError, match="already holds files"):
        backups.restore(made, empty, media_root=media)
    # The database was left as it was: still empty.
    if empty.vendor == "sqlite":
        assert not Path(empty.settings["NAME"]).exists()
    else:
        assert backups.fingerprint(empty) == {}


def test_a_changed_backup_is_found_out(source, empty, media, tmp_path):
    made = backups.backup(tmp_path / "backups", source)
    manifest = backups.read_manifest(made)
    manifest["tables"]["registry_household"]["rows"] += 1
    (made / backups.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backups.BackupError, match="registry_household"):
        backups.restore(made, empty, media_root=tmp_path / "restored-media")


def test_the_commands_refuse_the_running_database_and_a_folder_that_is_no_backup(
    source, media, tmp_path
):
    made = backups.backup(tmp_path / "backups", source)
    # The suite's own database has its tables (or, on SQLite, lives in memory).
    with pytest.raises(CommandError, match="Refused: the database"):
        call_command("restore", str(made))
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path))


# --- with the files in object storage -----------------------------------------------------


def _bucket(s3_server):
    """A new, empty bucket of the S3 server and the storage that writes into it."""
    from storages.backends.s3 import S3Storage

    from conftest import S3_KEY, _s3_client
    from yiwang.core.storage import s3_backend

    name = f"yiwang-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-restored-{uuid.uuid4().hex[:8]}".lower()
    _s3_client(s3_server).create_bucket(Bucket=name)
    options = s3_backend(bucket=name, endpoint_url=s3_server, access_key=S3_KEY, secret_key=S3_KEY)[
        "OPTIONS"
    ]
    return S3Storage(**options)


def test_the_files_of_the_bucket_are_backed_up_and_restored_into_an_empty_bucket(
    source, empty, object_storage, s3_server, tmp_path
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("visits/2026/12/photo.jpg", ContentFile(b"\xff\xd8 a photo"))
    default_storage.save("exports/7-report.xlsx", ContentFile(b"PK a sheet"))
    default_storage.save("top.txt", ContentFile(b"at the top"))

    made = backups.backup(tmp_path / "backups", source)
    manifest = backups.read_manifest(made)
    assert manifest["media_files"] == 3 and manifest["media_from"] == "object storage"

    restored = _bucket(s3_server)
    found = backups.restore(made, empty, store=restored)
    assert found["media_files"] == 3
    assert backups.fingerprint(empty) == manifest["tables"]
    assert restored.open("visits/2026/12/photo.jpg").read() == b"\xff\xd8 a photo"
    assert restored.open("exports/7-report.xlsx").read() == b"PK a sheet"
    assert restored.open("top.txt").read() == b"at the top"


def test_a_restore_into_a_bucket_with_files_is_refused(source, empty, object_storage, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("visits/photo.jpg", ContentFile(b"\xff\xd8 a photo"))
    made = backups.backup(tmp_path / "backups", source)

    # The default storage (the bucket the backup came from) is not empty.
    with pytest.raises(backups.BackupError, match="bucket already holds files"):
        backups.restore(made, empty)
    if empty.vendor == "sqlite":
        assert not Path(empty.settings["NAME"]).exists()
    else:
        assert backups.fingerprint(empty) == {}
    assert default_storage.listdir("visits") == ([], ["photo.jpg"])
