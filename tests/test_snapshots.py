"""The shared fixtures' snapshots (tests/snapshots.py) never copy a table that database
triggers write: restoring the rows that fire the triggers writes it again."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from tests.snapshots import SharedRows, _trigger_kept
from yiwang.duty.models import Roster

INSERT = re.compile(r"INSERT\s+INTO\s+\"?(\w+)\"?", re.IGNORECASE)


def _trigger_sources() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                " WHERE NOT t.tgisinternal"
            )
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_no_table_a_trigger_inserts_into_is_copied():
    sources = _trigger_sources()
    written = {table for source in sources for table in INSERT.findall(source)}
    models = {m._meta.db_table: m._meta for m in apps.get_models(include_auto_created=True)}
    trigger_written = {
        models[table].label_lower for table in written if table in models and models[table].managed
    }

    assert sources and written  # the tallies' triggers, at least
    assert "outreach.visitkey" in trigger_written  # a visit's UUID, written by triggers only
    assert trigger_written <= _trigger_kept(), trigger_written - _trigger_kept()


@pytest.mark.django_db
def test_a_time_of_day_is_written_back_as_it_was_built():
    """SQLite gives a TimeField's value back as datetime.time, which it cannot take as a
    parameter: the restore writes it in the database's own form."""
    shared, builds = SharedRows(), []
    today = timezone.localdate()

    def build():
        builds.append(1)
        return Roster.objects.create(
            area_code="370830",
            name="防汛值班",
            starts_on=today,
            ends_on=today,
            shift_start=datetime.time(8, 30),
        )

    built = shared.build_or_restore("roster", build)
    Roster.objects.all().delete()  # as the test's rollback would
    shared.begin_test()
    restored = shared.build_or_restore("roster", build)

    assert len(builds) == 1  # restored, not built again
    assert restored.pk == built.pk
    assert Roster.objects.get().shift_start == datetime.time(8, 30)
