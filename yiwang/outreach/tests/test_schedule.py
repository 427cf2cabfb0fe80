"""The schedule engine over time, with a frozen clock: what a periodic rule produces over
a year, idempotent reruns, the pairings' schedule, households a rule no longer covers."""

import datetime
import uuid

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.outreach.models import ScheduledVisit, Visit
from yiwang.outreach.services import schedule
from yiwang.outreach.services import visits as services
from yiwang.outreach.tasks import schedule_visits

from .test_visits import make_household, pair


def _a_monday_weeks_ahead() -> datetime.date:
    """The Monday of the week four weeks from today: 22 to 28 days ahead, so that the tree
    and the personas' posts (made today) come before every day these tests travel to,
    the pairings' start 20 days before START included."""
    ahead = timezone.localdate() + datetime.timedelta(weeks=4)
    return ahead - datetime.timedelta(days=ahead.weekday())


# A Monday well after the personas' posts start (they start on the real today).
START = datetime.datetime.combine(
    _a_monday_weeks_ahead(),
    datetime.time(9, 30),
    tzinfo=datetime.timezone(datetime.timedelta(hours=8)),
)


def _open(household, code=None):
    rows = ScheduledVisit.objects.filter(household=household, status="scheduled")
    return rows.filter(rule__code=code) if code else rows


def test_a_weekly_rule_visited_whenever_due_makes_53_visits_in_a_year(worker, tree):
    with time_machine.travel(START, tick=False) as traveller:
        household = make_household(tags=["elderly_alone"])
        end = START.date() + datetime.timedelta(days=364)
        day = START.date()
        while day <= end:
            traveller.move_to(START + datetime.timedelta(days=(day - START.date()).days))
            schedule.schedule_rules()  # the nightly task, every day
            [row] = _open(household, "elderly_alone_weekly")
            if row.due_on <= day:
                services.record_visit(
                    actor=worker,
                    uuid=uuid.uuid4(),
                    household_id=household.pk,
                    visited_at=timezone.now(),
                    outcome="all_well",
                )
            day += datetime.timedelta(days=1)

    visits = Visit.objects.filter(household=household)
    assert visits.count() == 53
    done = ScheduledVisit.objects.filter(household=household, rule__code="elderly_alone_weekly")
    assert done.filter(status="done").count() == 53
    assert done.filter(status="scheduled").count() == 1
    # Each on the day it was due: every seven days.
    days = sorted(timezone.localdate(v) for v in visits.values_list("visited_at", flat=True))
    assert {(b - a).days for a, b in zip(days, days[1:], strict=False)} == {7}


def test_a_household_never_visited_is_due_today_and_from_its_last_visit_otherwise(worker, tree):
    with time_machine.travel(START, tick=False) as traveller:
        never = make_household(number="001", tags=["dibao"])
        visited = make_household(number="002", tags=["dibao"])
        Visit.objects.create(
            household=visited,
            visitor=worker,
            visited_at=START - datetime.timedelta(days=10),
            area_code=visited.area_code,
        )
        traveller.move_to(START + datetime.timedelta(hours=1))
        result = schedule.schedule_rules()

    assert result["scheduled"] >= 2
    assert _open(never, "dibao_monthly").get().due_on == START.date()
    assert _open(visited, "dibao_monthly").get().due_on == START.date() + datetime.timedelta(
        days=20
    )


def test_rerunning_creates_nothing_new(tree):
    households = [make_household(number=f"{i:03d}", tags=["elderly_alone"]) for i in range(3)]
    first = schedule.schedule_rules()
    count = ScheduledVisit.objects.count()
    again = schedule.schedule_rules()

    # elderly_alone: weekly; ordinary households: half-yearly (no tag makes them key).
    assert first["scheduled"] == count == 6
    assert again == {"scheduled": 0, "closed": 0}
    assert ScheduledVisit.objects.count() == count
    assert {h.pk for h in households} == set(
        ScheduledVisit.objects.values_list("household", flat=True)
    )


def test_it_is_set_based_whatever_the_number_of_households(tree):
    """The same number of queries for 2 households as for 12: none per household."""

    def queries(n, start):
        for i in range(n):
            make_household(number=f"{start + i:03d}", tags=["elderly_alone"])
        with CaptureQueriesContext(connection) as captured:
            schedule.schedule_rules()
        ScheduledVisit.objects.all().delete()
        return len(captured)

    assert queries(2, 0) == queries(12, 100)


