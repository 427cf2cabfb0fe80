"""The enterprise request clock in working days across the National Day 2025 and the
Spring Festival 2026 (the package's days, worked out by hand below), the steps, the late
flags kept for good, and the sweep: one reminder on a stage's due day, one level raised
for each overdue stage, one notice a level, nothing twice when run again."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from conftest import COUNTY, TOWN
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification
from yiwang.projects.models import (
    EnterpriseRequest,
    EscalationLevel,
    Problem,
    RequestStatus,
)
from yiwang.projects.services import support as services
from yiwang.projects.tests.factories import make_project
from yiwang.projects.tests.support_rows import make_support, on
from yiwang.projects.workdays import UnknownCalendarYear

pytestmark = pytest.mark.django_db
D = datetime.date

# National Day 2025 (chinese-calendar): Wed 1 – Wed 8 October off (1–3 and 6–8 holidays,
# 4–5 the weekend), Sun 28 September and Sat 11 October worked (调休).
# Received Tue 2025-09-30, the working days after it are:
#   Thu 10-09 (1), Fri 10-10 (2), Sat 10-11 (3, 调休), Mon 10-13 (4) … Fri 10-17 (8),
#   Mon 10-20 (9) … Fri 10-24 (13), Mon 10-27 (14), Tue 10-28 (15),
#   Wed 10-29 (16) … Fri 10-31 (18), Mon 11-03 (19) … Fri 11-07 (23),
#   Mon 11-10 (24) … Fri 11-14 (28), Mon 11-17 (29), Tue 11-18 (30).
NATIONAL_DAY = {
    "received_on": D(2025, 9, 30),
    "verify_due": D(2025, 10, 9),  # 1 working day: the holiday skipped
    "reply_due": D(2025, 10, 11),  # 3: the 调休 Saturday counts
    "resolve_due": D(2025, 10, 28),  # 15
    "extended": D(2025, 11, 18),  # 30
}
# Spring Festival 2026: Mon 16 – Fri 20 and Mon 23 February off, Sat 14 and Sat 28 February
# worked (调休). Received Fri 2026-02-13: Sat 02-14 (1, 调休), Tue 02-24 (2), Wed 02-25 (3),
# Thu 02-26 (4), Fri 02-27 (5), Sat 02-28 (6, 调休), Mon 03-02 (7) … Fri 03-06 (11),
# Mon 03-09 (12) … Thu 03-12 (15).
SPRING_FESTIVAL = {
    "received_on": D(2026, 2, 13),
    "verify_due": D(2026, 2, 14),
    "reply_due": D(2026, 2, 25),
    "resolve_due": D(2026, 3, 12),
}


@pytest.fixture
def support(tree):
    return make_support()


def _receive(support, received_on, actor=None, **more):
    row, created = services.receive_request(
        actor,
        enterprise=support.enterprise.pk,
        kind="finance",
        text="流动资金贷款500万元，需协调银行授信。",
        department=support.department.pk,
        received_on=received_on,
        **more,
    )
    return row


def _notices(row, kind):
    return list(
        Notification.objects.filter(kind=kind, object_id=row.pk)
        .order_by("id")
        .values_list("area_code", "department_id")
    )


def test_the_clock_across_the_national_day(support):
    row = _receive(support, NATIONAL_DAY["received_on"])
    assert (row.verify_due, row.reply_due, row.resolve_due) == (
        NATIONAL_DAY["verify_due"],
        NATIONAL_DAY["reply_due"],
        NATIONAL_DAY["resolve_due"],
    )
    assert row.number == "QS2025-0001" and row.status == RequestStatus.RECEIVED
    assert row.area_code == support.enterprise.area_code


def test_the_clock_across_the_spring_festival(support):
    row = _receive(support, SPRING_FESTIVAL["received_on"])
    assert (row.verify_due, row.reply_due, row.resolve_due) == (
        SPRING_FESTIVAL["verify_due"],
        SPRING_FESTIVAL["reply_due"],
        SPRING_FESTIVAL["resolve_due"],
    )
    assert row.number == "QS2026-0001"


def test_numbers_run_per_year(support):
    first = _receive(support, D(2025, 9, 30))
    second = _receive(support, D(2025, 10, 9))
    third = _receive(support, D(2026, 2, 13))
    assert [first.number, second.number, third.number] == [
        "QS2025-0001",
        "QS2025-0002",
        "QS2026-0001",
    ]


def test_receiving_twice_with_one_uuid_stores_one(support, town_admin):
    key = uuid.uuid4()
    first, created = services.receive_request(
        town_admin,
        enterprise=support.enterprise.pk,
        kind="land",
        text="用地指标",
        department=support.department.pk,
        uuid=str(key),
    )
    again, created_again = services.receive_request(
        town_admin,
        enterprise=support.enterprise.pk,
        kind="land",
        text=" 用地指标 ",
        department=support.department.pk,
        uuid=key,
    )
    assert created and not created_again and again.pk == first.pk
    assert EnterpriseRequest.objects.count() == 1
    assert AuditEntry.objects.filter(action="projects_request.receive").count() == 1


@pytest.mark.parametrize(
    "change",
    [{"text": "用地指标（另一件）"}, {"kind": "finance"}, {"enterprise": "lonely"}],
)
def test_a_uuid_reused_for_another_request_is_refused(support, town_admin, change):
    """The same uuid with another enterprise, kind or text is not the request sent
    before: refused with a message, not answered with an unrelated request."""
    key = uuid.uuid4()
    sent = {
        "enterprise": support.enterprise.pk,
        "kind": "land",
        "text": "用地指标",
        "department": support.department.pk,
        "uuid": key,
    }
    first, _created = services.receive_request(town_admin, **sent)
    if change.get("enterprise") == "lonely":
        change = {"enterprise": support.lonely_enterprise.pk}
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        services.receive_request(town_admin, **{**sent, **change})
    assert "another enterprise, kind or text" in raised.value.message_dict["uuid"][0]
    assert first.number in raised.value.message_dict["uuid"][0]
    assert EnterpriseRequest.objects.count() == 1


def test_a_year_the_calendar_does_not_know_is_its_message(support):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        _receive(support, D(2003, 6, 2))
    with translation.override("en"):
        expected = str(UnknownCalendarYear(2003))
        assert raised.value.message_dict == {"received_on": [expected]}
    assert not EnterpriseRequest.objects.exists()


def test_bad_input_changes_nothing(support, town_admin):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        services.receive_request(
            town_admin,
            enterprise=support.enterprise.pk,
            kind="loan",
            text="  ",
            department=999999,
            received_on=D(2099, 1, 1),
        )
    assert set(raised.value.message_dict) == {"kind", "text", "department", "received_on"}
    assert not EnterpriseRequest.objects.exists()


def test_the_steps_with_their_late_flags_kept(support):
    """Verifying begun a day late stays late; the reply on its 调休 Saturday is on time;
    the resolution overdue at 15 stays late after an extension to 30."""
    row = _receive(support, NATIONAL_DAY["received_on"])
    clerk = support.clerk
    with on(D(2025, 10, 10)):
        row = services.begin_verifying(clerk, row.pk)
    assert row.status == RequestStatus.VERIFYING and row.verify_late
    assert row.verified_on == D(2025, 10, 10)
    with on(D(2025, 10, 11)):
        row = services.reply_request(clerk, row.pk, reply="已对接农商银行。")
    assert row.status == RequestStatus.REPLIED and not row.reply_late
    with on(D(2025, 10, 29)):  # the day after the resolution was due
        row = services.extend_request(clerk, row.pk, reason="需上会研究授信额度")
    assert row.resolve_due == NATIONAL_DAY["extended"] and row.resolve_late
    with on(D(2025, 10, 30)), translation.override("en"), pytest.raises(ValidationError):
        services.extend_request(clerk, row.pk, reason="再次延期")
    with on(D(2025, 11, 3)):  # on time by the extended day: late it stays
        row = services.resolve_request(clerk, row.pk, resolution="授信已批复。")
    assert row.status == RequestStatus.RESOLVED
    assert (row.verify_late, row.reply_late, row.resolve_late) == (True, False, True)
    assert set(
        AuditEntry.objects.filter(object_id=str(row.pk)).values_list("action", flat=True)
    ) >= {
        "projects_request.receive",
        "projects_request.verify",
        "projects_request.reply",
        "projects_request.extend",
        "projects_request.resolve",
    }


def test_an_extension_in_time_leaves_the_resolution_on_time(support):
    row = _receive(support, NATIONAL_DAY["received_on"])
    with on(D(2025, 10, 9)):
        row = services.begin_verifying(support.clerk, row.pk)
        row = services.extend_request(support.clerk, row.pk, reason="需现场核查")
        row = services.reply_request(support.clerk, row.pk, reply="核查中")
    with on(D(2025, 11, 18)):
        row = services.resolve_request(support.clerk, row.pk, resolution="已解决")
    assert (row.verify_late, row.reply_late, row.resolve_late) == (False, False, False)


def test_steps_out_of_turn_are_refused(support):
    row = _receive(support, NATIONAL_DAY["received_on"])
    with translation.override("en"):
        with pytest.raises(ValidationError):
            services.reply_request(support.clerk, row.pk, reply="x")
        with pytest.raises(ValidationError):
            services.resolve_request(support.clerk, row.pk, resolution="x")
        with pytest.raises(ValidationError):
            services.rate_request(None, row.pk, satisfaction="satisfied")
    assert EnterpriseRequest.objects.get(pk=row.pk).status == RequestStatus.RECEIVED


def test_rating_after_resolution_by_the_recorder_once(support, town_admin):
    row = _receive(support, NATIONAL_DAY["received_on"], actor=town_admin)
    with on(D(2025, 10, 9)):
        services.begin_verifying(support.clerk, row.pk)
        services.reply_request(support.clerk, row.pk, reply="好")
        services.resolve_request(support.clerk, row.pk, resolution="已解决")
    with pytest.raises(PermissionDenied):  # the department does not rate its own work
        services.rate_request(support.clerk, row.pk, satisfaction="satisfied")
    row = services.rate_request(town_admin, row.pk, satisfaction="basically", note="略慢")
    assert (row.satisfaction, row.satisfaction_note) == ("basically", "略慢")
    with translation.override("en"), pytest.raises(ValidationError):
        services.rate_request(town_admin, row.pk, satisfaction="satisfied")


def test_the_sweep_reminds_and_escalates_once_a_level(support):
    """Received Tue 2025-09-30. 10-09 verifying due: the department reminded (once).
    10-10 verifying overdue: marked late, raised to the town (one notice). Verifying begun
    10-10, the reply due 10-11 given on time. 10-29 the resolution overdue: raised to the
    county (one notice). The county is the top: later sweeps add nothing."""
    row = _receive(support, NATIONAL_DAY["received_on"])
    town = support.enterprise.area_code[: len(TOWN)]
    assert town == TOWN

    with translation.override("en"):
        assert services.sweep_requests(D(2025, 10, 8))["reminded"] == 0
        for _run in range(2):
            services.sweep_requests(D(2025, 10, 9))
        assert _notices(row, services.NOTICE_DUE) == [("", support.department.pk)]
        row.refresh_from_db()
        assert row.reminded_on == D(2025, 10, 9) and row.escalation_level == 0

        counts = services.sweep_requests(D(2025, 10, 10))
        again = services.sweep_requests(D(2025, 10, 10))
        assert counts["escalated"] == 1 and again["escalated"] == 0
        row.refresh_from_db()
        assert row.escalation_level == EscalationLevel.TOWN and row.verify_late
        assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, None)]

    with on(D(2025, 10, 10)):
        services.begin_verifying(support.clerk, row.pk)
    with translation.override("en"):
        services.sweep_requests(D(2025, 10, 10))  # verifying ended late: counted already
        services.sweep_requests(D(2025, 10, 11))  # the reply's due day: a reminder
        row.refresh_from_db()
        assert row.escalation_level == EscalationLevel.TOWN
        assert len(_notices(row, services.NOTICE_DUE)) == 2
    with on(D(2025, 10, 11)):
        services.reply_request(support.clerk, row.pk, reply="已对接")
    with translation.override("en"):
        services.sweep_requests(D(2025, 10, 28))  # the resolution's due day
        assert services.sweep_requests(D(2025, 10, 28))["escalated"] == 0
        services.sweep_requests(D(2025, 10, 29))
        services.sweep_requests(D(2025, 10, 29))
        services.sweep_requests(D(2025, 11, 20))
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.COUNTY
    assert (row.verify_late, row.reply_late, row.resolve_late) == (True, False, True)
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, None), (COUNTY, None)]
    assert len(_notices(row, services.NOTICE_DUE)) == 3
    assert AuditEntry.objects.filter(action="projects_request.escalate").count() == 2


def test_a_stage_that_ended_late_unswept_still_raises_one_level(support):
    """Verifying begun late on a day no sweep ran: the next sweep raises the request
    to the town for it, once."""
    row = _receive(support, NATIONAL_DAY["received_on"])
    with on(D(2025, 10, 10)):
        services.begin_verifying(support.clerk, row.pk)
    services.sweep_requests(D(2025, 10, 10))
    services.sweep_requests(D(2025, 10, 10))
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.TOWN
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, None)]


def test_two_stages_overdue_at_once_notify_both_levels(support):
    """Never handled, first swept when the reply is also overdue (received Fri
    2026-02-13: verifying due 02-14, the reply 02-25): both stages still to be done are
    marked late, whatever the status, so the request goes to the county at once, one
    notice a level, each naming the stage that raised it."""
    row = _receive(support, SPRING_FESTIVAL["received_on"])
    with translation.override("en"):
        services.sweep_requests(D(2026, 2, 26))
    row.refresh_from_db()
    assert row.escalation_level == EscalationLevel.COUNTY
    assert (row.verify_late, row.reply_late, row.resolve_late) == (True, True, False)
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, None), (COUNTY, None)]
    texts = list(
        Notification.objects.filter(kind=services.NOTICE_ESCALATED, object_id=row.pk)
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert "verifying was due on 2026-02-14" in texts[0]
    assert "the reply was due on 2026-02-25" in texts[1]
    with on(D(2026, 2, 26)):
        services.begin_verifying(support.clerk, row.pk)
    services.sweep_requests(D(2026, 2, 26))
    assert len(_notices(row, services.NOTICE_ESCALATED)) == 2


def test_a_resolved_request_is_left_alone(support):
    row = _receive(support, NATIONAL_DAY["received_on"])
    with on(D(2025, 10, 9)):
        services.begin_verifying(support.clerk, row.pk)
        services.reply_request(support.clerk, row.pk, reply="好")
        services.resolve_request(support.clerk, row.pk, resolution="已解决")
    assert services.sweep_requests(D(2026, 1, 5)) == {
        "reminded": 0,
        "escalated": 0,
        "problems_reminded": 0,
    }


def test_overdue_problems_reminded_once_a_due_day(support, town_admin):
    project = make_project()
    problem = Problem.objects.create(
        project=project,
        area_code=project.area_code,
        department=support.department,
        cause="funds",
        text="配套资金未到位",
        raised_on=D(2025, 9, 30),
        due_on=D(2025, 10, 14),
    )
    assert services.sweep_requests(D(2025, 10, 14))["problems_reminded"] == 0
    assert services.sweep_requests(D(2025, 10, 15))["problems_reminded"] == 1
    assert services.sweep_requests(D(2025, 10, 16))["problems_reminded"] == 0
    Problem.objects.filter(pk=problem.pk).update(due_on=D(2025, 10, 20))
    assert services.sweep_requests(D(2025, 10, 21))["problems_reminded"] == 1
    notices = Notification.objects.filter(kind=services.NOTICE_PROBLEM_DUE, object_id=problem.pk)
    assert list(notices.values_list("department_id", flat=True)) == [support.department.pk] * 2


def test_the_periodic_task_runs_the_sweep(support):
    from yiwang.projects.tasks import sweep_support

    _receive(support, NATIONAL_DAY["received_on"])
    first = sweep_support.call_local()
    second = sweep_support.call_local()
    assert first["escalated"] == 1 and second == {
        "reminded": 0,
        "escalated": 0,
        "problems_reminded": 0,
    }


def test_two_sweeps_reading_the_same_row_write_it_once(support):
    """Two consumers read the same overdue request before either writes: the conditional
    UPDATE of the second finds the row changed and does nothing."""
    row = _receive(support, NATIONAL_DAY["received_on"])
    first = EnterpriseRequest.objects.select_related("enterprise").get(pk=row.pk)
    second = EnterpriseRequest.objects.select_related("enterprise").get(pk=row.pk)
    assert services._escalate(first, D(2025, 10, 10)) is True
    assert services._escalate(second, D(2025, 10, 10)) is False
    assert _notices(row, services.NOTICE_ESCALATED) == [(TOWN, None)]
    first = EnterpriseRequest.objects.select_related("enterprise").get(pk=row.pk)
    second = EnterpriseRequest.objects.select_related("enterprise").get(pk=row.pk)
    with on(D(2025, 10, 10)):
        services.begin_verifying(support.clerk, row.pk)
    for stale in (first, second):
        stale.status = RequestStatus.VERIFYING
        stale.reminded_on = None
    assert services._remind(first, D(2025, 10, 11)) is True
    assert services._remind(second, D(2025, 10, 11)) is False
    assert len(_notices(row, services.NOTICE_DUE)) == 1


def test_a_request_received_today_runs_on_the_calendar_entered(support, town_admin):
    """Today's request, in whatever year the tests run: its days are working days of
    the calendar (the package's year, or the year the county entered)."""
    from django.utils import timezone

    from yiwang.projects.workdays import calendar

    row = _receive(support, None, actor=town_admin)
    cal = calendar()
    assert row.received_on == timezone.localdate()
    assert cal.count(row.received_on, row.verify_due) == 1 and cal.is_workday(row.verify_due)
    assert cal.count(row.received_on, row.resolve_due) == 15
