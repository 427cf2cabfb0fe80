"""Visits partitioned by month on PostgreSQL (plain on SQLite), migration 0005: a visit
lands in its month's partition, the compliance of a period reads only its months, the
client's UUID stays unique through the key table whatever the time a copy carries, and the
three foreign keys pointing at visits hold (composite on PostgreSQL, with the copy of the
visit's time checked present on both databases)."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from conftest import VILLAGE
from yiwang.areas.models import Area
from yiwang.core import partitions
from yiwang.core.reporting import Period
from yiwang.core.tasks import make_partitions_ahead
from yiwang.outreach.models import ScheduledVisit, Visit, VisitKey, VisitPhoto
from yiwang.outreach.selectors import compliance
from yiwang.outreach.services import schedule

from .test_visits import make_household, visit

pytestmark = pytest.mark.django_db

TABLE = "outreach_visit"
POSTGRESQL = connection.vendor == "postgresql"
TRIGGERS = {
    "outreach_visit_keys_insert",
    "outreach_visit_keys_delete",
    "outreach_visit_keys_update",
}


def stored_in(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def raw_visit(worker, household, at, key=None) -> Visit:
    """A visit written around the service, as the demo's bulk load and raw SQL do."""
    return Visit.objects.create(
        uuid=key or uuid.uuid4(),
        household=household,
        visitor=worker,
        visited_at=at,
        area_code=household.area_code,
    )


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if POSTGRESQL:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        return {row[0] for row in cursor.fetchall()}


def test_visits_are_partitioned_by_month_on_postgresql_and_plain_on_sqlite(worker):
    household = make_household()
    stored, _created = visit(worker, household)
    assert triggers() >= TRIGGERS
    if POSTGRESQL:
        assert (TABLE, "visited_at") in partitions.monthly_tables()
        year, month = partitions.month_of(stored.visited_at)
        assert stored_in(stored.pk) == partitions.partition_name(TABLE, year, month)
        # The nightly task makes the months ahead of visits too.
        later = partitions.month_bounds(year + 3, month)[0]
        made = partitions.ensure_months(ahead=0, now=later)
        assert partitions.partition_name(TABLE, year + 3, month) in made
    else:
        assert not partitions.is_partitioned(TABLE)
        assert make_partitions_ahead.call_local() == []


def test_the_same_uuid_is_stored_once_whatever_the_time_of_the_copy(worker, chief):
    household = make_household()
    key = uuid.uuid4()
    now = timezone.now()
    first, created = visit(worker, household, key=key, visited_at=now - datetime.timedelta(days=1))
    assert created
    # The copy sent later carries another time (another day, maybe another month): the
    # stored visit answers, nothing is written.
    again, created = visit(worker, household, key=key, visited_at=now)
    assert (again.pk, created) == (first.pk, False)
    assert Visit.objects.filter(uuid=key).count() == 1
    # Someone else's UUID is refused, not answered.
    with pytest.raises(ValidationError):
        visit(chief, household, key=key, visited_at=now)
    # Around the service, the database refuses the second copy itself, also one of another
    # month (in another partition on PostgreSQL).
    for moment in (now, now - datetime.timedelta(days=45), first.visited_at):
        with pytest.raises(IntegrityError), transaction.atomic():
            raw_visit(worker, household, moment, key=key)
    assert Visit.objects.filter(uuid=key).count() == 1
    assert list(VisitKey.objects.filter(uuid=key).values_list("visited_at", flat=True)) == [
        first.visited_at
    ]


def test_the_key_table_follows_the_visits(worker):
    household = make_household()
    stored = raw_visit(worker, household, timezone.now())
    other = raw_visit(worker, household, timezone.now())
    assert VisitKey.objects.get(uuid=stored.uuid).visited_at == stored.visited_at
    # Re-dated into another month (another partition on PostgreSQL): the key follows.
    moved = stored.visited_at - datetime.timedelta(days=40)
    Visit.objects.filter(pk=stored.pk).update(visited_at=moved)
    assert VisitKey.objects.get(uuid=stored.uuid).visited_at == moved
    new_key = uuid.uuid4()
    Visit.objects.filter(pk=stored.pk).update(uuid=new_key)
    assert set(VisitKey.objects.values_list("uuid", flat=True)) == {new_key, other.uuid}
    # A UUID changed into another visit's is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=stored.pk).update(uuid=other.uuid)
    Visit.objects.filter(pk=stored.pk).delete()
    assert set(VisitKey.objects.values_list("uuid", flat=True)) == {other.uuid}
    # Every visit has its key, and no key is left without its visit.
    assert set(VisitKey.objects.values_list("uuid", "visited_at")) == set(
        Visit.objects.values_list("uuid", "visited_at")
    )


