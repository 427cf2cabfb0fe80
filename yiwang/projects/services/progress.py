"""What the site reports: the day's progress (text, photos, the day's problems), at most
one entry a day a project, recorded on a phone by the special team, the leader in charge
or a manager of the project (yiwang.projects.access.can_report); and the problems raised
to a department with a deadline in working days, which its staff resolve
(access.can_answer).

The client's `uuid` makes an entry idempotent: the same entry sent again answers the
stored one (created False), whatever the network did in between."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.core import photos as photo_files
from yiwang.core.scoping import get_or_404
from yiwang.notices.models import Notification
from yiwang.projects import access
from yiwang.projects.models import (
    DelayCause,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressEntry,
    ProgressPhoto,
    Project,
)
from yiwang.projects.services.inputs import (
    calendar_known,
    load_project,
    not_in_future,
    raise_errors,
    read_choice,
    read_date,
    read_pk,
    read_uuid,
)
from yiwang.projects.workdays import UnknownCalendarYear, calendar

TEXT_MAX = 2000
PROBLEM_MAX = 2000
ANSWER_MAX = 2000
NOTICE_KIND = "projects.problem"
PROBLEM_OBJECT_TYPE = "projects.problem"


# --- the day's progress ---------------------------------------------------------------


def _require_reporter(actor, project: Project) -> None:
    if not access.can_report(actor, project):
        raise PermissionDenied(
            _(
                "Only the project's special team, its leader in charge and its managers may "
                "report on it."
            )
        )


def _day_taken(project: Project, day) -> ValidationError:
    return ValidationError(
        {
            "day": [
                _(
                    "The progress of “%(project)s” is already recorded for that day "
                    "(%(day)s): one entry a day; record another day."
                )
                % {"project": project.name, "day": day.isoformat()}
            ]
        }
    )


def _replayed(actor, entry: ProgressEntry, project_id: int) -> ProgressEntry:
    """The stored entry of a uuid sent again: for the same project, and one the actor
    sees."""
    if entry.project_id != project_id:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before with another project: make a new UUID for "
                        "a new entry."
                    )
                ]
            }
        )
    with transaction.atomic():
        load_project(actor, project_id)
    return entry


def record_progress(
    actor, project_id, *, day, text, problems="", photos=(), uuid=None
) -> tuple[ProgressEntry, bool]:
    """Records the day's progress of the project (`day` not in the future) with its photos.
    Answers (entry, created): created False when the uuid was recorded before (the same
    entry back, nothing changed). A second entry the same day is refused; a file that is
    not an image too, and nothing is stored."""
    pk = read_pk(project_id)
    key = read_uuid(uuid) if uuid not in (None, "") else None
    if key is not None:
        stored = ProgressEntry.objects.filter(uuid=key).first()
        if stored is not None:
            return _replayed(actor, stored, pk), False
    errors: dict = {}
    day = read_date(day, "day", errors)
    not_in_future(day, "day", errors)
    text = validators.clean_text(
        text or "", field="text", limit=TEXT_MAX, required=True, errors=errors
    )
    problems = validators.clean_text(
        problems or "", field="problems", limit=PROBLEM_MAX, required=False, errors=errors
    )
    files = [f for f in (photos or ()) if f is not None]
    if files:
        # Decoding a large photo takes a while: before the transaction.
        try:
            files = photo_files.read_photos(files)
        except ValidationError as exc:
            errors["photos"] = exc.messages
    raise_errors(errors)
    try:
        with photo_files.removed_on_failure() as stored_files, transaction.atomic():
            project = load_project(actor, pk, lock=True)
            _require_reporter(actor, project)
            if ProgressEntry.objects.filter(project=project, day=day).exists():
                raise _day_taken(project, day)
            now = timezone.now()
            entry = ProgressEntry(
                project=project,
                day=day,
                text=text,
                problems=problems,
                recorded_by=actor,
                created_at=now,
            )
            if key is not None:
                entry.uuid = key
            with transaction.atomic():
                entry.save(force_insert=True)
            rows = []
            for photo in files:
                row = ProgressPhoto(entry=entry, created_at=now, **photo_files.row_values(photo))
                photo_files.store(row, photo, stored_files)
                rows.append(row)
            ProgressPhoto.objects.bulk_create(rows)
            audit.record(
                actor=actor,
                action="projects.progress.record",
                obj=entry,
                area_code=project.area_code,
                after={**audit.snapshot(entry), "photos": len(rows)},
            )
    except IntegrityError:
        # Sent twice at once, or two entries of the same day at once: the unique
        # constraints decided.
        if key is not None:
            stored = ProgressEntry.objects.filter(uuid=key).first()
            if stored is not None:
                return _replayed(actor, stored, pk), False
        project = Project.objects.filter(pk=pk).first()
        if project is not None and ProgressEntry.objects.filter(project=project, day=day).exists():
            raise _day_taken(project, day) from None
        raise
    return entry, True


# --- problems raised to a department ----------------------------------------------------------


def _department(value, errors: dict):
    from yiwang.cases.models import Department

    pk = validators.read_id(getattr(value, "pk", value))
    found = Department.objects.filter(pk=pk, is_active=True).first() if pk else None
    if found is None:
        errors.setdefault("department", []).append(_("Choose the department from the list."))
    return found


def problem_links(user, ids, *, anchor: str = "") -> dict:
    """{problem id: (URL, title)} for the problems among `ids` the user may open (the
    inbox): those of the projects they see; `anchor` (e.g. "#problems") ends the URL."""
    from django.urls import NoReverseMatch, reverse

    q = access.project_q(user)
    problems = Problem.objects.filter(pk__in=list(ids))
    if q is not None:
        problems = problems.filter(project__in=Project.objects.filter(q))
    links = {}
    for pk, project_id, text in problems.values_list("pk", "project_id", "text"):
        try:
            url = reverse("projects:project", args=[project_id]) + anchor
        except NoReverseMatch:
            url = f"/api/v1/projects/{project_id}/"
        links[pk] = (url, text[:40])
    return links


def default_due(raised_on: datetime.date) -> tuple[datetime.date, bool]:
    """A problem's default due day, `PROJECTS_PROBLEM_DAYS` working days after the day
    raised, and whether it is provisional: counted in a year whose holidays are not known
    yet by the weekly rule alone (a problem raised in late December is never refused)."""
    counting = calendar().provisional()
    with calendar_known("due_on"):
        if not counting.years or raised_on.year < counting.years[0]:
            raise UnknownCalendarYear(raised_on.year)
        due = counting.add(raised_on, settings.PROJECTS_PROBLEM_DAYS)
    return due, bool(counting.assumed)


def recount_provisional_dues(actor) -> int:
    """The open problems whose default due day was counted in a year not known then:
    counted again from the day raised on the calendar as it stands now, each change
    audited; the mark cleared once no year is assumed. Answers how many changed."""
    rows = Problem.objects.select_for_update().filter(
        status=ProblemStatus.OPEN, due_provisional=True
    )
    changed = 0
    for problem in rows.order_by("pk"):
        due, provisional = default_due(problem.raised_on)
        values = {"due_on": due, "due_provisional": provisional}
        if audit.save_changes(
            actor=actor,
            obj=problem,
            values=values,
            action="projects.problem.recount",
            area_code=problem.area_code,
        ):
            changed += 1
    return changed


def overdue_problem_links(user, ids) -> dict:
    """The links of the overdue-problem reminders: the project's page at its problems."""
    return problem_links(user, ids, anchor="#problems")


