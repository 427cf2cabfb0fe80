"""The help requests' clock: the due day in working days from acceptance across the
National Day 2025 and the Spring Festival 2026 (worked out by hand below and checked
against the chinese-calendar package), a year not known yet counted by weekends and
marked provisional, and the hourly sweep: one reminder on the due day, one level raised a
round (the town, then the county), each level notified once, late for good, a second run
silent."""

import datetime

import chinese_calendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import COUNTY, TOWN, UNIT
from yiwang.core import workdays
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification
from yiwang.services.models import EscalationLevel, HelpRequest
from yiwang.services.services import help as services
from yiwang.services.tests.rows import MARRIAGE, REISSUE, accepted, all_materials, item, local, take

pytestmark = pytest.mark.django_db
D = datetime.date

# National Day 2025: Wed 1 – Wed 8 October off, Sun 28 September and Sat 11 October worked
# (调休). Accepted Tue 2025-09-30: Thu 10-09 (1), Fri 10-10 (2), Sat 10-11 (3, 调休),
# Mon 10-13 … Fri 10-17 (4–8), Mon 10-20 … Fri 10-24 (9–13), Mon 10-27 … Fri 10-31
# (14–18), Mon 11-03 (19), Tue 11-04 (20).
# Spring Festival 2026: Mon 16 – Mon 23 February off, Sat 14 and Sat 28 February worked.
# Accepted Fri 2026-02-13: Sat 02-14 (1, 调休), Tue 02-24 (2) … Fri 02-27 (5), Sat 02-28
# (6, 调休), Mon 03-02 … Fri 03-06 (7–11), Mon 03-09 … Fri 03-13 (12–16), Mon 03-16 …
# Thu 03-19 (17–20).
# New Year 2026: Thu 1 – Sat 3 January off, Sun 4 January worked. Accepted Tue 2025-12-30:
# Wed 12-31 (1), Sun 01-04 (2, 调休), Mon 01-05 (3) …
CASES = [
    (local(2025, 9, 30), REISSUE, D(2025, 11, 4)),
    (local(2025, 9, 30), MARRIAGE, D(2025, 10, 9)),
    (local(2026, 2, 13), MARRIAGE, D(2026, 2, 14)),
    (local(2026, 2, 13), REISSUE, D(2026, 3, 19)),
    (local(2025, 12, 30), MARRIAGE, D(2025, 12, 31)),
    (local(2025, 12, 30), "pension-enrolment", None),
]


def by_package(start: datetime.date, days: int) -> datetime.date:
    """The due day counted on the chinese-calendar package itself."""
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            days -= 1
    return day


@pytest.mark.parametrize(("at", "code", "due"), CASES)
def test_the_due_day_counts_working_days_across_the_holidays(worker, at, code, due):
    row = accepted(worker, code=code, at=at)
    row.refresh_from_db()
    assert row.accepted_on == at.date()
    assert row.due_on == by_package(at.date(), item(code).time_limit_days)
    if due is not None:
        assert row.due_on == due
    assert row.clock_provisional is False
    assert row.number.startswith(f"BD{at:%Y%m%d}")


def test_a_year_not_known_yet_is_counted_by_weekends_and_marked_provisional(worker):
    """Accepted on a Tuesday of a year after the package's last (from March, and not
    before today: the worker's post has begun): the due day counted by the weekly rule
    (20 working days: four weeks), marked provisional."""
    year = max(workdays.package_years()) + 1
    start = max(D(year, 3, 3), timezone.localdate() + datetime.timedelta(days=1))
    assert not workdays.calendar().knows(start.year)
    while start.weekday() != 1:  # a Tuesday
        start += datetime.timedelta(days=1)
    with time_machine.travel(local(start.year, start.month, start.day, 11), tick=False):
        row = accepted(worker, code=REISSUE)
    row.refresh_from_db()
    assert row.accepted_on == start
    assert row.due_on == start + datetime.timedelta(days=28)
    assert row.clock_provisional is True


# --- the sweep --------------------------------------------------------------------------


def _notices(row, kind):
    return list(
        Notification.objects.filter(kind=kind, object_id=row.pk)
        .order_by("id")
        .values_list("area_code", "level", "recipient_id")
    )


def _sweep(day: datetime.date, hour: int = 9):
    return services.sweep_help_clock(local(day.year, day.month, day.day, hour))


