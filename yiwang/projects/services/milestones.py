"""The plan of a project: its milestones (due on a day, with an owner, done on a day, a
late one tagged with the cause of its delay), the milestone types with their colour
thresholds (the county's command post), and the monthly targets of investment and
physical progress."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.core.scoping import get_or_404
from yiwang.projects.models import (
    DelayCause,
    Milestone,
    MilestoneType,
    MonthlyTarget,
    Project,
)
from yiwang.projects.services.inputs import (
    calendar_known,
    load_project,
    not_in_future,
    raise_errors,
    read_choice,
    read_date,
    read_money,
    read_percent,
    read_pk,
    read_user,
    require_command_post,
    require_manager,
)
from yiwang.projects.workdays import calendar

CODE_MAX = 40
TYPE_NAME_MAX = 40
NAME_MAX = 100
NOTE_MAX = 200
THRESHOLD_MAX = 999
MILESTONE_UPDATABLE = ("milestone_type", "name", "due_on", "owner")


# --- milestone types ------------------------------------------------------------------


def _threshold(value, field: str, errors: dict) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not 1 <= number <= THRESHOLD_MAX:
        errors.setdefault(field, []).append(
            _("Give a number of working days late, from 1 to %(max)d.") % {"max": THRESHOLD_MAX}
        )
        return None
    return number


@transaction.atomic
def configure_milestone_type(
    actor, *, code, name, yellow_from, red_from, order=0, pk=None
) -> MilestoneType:
    """Adds a milestone type (`pk` None) or changes one: green under `yellow_from` working
    days late, yellow from it, red from `red_from` (above `yellow_from`)."""
    require_command_post(actor)
    errors: dict = {}
    code = validators.normalize_code(code).lower()
    if (
        not code
        or len(code) > CODE_MAX
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        errors["code"] = [
            _("Give a short code of Latin letters, digits, - or _, e.g. land-supply.")
        ]
    name = validators.clean_line(
        name or "", field="name", limit=TYPE_NAME_MAX, required=True, errors=errors
    )
    yellow = _threshold(yellow_from, "yellow_from", errors)
    red = _threshold(red_from, "red_from", errors)
    if yellow is not None and red is not None and red <= yellow:
        errors["red_from"] = [
            _("Red starts above yellow: give a number of working days above %(yellow)d.")
            % {"yellow": yellow}
        ]
    try:
        order = int(order or 0)
        if not 0 <= order <= 32767:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = [_("Give the place in the list, a number from 0.")]
    raise_errors(errors)
    found = None
    if pk not in (None, ""):
        found = get_or_404(MilestoneType.objects.all(), lock=True, pk=read_pk(pk))
    others = MilestoneType.objects.exclude(pk=found.pk if found else None)
    if others.filter(code=code).exists():
        errors["code"] = [_("Another milestone type has this code.")]
    if others.filter(name=name).exists():
        errors["name"] = [_("Another milestone type has this name.")]
    raise_errors(errors)
    values = {"code": code, "name": name, "yellow_from": yellow, "red_from": red, "order": order}
    try:
        with transaction.atomic():
            if found is None:
                found = MilestoneType.objects.create(**values)
                audit.record(
                    actor=actor,
                    action="projects.milestone_type.create",
                    obj=found,
                    after=audit.snapshot(found),
                )
            else:
                audit.save_changes(
                    actor=actor, obj=found, values=values, action="projects.milestone_type.update"
                )
    except IntegrityError:
        raise ValidationError(_("Another milestone type has this code or name.")) from None
    return found


def _milestone_type(value, errors: dict):
    pk = validators.read_id(getattr(value, "pk", value))
    found = MilestoneType.objects.filter(pk=pk).first() if pk else None
    if found is None:
        errors.setdefault("milestone_type", []).append(_("Choose the milestone type."))
    return found


def _check_due(project: Project, due_on, errors: dict) -> None:
    if due_on is not None and due_on < project.starts_on:
        errors.setdefault("due_on", []).append(
            _(
                "A milestone cannot be due before its project starts (the project starts on "
                "%(start)s; the milestone is due on %(due)s)."
            )
            % {"start": project.starts_on.isoformat(), "due": due_on.isoformat()}
        )


# --- milestones ------------------------------------------------------------------------------


def _milestone(actor, milestone_id) -> Milestone:
    """The milestone of a project the actor sees (404 otherwise), locked."""
    pk = read_pk(milestone_id)
    project_id = Milestone.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    if project_id is None:
        raise Http404(_("Not found."))
    load_project(actor, project_id)
    return get_or_404(
        Milestone.objects.select_related("project", "milestone_type"), lock=True, pk=pk
    )


@transaction.atomic
def add_milestone(actor, project_id, *, milestone_type, name, due_on, owner=None) -> Milestone:
    """A milestone of the project, due on a day not before the project starts."""
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    kind = _milestone_type(milestone_type, errors)
    name = validators.clean_line(
        name or "", field="name", limit=NAME_MAX, required=True, errors=errors
    )
    due = read_date(due_on, "due_on", errors)
    owner = read_user(owner, "owner", errors)
    _check_due(project, due, errors)
    raise_errors(errors)
    milestone = Milestone.objects.create(
        project=project, milestone_type=kind, name=name, due_on=due, owner=owner
    )
    audit.record(
        actor=actor,
        action="projects.milestone.create",
        obj=milestone,
        area_code=project.area_code,
        after=audit.snapshot(milestone),
    )
    return milestone


@transaction.atomic
def update_milestone(actor, milestone_id, **changes) -> Milestone:
    """Changes a milestone's type, name, due day or owner."""
    unknown = sorted(set(changes) - set(MILESTONE_UPDATABLE))
    if unknown:
        raise ValidationError(
            {field: [_("This field cannot be changed here.")] for field in unknown}
        )
    milestone = _milestone(actor, milestone_id)
    require_manager(actor, milestone.project)
    errors: dict = {}
    values: dict = {}
    if "milestone_type" in changes:
        values["milestone_type"] = _milestone_type(changes["milestone_type"], errors)
    if "name" in changes:
        values["name"] = validators.clean_line(
            changes["name"] or "", field="name", limit=NAME_MAX, required=True, errors=errors
        )
    if "due_on" in changes:
        values["due_on"] = read_date(changes["due_on"], "due_on", errors)
        _check_due(milestone.project, values["due_on"], errors)
    if "owner" in changes:
        values["owner"] = read_user(changes["owner"], "owner", errors)
    raise_errors(errors)
    audit.save_changes(
        actor=actor,
        obj=milestone,
        values=values,
        action="projects.milestone.update",
        area_code=milestone.project.area_code,
    )
    return milestone


