"""The shared fixtures' snapshots (tests/snapshots.py) never copy a table that database
triggers write: restoring the rows that fire the triggers writes it again."""

import re

import pytest
from django.apps import apps
from django.db import connection

from tests.snapshots import _trigger_kept

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
