"""Loading many rows fast: one prepared INSERT run over all of them (executemany), with
no model instances. For the demo builder and the importers' bulk paths, where Django's
bulk_create spends most of its time preparing values one object at a time. And the SQLite
settings of a connection while it writes much (`bulk_writing`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT `rows` (tuples in the order of `fields`, values already as the database
    takes them: see `db_value`) into the model's table. Runs in the caller's transaction."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: PostgreSQL's own bulk path, several times faster than INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))


def db_value(model: type[models.Model], field: str, value):
    """A value as the database takes it (dates, times and JSON need adapting on SQLite);
    compute it once for a value shared by many rows."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


# SQLite while a connection writes much (an import, the deadline sweep): a page cache that
# keeps the indexes of a large table in memory instead of reading them back for every
# batch (the default is 2 MB), and a write-ahead log copied into the database every
# 100,000 pages (≈400 MB) instead of every 1,000, so that a batch's commit does not wait
# for a checkpoint and pages that several batches touch are copied once.
BULK_PRAGMAS = {"cache_size": -192 * 1024, "wal_autocheckpoint": 100_000}


@contextlib.contextmanager
def bulk_writing():
    """BULK_PRAGMAS on this connection for the block, then the connection's own again.
    Nothing on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    before = {}
    with connection.cursor() as cursor:
        for pragma, value in BULK_PRAGMAS.items():
            cursor.execute(f"PRAGMA {pragma}")
            before[pragma] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {pragma} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in before.items():
                cursor.execute(f"PRAGMA {pragma} = {value}")