@transaction.atomic
def raise_problem(
    actor, project_id, *, department, cause, text, milestone=None, due_on=None
) -> Problem:
    """Raises a problem of the project to a department, due in `PROJECTS_PROBLEM_DAYS`
    working days from today unless given its own day; the department's staff find it in
    their inbox."""
    project = load_project(actor, project_id, lock=True)
    _require_reporter(actor, project)
    errors: dict = {}
    found_department = _department(department, errors)
    cause = read_choice(
        cause,
        DelayCause,
        "cause",
        errors,
        _("Choose the cause: land, funds, permits, power, equipment or other."),
    )
    text = validators.clean_text(
        text or "", field="text", limit=PROBLEM_MAX, required=True, errors=errors
    )
    found_milestone = None
    if milestone not in (None, ""):
        mpk = validators.read_id(getattr(milestone, "pk", milestone))
        found_milestone = Milestone.objects.filter(pk=mpk, project=project).first() if mpk else None
        if found_milestone is None:
            errors["milestone"] = [_("Choose one of this project's milestones.")]
    today = timezone.localdate()
    due = read_date(due_on, "due_on", errors, required=False)
    if due is not None and due < today:
        errors.setdefault("due_on", []).append(
            _("The deadline %(day)s has passed: give today or a later day.")
            % {"day": due.isoformat()}
        )
    raise_errors(errors)
    provisional = False
    if due is None:
        due, provisional = default_due(today)
    problem = Problem.objects.create(
        area_code=project.area_code,
        project=project,
        milestone=found_milestone,
        cause=cause,
        department=found_department,
        text=text,
        raised_on=today,
        due_on=due,
        due_provisional=provisional,
        raised_by=actor,
    )
    Notification.objects.create(
        kind=NOTICE_KIND,
        object_type=PROBLEM_OBJECT_TYPE,
        object_id=problem.pk,
        department_id=found_department.pk,
        text=_(
            "The project “%(project)s” raises a problem to %(department)s, due on %(due)s: %(text)s"
        )
        % {
            "project": project.name,
            "department": found_department.name,
            "due": due.isoformat(),
            "text": text[:100],
        },
    )
    audit.record(
        actor=actor,
        action="projects.problem.raise",
        obj=problem,
        after=audit.snapshot(problem),
    )
    return problem


@transaction.atomic
def resolve_problem(actor, problem_id, *, answer) -> Problem:
    """The department answers and resolves an open problem."""
    pk = read_pk(problem_id)
    project_id = Problem.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    if project_id is None:
        raise Http404(_("Not found."))
    load_project(actor, project_id)
    problem = get_or_404(Problem.objects.select_related("project"), lock=True, pk=pk)
    if not access.can_answer(actor, problem):
        raise PermissionDenied(
            _("Only the department's staff, or the project's managers, may resolve this problem.")
        )
    errors: dict = {}
    answer = validators.clean_text(
        answer or "", field="answer", limit=ANSWER_MAX, required=True, errors=errors
    )
    raise_errors(errors)
    if problem.status != ProblemStatus.OPEN:
        raise ValidationError(_("This problem has already been resolved."))
    before = {"status": problem.status}
    problem.status = ProblemStatus.RESOLVED
    problem.answer = answer
    problem.resolved_on = timezone.localdate()
    problem.resolved_by = actor
    problem.save(update_fields=["status", "answer", "resolved_on", "resolved_by", "updated_at"])
    audit.record(
        actor=actor,
        action="projects.problem.resolve",
        obj=problem,
        before=before,
        after={"status": problem.status, "answer": answer, "resolved_on": problem.resolved_on},
    )
    return problem