def test_the_sweep_reminds_once_and_escalates_one_level_at_a_time(worker):
    row = accepted(worker, code=REISSUE, at=local(2025, 9, 30))
    due = D(2025, 11, 4)
    assert row.due_on == due
    # The day before: nothing.
    assert _sweep(D(2025, 11, 3)) == {"reminded": 0, "escalated": 0}
    # The due day: the handler reminded, once whatever the rounds.
    assert _sweep(due) == {"reminded": 1, "escalated": 0}
    assert _sweep(due, 10) == {"reminded": 0, "escalated": 0}
    assert _notices(row, services.NOTICE_DUE) == [("", "", worker.pk)]
    row.refresh_from_db()
    assert row.reminded_on == due and not row.is_late
    # The day after: late for good, raised to the town's admins, once.
    assert _sweep(D(2025, 11, 5)) == {"reminded": 0, "escalated": 1}
    assert _sweep(D(2025, 11, 5), 10) == {"reminded": 0, "escalated": 0}
    row.refresh_from_db()
    assert row.is_late and row.escalation_level == EscalationLevel.TOWN
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, "town", None)]
    # Two working days late: still the town.
    assert _sweep(D(2025, 11, 6)) == {"reminded": 0, "escalated": 0}
    # Three working days late (Fri 11-07): the county's admins, once.
    assert _sweep(D(2025, 11, 7)) == {"reminded": 0, "escalated": 1}
    assert _sweep(D(2025, 11, 7), 10) == {"reminded": 0, "escalated": 0}
    assert _sweep(D(2025, 12, 1)) == {"reminded": 0, "escalated": 0}
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.COUNTY
    assert _notices(row, services.NOTICE_ESCALATED) == [
        (TOWN, "town", None),
        (COUNTY, "county", None),
    ]
    actions = list(
        AuditEntry.objects.filter(object_id=str(row.pk), action__startswith="services_help.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "services_help.remind",
        "services_help.escalate",
        "services_help.escalate",
    ]
    # Delivered afterwards: it stays late.
    services.advance(actor=worker, request_id=row.pk, step="processing")
    done = services.advance(actor=worker, request_id=row.pk, step="delivered")
    assert done.is_late is True


def test_a_request_found_long_overdue_climbs_one_level_a_round(worker):
    row = accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    assert _sweep(D(2025, 12, 1)) == {"reminded": 0, "escalated": 1}
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.TOWN and row.is_late
    assert _sweep(D(2025, 12, 1), 10) == {"reminded": 0, "escalated": 1}
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.COUNTY
    assert _sweep(D(2025, 12, 1), 11) == {"reminded": 0, "escalated": 0}
    assert len(_notices(row, services.NOTICE_ESCALATED)) == 2
    assert _notices(row, services.NOTICE_DUE) == []  # its due day was never swept


def test_delivered_in_time_is_never_swept(worker):
    row = accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    services.advance(actor=worker, request_id=row.pk, step="processing", at=local(2025, 10, 9))
    done = services.advance(
        actor=worker, request_id=row.pk, step="delivered", at=local(2025, 10, 9, 15)
    )
    assert done.delivered_on == D(2025, 10, 9) and done.is_late is False
    assert _sweep(D(2025, 10, 9)) == {"reminded": 0, "escalated": 0}
    assert _sweep(D(2025, 12, 1)) == {"reminded": 0, "escalated": 0}
    assert not Notification.objects.filter(object_id=row.pk).exists()


def test_delivered_after_the_due_day_is_late(worker):
    row = accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    services.advance(actor=worker, request_id=row.pk, step="processing", at=local(2025, 10, 9))
    done = services.advance(
        actor=worker, request_id=row.pk, step="delivered", at=local(2025, 10, 10)
    )
    assert done.is_late is True
    assert HelpRequest.objects.get(pk=row.pk).area_code == UNIT


def test_the_task_runs_the_sweep(worker):
    from yiwang.services.tasks import sweep_help_requests

    accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    counts = sweep_help_requests.call_local()
    assert counts == {"reminded": 0, "escalated": 1}
    assert AuditEntry.objects.filter(action="services_help.escalate", source="task").exists()


def test_the_notices_reach_their_readers_and_every_action_is_labelled(worker, outsider):
    from yiwang.core import audit
    from yiwang.notices import kinds

    row = accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    _sweep(D(2025, 10, 9))
    notice = Notification.objects.get(kind=services.NOTICE_DUE, object_id=row.pk)
    assert Notification.objects.for_user(worker).filter(pk=notice.pk).exists()
    assert not Notification.objects.for_user(outsider).filter(pk=notice.pk).exists()
    for key in (services.NOTICE_DUE, services.NOTICE_ESCALATED):
        kind = kinds.get(key)
        assert kind is not None and kind.module == "services"
        url, title = kind.links(worker, [row.pk])[row.pk]
        assert title == row.number and str(row.pk) in url
        assert kind.links(outsider, [row.pk]) == {}
    actions = set(
        AuditEntry.objects.filter(action__startswith="services_").values_list("action", flat=True)
    )
    assert actions >= {"services_help.take", "services_help.accepted", "services_help.remind"}
    for action in actions:
        assert audit.action_label(action) != action


# --- the wait at 委托 -----------------------------------------------------------------------
# Taken Tue 2025-09-30, its materials never arrive: Thu 10-09 (1), Fri 10-10 (2), Sat 10-11
# (3, 调休): its taker reminded; Mon 10-13 (4), Tue 10-14 (5), Wed 10-15 (6): the town told.


def _texts(row, kind):
    return list(
        Notification.objects.filter(kind=kind, object_id=row.pk).values_list("text", flat=True)
    )


def test_a_request_left_at_entrusted_is_reminded_once_then_raised_to_the_town_once(worker):
    row = take(worker, code=REISSUE, materials=[], at=local(2025, 9, 30))
    assert row.step == "entrusted" and row.due_on is None
    assert _sweep(D(2025, 10, 10)) == {"reminded": 0, "escalated": 0}
    assert _sweep(D(2025, 10, 11)) == {"reminded": 1, "escalated": 0}
    assert _sweep(D(2025, 10, 11), 10) == {"reminded": 0, "escalated": 0}
    assert _notices(row, services.NOTICE_DUE) == [("", "", worker.pk)]
    [reminder] = _texts(row, services.NOTICE_DUE)
    assert row.number in reminder and "2025-09-30" in reminder and "3" in reminder
    assert _sweep(D(2025, 10, 14)) == {"reminded": 0, "escalated": 0}
    assert _sweep(D(2025, 10, 15)) == {"reminded": 0, "escalated": 1}
    assert _sweep(D(2025, 10, 15), 10) == {"reminded": 0, "escalated": 0}
    assert _sweep(D(2025, 12, 1)) == {"reminded": 0, "escalated": 0}  # never the county
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, "town", None)]
    [raised] = _texts(row, services.NOTICE_ESCALATED)
    assert row.number in raised and "6" in raised
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.TOWN and not row.is_late
    # The materials arrive and it is accepted: the due day's clock starts at the station.
    for material in all_materials(row.item):
        services.receive_material(actor=worker, request_id=row.pk, material_id=material["material"])
    services.advance(actor=worker, request_id=row.pk, step="accepted", at=local(2025, 10, 16))
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.STATION and row.reminded_on is None
    assert row.due_on is not None
    assert _sweep(D(2025, 10, 17)) == {"reminded": 0, "escalated": 0}


