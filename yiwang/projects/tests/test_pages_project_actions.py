"""The forms of the battle map's pages through their services: a manager makes and changes
a project, its stage, permits, milestones, targets and team; the site records the day's
progress (once, however often the page is sent) and raises a problem, the department
resolves it; the command post enters a year of the calendar and sets a milestone type's
thresholds. Each bad input of the issue shows a clear message and changes nothing."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import TOWN
from yiwang.projects.models import (
    CalendarYear,
    Milestone,
    MilestoneType,
    MonthlyTarget,
    Permit,
    Problem,
    ProblemStatus,
    ProgressEntry,
    Project,
    ProjectMember,
    Stage,
    StageChange,
)
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_pages_projects import department_staff, signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def project(town_admin):
    factories.enter_years_around_today()
    member = factories.make_account("siteworker", full_name="现场小李")
    return factories.make_project(members=[member])


def member_of(project):
    return ProjectMember.objects.get(project=project).user


def page_url(project):
    return reverse("projects:project", args=[project.pk])


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


# --- making and changing a project -------------------------------------------------------


def test_a_town_admin_makes_a_project_in_their_town(town_admin):
    enterprise = factories.make_enterprise()
    client = signed_in(town_admin)
    form = client.get(reverse("projects:project-create")).content.decode()
    assert f'value="{TOWN}"' in form and enterprise.name in form
    response = client.post(
        reverse("projects:project-create"),
        {
            "area_code": TOWN,
            "number": "XM-101",
            "name": "智能装备产业园",
            "kind": "new_build",
            "batch": "started",
            "enterprise": enterprise.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2027-12-31",
            "investment_planned": "50000",
        },
    )
    project = Project.objects.get(number="XM-101")
    assert response.status_code == 302 and response.url == page_url(project)
    assert project.enterprise == enterprise and project.area_code == TOWN


def test_a_project_that_ends_before_it_starts_is_refused(town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-create"),
        {
            "area_code": TOWN,
            "number": "XM-102",
            "name": "倒排项目",
            "kind": "research",
            "batch": "signed",
            "starts_on": "2026-03-01",
            "ends_on": "2026-01-01",
            "investment_planned": "100",
        },
    )
    assert response.status_code == 400
    assert not Project.objects.filter(number="XM-102").exists()


def test_the_manager_changes_the_project(project, town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-edit", args=[project.pk]),
        {
            "number": project.number,
            "name": "年产8万吨精密铸件技改项目",
            "kind": project.kind,
            "batch": project.batch,
            "starts_on": project.starts_on.isoformat(),
            "ends_on": project.ends_on.isoformat(),
            "investment_planned": "15000",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "年产8万吨精密铸件技改项目" and project.investment_planned == 15000


# --- the stage ----------------------------------------------------------------------------


def test_a_stage_forward_is_recorded(project, town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-stage", args=[project.pk]),
        {"stage": Stage.PRODUCING, "reached_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.PRODUCING


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_stage_back_without_a_reason_is_refused(project, town_admin, language):
    before = StageChange.objects.count()
    response = signed_in(town_admin, language).post(
        reverse("projects:project-stage", args=[project.pk]),
        {"stage": Stage.SIGNED, "reached_on": TODAY().isoformat(), "reason": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="stage-form"' in html and "is-invalid" in html
    assert ("needs a reason" if language == "en" else "项目退回到之前的阶段需要填写原因") in html
    project.refresh_from_db()
    assert project.stage == Stage.BUILDING and StageChange.objects.count() == before
    # With the reason, it is recorded.
    response = signed_in(town_admin).post(
        reverse("projects:project-stage", args=[project.pk]),
        {"stage": Stage.SIGNED, "reached_on": TODAY().isoformat(), "reason": "用地规划调整"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_a_member_may_not_change_the_stage(project):
    response = signed_in(member_of(project)).post(
        reverse("projects:project-stage", args=[project.pk]),
        {"stage": Stage.PRODUCING, "reached_on": TODAY().isoformat()},
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.BUILDING


# --- permits, milestones, targets, the team ---------------------------------------------


def test_a_permit_is_set(project, town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-permit", args=[project.pk]),
        {"kind": "land", "state": "approved", "state_on": TODAY().isoformat(), "number": "鲁土001"},
    )
    assert response.status_code == 302
    permit = Permit.objects.get(project=project)
    assert permit.state == "approved" and permit.number == "鲁土001"
    body = signed_in(town_admin).get(page_url(project)).content.decode()
    assert "鲁土001" in body and "已通过" in body


def test_a_milestone_is_added_and_done_late_with_its_cause(project, town_admin):
    client = signed_in(town_admin)
    due = TODAY() - datetime.timedelta(days=20)
    response = client.post(
        reverse("projects:milestone-add", args=[project.pk]),
        {"milestone_type": factories.milestone_type().pk, "name": "设备进场", "due_on": due},
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(project=project, name="设备进场")
    done = reverse("projects:milestone-complete", args=[project.pk, milestone.pk])
    # Done late without a cause: refused, with the message; nothing changes.
    response = client.post(done, {"done_on": TODAY().isoformat()})
    assert response.status_code == 400
    assert f'id="done{milestone.pk}_delay_cause"' in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on is None
    response = client.post(
        done, {"done_on": TODAY().isoformat(), "delay_cause": "equipment", "delay_note": "到货晚"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY() and milestone.delay_cause == "equipment"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_milestone_due_before_the_project_starts_is_refused(project, town_admin, language):
    response = signed_in(town_admin, language).post(
        reverse("projects:milestone-add", args=[project.pk]),
        {
            "milestone_type": factories.milestone_type().pk,
            "name": "提前节点",
            "due_on": (project.starts_on - DAY).isoformat(),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    expected = {
        "en": "cannot be due before its project starts",
        "zh-hans": "节点的完成期限不能早于项目开始日期",
    }[language]
    assert expected in html and "提前节点" in html  # the message, and what was typed
    assert not Milestone.objects.filter(name="提前节点").exists()


def test_a_day_in_a_year_the_calendar_does_not_know_is_refused(town_admin):
    # 2003: before the package's first year, and not entered by the county.
    old = factories.make_project(
        number="XM-2003",
        starts_on=datetime.date(2003, 1, 6),
        ends_on=datetime.date(2004, 12, 31),
    )
    milestone = factories.make_milestone(old, due_on=datetime.date(2003, 6, 2))
    response = signed_in(town_admin, "en").post(
        reverse("projects:milestone-complete", args=[old.pk, milestone.pk]),
        {"done_on": "2003-06-20", "delay_cause": "land"},
    )
    assert response.status_code == 400
    assert "The holidays of 2003 are not known yet" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_a_months_target_is_set(project, town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-target", args=[project.pk]),
        {
            "month": TODAY().strftime("%Y-%m"),
            "investment_planned": "800",
            "progress_planned": "40",
            "investment_done": "650",
            "progress_done": "35",
        },
    )
    assert response.status_code == 302
    target = MonthlyTarget.objects.get(project=project)
    assert target.month == TODAY().replace(day=1) and target.progress_done == 35
    project.refresh_from_db()
    assert project.investment_done == 650


def test_a_target_over_a_hundred_percent_is_refused(project, town_admin):
    response = signed_in(town_admin).post(
        reverse("projects:project-target", args=[project.pk]),
        {"month": "2026-11", "investment_planned": "800", "progress_planned": "140"},
    )
    assert response.status_code == 400
    assert not MonthlyTarget.objects.exists()


def test_the_special_team_is_set(project, town_admin):
    factories.make_account("engineer", full_name="工程师老赵")
    response = signed_in(town_admin).post(
        reverse("projects:project-members", args=[project.pk]),
        {"members": "*siteworker, 现场负责人\nengineer, 技术"},
    )
    assert response.status_code == 302
    rows = {m.user.username: (m.duty, m.is_head) for m in project.members.select_related("user")}
    assert rows == {"siteworker": ("现场负责人", True), "engineer": ("技术", False)}
    response = signed_in(town_admin).post(
        reverse("projects:project-members", args=[project.pk]), {"members": "nobody, 无"}
    )
    assert response.status_code == 400 and project.members.count() == 2


# --- the day's progress -------------------------------------------------------------------


def progress_data(**more):
    return {"uuid": str(uuid.uuid4()), "day": TODAY().isoformat(), "text": "主体钢构吊装", **more}


def test_the_site_records_the_days_progress_once_however_often_it_is_sent(project):
    client = signed_in(member_of(project))
    url = reverse("projects:progress", args=[project.pk])
    data = progress_data(problems="吊车不足")
    first = client.post(url, data)
    assert first.status_code == 302 and first.url == page_url(project) + "#progress"
    again = client.post(url, data)  # the same page sent twice
    assert again.status_code == 302
    entry = ProgressEntry.objects.get(project=project)
    assert entry.day == TODAY() and entry.problems == "吊车不足"
    assert entry.recorded_by == member_of(project)


def test_the_site_records_a_photo(project):
    client = signed_in(member_of(project))
    photo = SimpleUploadedFile("site.jpg", jpeg(), content_type="image/jpeg")
    response = client.post(
        reverse("projects:progress", args=[project.pk]), progress_data(photos=[photo])
    )
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(project=project)
    photo_row = entry.photos.get()
    body = client.get(page_url(project)).content.decode()
    assert reverse("projects:photo", args=[photo_row.pk, "thumbnail"]) in body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_second_entry_the_same_day_keeps_what_was_typed(project, language):
    client = signed_in(member_of(project), language)
    url = reverse("projects:progress", args=[project.pk])
    assert client.post(url, progress_data()).status_code == 302
    response = client.post(url, progress_data(text="第二条进展", problems="无"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "第二条进展" in html  # what was typed is kept
    assert (
        ("already recorded for that day" in html) if language == "en" else ("进展已经报送" in html)
    )
    assert ProgressEntry.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_file_that_is_not_an_image_is_refused(project, language):
    client = signed_in(member_of(project), language)
    fake = SimpleUploadedFile("site.jpg", b"not a picture at all", content_type="image/jpeg")
    response = client.post(
        reverse("projects:progress", args=[project.pk]), progress_data(photos=[fake])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="photos-dropped"' in html and "主体钢构吊装" in html
    assert not ProgressEntry.objects.exists()


def test_a_day_in_the_future_is_refused(project):
    response = signed_in(member_of(project), "en").post(
        reverse("projects:progress", args=[project.pk]),
        progress_data(day=(TODAY() + DAY).isoformat()),
    )
    assert response.status_code == 400
    assert "cannot be recorded in advance" in response.content.decode()
    assert not ProgressEntry.objects.exists()


def test_an_earlier_day_may_be_recorded(project):
    day = TODAY() - 3 * DAY
    response = signed_in(member_of(project)).post(
        reverse("projects:progress", args=[project.pk]), progress_data(day=day.isoformat())
    )
    assert response.status_code == 302
    assert ProgressEntry.objects.get().day == day


# --- problems -------------------------------------------------------------------------------


def test_the_site_raises_a_problem_and_the_department_resolves_it(project):
    staff, department = department_staff()
    client = signed_in(member_of(project))
    response = client.post(
        reverse("projects:problem-raise", args=[project.pk]),
        {"department": department.pk, "cause": "power", "text": "临时用电容量不足"},
    )
    assert response.status_code == 302
    problem = Problem.objects.get(project=project)
    assert problem.status == ProblemStatus.OPEN and problem.due_on > TODAY()
    staff_client = signed_in(staff)
    listed = staff_client.get(reverse("projects:problems")).content.decode()
    assert f'id="problem-{problem.pk}"' in listed and "resolve-form" in listed
    resolve = reverse("projects:problem-resolve", args=[problem.pk])
    response = staff_client.post(resolve, {"answer": ""})
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN
    response = staff_client.post(resolve, {"answer": "已协调供电公司增容"})
    assert response.status_code == 302 and response.url == reverse("projects:problems")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.answer == "已协调供电公司增容"


def test_a_team_member_may_not_resolve_a_problem(project):
    _staff, department = department_staff()
    problem = Problem.objects.create(
        project=project,
        area_code=project.area_code,
        department=department,
        cause="land",
        text="征地未完成",
        raised_on=TODAY(),
        due_on=TODAY() + 5 * DAY,
    )
    response = signed_in(member_of(project)).post(
        reverse("projects:problem-resolve", args=[problem.pk]), {"answer": "自己关掉"}
    )
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


# --- the command post's settings -------------------------------------------------------------


def test_the_command_post_enters_a_year(county_admin):
    response = signed_in(county_admin).post(
        reverse("projects:calendar"),
        {
            "year": "2031",
            "source": "国办发明电〔2030〕7号",
            "holidays": "2031-01-01\n2031-10-01, 2031-10-02",
            "workdays": "2031-09-28",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2031)
    assert year.source == "国办发明电〔2030〕7号"
    assert sorted(d.day.isoformat() for d in year.days.filter(is_workday=False)) == [
        "2031-01-01",
        "2031-10-01",
        "2031-10-02",
    ]
    body = signed_in(county_admin).get(reverse("projects:calendar")).content.decode()
    assert 'id="year-2031"' in body and "国办发明电〔2030〕7号" in body


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ("2031-13-01", "", "not dates written as 2026-10-01"),
        ("2030-10-01", "", "not in 2031"),
        ("2031-10-01\n2031-10-01", "", "listed twice"),
    ],
)
def test_bad_dates_of_a_year_are_refused(county_admin, holidays, workdays, message):
    response = signed_in(county_admin, "en").post(
        reverse("projects:calendar"),
        {"year": "2031", "source": "国办发明电", "holidays": holidays, "workdays": workdays},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_a_weekend_listed_as_a_holiday_is_refused_by_the_service(county_admin):
    # 2031-10-04 is a Saturday: off anyway, not a holiday on a weekday.
    response = signed_in(county_admin).post(
        reverse("projects:calendar"),
        {"year": "2031", "source": "国办发明电", "holidays": "2031-10-04", "workdays": ""},
    )
    assert response.status_code == 400
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_the_command_post_sets_a_milestone_types_thresholds(county_admin):
    kind = factories.milestone_type()
    client = signed_in(county_admin)
    prefix = f"type-{kind.pk}"
    data = {
        "which": kind.pk,
        f"{prefix}-code": kind.code,
        f"{prefix}-name": kind.name,
        f"{prefix}-yellow_from": "3",
        f"{prefix}-red_from": "2",
        f"{prefix}-order": kind.order,
    }
    response = client.post(reverse("projects:milestone-types"), data)
    assert response.status_code == 400  # red before yellow
    kind.refresh_from_db()
    assert (kind.yellow_from, kind.red_from) == (1, 6)
    data[f"{prefix}-red_from"] = "10"
    response = client.post(reverse("projects:milestone-types"), data)
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.yellow_from, kind.red_from) == (3, 10)
    response = client.post(
        reverse("projects:milestone-types"),
        {
            "which": "new",
            "new-code": "power-supply",
            "new-name": "通电",
            "new-yellow_from": "2",
            "new-red_from": "5",
            "new-order": "9",
        },
    )
    assert response.status_code == 302
    assert MilestoneType.objects.filter(code="power-supply", red_from=5).exists()