def test_it_schedules_under_an_area_only(tree):
    from conftest import OTHER_UNIT, UNIT

    here = make_household(unit=UNIT, tags=["elderly_alone"])
    there = make_household(unit=OTHER_UNIT, tags=["elderly_alone"])
    schedule.schedule_rules(area_code=UNIT)
    assert _open(here).exists() and not _open(there).exists()


def test_a_household_no_longer_covered_has_its_row_closed(tree):
    from yiwang.registry.services import set_tags

    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    head = household.residents.get()
    set_tags(actor=None, resident_id=head.pk, tags=[])
    schedule.schedule_rules()

    row = ScheduledVisit.objects.get(household=household, rule__code="elderly_alone_weekly")
    assert (row.status, row.skip_reason) == ("skipped", schedule.NO_LONGER_DUE)


def test_a_switched_off_rule_closes_its_rows(tree):
    from yiwang.outreach.models import VisitRule

    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    VisitRule.objects.filter(code="elderly_alone_weekly").update(is_active=False)
    schedule.schedule_rules()
    assert not _open(household, "elderly_alone_weekly").exists()


def test_a_resident_who_moved_out_no_longer_makes_the_household_due(tree):
    from yiwang.registry.models import Resident

    household = make_household(tags=["elderly_alone"])
    Resident.objects.filter(household=household).update(status="moved_out")
    schedule.schedule_rules()
    assert not _open(household, "elderly_alone_weekly").exists()


def test_pairings_are_scheduled_from_their_start_or_the_last_visit(worker, chief, tree):
    with time_machine.travel(START, tick=False):
        fresh = make_household(number="001")
        seen = make_household(number="002")
        Visit.objects.create(
            household=seen,
            visitor=worker,
            visited_at=START - datetime.timedelta(days=2),
            area_code=seen.area_code,
        )
        early = START.date() - datetime.timedelta(days=20)
        a = pair("cadre_key_households", chief, fresh, starts_on=early)
        b = pair("cadre_key_households", chief, seen, starts_on=early)

        assert schedule.schedule_pairings([a.pk, b.pk]) == 2
        assert schedule.schedule_pairings([a.pk, b.pk]) == 0

    assert ScheduledVisit.objects.get(pairing=a).due_on == early + datetime.timedelta(days=30)
    assert ScheduledVisit.objects.get(pairing=b).due_on == START.date() + datetime.timedelta(
        days=28
    )


def test_cancelling_an_ended_pairings_schedule_closes_its_open_row(chief, tree):
    household = make_household()
    pairing = pair("cadre_key_households", chief, household)
    schedule.schedule_pairings([pairing.pk])
    assert schedule.cancel_pairing_schedule([pairing.pk]) == 1
    row = ScheduledVisit.objects.get(pairing=pairing)
    assert (row.status, row.skip_reason) == ("skipped", schedule.PAIRING_ENDED)
    assert schedule.cancel_pairing_schedule([pairing.pk]) == 0
    assert schedule.cancel_pairing_schedule([]) == 0


def test_an_ended_pairing_is_not_scheduled(chief, tree):
    household = make_household()
    pairing = pair(
        "cadre_key_households",
        chief,
        household,
        starts_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    pairing.ends_on = timezone.localdate()
    pairing.save()
    assert schedule.schedule_pairings([pairing.pk]) == 0


def test_the_nightly_task_runs_the_rules_and_the_pairings_that_started(chief, tree):
    household = make_household(tags=["elderly_alone"])
    later = pair(
        "cadre_key_households",
        chief,
        household,
        starts_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert schedule.schedule_pairings([later.pk]) == 0  # not current yet
    result = schedule_visits.call_local()
    assert (result["scheduled"], result["pairings"]) == (2, 0)
    assert _open(household).count() == 2

    # A timedelta: an aware destination in UTC would also set the process's TZ to UTC.
    with time_machine.travel(datetime.timedelta(days=1)):
        result = schedule_visits.call_local()
    assert (result["scheduled"], result["pairings"]) == (0, 1)
    assert ScheduledVisit.objects.filter(pairing=later, status="scheduled").count() == 1
