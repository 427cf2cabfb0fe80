"""The SQLite settings of a connection that writes much: set for the block, the
connection's own again after it, also when the block fails."""

import pytest
from django.db import connection

from yiwang.core.bulk import BULK_PRAGMAS, bulk_writing

pytestmark = pytest.mark.django_db


def _pragmas() -> dict:
    with connection.cursor() as cursor:
        values = {}
        for pragma in BULK_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
            values[pragma] = int(cursor.fetchone()[0])
        return values


def test_the_pragmas_hold_in_the_block_and_are_put_back():
    if connection.vendor != "sqlite":
        with bulk_writing():  # nothing to set on other databases, and nothing fails
            assert connection.vendor == "postgresql"
        return
    own = _pragmas()
    assert own != BULK_PRAGMAS

    with pytest.raises(RuntimeError), bulk_writing():
        assert _pragmas() == BULK_PRAGMAS
        raise RuntimeError("a failing batch")

    assert _pragmas() == own


def test_rows_go_in_as_they_are_whatever_their_characters():
    """insert_rows writes PostgreSQL's COPY text itself: tabs, line breaks, backslashes,
    NULLs, booleans, times and JSON come back out exactly; a value psycopg must adapt
    (a Jsonb) goes in beside them. On SQLite, one prepared INSERT."""
    import datetime
    import json

    from django.utils import timezone

    from yiwang.core.bulk import db_value, insert_rows
    from yiwang.core.models import AuditEntry, AuditSource

    at = timezone.now().replace(microsecond=123456)
    tricky = "a\tb\nc\r\\N \\. 路口\\x00垃圾 ' \" ,;"
    document = {"text": tricky, "when": "2026-11-28T09:00:00+08:00", "n": 1.5}
    fields = ("at", "actor", "actor_username", "source", "action", "object_type", "object_id")
    fields += ("object_repr", "area_code", "before", "after")
    rows = [
        # A choice (a str subclass) is written as its value.
        (
            at,
            None,
            tricky,
            AuditSource.TASK,
            "x.one",
            "t",
            "1",
            "",
            "370830",
            json.dumps(document),
            None,
        ),
        (at, None, "", "task", "x.two", "t", "2", tricky, "", None, json.dumps([1, "二"])),
        # A value as Django prepares it for the column, whatever its type on this database.
        (
            at,
            None,
            "",
            "task",
            "x.three",
            "t",
            "3",
            "",
            "",
            db_value(AuditEntry, "before", {}),
            None,
        ),
    ]

    insert_rows(AuditEntry, fields, rows)

    stored = {e.action: e for e in AuditEntry.objects.filter(action__startswith="x.")}
    assert stored["x.one"].actor_username == tricky and stored["x.two"].object_repr == tricky
    assert stored["x.one"].before == document and stored["x.one"].after is None
    assert stored["x.two"].after == [1, "二"] and stored["x.two"].before is None
    assert stored["x.three"].before == {}
    assert {e.at for e in stored.values()} == {at}
    assert isinstance(stored["x.one"].at, datetime.datetime)
    assert stored["x.one"].source == "task"
