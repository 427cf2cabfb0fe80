"""Every write of enterprise support: the finance-counsellor teams (the county's command
post keeps them), the enterprises' requests on Shandong's working-day clock, and the
sweep that reminds and escalates them.

The clock (settings.PROJECTS_REQUEST_DAYS, working days of `workdays.calendar()` after
the day received): verifying begun within 1, a reply within 3, resolved within 15; once,
with a reason, resolution extended to 30. A stage that ends after its due day is marked
late, for good; the sweep also marks late every stage still to be done whose due day is
past, whatever the status (an extension granted afterwards does not undo it). Due days
reaching into a year whose holidays are not known yet (a request received from about
11 December) are counted by the weekly rule and the request marked `clock_provisional`;
the county's entering the year counts them again (`recount_provisional_clocks`).

Escalation: the request's level is the number of its stages that went late, at most the
county: each overdue stage raises it one level (the department → the town admins of the
enterprise's town → the county's command post), and each level is notified once.

`actor=None` is the command line or a background task: no checks.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, F, Max, Q
from django.db.models.functions import Cast, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.core import audit, validators
from yiwang.notices.models import Notification
from yiwang.projects import access
from yiwang.projects.models import (
    CounsellorTeam,
    EnterpriseRequest,
    EscalationLevel,
    Problem,
    ProblemStatus,
    RequestKind,
    RequestStatus,
    Satisfaction,
)
from yiwang.projects.selectors import support as selectors
from yiwang.projects.services.inputs import read_date, read_pk, read_uuid, require_command_post
from yiwang.projects.workdays import UnknownCalendarYear, calendar

NOTICE_DUE = "projects.request_due"
NOTICE_ESCALATED = "projects.request_escalated"
NOTICE_PROBLEM_DUE = "projects.problem_due"
NAME_MAX = 60
TEXT_MAX = 2000
REASON_MAX = 200
MEMBERS_MAX = 100
NUMBER_ATTEMPTS = 20

# The stage each open status waits for: its due field and its late flag.
STAGES = {
    RequestStatus.RECEIVED: ("verify_due", "verify_late"),
    RequestStatus.VERIFYING: ("reply_due", "reply_late"),
    RequestStatus.REPLIED: ("resolve_due", "resolve_late"),
}
LATE_FLAGS = ("verify_late", "reply_late", "resolve_late")
# Every stage in order: its due field, its late flag, the statuses in which it is still
# to be done (a stage past its due day in one of them is late, whatever the status).
STAGE_ORDER = (
    ("verify_due", "verify_late", (RequestStatus.RECEIVED,)),
    ("reply_due", "reply_late", (RequestStatus.RECEIVED, RequestStatus.VERIFYING)),
    (
        "resolve_due",
        "resolve_late",
        (RequestStatus.RECEIVED, RequestStatus.VERIFYING, RequestStatus.REPLIED),
    ),
)
DUE_FIELDS = ("verify_due", "reply_due", "resolve_due")


def _today() -> datetime.date:
    return timezone.localdate()


def clock(received_on: datetime.date, *, extended: bool = False) -> dict[str, Any]:
    """The due days of a request received on `received_on` (the resolution's extended to
    30 working days when `extended`), and `clock_provisional`: whether one of them was
    counted in a year whose holidays are not known yet, by the weekly rule alone (a
    request received in late December is never refused for it; the county's entering
    the year counts them again). A day before every year the calendar knows is the
    calendar's message."""
    days = settings.PROJECTS_REQUEST_DAYS
    counting = calendar().provisional()
    if not counting.years or received_on.year < counting.years[0]:
        raise ValidationError({"received_on": [str(UnknownCalendarYear(received_on.year))]})
    dues = {
        "verify_due": counting.add(received_on, days["verify"]),
        "reply_due": counting.add(received_on, days["reply"]),
        "resolve_due": counting.add(received_on, days["extended" if extended else "resolve"]),
    }
    return {**dues, "clock_provisional": bool(counting.assumed)}


# --- counsellor teams -----------------------------------------------------------------------


def _require_command_post(actor) -> None:
    if actor is not None:
        scope.recheck(actor)
    require_command_post(actor)


