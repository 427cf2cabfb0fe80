"""Every write of a key project itself: created and changed by the county's command post
or the admins of its town (yiwang.projects.access.can_manage), its special team (专班),
its stages with the day each was reached, its permits (要素跟着项目走)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import access as core_access
from yiwang.core import audit, validators
from yiwang.projects import access
from yiwang.projects.models import (
    STAGE_ORDER,
    Batch,
    Permit,
    PermitKind,
    PermitState,
    Project,
    ProjectKind,
    ProjectMember,
    Stage,
    StageChange,
)
from yiwang.projects.services.inputs import (
    load_project,
    not_in_future,
    raise_errors,
    read_choice,
    read_date,
    read_money,
    read_user,
    require_manager,
)

NUMBER_MAX = 20
NAME_MAX = 100
PARK_MAX = 60
TEAM_MAX = 60
DUTY_MAX = 60
DESCRIPTION_MAX = 4000
REASON_MAX = 200
PERMIT_NUMBER_MAX = 60
NOTE_MAX = 200
MEMBERS_MAX = 100

# The fields update_project changes; the stage moves through change_stage only.
UPDATABLE = (
    "number",
    "name",
    "kind",
    "batch",
    "park",
    "enterprise",
    "leader",
    "team_name",
    "starts_on",
    "ends_on",
    "investment_planned",
    "description",
    "is_active",
)


def _enterprise(value, errors: dict):
    from yiwang.outreach.models import Enterprise

    if value in (None, ""):
        return None
    pk = validators.read_id(getattr(value, "pk", value))
    found = Enterprise.objects.filter(pk=pk).first() if pk else None
    if found is None:
        errors.setdefault("enterprise", []).append(_("Choose the enterprise from the list."))
    return found


def _area(code, errors: dict) -> str:
    from yiwang.areas.models import Area

    code = str(code or "").strip()
    if not code or not Area.objects.filter(code=code).exists():
        errors.setdefault("area_code", []).append(_("Choose the town or park the project lies in."))
        return ""
    return code


def _clean(values: dict, errors: dict) -> dict:
    """The fields among `values` read and checked (messages in `errors`)."""
    clean: dict = {}
    lines = {
        "number": (NUMBER_MAX, True),
        "name": (NAME_MAX, True),
        "park": (PARK_MAX, False),
        "team_name": (TEAM_MAX, False),
    }
    for field, (limit, required) in lines.items():
        if field in values:
            clean[field] = validators.clean_line(
                values[field] or "", field=field, limit=limit, required=required, errors=errors
            )
    if "description" in values:
        clean["description"] = validators.clean_text(
            values["description"] or "",
            field="description",
            limit=DESCRIPTION_MAX,
            required=False,
            errors=errors,
        )
    if "kind" in values:
        clean["kind"] = read_choice(
            values["kind"],
            ProjectKind,
            "kind",
            errors,
            _("Choose the type: technical upgrade, new build, research or foreign cooperation."),
        )
    if "batch" in values:
        clean["batch"] = read_choice(
            values["batch"], Batch, "batch", errors, _("Choose the batch (四个一批).")
        )
    for field in ("starts_on", "ends_on"):
        if field in values:
            clean[field] = read_date(values[field], field, errors)
    if "investment_planned" in values:
        clean["investment_planned"] = read_money(
            values["investment_planned"], "investment_planned", errors
        )
    if "enterprise" in values:
        clean["enterprise"] = _enterprise(values["enterprise"], errors)
    if "leader" in values:
        clean["leader"] = read_user(values["leader"], "leader", errors)
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            errors.setdefault("is_active", []).append(_("Say yes or no."))
        clean["is_active"] = bool(values["is_active"])
    return clean


def _check_span(starts_on, ends_on, errors: dict) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            _("The project cannot end (%(end)s) before it starts (%(start)s).")
            % {"end": ends_on.isoformat(), "start": starts_on.isoformat()}
        )


def _number_taken(number: str, exclude_pk=None) -> bool:
    return Project.objects.filter(number=number).exclude(pk=exclude_pk).exists()


def _taken_message():
    return {"number": [_("Another project already has this number: give another.")]}


@transaction.atomic
def create_project(
    actor,
    *,
    area_code,
    number,
    name,
    kind,
    batch,
    starts_on,
    ends_on,
    investment_planned,
    park="",
    enterprise=None,
    leader=None,
    team_name="",
    description="",
    stage=Stage.PLANNING,
    stage_reached_on=None,
) -> Project:
    """A key project of a town (or a park in it), at its stage reached on a day (today
    unless given), which its first `StageChange` records."""
    errors: dict = {}
    code = _area(area_code, errors)
    clean = _clean(
        {
            "number": number,
            "name": name,
            "kind": kind,
            "batch": batch,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "investment_planned": investment_planned,
            "park": park,
            "enterprise": enterprise,
            "leader": leader,
            "team_name": team_name,
            "description": description,
        },
        errors,
    )
    stage = read_choice(stage, Stage, "stage", errors, _("Choose the stage from the list."))
    reached = read_date(stage_reached_on, "stage_reached_on", errors, required=False)
    reached = reached or timezone.localdate()
    not_in_future(reached, "stage_reached_on", errors)
    _check_span(clean.get("starts_on"), clean.get("ends_on"), errors)
    raise_errors(errors)
    if actor is not None:
        core_access.recheck(actor)
        if not core_access.in_scope(actor, code):
            raise Http404(_("Not found."))  # an area outside the scope is not there
    if not access.can_manage(actor, code):
        raise PermissionDenied(
            _("Only the county's command post and the town's admins may add its projects.")
        )
    if _number_taken(clean["number"]):
        raise ValidationError(_taken_message())
    project = Project(
        area_code=code, stage=stage, stage_reached_on=reached, created_by=actor, **clean
    )
    try:
        with transaction.atomic():
            project.save(force_insert=True)
    except IntegrityError:
        if _number_taken(clean["number"]):
            raise ValidationError(_taken_message()) from None
        raise
    StageChange.objects.create(project=project, stage=stage, reached_on=reached, recorded_by=actor)
    audit.record(
        actor=actor,
        action="projects.project.create",
        obj=project,
        after=audit.snapshot(project),
    )
    return project


@transaction.atomic
def update_project(actor, project_id, **changes) -> Project:
    """Changes the fields given (of `UPDATABLE`); only those that differ are saved and
    audited."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationError(
            {field: [_("This field cannot be changed here.")] for field in unknown}
        )
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    clean = _clean(changes, errors)
    _check_span(
        clean.get("starts_on", project.starts_on), clean.get("ends_on", project.ends_on), errors
    )
    if "starts_on" in clean and clean["starts_on"]:
        early = project.milestones.filter(due_on__lt=clean["starts_on"]).order_by("due_on").first()
        if early is not None:
            errors.setdefault("starts_on", []).append(
                _("The milestone “%(name)s” is due on %(due)s, before this start: move it first.")
                % {"name": early.name, "due": early.due_on.isoformat()}
            )
    raise_errors(errors)
    if "number" in clean and _number_taken(clean["number"], project.pk):
        raise ValidationError(_taken_message())
    audit.save_changes(actor=actor, obj=project, values=clean, action="projects.project.update")
    return project


