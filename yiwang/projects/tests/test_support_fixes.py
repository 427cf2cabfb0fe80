"""Enterprise support after review: the clock never refuses a request for a year not
known yet (provisional due days, counted again when the county enters the year); every
overdue stage marked late and each escalation notice naming its stage; request numbers
past 9999; the enterprise typed by name or credit code; the team form keeping its
current members; the overdue-problem notice's link."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, TOWN, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.notices import kinds as notice_kinds
from yiwang.notices.models import Notification
from yiwang.projects import services as project_services
from yiwang.projects.models import CalendarYear, EnterpriseRequest, EscalationLevel
from yiwang.projects.selectors import support as selectors
from yiwang.projects.services import support as services
from yiwang.projects.tests.factories import make_enterprise, make_project
from yiwang.projects.tests.support_rows import make_support, on
from yiwang.projects.views import support as support_views
from yiwang.projects.workdays import calendar, package_years

pytestmark = pytest.mark.django_db
D = datetime.date


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def support(personas):
    return make_support()


def _receive(support, received_on, actor=None, **more):
    row, _created = services.receive_request(
        actor,
        **{
            "enterprise": support.enterprise.pk,
            "kind": "finance",
            "text": "流动资金贷款500万元",
            "department": support.department.pk,
            "received_on": received_on,
            **more,
        },
    )
    return row


def _weekly_add(day, n):
    """`n` working days after `day` by the weekly rule alone."""
    while n:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


# --- A: a year not known yet -----------------------------------------------------------


def _last_known_year_only():
    """The last year the package knows, with the year after it unknown (the fixtures
    enter the years around today as weekends only)."""
    last = max(package_years())
    CalendarYear.objects.filter(year__gt=last).delete()
    assert not calendar().knows(last + 1)
    return last


def _first_weekdays(year, n):
    day, found = D(year, 1, 1), []
    while len(found) < n:
        if day.weekday() < 5:
            found.append(day)
        day += datetime.timedelta(days=1)
    return found


def test_a_late_december_request_is_stored_provisional_and_counted_again(support, personas):
    last = _last_known_year_only()
    received = D(last, 12, 28)
    with on(received):
        row = _receive(support, received)
    known = calendar()
    assert row.clock_provisional is True
    # Verifying and the reply may fall in the known year; the resolution reaches the next.
    assert row.verify_due == known.add(received, 1) or row.verify_due.year == last + 1
    assert row.resolve_due.year == last + 1
    days_left = known.count(received, D(last, 12, 31))
    assert row.resolve_due == _weekly_add(D(last, 12, 31), 15 - days_left)

    page = client_of(personas["county"]).get(reverse("projects:support-request", args=[row.pk]))
    assert "按周末暂计" in page.content.decode()
    api = client_of(personas["county"]).get(reverse("api:enterprise-request-detail", args=[row.pk]))
    assert api.status_code == 200, api.content[:300]
    assert api.json()["clock_provisional"] is True

    # The county enters the year: its first three weekdays are holidays.
    off = _first_weekdays(last + 1, 3)
    project_services.calendar.enter_year(
        personas["county"], year=last + 1, source="国务院办公厅通知", holidays=off, workdays=[]
    )
    before = row.resolve_due
    row.refresh_from_db()
    assert row.clock_provisional is False
    assert row.resolve_due == calendar().add(received, 15)
    assert row.resolve_due > before  # the holidays push it on
    assert AuditEntry.objects.filter(action="projects_request.recount", object_id=row.pk).exists()
    page = client_of(personas["county"]).get(reverse("projects:support-request", args=[row.pk]))
    assert "按周末暂计" not in page.content.decode()


def test_a_late_december_problem_gets_a_provisional_due_day_counted_again(support, personas):
    last = _last_known_year_only()
    project = make_project(area_code=TOWN)
    with on(D(last, 12, 28)):
        problem = project_services.progress.raise_problem(
            None,
            project.pk,
            department=support.department,
            cause="land",
            text="用地指标",
        )
    assert problem.due_provisional is True and problem.due_on.year == last + 1
    body = client_of(personas["county"]).get(reverse("projects:problems")).content.decode()
    assert "按周末暂计" in body
    off = _first_weekdays(last + 1, 3)
    project_services.calendar.enter_year(
        personas["county"], year=last + 1, source="国务院办公厅通知", holidays=off, workdays=[]
    )
    before = problem.due_on
    problem.refresh_from_db()
    assert problem.due_provisional is False and problem.due_on > before
    assert AuditEntry.objects.filter(action="projects.problem.recount").count() == 1


# --- 4 and 5: the sweep ----------------------------------------------------------------

# Received Tue 2025-09-30 (National Day): verifying due Thu 10-09, the reply Sat 10-11
# (a 调休 working Saturday), the resolution Tue 10-28 (worked out in test_support_clock).


def _escalation_texts(row):
    return list(
        Notification.objects.filter(kind=services.NOTICE_ESCALATED, object_id=row.pk)
        .order_by("id")
        .values_list("area_code", "text")
    )


def test_a_request_nobody_touches_reaches_the_county(support):
    row = _receive(support, D(2025, 9, 30))
    with translation.override("en"):
        services.sweep_requests(D(2025, 10, 10))  # verifying overdue: the town
        row.refresh_from_db()
        assert row.escalation_level == EscalationLevel.TOWN
        assert (row.verify_late, row.reply_late, row.resolve_late) == (True, False, False)
        services.sweep_requests(D(2025, 10, 11))  # the reply's due day: not late yet
        row.refresh_from_db()
        assert row.escalation_level == EscalationLevel.TOWN
        services.sweep_requests(D(2025, 10, 12))  # the reply overdue: the county
        row.refresh_from_db()
        assert row.escalation_level == EscalationLevel.COUNTY
        assert (row.verify_late, row.reply_late, row.resolve_late) == (True, True, False)
        services.sweep_requests(D(2025, 10, 29))  # the resolution overdue too
    row.refresh_from_db()
    assert (row.verify_late, row.reply_late, row.resolve_late) == (True, True, True)
    texts = _escalation_texts(row)
    assert [code for code, _text in texts] == [TOWN, COUNTY]
    assert "verifying was due on 2025-10-09" in texts[0][1]
    assert "the reply was due on 2025-10-11" in texts[1][1]


def test_a_stage_ended_late_is_named_in_its_notice(support):
    """Verifying begun late (10-10) on a day no sweep ran: the notice raising the request
    to the town names verifying and its due day, not the reply now waited for."""
    row = _receive(support, D(2025, 9, 30))
    with on(D(2025, 10, 10)):
        services.begin_verifying(support.clerk, row.pk)
    with translation.override("en"):
        services.sweep_requests(D(2025, 10, 10))
    ((code, text),) = _escalation_texts(row)
    assert code == TOWN
    assert "verifying was due on 2025-10-09" in text and "reply" not in text


# --- 18: numbers ---------------------------------------------------------------------------


def test_numbers_go_on_after_9999(support):
    first = _receive(support, D(2025, 9, 30))
    EnterpriseRequest.objects.filter(pk=first.pk).update(number="QS2025-9999")
    second = _receive(support, D(2025, 9, 30), text="第二件")
    third = _receive(support, D(2025, 9, 30), text="第三件")
    assert (second.number, third.number) == ("QS2025-10000", "QS2025-10001")


# --- 13: the enterprise typed --------------------------------------------------------------


def _form(support, enterprise):
    return {
        "enterprise": enterprise,
        "kind": "finance",
        "text": "需要贷款",
        "department": support.department.pk,
        "received_on": "2025-09-30",
    }


def test_the_request_form_finds_the_enterprise_typed(support, personas, monkeypatch):
    monkeypatch.setattr(support_views, "PEOPLE_SHOWN", 1)  # fewer suggested than exist
    county = client_of(personas["county"])
    url = reverse("projects:support-request-create")
    page = county.get(url)
    assert page.status_code == 200 and 'list="request-enterprises"' in page.content.decode()
    by_name = county.post(url, _form(support, support.foreign_enterprise.name))
    assert by_name.status_code == 302
    assert EnterpriseRequest.objects.get().enterprise == support.foreign_enterprise
    code = support.lonely_enterprise.credit_code.lower()
    assert county.post(url, {**_form(support, code), "text": "另一件"}).status_code == 302
    assert EnterpriseRequest.objects.filter(enterprise=support.lonely_enterprise).count() == 1

    missing = county.post(url, _form(support, "不存在的公司"))
    assert missing.status_code == 400 and "不存在的公司" in missing.content.decode()
    make_enterprise(name=support.enterprise.name, credit_code="91370830MA3C4KYY3U", area=VILLAGE)
    with translation.override("en"), pytest.raises(services.ValidationError) as raised:
        selectors.find_enterprise(personas["county"], support.enterprise.name)
    assert "Several enterprises" in raised.value.message_dict["enterprise"][0]
    assert EnterpriseRequest.objects.count() == 2


def test_the_enterprise_typed_is_found_only_within_scope(support, personas):
    """A town admin types an enterprise of another town: none is found (the scope kept)."""
    with translation.override("en"), pytest.raises(services.ValidationError) as raised:
        services.receive_request(
            personas["town"],
            enterprise=support.foreign_enterprise.name,
            kind="finance",
            text="x",
            department=support.department.pk,
        )
    assert "No enterprise" in raised.value.message_dict["enterprise"][0]
    assert not EnterpriseRequest.objects.exists()


# --- 2: the team form ----------------------------------------------------------------------


def test_saving_a_team_keeps_members_not_among_the_first_shown(support, personas, monkeypatch):
    monkeypatch.setattr(support_views, "PEOPLE_SHOWN", 1)
    team = support.team
    team.leader = support.counsellor
    team.save()
    county = client_of(personas["county"])
    url = reverse("projects:support-team-edit", args=[team.pk])
    form = county.get(url).context["form"]
    choices = [int(pk) for pk, _label in form.fields["members"].choices]
    assert choices[0] == support.sponsor.pk  # the programme's sponsor first
    assert {support.counsellor.pk, support.sponsor.pk} <= set(choices)
    saved = county.post(
        url,
        {
            "name": team.name,
            "bank": "汶上农商银行营业部",
            "leader": support.counsellor.pk,
            "members": [support.counsellor.pk, support.sponsor.pk],
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    team.refresh_from_db()
    assert team.bank == "汶上农商银行营业部" and team.leader == support.counsellor
    assert set(team.members.all()) == {support.counsellor, support.sponsor}


# --- 15: the overdue problem's link --------------------------------------------------------


def test_the_overdue_problem_notice_links_to_the_projects_problems(support, personas):
    project = make_project(area_code=TOWN)
    with on(D(2025, 9, 30)):
        problem = project_services.progress.raise_problem(
            None, project.pk, department=support.department, cause="land", text="地"
        )
    kind = notice_kinds.get(services.NOTICE_PROBLEM_DUE)
    assert kind.links is not None
    url, _title = kind.links(personas["county"], [problem.pk])[problem.pk]
    assert url == reverse("projects:project", kwargs={"pk": project.pk}) + "#problems"
