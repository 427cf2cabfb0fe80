"""Loading many rows fast: one prepared INSERT run over all of them (executemany), with
no model instances. For the demo builder and the importers' bulk paths, where Django's
bulk_create spends most of its time preparing values one object at a time. And the SQLite
settings of a connection while it writes much (`bulk_writing`)."""

from __future__ import annotations

import contextlib
import datetime
import decimal
from collections.abc import Iterable, Sequence

from django.db import connection, models

# COPY's text format: these characters of a value are written escaped, None as \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Values written as text here (a choice is a str or an int); any other (an adapter
# object, bytes) goes through psycopg.
_COPY_PLAIN = (str, int, float, type(None), datetime.date, decimal.Decimal)
_COPY_BATCH = 2000


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _copy(copy, rows: Iterable[Sequence]) -> None:
    """Writes `rows` into a COPY in its text format, a batch of lines at a time: psycopg's
    write_row adapts every value of every row on its own, which costs the deadline sweep
    a fifth of its time. A row with a value of another type goes through write_row."""
    lines: list[str] = []
    for row in rows:
        if all(isinstance(value, _COPY_PLAIN) for value in row):
            lines.append("\t".join(map(_copy_text, row)))
            if len(lines) >= _COPY_BATCH:
                copy.write("\n".join(lines) + "\n")
                lines.clear()
        else:
            if lines:
                copy.write("\n".join(lines) + "\n")
                lines.clear()
            copy.write_row(row)
    if lines:
        copy.write("\n".join(lines) + "\n")


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
                _copy(copy, rows)
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
