"""The cases' timeline partitioned by month on PostgreSQL (plain on SQLite), and the one
foreign key pointing at it, from the attachments, kept whole: composite (event_id,
event_at) → (id, at) on PostgreSQL, with the check that the copy of the time is there
wherever an event is named, on both databases."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yiwang.cases.models import Attachment, CaseEvent
from yiwang.core import partitions

from .conftest import new_case
from .test_attachments import add, image_bytes, upload

pytestmark = pytest.mark.django_db

TABLE = "cases_caseevent"
POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored_in(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_timeline_is_partitioned_by_month_on_postgresql_and_plain_on_sqlite(tree):
    case = new_case(stage="dispatched")
    events = list(case.events.order_by("at", "id"))
    assert [e.kind for e in events][:1] == ["reported"]
    if POSTGRESQL:
        assert (TABLE, "at") in partitions.monthly_tables()
        month = partitions.partition_name(TABLE, *partitions.month_of(timezone.now()))
        assert {stored_in(e.pk) for e in events} == {month}
    else:
        assert not partitions.is_partitioned(TABLE)


def test_the_timeline_over_a_month_reads_only_that_months_partition(tree):
    case = new_case(stage="dispatched")
    year, month = partitions.month_of(timezone.now())
    low, high = partitions.month_bounds(year, month)
    # An entry of the month before and one of the month after, beside this month's.
    for moment in (low - datetime.timedelta(days=3), high + datetime.timedelta(days=3)):
        CaseEvent.objects.create(case=case, kind="reminded", at=moment)
    this_month = CaseEvent.objects.filter(case=case, at__gte=low, at__lt=high)
    assert set(this_month.values_list("kind", flat=True)) == {"reported", "accepted", "dispatched"}
    if POSTGRESQL:
        assert partitions.partitions_read(this_month) == {
            partitions.partition_name(TABLE, year, month)
        }
        assert len(partitions.partitions_read(case.events.all())) > 1
    else:
        assert partitions.partitions_read(this_month) == set()
    # A case's whole timeline, in order, whatever the months it spans.
    assert case.events.count() == 5


def test_an_attachment_keeps_its_entrys_time_and_the_key_holds(tree):
    case = new_case()
    [photo] = add(case, upload(image_bytes("JPEG")))
    event = CaseEvent.objects.get(pk=photo.event_id)
    assert photo.event_at == event.at
    # Naming an event without its time is refused on both databases.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.filter(pk=photo.pk).update(event_at=None)
    if POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                "'cases_attachment'::regclass AND confrelid = %s::regclass",
                [TABLE],
            )
            [definition] = [row[0] for row in cursor.fetchall()]
        assert definition.startswith(
            "FOREIGN KEY (event_id, event_at) REFERENCES cases_caseevent(id, at)"
        )
        # A time that is not the entry's names no entry: refused.
        with pytest.raises(IntegrityError), transaction.atomic():
            Attachment.objects.filter(pk=photo.pk).update(
                event_at=event.at + datetime.timedelta(seconds=1)
            )
            connection.check_constraints()  # the deferred key, checked now
        # The copy follows the entry, also into another month's partition.
        moved = event.at - datetime.timedelta(days=40)
        CaseEvent.objects.filter(pk=event.pk).update(at=moved)
        photo.refresh_from_db()
        assert photo.event_at == moved
    # The entry removed: the attachment stays, naming none (the model's SET_NULL).
    CaseEvent.objects.get(pk=event.pk).delete()
    photo.refresh_from_db()
    assert photo.event_id is None
    assert Attachment.objects.filter(case=case).count() == 1


def test_an_entry_moved_out_of_the_default_partition_keeps_its_attachment(tree):
    case = new_case()
    [photo] = add(case, upload(image_bytes("JPEG")))
    event_id = photo.event_id
    # The entry re-dated to a month not made yet (eight months ahead): the DEFAULT takes it.
    later = timezone.now() + datetime.timedelta(days=240)
    CaseEvent.objects.filter(pk=event_id).update(at=later)
    if POSTGRESQL:
        assert stored_in(event_id) == partitions.default_name(TABLE)
    made = partitions.ensure_months()
    photo.refresh_from_db()
    assert photo.event_id == event_id
    if not POSTGRESQL:
        assert made == []
        return
    month = partitions.partition_name(TABLE, *partitions.month_of(later))
    assert month in made and stored_in(event_id) == month
    assert photo.event_at == later
    # The key is back and holds: a time that names no entry is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.filter(pk=photo.pk).update(event_at=later + datetime.timedelta(1))
        connection.check_constraints()
