"""The day's progress from the site (at most one a day, idempotent by the client's uuid,
with photos) and the problems raised to a department, in its staff's inbox."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone, translation
from PIL import Image

from conftest import TOWN
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification
from yiwang.projects import services
from yiwang.projects.models import Problem, ProgressEntry, ProgressPhoto
from yiwang.projects.services import progress as progress_module
from yiwang.projects.tests import factories
from yiwang.projects.tests.service_setup import department_staff, new_project, other_town_admin
from yiwang.projects.workdays import calendar

TODAY = timezone.localdate


def _photo(name="site.png"):
    out = io.BytesIO()
    Image.new("RGB", (24, 16), "green").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _counts():
    return (
        ProgressEntry.objects.count(),
        ProgressPhoto.objects.count(),
        Problem.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.filter(action__startswith="projects.").count(),
    )


@pytest.fixture
def team(town_admin):
    """A project of the town with a special team member who holds no post."""
    member = factories.make_account("member")
    project = new_project(town_admin)
    services.set_members(town_admin, project.pk, members=[(member, "现场负责人", True)])
    return project, member


# --- the day's progress ----------------------------------------------------------------


def test_a_team_member_records_the_days_progress_with_photos(team):
    project, member = team
    key = uuid.uuid4()
    entry, created = services.record_progress(
        member,
        project.pk,
        day=TODAY(),
        text="主体钢结构吊装完成60%",
        problems="塔吊供电不足",
        photos=[_photo(), _photo("b.png")],
        uuid=key,
    )
    assert created and entry.uuid == key and entry.recorded_by == member
    assert entry.photos.count() == 2
    assert all(p.content_type == "image/png" and p.width == 24 for p in entry.photos.all())
    audited = AuditEntry.objects.get(action="projects.progress.record")
    assert audited.area_code == TOWN and audited.after["photos"] == 2


def test_the_same_uuid_again_answers_the_same_entry(team):
    project, member = team
    key = str(uuid.uuid4())
    first, created = services.record_progress(
        member, project.pk, day=TODAY(), text="基础浇筑", uuid=key
    )
    before = _counts()
    again, created_again = services.record_progress(
        member, project.pk, day=TODAY(), text="基础浇筑（重发）", uuid=key
    )
    assert created and not created_again and again.pk == first.pk
    assert again.text == "基础浇筑"
    assert _counts() == before


def test_a_second_entry_the_same_day_is_refused(team):
    project, member = team
    services.record_progress(member, project.pk, day=TODAY(), text="基础浇筑", uuid=uuid.uuid4())
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.record_progress(
            member, project.pk, day=TODAY(), text="另一条", photos=[_photo()], uuid=uuid.uuid4()
        )
    assert "already recorded for that day" in caught.value.message_dict["day"][0]
    assert _counts() == before
    # Another day is another entry.
    yesterday = TODAY() - datetime.timedelta(days=1)
    _entry, created = services.record_progress(member, project.pk, day=yesterday, text="放线")
    assert created


def test_a_race_for_the_same_day_answers_the_same_message(team, monkeypatch):
    """Two phones at once: the check passed for both, the unique constraint decides."""
    project, member = team
    services.record_progress(member, project.pk, day=TODAY(), text="基础浇筑")
    real_filter = ProgressEntry.objects.filter

    class Blind:
        def __init__(self, *args, **kwargs):
            self.real = real_filter(*args, **kwargs)
            self.kwargs = kwargs

        def exists(self):
            # The check inside the transaction looks away; the one after the refusal sees.
            if set(self.kwargs) == {"project", "day"} and not getattr(Blind, "seen", False):
                Blind.seen = True
                return False
            return self.real.exists()

        def first(self):
            return self.real.first()

    monkeypatch.setattr(ProgressEntry.objects, "filter", Blind)
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.record_progress(member, project.pk, day=TODAY(), text="另一条")
    assert "already recorded for that day" in caught.value.message_dict["day"][0]
    assert _counts() == before


def test_the_unique_constraint_is_the_backstop(team):
    project, member = team
    services.record_progress(member, project.pk, day=TODAY(), text="基础浇筑")
    with pytest.raises(IntegrityError):
        ProgressEntry.objects.create(project=project, day=TODAY(), text="绕过服务")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        # Dates relative to today are worked out when the test runs, not at import.
        (lambda: {"day": TODAY() + datetime.timedelta(days=1)}, "day"),
        ({"day": "2026-02-30"}, "day"),
        ({"text": "  "}, "text"),
        ({"photos": [SimpleUploadedFile("site.jpg", b"not an image", "image/jpeg")]}, "photos"),
        ({"uuid": "not-a-uuid"}, "uuid"),
    ],
)
def test_bad_progress_is_refused_and_nothing_is_stored(team, values, field):
    project, member = team
    values = values() if callable(values) else values
    before = _counts()
    arguments = {"day": TODAY(), "text": "基础浇筑", "photos": [_photo()]}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.record_progress(member, project.pk, **{**arguments, **values})
    assert field in caught.value.message_dict and caught.value.message_dict[field][0]
    assert _counts() == before


def test_a_uuid_sent_with_another_project_is_refused(team, town_admin):
    project, member = team
    other = new_project(town_admin, number="XM-102")
    key = uuid.uuid4()
    services.record_progress(member, project.pk, day=TODAY(), text="基础浇筑", uuid=key)
    with pytest.raises(ValidationError) as caught:
        services.record_progress(town_admin, other.pk, day=TODAY(), text="x", uuid=key)
    assert "uuid" in caught.value.message_dict


def test_progress_outside_the_scope(team, chief):
    from yiwang.accounts.services import grant_post

    project, _member = team
    stranger = other_town_admin()
    with pytest.raises(Http404):
        services.record_progress(stranger, project.pk, day=TODAY(), text="x")
    # A grid chief of a village does not see the town's project.
    with pytest.raises(Http404):
        services.record_progress(chief, project.pk, day=TODAY(), text="x")
    # A cadre of the town sees it but is not its reporter.
    cadre = factories.make_account("cadre")
    grant_post(actor=None, user=cadre, role="cadre", area_code=TOWN)
    with pytest.raises(PermissionDenied):
        services.record_progress(cadre, project.pk, day=TODAY(), text="x")
    assert not ProgressEntry.objects.exists()


# --- problems ----------------------------------------------------------------------------


def test_a_problem_reaches_the_departments_inbox(team):
    project, member = team
    clerk, department = department_staff()
    with pytest.raises(Http404):
        services.resolve_problem(clerk, 10**12, answer="x")
    with translation.override("en"):
        problem = services.raise_problem(
            member, project.pk, department=department.pk, cause="power", text="需增容变压器"
        )
    assert problem.due_on == calendar().add(TODAY(), 5)
    assert problem.area_code == TOWN and problem.raised_by == member
    inbox = Notification.objects.for_user(clerk)
    notice = inbox.get(kind="projects.problem")
    assert notice.object_id == problem.pk and "需增容变压器" in notice.text
    assert notice.department_id == department.pk
    assert not Notification.objects.for_user(member).exists()
    assert AuditEntry.objects.filter(action="projects.problem.raise").count() == 1
    # The inbox links it for the department's staff, who see the project through it.
    assert problem.pk in progress_module.problem_links(clerk, [problem.pk])


def test_the_departments_staff_resolve_their_problem(team):
    project, member = team
    clerk, department = department_staff()
    other_clerk, _other = department_staff("other_clerk", code="power", name="县供电公司")
    problem = services.raise_problem(
        member,
        project.pk,
        department=department,
        cause="land",
        text="用地指标未落实",
        due_on=TODAY() + datetime.timedelta(days=3),
    )
    with pytest.raises(Http404):
        services.resolve_problem(other_clerk, problem.pk, answer="不归我们管")
    # The team member sees it but answers for no department.
    with pytest.raises(PermissionDenied):
        services.resolve_problem(member, problem.pk, answer="自己解决")
    services.resolve_problem(clerk, problem.pk, answer="已协调下达指标")
    problem.refresh_from_db()
    assert (problem.status, problem.resolved_by, problem.resolved_on) == (
        "resolved",
        clerk,
        TODAY(),
    )
    assert AuditEntry.objects.filter(action="projects.problem.resolve").count() == 1
    with pytest.raises(ValidationError):
        services.resolve_problem(clerk, problem.pk, answer="再次")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"cause": "weather"}, "cause"),
        ({"text": ""}, "text"),
        ({"department": 10**9}, "department"),
        (lambda: {"due_on": TODAY() - datetime.timedelta(days=1)}, "due_on"),
        ({"milestone": 10**9}, "milestone"),
    ],
)
def test_bad_problems_are_refused(team, values, field):
    project, member = team
    values = values() if callable(values) else values
    _clerk, department = department_staff()
    before = _counts()
    arguments = {"department": department, "cause": "land", "text": "用地"}
    with pytest.raises(ValidationError) as caught:
        services.raise_problem(member, project.pk, **{**arguments, **values})
    assert field in caught.value.message_dict
    assert _counts() == before


def test_a_problem_far_ahead_is_raised_with_a_provisional_due_day(team, monkeypatch):
    """A default due day in a year the calendar does not know is counted by the weekly
    rule and marked provisional: raising a problem is never refused for it."""
    project, member = team
    _clerk, department = department_staff()
    monkeypatch.setattr("django.conf.settings.PROJECTS_PROBLEM_DAYS", 2_000)
    problem = services.raise_problem(
        member, project.pk, department=department, cause="land", text="x"
    )
    assert problem.due_provisional is True
    assert not calendar().knows(problem.due_on.year)
