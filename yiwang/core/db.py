"""Reading many rows without holding them all: `stream(queryset)`.

On PostgreSQL `QuerySet.iterator()` reads through a server-side cursor. Outside a
transaction Django declares it WITH HOLD and fetches from it in later statements, which
PgBouncer in transaction mode may send to another server connection, where the cursor does
not exist. `stream` runs the cursor inside a transaction on the database the rows are read
from (the replica's for a heavy read), so every fetch goes where the cursor is. Every
`.iterator()` of the project goes through here (tests/test_pooler.py checks it).

The transaction ends when the rows do: a caller that stops early closes the generator,
and what it wrote inside the loop is rolled back with it, so callers read to the end.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet

CHUNK = 2000


def stream(queryset: QuerySet, chunk_size: int = CHUNK) -> Iterator:
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)
