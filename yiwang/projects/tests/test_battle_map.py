"""The battle map's reads (yiwang.projects.selectors.battle_map): each milestone's lag and
colour at each threshold, the project's colour, a year the calendar does not know (a
message, not an error), the filters, who sees which project, and a fixed number of
queries whatever the number of projects.

`seed` makes the rows the page, meeting-pack and browser tests share: a red, a yellow and
a green project in 中都街道, a project in another town, a department with its staff, a
special team member, a problem sent to the department and a site photo."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from conftest import OTHER_TOWN, TOWN
from yiwang.projects.models import (
    Colour,
    DelayCause,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressEntry,
    ProgressPhoto,
    Stage,
)
from yiwang.projects.selectors.battle_map import battle_map
from yiwang.projects.tests import factories
from yiwang.projects.workdays import calendar, package_years

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
# A Monday of 2026 with no holiday in the fortnight before it.
MONDAY = datetime.date(2026, 3, 16)


def due_for_lag(today: datetime.date, lag: int) -> datetime.date:
    """The latest day a milestone may be due to be `lag` working days late today."""
    cal = calendar()
    day = today
    while cal.lag(day, today) < lag:
        day -= ONE_DAY
    return day


def site_photo(entry) -> ProgressPhoto:
    from PIL import Image

    from yiwang.core import photos

    out = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(out, format="PNG")
    photo = photos.read_photo(SimpleUploadedFile("site.png", out.getvalue()))
    row = ProgressPhoto(entry=entry, **photos.row_values(photo))
    photos.store(row, photo, [])
    row.save()
    return row


def make_staff(username="dev-staff"):
    from yiwang.accounts.services import grant_post

    staff = factories.make_account(username, "发改局王科长")
    grant_post(actor=None, user=staff, role="department_staff", area_code="370830")
    return staff


def seed(today: datetime.date | None = None) -> dict:
    """The shared rows, dated from `today` (today by default)."""
    today = today or timezone.localdate()
    factories.enter_years_around_today()
    leader = factories.make_account("leader-li", "李副县长")
    member = factories.make_account("member-zhao", "赵专班")
    staff = make_staff()
    department = factories.make_department(members=[staff])
    other_department = factories.make_department("land", "县自然资源局")
    red = factories.make_project(
        "XM-001",
        "年产5万吨精密铸件技改项目",
        starts_on=today - datetime.timedelta(days=200),
        leader=leader,
        stage=Stage.BUILDING,
    )
    yellow = factories.make_project(
        "XM-002",
        "智能装备产业园项目",
        starts_on=today - datetime.timedelta(days=150),
        stage=Stage.STARTED,
        members=[member],
    )
    green = factories.make_project(
        "XM-003", "新材料研发中心", starts_on=today - datetime.timedelta(days=100)
    )
    foreign = factories.make_project(
        "XM-004", "汶上街道物流园项目", area_code=OTHER_TOWN, stage=Stage.SIGNED
    )
    late = factories.make_milestone(
        red, "主体开工", due_on=due_for_lag(today, 8), delay_cause=DelayCause.LAND
    )
    factories.make_milestone(red, "设备进场", due_on=today + datetime.timedelta(days=30))
    factories.make_milestone(yellow, "厂房封顶", due_on=due_for_lag(today, 2))
    factories.make_milestone(
        green, "立项", due_on=today - datetime.timedelta(days=40), done_on=today - ONE_DAY * 45
    )
    factories.make_milestone(foreign, "签约", due_on=due_for_lag(today, 10))
    problem = Problem.objects.create(
        project=red,
        milestone=late,
        area_code=red.area_code,
        cause=DelayCause.LAND,
        department=department,
        text="土地征收补偿款未拨付到位",
        raised_on=today - datetime.timedelta(days=20),
        due_on=today - datetime.timedelta(days=3),
    )
    entry = ProgressEntry.objects.create(
        project=red, day=today - ONE_DAY, text="地基开挖完成百分之六十"
    )
    photo = site_photo(entry)
    return {
        "today": today,
        "leader": leader,
        "member": member,
        "staff": staff,
        "department": department,
        "other_department": other_department,
        "red": red,
        "yellow": yellow,
        "green": green,
        "foreign": foreign,
        "late": late,
        "problem": problem,
        "photo": photo,
    }


def _by_number(found) -> dict:
    return {p["number"]: p for p in found["projects"]}


# --- colours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, lag, colour",
    [
        # type "start": yellow from 1 working day late, red from 6
        (MONDAY, 0, Colour.GREEN),
        (MONDAY + ONE_DAY, 0, Colour.GREEN),  # not due yet
        (datetime.date(2026, 3, 13), 1, Colour.YELLOW),  # Friday: the Monday is one day
        (datetime.date(2026, 3, 9), 5, Colour.YELLOW),
        (datetime.date(2026, 3, 6), 6, Colour.RED),
    ],
)
def test_a_milestone_is_coloured_by_its_types_thresholds(county_admin, due, lag, colour):
    project = factories.make_project(starts_on=datetime.date(2026, 1, 5))
    factories.make_milestone(project, due_on=due)
    found = battle_map(county_admin, today=MONDAY)
    (milestone,) = found["projects"][0]["milestones"]
    assert (milestone["lag"], milestone["colour"]) == (lag, colour)
    assert found["projects"][0]["colour"] == colour
    assert found["unknown_year"] is None


def test_thresholds_differ_by_type(county_admin):
    # "land": yellow from 3, red from 10; five working days late is yellow, not red.
    project = factories.make_project(starts_on=datetime.date(2026, 1, 5))
    factories.make_milestone(project, due_on=datetime.date(2026, 3, 9), code="land")
    factories.make_milestone(project, "b", due_on=datetime.date(2026, 3, 12), code="land")
    found = battle_map(county_admin, today=MONDAY)
    lags = [(m["lag"], m["colour"]) for m in found["projects"][0]["milestones"]]
    assert lags == [(5, Colour.YELLOW), (2, Colour.GREEN)]


def test_across_the_national_day_holiday(county_admin):
    # 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked. Due on
    # Tuesday 30 September, on Thursday 9 October it is 1 working day late (nothing from
    # 1 to 8 October is worked): yellow.
    project = factories.make_project(starts_on=datetime.date(2025, 6, 2))
    factories.make_milestone(project, due_on=datetime.date(2025, 9, 30))
    found = battle_map(county_admin, today=datetime.date(2025, 10, 9))
    (milestone,) = found["projects"][0]["milestones"]
    assert milestone["lag"] == 1 and milestone["colour"] == Colour.YELLOW
    found = battle_map(county_admin, today=datetime.date(2025, 10, 11))  # the Saturday worked
    assert found["projects"][0]["milestones"][0]["lag"] == 3


def test_the_project_takes_the_worst_open_colour_and_done_ones_keep_their_lag(county_admin):
    project = factories.make_project(starts_on=datetime.date(2026, 1, 5))
    # Done 6 working days late: keeps its lag and its red, but no longer colours the
    # project, which its open milestone one day late makes yellow.
    factories.make_milestone(
        project,
        "done late",
        due_on=datetime.date(2026, 2, 2),
        done_on=datetime.date(2026, 2, 10),
        delay_cause=DelayCause.FUNDS,
    )
    open_one = factories.make_milestone(project, "open", due_on=datetime.date(2026, 3, 13))
    found = battle_map(county_admin, today=MONDAY)
    done, still_open = found["projects"][0]["milestones"]
    assert (done["lag"], done["colour"], done["cause"]) == (6, Colour.RED, DelayCause.FUNDS)
    assert found["projects"][0]["colour"] == Colour.YELLOW
    # All done: green, whatever the lag they kept.
    Milestone.objects.filter(pk=open_one.pk).update(done_on=datetime.date(2026, 3, 16))
    found = battle_map(county_admin, today=MONDAY)
    assert found["projects"][0]["colour"] == Colour.GREEN
    assert [m["lag"] for m in found["projects"][0]["milestones"]] == [6, 1]
    assert found["colours"] == {Colour.RED: 0, Colour.YELLOW: 0, Colour.GREEN: 1, "unknown": 0}


def test_a_year_the_calendar_does_not_know_is_a_message_not_an_error(county_admin):
    unknown = max(package_years()) + 1
    while unknown in {y for y in range(2000, 2101) if calendar().knows(y)}:
        unknown += 1
    project = factories.make_project(starts_on=datetime.date(unknown, 1, 2))
    factories.make_milestone(project, due_on=datetime.date(unknown, 1, 5))
    with translation.override("en"):
        found = battle_map(county_admin, today=datetime.date(unknown, 2, 1))
    (milestone,) = found["projects"][0]["milestones"]
    assert milestone["lag"] is None and milestone["colour"] is None
    assert f"The holidays of {unknown} are not known yet" in found["unknown_year"]
    assert found["projects"][0]["colour"] == "unknown"


# --- the rows listed ---------------------------------------------------------------------


def test_each_project_brings_its_leader_problems_and_photo(county_admin):
    rows = seed()
    found = _by_number(battle_map(county_admin))
    red = found["XM-001"]
    assert red["colour"] == Colour.RED and red["leader"] == "李副县长"
    assert red["milestones"][0]["lag"] == 8 and red["milestones"][0]["cause"] == "land"
    (problem,) = red["problems"]
    assert problem["department"] == "县发展和改革局"
    assert problem["days_overdue"] == calendar().lag(rows["today"] - 3 * ONE_DAY, rows["today"])
    assert red["photo_id"] == rows["photo"].pk
    assert found["XM-002"]["colour"] == Colour.YELLOW
    assert found["XM-003"]["colour"] == Colour.GREEN
    assert found["XM-004"]["colour"] == Colour.RED


def test_the_filters(county_admin):
    seed()

    def numbers(**filters):
        return sorted(_by_number(battle_map(county_admin, **filters)))

    assert numbers() == ["XM-001", "XM-002", "XM-003", "XM-004"]
    assert numbers(area=TOWN) == ["XM-001", "XM-002", "XM-003"]
    assert numbers(area=OTHER_TOWN) == ["XM-004"]
    assert numbers(colour="red") == ["XM-001", "XM-004"]
    assert numbers(colour="red", area=TOWN) == ["XM-001"]
    assert numbers(stage=Stage.STARTED) == ["XM-002"]
    assert numbers(kind="research") == []
    assert numbers(batch="upgraded") == ["XM-001", "XM-002", "XM-003", "XM-004"]
    found = battle_map(county_admin, area=TOWN)
    assert found["colours"] == {"red": 1, "yellow": 1, "green": 1, "unknown": 0}
    assert found["stages"]["building"] == 2 and found["stages"]["started"] == 1


# --- who sees what -----------------------------------------------------------------------


def test_each_persona_sees_the_projects_of_their_scope(personas):
    rows = seed()
    seen = {who: sorted(_by_number(battle_map(user))) for who, user in personas.items()}
    assert seen == {
        "county": ["XM-001", "XM-002", "XM-003", "XM-004"],
        "town": ["XM-001", "XM-002", "XM-003"],
        "chief": [],
        "worker": [],
        "outsider": [],
    }
    # A special team's member sees the team's project; the leader in charge theirs; the
    # department's staff the project whose problem was sent to them.
    assert sorted(_by_number(battle_map(rows["member"]))) == ["XM-002"]
    assert sorted(_by_number(battle_map(rows["leader"]))) == ["XM-001"]
    assert sorted(_by_number(battle_map(rows["staff"]))) == ["XM-001"]


def test_a_fixed_number_of_queries_whatever_the_number_of_projects(
    county_admin, django_assert_max_num_queries
):
    rows = seed()
    user = type(county_admin).objects.get(pk=county_admin.pk)
    with django_assert_max_num_queries(8) as few:
        battle_map(user)
    for n in range(20):
        project = factories.make_project(f"XM-1{n:02}", f"项目{n}", leader=rows["leader"])
        for i in range(5):
            factories.make_milestone(project, f"节点{i}", due_on=due_for_lag(rows["today"], i))
        Problem.objects.create(
            project=project,
            area_code=project.area_code,
            cause=DelayCause.POWER,
            department=rows["department"],
            text="电力接入",
            raised_on=rows["today"],
            due_on=rows["today"],
        )
    user = type(county_admin).objects.get(pk=county_admin.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = battle_map(user)
    assert len(found["projects"]) == 24
    assert Problem.objects.filter(status=ProblemStatus.OPEN).count() == 21