@transaction.atomic
def set_members(actor, project_id, *, members) -> None:
    """Replaces the project's special team: (user, duty, is_head) for each member."""
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    rows: dict = {}
    members = list(members or ())
    if len(members) > MEMBERS_MAX:
        errors["members"] = [_("At most %(max)d members.") % {"max": MEMBERS_MAX}]
        raise_errors(errors)
    for entry in members:
        try:
            user, duty, is_head = entry
        except (TypeError, ValueError):
            errors.setdefault("members", []).append(
                _("Each member is a user, a duty and head or not.")
            )
            continue
        found = read_user(user, "members", errors)
        duty = validators.clean_line(
            duty or "", field="members", limit=DUTY_MAX, required=False, errors=errors
        )
        if found is not None:
            rows[found.pk] = (duty, bool(is_head))
    raise_errors(errors)
    before = _members(project)
    project.members.exclude(user_id__in=list(rows)).delete()
    existing = {m.user_id: m for m in project.members.all()}
    for user_id, (duty, is_head) in rows.items():
        member = existing.get(user_id)
        if member is None:
            ProjectMember.objects.create(
                project=project, user_id=user_id, duty=duty, is_head=is_head
            )
        elif (member.duty, member.is_head) != (duty, is_head):
            member.duty, member.is_head = duty, is_head
            member.save(update_fields=["duty", "is_head"])
    after = _members(project)
    if after != before:
        audit.record(
            actor=actor,
            action="projects.project.members",
            obj=project,
            before={"members": before},
            after={"members": after},
        )


