"""A volunteer's hours and star: the star from approved credit hours at 100 / 300 / 600 /
1,000 / 1,500 hours with the hours to the next; honour hours, pending and declined hours
kept apart; a period; one query (two with a period)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from yiwang.volunteering.models import HoursKind, HoursRecord, HoursStatus, TargetGroup
from yiwang.volunteering.selectors.hours import STAR_THRESHOLDS, star_of, volunteer_hours
from yiwang.volunteering.tests import certificate_rows as rows

pytestmark = pytest.mark.django_db


def test_the_star_thresholds_are_the_provinces_common_rule():
    assert [int(h) for h in STAR_THRESHOLDS] == [100, 300, 600, 1000, 1500]


@pytest.mark.parametrize(
    ("hours", "level", "to_next"),
    [
        ("0", 0, "100.00"),
        ("99.99", 0, "0.01"),
        ("100", 1, "200.00"),
        ("299.99", 1, "0.01"),
        ("300", 2, "300.00"),
        ("599.99", 2, "0.01"),
        ("600", 3, "400.00"),
        ("999.99", 3, "0.01"),
        ("1000", 4, "500.00"),
        ("1499.99", 4, "0.01"),
        ("1500", 5, None),
        ("4000", 5, None),
    ],
)
def test_it_gives_the_star_at_each_threshold(hours, level, to_next):
    star = star_of(Decimal(hours))
    assert star.level == level
    assert star.to_next == (Decimal(to_next) if to_next is not None else None)
    if level < 5:
        assert star.next_at == STAR_THRESHOLDS[level]


@pytest.fixture
def served(chief):
    """A volunteer with 99.99 approved credit hours over two activities, 50 approved
    honour hours, 8 pending and 30 declined."""
    volunteer = rows.resident_volunteer(chief)
    team = rows.team()
    old = rows.activity(chief, team, "敬老院打扫", day=rows.days_ago(100))
    recent = rows.activity(chief, team, "护学岗", TargetGroup.CHILDREN, day=rows.days_ago(5))
    honour = rows.activity(chief, team, "防汛值守", TargetGroup.PUBLIC, day=rows.days_ago(20))
    pending = rows.activity(chief, team, "关爱留守儿童", TargetGroup.CHILDREN, day=rows.days_ago(3))
    declined = rows.activity(chief, team, "村容整治", TargetGroup.PUBLIC, day=rows.days_ago(4))
    rows.hours(volunteer, old, "60")
    rows.hours(volunteer, recent, "39.99")
    rows.hours(volunteer, honour, "50", kind=HoursKind.HONOUR)
    rows.hours(volunteer, pending, "8", status=HoursStatus.PENDING)
    rows.hours(volunteer, declined, "30", kind=HoursKind.HONOUR, status=HoursStatus.DECLINED)
    return volunteer, team


def test_it_keeps_honour_pending_and_declined_hours_apart(served, django_assert_num_queries):
    volunteer, _team = served
    with django_assert_num_queries(1):
        found = volunteer_hours(volunteer)
    assert found.credit == Decimal("99.99")
    assert found.honour == Decimal("50.00")
    assert found.pending == Decimal("8.00")
    # 149.99 approved hours, but only the credit hours count: no star yet.
    assert found.approved == Decimal("149.99")
    assert found.star.level == 0
    assert found.star.to_next == Decimal("0.01")


def test_the_next_approved_credit_hour_gives_the_first_star(served, chief):
    volunteer, team = served
    rows.hours(volunteer, rows.activity(chief, team, "理发义诊", day=rows.days_ago(1)), "0.01")
    assert volunteer_hours(volunteer.pk).star.level == 1


def test_a_period_counts_its_own_hours_and_the_star_counts_all(served, django_assert_num_queries):
    volunteer, _team = served
    with django_assert_num_queries(2):
        found = volunteer_hours(volunteer, rows.days_ago(30), rows.days_ago(0))
    assert found.credit == Decimal("39.99")
    assert found.honour == Decimal("50.00")
    assert found.pending == Decimal("8.00")
    assert found.star.to_next == Decimal("0.01")  # of all 99.99 credit hours
    before = volunteer_hours(volunteer, last_day=rows.days_ago(30))
    assert (before.credit, before.honour, before.pending) == (Decimal("60.00"), 0, 0)


def test_a_volunteer_without_hours_has_nothing(chief):
    found = volunteer_hours(rows.staff_volunteer(chief))
    assert (found.credit, found.honour, found.pending, found.star.level) == (0, 0, 0, 0)
    assert found.star.to_next == Decimal("100.00")


def test_the_hours_are_read_from_the_volunteers_range_of_an_index(served):
    """The sums of a volunteer's hours read one range of an index on the volunteer, never
    the table: `volunteering_hours_person` (covering on SQLite; on PostgreSQL with
    sequential scans off, as a table of a year's hours would choose). The foreign key has
    no index of its own: this one starts with it."""
    volunteer, _team = served
    query = (
        HoursRecord.objects.filter(
            volunteer_id=volunteer.pk, status__in=(HoursStatus.APPROVED, HoursStatus.PENDING)
        )
        .order_by()
        .values_list("status", "kind")
        .annotate(total=Sum("hours"))
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
        assert "volunteering_hours_person" in plan and f"(volunteer_id = {volunteer.pk})" in plan
        assert "Seq Scan" not in plan
    else:
        plan = query.explain()
        assert "COVERING INDEX volunteering_hours_person" in plan