def test_the_tables_pointing_at_a_visit_keep_its_time_and_the_keys_hold(worker):
    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    stored, _created = visit(worker, household)
    done = list(ScheduledVisit.objects.filter(visit=stored))
    assert done and {row.visit_at for row in done} == {stored.visited_at}
    photo = VisitPhoto.objects.create(
        visit=stored,
        visit_at=stored.visited_at,
        file="visits/a.jpg",
        thumbnail="visits/a_t.jpg",
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
    )
    # Naming a visit without its time is refused on both databases.
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledVisit.objects.filter(pk=done[0].pk).update(visit_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitPhoto.objects.filter(pk=photo.pk).update(visit_at=None)
    if not POSTGRESQL:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE confrelid = %s::regclass ORDER BY 1",
            [TABLE],
        )
        keys = dict(cursor.fetchall())
    assert set(keys) == {"outreach_scheduledvisit", "outreach_visitphoto", "points_entry"}
    for definition in keys.values():
        assert definition.startswith(
            "FOREIGN KEY (visit_id, visit_at) REFERENCES outreach_visit(id, visited_at) "
            "ON UPDATE CASCADE"
        )
    # A time that is not the visit's names no visit: refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledVisit.objects.filter(pk=done[0].pk).update(
            visit_at=stored.visited_at + datetime.timedelta(seconds=1)
        )
        connection.check_constraints()  # the deferred key, checked now
    # The copies follow the visit, also into another month's partition.
    moved = stored.visited_at - datetime.timedelta(days=40)
    Visit.objects.filter(pk=stored.pk).update(visited_at=moved)
    photo.refresh_from_db()
    assert photo.visit_at == moved
    assert set(ScheduledVisit.objects.filter(visit=stored).values_list("visit_at", flat=True)) == {
        moved
    }


def test_a_visit_moved_out_of_the_default_partition_keeps_its_photo_schedule_and_key(worker):
    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    stored, _created = visit(worker, household)
    # Re-dated to a month not made yet (eight months ahead): the DEFAULT takes it.
    later = timezone.now() + datetime.timedelta(days=240)
    Visit.objects.filter(pk=stored.pk).update(visited_at=later)
    photo = VisitPhoto.objects.create(
        visit=stored,
        visit_at=later,
        file="visits/b.jpg",
        thumbnail="visits/b_t.jpg",
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
    )
    done = set(ScheduledVisit.objects.filter(visit=stored).values_list("pk", flat=True))
    assert done
    if POSTGRESQL:
        assert stored_in(stored.pk) == partitions.default_name(TABLE)
    made = partitions.ensure_months()
    # Nothing pointing at the visit was lost on the way (no CASCADE, no refusal).
    assert VisitPhoto.objects.filter(pk=photo.pk, visit=stored).exists()
    assert set(ScheduledVisit.objects.filter(visit=stored).values_list("pk", flat=True)) == done
    assert list(VisitKey.objects.filter(uuid=stored.uuid).values_list("visited_at", flat=True)) == [
        later
    ]
    if not POSTGRESQL:
        assert made == []
        return
    month = partitions.partition_name(TABLE, *partitions.month_of(later))
    assert month in made and stored_in(stored.pk) == month
    # The triggers are on again: a second copy of the UUID is still refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_visit(worker, household, timezone.now(), key=stored.uuid)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitPhoto.objects.filter(pk=photo.pk).update(visit_at=later + datetime.timedelta(1))
        connection.check_constraints()


def _partitions_read_by(sql: str) -> set[str]:
    names = set(partitions.partitions_of(TABLE))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {word for word in re.findall(r"\w+", plan) if word in names}


def test_the_compliance_of_a_period_reads_only_its_months_partitions(worker):
    household = make_household()
    year, month = partitions.month_of(timezone.now())
    low, high = partitions.month_bounds(year, month)
    before = partitions.add_months(year, month, -1)
    # A visit of this month, one of the month before and one two months back.
    for moment in (low + datetime.timedelta(hours=10), low - datetime.timedelta(days=3)):
        raw_visit(worker, household, moment)
    raw_visit(worker, household, low - datetime.timedelta(days=40))
    area = Area.objects.get(code=VILLAGE)
    this_month = Period.month_of(timezone.localdate(low))
    two_months = Period(timezone.localdate(low) - datetime.timedelta(days=5), this_month.last)
    for period, months, visits in (
        (this_month, [(year, month)], 1),
        (two_months, [before, (year, month)], 2),
    ):
        with CaptureQueriesContext(connection) as queries:
            rows = compliance.compliance_by_worker(area, period, today=this_month.last)
        [row] = [r for r in rows if r.user_id == worker.pk]
        assert row.visits == visits
        if not POSTGRESQL:
            continue
        [sql] = [q["sql"] for q in queries.captured_queries if f'"{TABLE}"' in q["sql"]]
        assert _partitions_read_by(sql) == {partitions.partition_name(TABLE, *m) for m in months}
    # The month's visits as a queryset, and all of a household's, which read every month.
    month_visits = Visit.objects.filter(visited_at__gte=low, visited_at__lt=high)
    if POSTGRESQL:
        assert partitions.partitions_read(month_visits) == {
            partitions.partition_name(TABLE, year, month)
        }
        assert len(partitions.partitions_read(Visit.objects.filter(household=household))) > 2
    else:
        assert partitions.partitions_read(month_visits) == set()


def test_a_uuid_of_an_archived_month_is_refused_with_a_reason(worker):
    household = make_household()
    stored, _created = visit(worker, household)
    # The month detached and archived: the visit gone from the table, its key kept.
    Visit.objects.filter(pk=stored.pk).delete()
    VisitKey.objects.create(uuid=stored.uuid, visited_at=stored.visited_at)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        visit(worker, household, key=stored.uuid)
    assert "archived month" in str(refused.value.message_dict["uuid"])
    assert not Visit.objects.filter(uuid=stored.uuid).exists()
