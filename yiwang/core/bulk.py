"""Loading many rows fast: one prepared INSERT run over all of them (executemany), with
no model instances. For the demo builder and the importers' bulk paths, where Django's
bulk_create spends most of its time preparing values one object at a time."""

from __future__ import annotations

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