def test_the_wait_at_entrusted_is_a_setting(worker, settings):
    settings.SERVICES_ENTRUSTED_REMIND_DAYS = 1
    row = take(worker, code=MARRIAGE, materials=[], at=local(2025, 9, 30))
    assert _sweep(D(2025, 10, 9)) == {"reminded": 1, "escalated": 0}
    assert _sweep(D(2025, 10, 10)) == {"reminded": 0, "escalated": 1}
    assert _sweep(D(2025, 10, 10), 10) == {"reminded": 0, "escalated": 0}
    assert len(_notices(row, services.NOTICE_ESCALATED)) == 1


def test_a_request_accepted_in_time_is_not_reminded_of_its_materials(worker):
    accepted(worker, code=REISSUE, at=local(2025, 9, 30))
    assert _sweep(D(2025, 10, 15)) == {"reminded": 0, "escalated": 0}


def _swept_queries(day) -> int:
    with CaptureQueriesContext(connection) as queries:
        _sweep(day, 10)
    return len(queries)


def test_the_sweep_builds_the_calendar_once_not_once_a_row(worker):
    """Overdue requests already at their level are read, not written: the round's queries
    do not grow with their number (the calendar built once a round)."""
    accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))  # due Thu 10-09
    assert _sweep(D(2025, 10, 10)) == {"reminded": 0, "escalated": 1}
    one = _swept_queries(D(2025, 10, 10))
    for _n in range(4):
        accepted(worker, code=MARRIAGE, at=local(2025, 9, 30))
    assert _sweep(D(2025, 10, 10)) == {"reminded": 0, "escalated": 4}
    assert HelpRequest.objects.filter(escalation_level=EscalationLevel.TOWN).count() == 5
    assert _swept_queries(D(2025, 10, 10)) == one
