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