def _members(project: Project) -> list:
    return [
        {"user": user_id, "duty": duty, "is_head": is_head}
        for user_id, duty, is_head in project.members.order_by("user_id").values_list(
            "user_id", "duty", "is_head"
        )
    ]


@transaction.atomic
def change_stage(actor, project_id, *, stage, reached_on, reason="") -> StageChange:
    """The project reached `stage` on `reached_on`: not in the future, not before the last
    stage's day; a step back (a project that fell back from building to signed) names its
    reason."""
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    stage = read_choice(stage, Stage, "stage", errors, _("Choose the stage from the list."))
    reached = read_date(reached_on, "reached_on", errors)
    not_in_future(reached, "reached_on", errors)
    reason = validators.clean_line(
        reason or "", field="reason", limit=REASON_MAX, required=False, errors=errors
    )
    raise_errors(errors)
    last = project.stage_changes.order_by("-reached_on", "-id").first()
    last_day = last.reached_on if last else project.stage_reached_on
    if reached < last_day:
        errors["reached_on"] = [
            _("The last stage was reached on %(day)s: give that day or a later one.")
            % {"day": last_day.isoformat()}
        ]
    if stage == project.stage:
        errors["stage"] = [_("The project is already at this stage.")]
    elif STAGE_ORDER[stage] < STAGE_ORDER[project.stage] and not reason:
        errors["reason"] = [_("Moving a project back to an earlier stage needs a reason: say why.")]
    raise_errors(errors)
    before = {"stage": project.stage, "stage_reached_on": project.stage_reached_on}
    change = StageChange.objects.create(
        project=project, stage=stage, reached_on=reached, reason=reason, recorded_by=actor
    )
    project.stage, project.stage_reached_on = stage, reached
    project.save(update_fields=["stage", "stage_reached_on", "updated_at"])
    audit.record(
        actor=actor,
        action="projects.project.stage",
        obj=project,
        before=before,
        after={"stage": stage, "stage_reached_on": reached, "reason": reason},
    )
    return change


@transaction.atomic
def set_permit(actor, project_id, *, kind, state, state_on=None, number="", note="") -> Permit:
    """The state of one of the project's permits (one row a kind), since a day."""
    project = load_project(actor, project_id, lock=True)
    require_manager(actor, project)
    errors: dict = {}
    kind = read_choice(kind, PermitKind, "kind", errors, _("Choose the permit from the list."))
    state = read_choice(state, PermitState, "state", errors, _("Choose the state from the list."))
    day = read_date(state_on, "state_on", errors, required=False)
    not_in_future(day, "state_on", errors)
    number = validators.clean_line(
        number or "", field="number", limit=PERMIT_NUMBER_MAX, required=False, errors=errors
    )
    note = validators.clean_line(
        note or "", field="note", limit=NOTE_MAX, required=False, errors=errors
    )
    raise_errors(errors)
    values = {"state": state, "state_on": day, "number": number, "note": note}
    permit = Permit.objects.filter(project=project, kind=kind).first()
    if permit is None:
        permit = Permit.objects.create(project=project, kind=kind, **values)
        audit.record(
            actor=actor,
            action="projects.permit.set",
            obj=permit,
            area_code=project.area_code,
            after=audit.snapshot(permit),
        )
        return permit
    audit.save_changes(
        actor=actor,
        obj=permit,
        values=values,
        action="projects.permit.set",
        area_code=project.area_code,
    )
    return permit