def _cause(cause, note, errors: dict, *, required: bool) -> tuple[str, str]:
    note = validators.clean_line(
        note or "", field="delay_note", limit=NOTE_MAX, required=False, errors=errors
    )
    if cause in (None, "") and not required:
        return "", note
    cause = read_choice(
        cause,
        DelayCause,
        "delay_cause",
        errors,
        _("Tag the delay with its cause: land, funds, permits, power, equipment or other."),
    )
    return cause, note


@transaction.atomic
def complete_milestone(actor, milestone_id, *, done_on, delay_cause="", delay_note="") -> Milestone:
    """The milestone done on a day (not in the future). Done later than due, counted in
    working days, its delay is tagged with a cause; it keeps its lag."""
    milestone = _milestone(actor, milestone_id)
    require_manager(actor, milestone.project)
    errors: dict = {}
    done = read_date(done_on, "done_on", errors)
    not_in_future(done, "done_on", errors)
    raise_errors(errors)
    with calendar_known("done_on"):
        lag = calendar().lag(milestone.due_on, done)
    cause, note = _cause(delay_cause, delay_note, errors, required=lag > 0)
    raise_errors(errors)
    values = {"done_on": done}
    if lag > 0:
        values.update(delay_cause=cause, delay_note=note)
    audit.save_changes(
        actor=actor,
        obj=milestone,
        values=values,
        action="projects.milestone.complete",
        area_code=milestone.project.area_code,
    )
    return milestone


@transaction.atomic
def tag_delay(actor, milestone_id, *, cause, note="") -> Milestone:
    """Tags a milestone's delay with its cause (and a note)."""
    milestone = _milestone(actor, milestone_id)
    require_manager(actor, milestone.project)
    errors: dict = {}
    cause, note = _cause(cause, note, errors, required=True)
    raise_errors(errors)
    audit.save_changes(
        actor=actor,
        obj=milestone,
        values={"delay_cause": cause, "delay_note": note},
        action="projects.milestone.tag_delay",
        area_code=milestone.project.area_code,
    )
    return milestone


# --- monthly targets ------------------------------------------------------------------------


@transaction.atomic
def set_target(
    actor,
    project_id,
    *,
    month: datetime.date,
    investment_planned,
    progress_planned,
    investment_done=None,
    progress_done=None,
) -> MonthlyTarget:
    """A month's target (and what was done) for the project; the project's
    `investment_done` stays the sum of its months'."""
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    day = read_date(month, "month", errors)
    values = {
        "investment_planned": read_money(investment_planned, "investment_planned", errors),
        "progress_planned": read_percent(progress_planned, "progress_planned", errors),
        "investment_done": read_money(investment_done, "investment_done", errors, required=False),
        "progress_done": read_percent(progress_done, "progress_done", errors, required=False),
    }
    if day is not None:
        day = day.replace(day=1)
    raise_errors(errors)
    target = MonthlyTarget.objects.filter(project=project, month=day).first()
    if target is None:
        target = MonthlyTarget.objects.create(project=project, month=day, **values)
        audit.record(
            actor=actor,
            action="projects.target.set",
            obj=target,
            area_code=project.area_code,
            after=audit.snapshot(target),
        )
    else:
        audit.save_changes(
            actor=actor,
            obj=target,
            values=values,
            action="projects.target.set",
            area_code=project.area_code,
        )
    total = project.targets.aggregate(total=Sum("investment_done"))["total"] or 0
    audit.save_changes(
        actor=actor,
        obj=project,
        values={"investment_done": total},
        action="projects.project.update",
    )
    return target
