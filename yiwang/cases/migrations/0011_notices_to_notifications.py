"""The notices of cases move to the one inbox, notices.Notification: every cases_notice row
is copied into notices_notification (the same id; its kind prefixed "case."; about the
case: object_type "cases.case", object_id the case's id; the department's id), then the
Notice model is deleted.

One INSERT … SELECT, the same SQL on SQLite and PostgreSQL; PostgreSQL's id sequence of
notices_notification is then set past the ids copied. Should a notification already hold
one of those ids (notifications written before this migration ran), the rows are copied
with new ids instead, in the same order.

Reversible: backwards, the table is made again and the notifications of the cases' kinds
go back to it (those whose case or department no longer exists are dropped, as the
table's foreign keys require), and are deleted from notices_notification."""

from django.core.management.color import no_style
from django.db import migrations

OBJECT_TYPE = "cases.case"
PREFIX = "case."
KINDS = ("dispatched", "reminder", "escalated", "overdue", "merged", "merged_in")
# The columns both tables share, with the same names.
SHARED = (
    "area_code",
    "level",
    "department_id",
    "recipient_id",
    "to_reporter",
    "text",
    "created_at",
    "read_at",
)


def _reset_sequence(schema_editor, model) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def _names(schema_editor, *models):
    quote = schema_editor.connection.ops.quote_name
    return [quote(model._meta.db_table) for model in models]


def forwards(apps, schema_editor):
    Notice = apps.get_model("cases", "Notice")
    Notification = apps.get_model("notices", "Notification")
    notice, notification = _names(schema_editor, Notice, Notification)
    shared = ", ".join(SHARED)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {notification} WHERE id IN (SELECT id FROM {notice})"
        )
        same_ids = cursor.fetchone()[0] == 0
        cursor.execute(
            f"INSERT INTO {notification}"
            f" ({'id, ' if same_ids else ''}kind, object_type, object_id, {shared})"
            f" SELECT {'id, ' if same_ids else ''}%s || kind, %s, case_id, {shared}"
            f" FROM {notice} ORDER BY id",
            [PREFIX, OBJECT_TYPE],
        )
    _reset_sequence(schema_editor, Notification)


def backwards(apps, schema_editor):
    Notice = apps.get_model("cases", "Notice")
    Notification = apps.get_model("notices", "Notification")
    Case = apps.get_model("cases", "Case")
    Department = apps.get_model("cases", "Department")
    notice, notification, case, department = _names(
        schema_editor, Notice, Notification, Case, Department
    )
    shared = ", ".join(SHARED)
    kinds = [PREFIX + kind for kind in KINDS]
    ours = f"object_type = %s AND kind IN ({', '.join(['%s'] * len(kinds))})"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {notice} (id, kind, case_id, {shared})"
            f" SELECT id, substr(kind, {len(PREFIX) + 1}), object_id, {shared}"
            f" FROM {notification} WHERE {ours}"
            f" AND object_id IN (SELECT id FROM {case})"
            f" AND (department_id IS NULL OR department_id IN (SELECT id FROM {department}))"
            " ORDER BY id",
            [OBJECT_TYPE, *kinds],
        )
        cursor.execute(f"DELETE FROM {notification} WHERE {ours}", [OBJECT_TYPE, *kinds])
    _reset_sequence(schema_editor, Notice)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_short_tracking_codes"),
        ("notices", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Notice"),
    ]
