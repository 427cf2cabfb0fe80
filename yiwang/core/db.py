"""Reading many rows without holding them all: `stream(queryset)`.

On PostgreSQL `QuerySet.iterator()` reads through a server-side cursor. Outside a
transaction Django declares it WITH HOLD and fetches from it in later statements, which
PgBouncer in transaction mode may send to another server connection, where the cursor does
not exist. Behind PgBouncer (DATABASE_POOLER) `stream` therefore runs the cursor inside a
transaction on the primary, so that every fetch goes where the cursor is. Elsewhere — the
replica (reached directly), PostgreSQL without a pooler, SQLite (where a transaction
would take the write lock for as long as the rows are read) — it is the plain iterator.
Every `.iterator()` of the project goes through here (tests/test_pooler.py checks it).

Inside that transaction, what the caller writes in its loop commits with the last row; a
caller that stops early closes the generator and rolls it back, so callers read to the
end.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet

CHUNK = 2000


def needs_transaction(alias: str) -> bool:
    return (
        bool(settings.DATABASE_POOLER)
        and connections[alias].vendor == "postgresql"
        and (alias == "default")
    )


def stream(queryset: QuerySet, chunk_size: int = CHUNK) -> Iterator:
    # The database is chosen once: the cursor and its transaction on the same one.
    alias = queryset.db
    queryset = queryset.using(alias)
    if not needs_transaction(alias):
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    with transaction.atomic(using=alias):
        yield from queryset.iterator(chunk_size=chunk_size)