def _users(actor, values, field: str) -> list:
    """The active users among the ids (or users) given; an unknown one is a message."""
    from yiwang.accounts.models import User

    ids = []
    for value in values or ():
        pk = validators.read_id(getattr(value, "pk", value))
        if pk is None:
            raise ValidationError({field: [_("Choose the members from the list.")]})
        ids.append(pk)
    if len(set(ids)) > MEMBERS_MAX:
        raise ValidationError(
            {field: [_("A team has at most %(max)d members.") % {"max": MEMBERS_MAX}]}
        )
    rows = User.objects.filter(pk__in=set(ids), is_active=True)
    if actor is not None:
        rows = rows.filter(pk__in=User.objects.visible_to(actor).values("pk"))
    found = list(rows)
    if len(found) != len(set(ids)):
        raise ValidationError({field: [_("Choose the members from the list.")]})
    return found


def _team_fields(actor, errors: dict, *, name, bank, leader, pk=None) -> dict:
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    bank = validators.clean_line(bank, field="bank", limit=NAME_MAX, required=True, errors=errors)
    if name and CounsellorTeam.objects.filter(name=name).exclude(pk=pk).exists():
        errors.setdefault("name", []).append(_("A team of that name exists already."))
    chosen = None
    if leader not in (None, ""):
        try:
            chosen = _users(actor, [leader], "leader")[0]
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return {"name": name, "bank": bank, "leader": chosen}


def _team_snapshot(team: CounsellorTeam) -> dict:
    return {
        **audit.snapshot(team),
        "members": sorted(team.members.values_list("pk", flat=True)),
    }


@transaction.atomic
def create_team(actor, *, name, bank, leader=None, members=(), is_active=True) -> CounsellorTeam:
    """A finance-counsellor team (the command post's); its leader is one of its members."""
    _require_command_post(actor)
    errors: dict = {}
    fields = _team_fields(actor, errors, name=name, bank=bank, leader=leader)
    try:
        people = _users(actor, members, "members")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        people = []
    if errors:
        raise ValidationError(errors)
    team = CounsellorTeam.objects.create(**fields, is_active=bool(is_active))
    team.members.set({*people, *([fields["leader"]] if fields["leader"] else [])})
    audit.record(actor=actor, action="projects_team.create", obj=team, after=_team_snapshot(team))
    return team


def _team(team_id) -> CounsellorTeam:
    try:
        return CounsellorTeam.objects.select_for_update().get(pk=read_pk(team_id))
    except CounsellorTeam.DoesNotExist:
        raise Http404(_("Not found.")) from None


@transaction.atomic
def update_team(actor, team_id, **changes) -> CounsellorTeam:
    """Changes a team's name, bank, leader or whether it is active: only what changed is
    saved and audited."""
    _require_command_post(actor)
    team = _team(team_id)
    unknown = set(changes) - {"name", "bank", "leader", "is_active"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    errors: dict = {}
    fields = _team_fields(
        actor,
        errors,
        name=changes.get("name", team.name),
        bank=changes.get("bank", team.bank),
        leader=changes.get("leader", team.leader_id),
        pk=team.pk,
    )
    if errors:
        raise ValidationError(errors)
    values = {name: fields[name] for name in ("name", "bank") if name in changes}
    if "leader" in changes:
        values["leader"] = fields["leader"]
    if "is_active" in changes:
        values["is_active"] = bool(changes["is_active"])
    audit.save_changes(
        actor=actor, obj=team, values=values, action="projects_team.update", snap=_team_snapshot
    )
    if team.leader_id:
        team.members.add(team.leader_id)
    return team


@transaction.atomic
def set_team_members(actor, team_id, *, members) -> CounsellorTeam:
    """The team's members become those given (its leader stays one)."""
    _require_command_post(actor)
    team = _team(team_id)
    people = _users(actor, members, "members")
    before = _team_snapshot(team)
    team.members.set({*people, *([team.leader] if team.leader_id else [])})
    after = _team_snapshot(team)
    if after != before:
        audit.record(
            actor=actor, action="projects_team.members", obj=team, before=before, after=after
        )
    return team


# --- requests -------------------------------------------------------------------------------


def _load(actor, request_id, *, lock: bool = True) -> EnterpriseRequest:
    """The request in the actor's sight (404 outside it), its row locked."""
    if actor is not None:
        scope.recheck(actor)
        from yiwang.cases.models import forget_departments

        forget_departments(actor)
    rows = selectors.visible_requests(actor).select_related("enterprise")
    if lock:
        rows = rows.select_for_update(of=("self",))
    try:
        return rows.get(pk=read_pk(request_id))
    except EnterpriseRequest.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _next_number(year: int) -> str:
    """The year's next number: one more than the largest numeric part (QS2026-10000
    follows QS2026-9999, which a text order would put after it)."""
    prefix = f"QS{year}-"
    last = (
        EnterpriseRequest.objects.filter(number__startswith=prefix)
        .annotate(serial=Cast(Substr("number", len(prefix) + 1), BigIntegerField()))
        .aggregate(last=Max("serial"))["last"]
    )
    return f"{prefix}{(last or 0) + 1:04d}"


def _insert(row: EnterpriseRequest) -> EnterpriseRequest | None:
    """Saves the new request with the next number of its year; answers the stored
    request instead when another copy of it (the same uuid) was saved meanwhile."""
    for _attempt in range(NUMBER_ATTEMPTS):
        row.number = _next_number(row.received_on.year)
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            return None
        except IntegrityError:
            stored = EnterpriseRequest.objects.filter(uuid=row.uuid).first()
            if stored is not None:
                return stored
            if not EnterpriseRequest.objects.filter(number=row.number).exists():
                raise
            row.pk = None
    raise ValidationError(_("Too many requests were recorded at this moment: send it again."))


def _stored(actor, key, *, enterprise, kind, text) -> EnterpriseRequest | None:
    """A request sent before under the same uuid: the actor's to see and the same
    request (enterprise, kind and text), else a message."""
    stored = EnterpriseRequest.objects.filter(uuid=key).first()
    if stored is None:
        return None
    if not selectors.visible_requests(actor).filter(pk=stored.pk).exists():
        raise ValidationError({"uuid": [_("That UUID belongs to another request.")]})
    same = (
        validators.read_id(getattr(enterprise, "pk", enterprise)) == stored.enterprise_id
        and kind == stored.kind
        and validators.clean_text(text, field="text", limit=TEXT_MAX, required=False, errors={})
        == stored.text
    )
    if not same:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "That UUID was sent before with another enterprise, kind or text "
                        "(request %(number)s): make a new UUID for a new request."
                    )
                    % {"number": stored.number}
                ]
            }
        )
    return stored


