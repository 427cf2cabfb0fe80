"""The inbox's notifications, one row per event of every module, partitioned by month on
PostgreSQL (plain on SQLite): a notification lands in its month's partition, a person's
inbox over a month reads only that month, and marking it read keeps it where it is."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from yiwang.core import partitions
from yiwang.notices.models import Notification
from yiwang.notices.services import inbox

pytestmark = pytest.mark.django_db

TABLE = "notices_notification"
POSTGRESQL = connection.vendor == "postgresql"


def notify(user, at: datetime.datetime) -> Notification:
    return Notification.objects.create(
        kind="test.partition", recipient=user, text="路口垃圾已派给你", created_at=at
    )


def stored_in(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_notifications_are_partitioned_by_month_on_postgresql_and_plain_on_sqlite(worker):
    year, month = partitions.month_of(timezone.now())
    low, high = partitions.month_bounds(year, month)
    now = notify(worker, timezone.now())
    earlier = notify(worker, low - datetime.timedelta(days=20))
    later = notify(worker, high + datetime.timedelta(days=1))
    this_month = Notification.objects.for_user(worker).filter(
        created_at__gte=low, created_at__lt=high
    )
    assert list(this_month.values_list("pk", flat=True)) == [now.pk]
    assert Notification.objects.for_user(worker).count() == 3
    if POSTGRESQL:
        assert (TABLE, "created_at") in partitions.monthly_tables()
        assert stored_in(now.pk) == partitions.partition_name(TABLE, year, month)
        assert stored_in(later.pk) == partitions.partition_name(
            TABLE, *partitions.add_months(year, month, 1)
        )
        assert stored_in(earlier.pk) in {
            partitions.partition_name(TABLE, *partitions.add_months(year, month, -1)),
            partitions.default_name(TABLE),
        }
        assert partitions.partitions_read(this_month) == {
            partitions.partition_name(TABLE, year, month)
        }
    else:
        assert not partitions.is_partitioned(TABLE)
        assert partitions.partitions_read(this_month) == set()
    # Read through the service: the row is updated in place, in its month.
    assert inbox.mark_notification_read(actor=worker, notification_id=now.pk)
    now.refresh_from_db()
    assert now.read_at is not None
    if POSTGRESQL:
        assert stored_in(now.pk) == partitions.partition_name(TABLE, year, month)
