"""The migration that moves the cases' notices into the one inbox (cases 0011): the database
is taken back to before it, notices are written in the old table, and forward again they
are notifications with the same ids, their kind prefixed, about their case, nothing else
changed; new notifications take ids after them; the old table is gone. Backwards, they go
back to the old table. Run on SQLite and PostgreSQL alike (TEST_DATABASE_URL)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conftest import TOWN, VILLAGE
from yiwang.cases.models import Department
from yiwang.notices.models import Notification

from .conftest import new_case

BEFORE = [("cases", "0010_short_tracking_codes")]
AFTER = [("cases", "0011_notices_to_notifications")]

pytestmark = pytest.mark.django_db(transaction=True)

# The columns of a notice and of a notification that carry the same values.
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


def _migrate(targets):
    """Migrates to `targets`; answers the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.fixture
def before(tree):
    """The database before the migration (and at the latest one again afterwards)."""
    try:
        yield _migrate(BEFORE)
    finally:
        _latest()


@pytest.fixture
def world(tree, chief):
    """Cases and a department, made by the services of today, before going back."""
    roads = Department.objects.create(code="roads", name="县交通运输局", area_code="370830")
    return {"cases": [new_case(), new_case()], "roads": roads, "chief": chief}


def _old_notices(apps, world) -> list:
    Notice = apps.get_model("cases", "Notice")
    first, second = world["cases"]
    then = timezone.now() - datetime.timedelta(days=3)
    return [
        Notice.objects.create(
            case_id=first.pk,
            kind="overdue",
            area_code=VILLAGE,
            level="village",
            text="案件逾期，已上报镇街",
            created_at=then,
        ),
        Notice.objects.create(
            case_id=first.pk,
            kind="escalated",
            area_code=TOWN,
            level="town",
            text="案件已转由您处理",
            created_at=then,
            read_at=then + datetime.timedelta(hours=2),
        ),
        Notice.objects.create(
            case_id=second.pk,
            kind="dispatched",
            department_id=world["roads"].pk,
            level="department",
            text="案件已派给交通运输局",
            created_at=then + datetime.timedelta(minutes=1),
        ),
        Notice.objects.create(
            case_id=second.pk,
            kind="merged_in",
            recipient_id=world["chief"].pk,
            to_reporter=True,
            text="另一上报已并入您的案件",
            created_at=then + datetime.timedelta(minutes=2),
        ),
    ]


def _row(obj, *extra) -> tuple:
    return tuple(getattr(obj, name) for name in (*SHARED, *extra))


def test_the_notices_become_notifications_with_their_ids(world, before):
    old = _old_notices(before, world)
    expected = {n.pk: (f"case.{n.kind}", "cases.case", n.case_id, *_row(n)) for n in old}
    assert "cases_notice" in _tables()

    after = _migrate(AFTER)

    moved = after.get_model("notices", "Notification").objects.all()
    assert {n.pk: (n.kind, n.object_type, n.object_id, *_row(n)) for n in moved} == expected
    assert "cases_notice" not in _tables()
    # The id sequence goes on after the ids copied (PostgreSQL's was reset).
    new = Notification.objects.create(kind="case.reminder", area_code=VILLAGE, text="新提醒")
    assert new.pk > max(expected)
    # Read through the inbox as any notification: the village's two, one of them unread.
    chief = world["chief"]
    mine = Notification.objects.for_user(chief)
    assert {n.pk for n in mine} == {old[0].pk, old[3].pk, new.pk}
    assert set(mine.unread().values_list("kind", flat=True)) == {
        "case.overdue",
        "case.merged_in",
        "case.reminder",
    }
    assert list(Notification.objects.about(world["cases"][1]).order_by("id")) == [
        Notification.objects.get(pk=old[2].pk),
        Notification.objects.get(pk=old[3].pk),
    ]


def test_taken_ids_give_new_ids(world, before):
    """A notification already written with one of the notices' ids: the notices are copied
    with new ids, none lost, the other one left alone."""
    old = _old_notices(before, world)
    Notification.objects.create(
        pk=old[0].pk, kind="other.thing", recipient=world["chief"], text="别的模块的通知"
    )

    _migrate(AFTER)

    assert Notification.objects.get(pk=old[0].pk).kind == "other.thing"
    copied = Notification.objects.filter(object_type="cases.case").order_by("id")
    assert [n.text for n in copied] == [n.text for n in old]
    assert min(n.pk for n in copied) > old[0].pk


def test_backwards_the_notices_go_back(world, before):
    old = _old_notices(before, world)
    _migrate(AFTER)
    other = Notification.objects.create(
        kind="other.thing", recipient=world["chief"], text="别的模块的通知"
    )

    apps = _migrate(BEFORE)

    Notice = apps.get_model("cases", "Notice")
    assert {n.pk: (n.kind, n.case_id, *_row(n)) for n in Notice.objects.all()} == {
        n.pk: (n.kind, n.case_id, *_row(n)) for n in old
    }
    assert list(Notification.objects.values_list("pk", flat=True)) == [other.pk]
    # And forward once more, the same rows again.
    _migrate(AFTER)
    assert Notification.objects.filter(object_type="cases.case").count() == len(old)