def _enterprise(actor, enterprise):
    """The enterprise sent (an id or a row; text typed on the page is looked up by
    `selectors.find_enterprise`), one the actor may record requests of."""
    from yiwang.outreach.models import Enterprise

    if isinstance(enterprise, str):
        return selectors.find_enterprise(actor, enterprise)
    try:
        firm = Enterprise.objects.get(pk=read_pk(enterprise))
    except Enterprise.DoesNotExist:
        raise Http404(_("Not found.")) from None
    if actor is not None and not selectors.may_receive(actor, firm):
        if Enterprise.objects.visible_to(actor).filter(pk=firm.pk).exists():
            raise PermissionDenied(
                _(
                    "Only a manager of the enterprise's area or its finance counsellor "
                    "records its requests."
                )
            )
        raise Http404(_("Not found."))
    return firm


@transaction.atomic
def receive_request(
    actor, *, enterprise, kind, text, department, received_on=None, uuid=None
) -> tuple[EnterpriseRequest, bool]:
    """Records an enterprise's request, sent to a department, with its due days. Recorded
    by a manager of the enterprise's area or its finance counsellor. The client's `uuid`
    makes sending it twice harmless: (the stored request, False); the same uuid with
    another enterprise, kind or text is refused. `enterprise` is an id or a row, or the
    name or credit code typed on the page (`selectors.find_enterprise`). Due days reaching into a
    year whose holidays are not known yet are counted by the weekly rule and marked
    provisional (`clock`)."""
    from yiwang.cases.models import Department

    if actor is not None:
        scope.recheck(actor)
    key = read_uuid(uuid) if uuid not in (None, "") else uuid_module.uuid4()
    firm = _enterprise(actor, enterprise)
    stored = _stored(actor, key, enterprise=firm.pk, kind=kind, text=text)
    if stored is not None:
        return stored, False
    errors: dict = {}
    if not firm.is_active:
        errors["enterprise"] = [_("The enterprise is no longer active.")]
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose the kind of request from the list.")]
    text = validators.clean_text(text, field="text", limit=TEXT_MAX, required=True, errors=errors)
    office = None
    pk = validators.read_id(getattr(department, "pk", department))
    if pk is not None:
        office = Department.objects.filter(pk=pk, is_active=True).first()
    if office is None:
        errors["department"] = [_("Choose the department from the list.")]
    today = _today()
    day = today
    if received_on not in (None, ""):
        day = read_date(received_on, "received_on", errors)
        if day is not None and day > today:
            errors["received_on"] = [_("A request cannot be received in the future.")]
    if errors:
        raise ValidationError(errors)
    dues = clock(day)
    row = EnterpriseRequest(
        area_code=firm.area_code,
        enterprise=firm,
        kind=kind,
        text=text,
        department=office,
        received_on=day,
        uuid=key,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        **dues,
    )
    # Overdue already (received on paper some days ago): the sweep marks and raises it.
    stored = _insert(row)
    if stored is not None:
        return stored, False
    audit.record(actor=actor, action="projects_request.receive", obj=row, after=audit.snapshot(row))
    return row, True


def _require_handler(actor, row: EnterpriseRequest) -> None:
    if actor is not None and not access.can_answer(actor, row):
        raise PermissionDenied(
            _("Only the department's staff or a manager of the area handle the request.")
        )


def _require_status(row: EnterpriseRequest, *statuses, message) -> None:
    if row.status not in statuses:
        raise ValidationError(message)


def _step(actor, row: EnterpriseRequest, action: str, values: dict) -> EnterpriseRequest:
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[*values, "updated_at"])
    audit.record(actor=actor, action=action, obj=row, before=before, after=values)
    return row


@transaction.atomic
def begin_verifying(actor, request_id) -> EnterpriseRequest:
    row = _load(actor, request_id)
    _require_handler(actor, row)
    _require_status(
        row, RequestStatus.RECEIVED, message=_("Verifying of this request has begun already.")
    )
    today = _today()
    return _step(
        actor,
        row,
        "projects_request.verify",
        {
            "status": RequestStatus.VERIFYING,
            "verified_on": today,
            "verify_late": row.verify_late or today > row.verify_due,
        },
    )


@transaction.atomic
def reply_request(actor, request_id, *, reply) -> EnterpriseRequest:
    row = _load(actor, request_id)
    _require_handler(actor, row)
    _require_status(
        row,
        RequestStatus.VERIFYING,
        message=_("A request is replied to once, after its verifying has begun."),
    )
    errors: dict = {}
    reply = validators.clean_text(
        reply, field="reply", limit=TEXT_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    today = _today()
    return _step(
        actor,
        row,
        "projects_request.reply",
        {
            "status": RequestStatus.REPLIED,
            "replied_on": today,
            "reply": reply,
            "reply_late": row.reply_late or today > row.reply_due,
        },
    )


@transaction.atomic
def extend_request(actor, request_id, *, reason) -> EnterpriseRequest:
    """Extends the resolution to 30 working days after the day received, once, with a
    reason. A resolution already overdue stays late."""
    row = _load(actor, request_id)
    _require_handler(actor, row)
    _require_status(
        row,
        RequestStatus.RECEIVED,
        RequestStatus.VERIFYING,
        RequestStatus.REPLIED,
        message=_("A resolved request is not extended."),
    )
    if row.extension_reason:
        raise ValidationError(_("A request's resolution is extended once only."))
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    dues = clock(row.received_on, extended=True)
    today = _today()
    return _step(
        actor,
        row,
        "projects_request.extend",
        {
            "extension_reason": reason,
            "resolve_due": dues["resolve_due"],
            "clock_provisional": dues["clock_provisional"],
            "resolve_late": row.resolve_late or today > row.resolve_due,
        },
    )


@transaction.atomic
def resolve_request(actor, request_id, *, resolution) -> EnterpriseRequest:
    row = _load(actor, request_id)
    _require_handler(actor, row)
    _require_status(
        row, RequestStatus.REPLIED, message=_("A request is resolved once, after its reply.")
    )
    errors: dict = {}
    resolution = validators.clean_text(
        resolution, field="resolution", limit=TEXT_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    today = _today()
    return _step(
        actor,
        row,
        "projects_request.resolve",
        {
            "status": RequestStatus.RESOLVED,
            "resolved_on": today,
            "resolution": resolution,
            "resolve_late": row.resolve_late or today > row.resolve_due,
        },
    )


@transaction.atomic
def rate_request(actor, request_id, *, satisfaction, note="") -> EnterpriseRequest:
    """The enterprise's satisfaction with a resolved request, recorded once by whoever
    recorded the request or a manager of the area."""
    row = _load(actor, request_id)
    if actor is not None and not (
        row.recorded_by_id == actor.pk or access.can_manage(actor, row.area_code)
    ):
        raise PermissionDenied(
            _("The enterprise's satisfaction is recorded by whoever recorded the request.")
        )
    _require_status(
        row, RequestStatus.RESOLVED, message=_("A request is rated once it is resolved.")
    )
    if row.satisfaction:
        raise ValidationError(_("The enterprise's satisfaction is recorded already."))
    errors: dict = {}
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Choose the enterprise's satisfaction from the list.")]
    note = validators.clean_line(
        note or "", field="note", limit=REASON_MAX, required=False, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    return _step(
        actor,
        row,
        "projects_request.rate",
        {"satisfaction": satisfaction, "satisfaction_note": note},
    )


def recount_provisional_clocks(actor) -> int:
    """The open requests whose due days were counted in a year not known then: counted
    again on the calendar as it stands now (after the county entered a year), each
    change audited; the mark cleared once no year is assumed. Answers how many changed.
    The late flags already set stay (late is for good)."""
    rows = (
        EnterpriseRequest.objects.select_for_update()
        .filter(clock_provisional=True)
        .exclude(status=RequestStatus.RESOLVED)
        .order_by("pk")
    )
    changed = 0
    for row in rows:
        dues = clock(row.received_on, extended=bool(row.extension_reason))
        values = {
            name: dues[name]
            for name in (*DUE_FIELDS, "clock_provisional")
            if dues[name] != getattr(row, name)
        }
        if values:
            _step(actor, row, "projects_request.recount", values)
            changed += 1
    return changed


def request_links(user, ids) -> dict:
    """{request id: (URL, number)} of the requests among `ids` the user sees (the inbox)."""
    from django.urls import reverse

    rows = selectors.visible_requests(user).filter(pk__in=list(ids)).values_list("pk", "number")
    return {pk: (reverse("projects:support-request", args=[pk]), number) for pk, number in rows}


# --- the sweep ------------------------------------------------------------------------------


def _level_code(area_code: str, level: int) -> tuple[str, str]:
    """The area (and its level) that a request raised to `level` is addressed to."""
    if level == EscalationLevel.TOWN and len(area_code) >= LENGTH_BY_LEVEL["town"]:
        return area_code[: LENGTH_BY_LEVEL["town"]], "town"
    return area_code[: LENGTH_BY_LEVEL["county"]], "county"


def _stage_label(status: str) -> str:
    return {
        RequestStatus.RECEIVED: _("verifying"),
        RequestStatus.VERIFYING: _("the reply"),
        RequestStatus.REPLIED: _("the resolution"),
    }[status]


# The stage of each late flag, as `_stage_label` names it.
FLAG_STAGE = {
    "verify_late": ("verify_due", RequestStatus.RECEIVED),
    "reply_late": ("reply_due", RequestStatus.VERIFYING),
    "resolve_late": ("resolve_due", RequestStatus.REPLIED),
}


def _notice(kind: str, row, text: str, **to) -> Notification:
    return Notification(
        kind=kind,
        object_type=row._meta.label_lower,
        object_id=row.pk,
        text=text,
        **to,
    )


def _remind(row: EnterpriseRequest, today: datetime.date) -> bool:
    due_field, _late = STAGES[row.status]
    due = getattr(row, due_field)
    with transaction.atomic():
        claimed = (
            EnterpriseRequest.objects.filter(pk=row.pk, status=row.status, **{due_field: due})
            .exclude(reminded_on=due)
            .update(reminded_on=due)
        )
        if not claimed:
            return False
        text = _("Enterprise request %(number)s of %(enterprise)s: %(stage)s is due today.") % {
            "number": row.number,
            "enterprise": row.enterprise.name,
            "stage": _stage_label(row.status),
        }
        _notice(NOTICE_DUE, row, text, department_id=row.department_id).save()
        audit.record(
            actor=None,
            action="projects_request.remind",
            obj=row,
            before={"reminded_on": row.reminded_on},
            after={"reminded_on": due},
        )
    return True


def _escalate(row: EnterpriseRequest, today: datetime.date) -> bool:
    """Marks late every stage still to be done whose due day is past (a request nobody
    touches has its verifying, reply and resolution late in turn) and raises the level
    to the number of late stages (the county at most), each new level notified once,
    naming the stage whose late flag raised it (the first late stage the town, the
    second the county). The conditional UPDATE holds the row to what was read: of two
    sweeps at once one writes.

    A provisional due day (a year not known yet counted by the weekly rule) is swept
    like any other: weekends alone are the earliest the stage can be due."""
    flags = {name: getattr(row, name) for name in LATE_FLAGS}
    for due_field, late_flag, pending in STAGE_ORDER:
        if row.status in pending and today > getattr(row, due_field):
            flags[late_flag] = True
    target = max(row.escalation_level, min(EscalationLevel.COUNTY, sum(flags.values())))
    changes = {name: value for name, value in flags.items() if value != getattr(row, name)}
    if target != row.escalation_level:
        changes["escalation_level"] = target
    if not changes:
        return False
    with transaction.atomic():
        claimed = EnterpriseRequest.objects.filter(
            pk=row.pk,
            status=row.status,
            escalation_level=row.escalation_level,
            **{name: getattr(row, name) for name in LATE_FLAGS},
        ).update(**changes, updated_at=timezone.now())
        if not claimed:
            return False
        notices = []
        late = [name for name in LATE_FLAGS if flags[name]]  # in the stages' order
        for level in range(row.escalation_level + 1, target + 1):
            code, kind = _level_code(row.area_code, level)
            due_field, stage = FLAG_STAGE[late[level - 1]]
            text = _(
                "Enterprise request %(number)s of %(enterprise)s is overdue (%(stage)s was due "
                "on %(due)s) and was raised to %(level)s."
            ) % {
                "number": row.number,
                "enterprise": row.enterprise.name,
                "stage": _stage_label(stage),
                "due": getattr(row, due_field).isoformat(),
                "level": EscalationLevel(level).label,
            }
            notices.append(_notice(NOTICE_ESCALATED, row, text, area_code=code, level=kind))
        Notification.objects.bulk_create(notices)
        audit.record(
            actor=None,
            action="projects_request.escalate"
            if "escalation_level" in changes
            else "projects_request.late",
            obj=row,
            before={name: getattr(row, name) for name in changes},
            after=changes,
        )
    return "escalation_level" in changes


def _remind_problem(problem: Problem) -> bool:
    with transaction.atomic():
        claimed = (
            Problem.objects.filter(pk=problem.pk, status=ProblemStatus.OPEN, due_on=problem.due_on)
            .exclude(reminded_on=problem.due_on)
            .update(reminded_on=problem.due_on)
        )
        if not claimed:
            return False
        text = _("A problem of project %(project)s was due on %(due)s: %(text)s") % {
            "project": problem.project.name,
            "due": problem.due_on.isoformat(),
            "text": problem.text[:80],
        }
        _notice(NOTICE_PROBLEM_DUE, problem, text, department_id=problem.department_id).save()
        audit.record(
            actor=None,
            action="projects_problem.remind",
            obj=problem,
            before={"reminded_on": problem.reminded_on},
            after={"reminded_on": problem.due_on},
        )
    return True


def sweep_requests(today: datetime.date | None = None) -> dict:
    """The daily round of enterprise requests and project problems: the handlers of a
    request reminded once on the day its stage is due; an overdue stage marked late and
    the request raised a level; an overdue problem's department reminded once a due day.
    Idempotent, and safe on two consumers at once (each write is a conditional UPDATE).
    Answers the counts."""
    today = today or _today()
    counts = {"reminded": 0, "escalated": 0, "problems_reminded": 0}
    open_rows = EnterpriseRequest.objects.exclude(status=RequestStatus.RESOLVED).select_related(
        "enterprise"
    )
    for row in open_rows.filter(selectors.due_today_q(today)).order_by("pk"):
        counts["reminded"] += _remind(row, today)
    # A stage still to be done past its due day and not yet marked late, or late stages
    # without the level raised for them.
    behind = Q()
    for due_field, late_flag, pending in STAGE_ORDER:
        behind |= Q(status__in=pending, **{f"{due_field}__lt": today, late_flag: False})
    behind |= Q(escalation_level__lt=EscalationLevel.COUNTY) & (
        Q(verify_late=True) | Q(reply_late=True)
    )
    for row in open_rows.filter(behind).order_by("pk"):
        counts["escalated"] += _escalate(row, today)
    problems = (
        Problem.objects.filter(status=ProblemStatus.OPEN, due_on__lt=today)
        .exclude(reminded_on=F("due_on"))
        .select_related("project")
        .order_by("pk")
    )
    for problem in problems:
        counts["problems_reminded"] += _remind_problem(problem)
    return counts
