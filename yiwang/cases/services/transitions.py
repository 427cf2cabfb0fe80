"""One service per transition of the state machine (yiwang.cases.states), each written
by a conditional UPDATE: of two people acting at once one succeeds, the other gets a
Conflict."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import states
from yiwang.cases.models import (
    NOTE_MAX,
    TEXT_MAX,
    Case,
    CaseEvent,
    EventKind,
    Satisfaction,
    Status,
)
from yiwang.cases.services.common import _actor_name, _level_of, _note, _raise
from yiwang.cases.services.notices import _notify_merge
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope

EXTENSION_MAX_HOURS = 30 * 24


class Conflict(Exception):
    """The action is not valid in the case's current state: someone else acted first, or
    the case has moved on. Carries the state as it is now (the API answers 409 with it)."""

    def __init__(self, case: Case, message: str = ""):
        self.status = case.status
        self.version = case.version
        self.message = message or _(
            "This action is no longer possible: the case is now “%(status)s”. Reload the "
            "case to see what changed."
        ) % {"status": case.get_status_display()}
        super().__init__(self.message)


# --- transitions: the common steps ------------------------------------------------------


def _load(actor, case_id) -> Case:
    """The case within the actor's scope, after re-reading (and locking) their posts.
    Not locked itself: the write is conditional on the state read here."""
    if actor is not None:
        states.forget_departments(actor)  # read again with the posts, like them
    return get_in_scope(
        Case.objects.select_related("category", "assignee_department"),
        actor,
        recheck=True,
        pk=case_id,
    )


def _begin(actor, case_id, action: str) -> Case:
    """404 outside the scope, Conflict when the action is not valid in the case's state,
    403 when the actor's posts do not allow it."""
    case = _load(actor, case_id)
    if not states.can_happen(action, case):
        raise Conflict(case)
    if actor is not None and not states.may(actor, action, case):
        raise PermissionDenied(_("Your posts do not allow this action on this case."))
    return case


def _commit(
    actor,
    case: Case,
    action: str,
    kind: str,
    *,
    now: datetime.datetime,
    changes: dict,
    note: str = "",
    data: dict | None = None,
    version: int | None = None,
    to_status: str | None = None,
) -> Case:
    """Writes the transition if the case is still as it was read (same stage and version,
    or the version the client saw): one conditional UPDATE, so that of two people acting
    at once exactly one succeeds. Then the timeline and the audit log."""
    before_status = case.status
    target = to_status or states.TRANSITIONS[action].target or before_status
    values = {"status": target, **changes}
    expected = case.version if version is None else version
    updated = Case.objects.filter(pk=case.pk, status=before_status, version=expected).update(
        version=F("version") + 1, updated_at=now, **values
    )
    if not updated:
        current = Case.objects.filter(pk=case.pk).first()
        if current is None:
            raise Http404(_("Not found."))
        raise Conflict(current)
    before = {name: getattr(case, name) for name in values}
    before["version"] = expected
    for name, value in values.items():
        setattr(case, name, value)
    case.version = expected + 1
    case.updated_at = now
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        from_status=before_status,
        to_status=target if target != before_status else "",
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        note=note,
        at=now,
        data=data or {},
    )
    # Notices to the people concerned will be queued here, on commit (one place for all).
    audit.record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        before=before,
        after={**values, "version": case.version},
    )
    return case


# --- transitions ----------------------------------------------------------------------


@transaction.atomic
def accept(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The dispatching level takes the case on: reported → accepted."""
    case = _begin(actor, case_id, "accept")
    note = _note(note)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "accept",
        EventKind.ACCEPTED,
        now=now,
        note=note,
        version=version,
        changes={
            "accepted_at": now,
            "responded_on_time": states.responded_in_time(case, now),
            "due_at": states.stage_due(case, Status.ACCEPTED, now),
        },
    )


@transaction.atomic
def reject(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Not a case for the grid (out of its remit, nonsense, a test): reported → rejected,
    with the reason the reporter will see."""
    case = _begin(actor, case_id, "reject")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "reject",
        EventKind.REJECTED,
        now=now,
        note=reason,
        version=version,
        changes={"responded_on_time": states.responded_in_time(case, now), "due_at": None},
    )


@transaction.atomic
def merge(
    *,
    actor,
    case_id: int,
    into_id: int | None = None,
    into_number: str = "",
    note: str = "",
    version: int | None = None,
) -> Case:
    """The same matter as an open case already known: reported → merged into it. The
    other case's timeline shows it, so that both reporters can be kept informed."""
    case = _begin(actor, case_id, "merge")
    note = _note(note)
    targets = Case.objects.select_for_update()
    if actor is not None:
        targets = targets.visible_to(actor)
    if into_id not in (None, ""):
        target = targets.filter(pk=into_id).first()
    else:
        number = validators.normalize_code(into_number)
        target = targets.filter(number=number).first() if number else None
    if target is None:
        raise ValidationError({"into": [_("There is no such case in your area.")]})
    if target.pk == case.pk:
        raise ValidationError({"into": [_("A case cannot be merged into itself.")]})
    if not target.is_open:
        raise ValidationError(
            {
                "into": [
                    _("Case %(number)s is %(status)s: merge into an open case.")
                    % {"number": target.number, "status": target.get_status_display()}
                ]
            }
        )
    now = timezone.now()
    case = _commit(
        actor,
        case,
        "merge",
        EventKind.MERGED,
        now=now,
        note=note,
        version=version,
        data={"into": target.pk, "into_number": target.number},
        changes={
            "merged_into_id": target.pk,
            "responded_on_time": states.responded_in_time(case, now),
            "due_at": None,
        },
    )
    CaseEvent.objects.create(
        case=target,
        kind=EventKind.CASE_MERGED_IN,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        note=note,
        at=now,
        data={"case": case.pk, "number": case.number},
    )
    _notify_merge(case, target, now)
    return case


@transaction.atomic
def start(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The handler takes it up: dispatched → in progress (the due time stays)."""
    case = _begin(actor, case_id, "start")
    note = _note(note)
    return _commit(
        actor,
        case,
        "start",
        EventKind.STARTED,
        now=timezone.now(),
        note=note,
        version=version,
        changes={},
    )


@transaction.atomic
def return_case(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Not the handler's to handle: back to the dispatching level, with the reason
    (dispatched or in progress → accepted)."""
    case = _begin(actor, case_id, "return")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "return",
        EventKind.RETURNED,
        now=now,
        note=reason,
        version=version,
        data={
            "from_area_code": case.assignee_area_code,
            "from_department": case.assignee_department.code if case.assignee_department else "",
        },
        changes={
            "assignee_level": _level_of(case.dispatcher_area_code),
            "assignee_area_code": case.dispatcher_area_code,
            "assignee_department_id": None,
            "assignee_user_id": None,
            "due_at": states.stage_due(case, Status.ACCEPTED, now),
            "extension_until": None,
        },
    )


@transaction.atomic
def resolve(*, actor, case_id: int, result: str, version: int | None = None) -> Case:
    """Done, with what was done: in progress → resolved; the follow-up is due next."""
    case = _begin(actor, case_id, "resolve")
    errors: dict = {}
    result = validators.clean_text(
        result, field="result", limit=TEXT_MAX, required=True, errors=errors
    )
    _raise(errors)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "resolve",
        EventKind.RESOLVED,
        now=now,
        version=version,
        changes={
            "result": result,
            "resolved_at": now,
            "resolved_on_time": states.resolved_in_time(case, now),
            "due_at": states.stage_due(case, Status.RESOLVED, now),
            "extension_until": None,
            "parked": False,
            "review_on": None,
        },
    )


@transaction.atomic
def request_extension(
    *, actor, case_id: int, hours: int, reason: str, version: int | None = None
) -> Case:
    """The handler asks the level above for more time (the due time moves once approved)."""
    case = _begin(actor, case_id, "extend")
    errors: dict = {}
    reason = validators.clean_text(
        reason, field="reason", limit=NOTE_MAX, required=True, errors=errors
    )
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= EXTENSION_MAX_HOURS:
        errors.setdefault("hours", []).append(
            _("Ask for 1 to %(max)d hours.") % {"max": EXTENSION_MAX_HOURS}
        )
    _raise(errors)
    now = timezone.now()
    until = max(case.due_at or now, now) + datetime.timedelta(hours=hours)
    return _commit(
        actor,
        case,
        "extend",
        EventKind.EXTENSION_REQUESTED,
        now=now,
        note=reason,
        version=version,
        data={"hours": hours, "until": until.isoformat()},
        changes={"extension_until": until},
    )


@transaction.atomic
def approve_extension(
    *, actor, case_id: int, approve: bool = True, note: str = "", version: int | None = None
) -> Case:
    """The level above grants the time asked for (the due time moves) or refuses it."""
    case = _begin(actor, case_id, "approve_extension")
    note = _note(note)
    changes: dict = {"extension_until": None}
    if approve:
        changes["due_at"] = case.extension_until
    return _commit(
        actor,
        case,
        "approve_extension",
        EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        now=timezone.now(),
        note=note,
        version=version,
        data={"until": case.extension_until.isoformat()},
        changes=changes,
    )


@transaction.atomic
def supervise(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The county puts the case under supervision (督办)."""
    case = _begin(actor, case_id, "supervise")
    note = _note(note)
    return _commit(
        actor,
        case,
        "supervise",
        EventKind.SUPERVISED,
        now=timezone.now(),
        note=note,
        version=version,
        changes={"supervised": True},
    )


@transaction.atomic
def park(*, actor, case_id: int, review_on, reason: str, version: int | None = None) -> Case:
    """A known long-term matter (挂账): its deadlines stop counting until it is taken up
    again; it comes back to the inbox on the review date."""
    case = _begin(actor, case_id, "park")
    errors: dict = {}
    reason = validators.clean_text(
        reason, field="reason", limit=NOTE_MAX, required=True, errors=errors
    )
    try:
        review = validators.clean_date(review_on) if review_on else None
    except ValidationError as exc:
        errors.setdefault("review_on", []).extend(exc.messages)
        review = None
    else:
        if review is None or review <= timezone.localdate():
            errors.setdefault("review_on", []).append(_("Give a review date after today."))
    _raise(errors)
    return _commit(
        actor,
        case,
        "park",
        EventKind.PARKED,
        now=timezone.now(),
        note=reason,
        version=version,
        data={"review_on": review.isoformat()},
        changes={"parked": True, "review_on": review},
    )


@transaction.atomic
def unpark(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """Takes a parked case up again: its stage gets a fresh due time."""
    case = _begin(actor, case_id, "unpark")
    note = _note(note)
    now = timezone.now()
    stage = Status.DISPATCHED if case.status == Status.IN_PROGRESS else case.status
    return _commit(
        actor,
        case,
        "unpark",
        EventKind.UNPARKED,
        now=now,
        note=note,
        version=version,
        changes={
            "parked": False,
            "review_on": None,
            "due_at": states.stage_due(case, stage, now),
        },
    )


def _reopening(case: Case, now: datetime.datetime) -> dict:
    """Back to the handler it was resolved by, with a fresh resolution time."""
    return {
        "reopen_count": case.reopen_count + 1,
        "due_at": states.stage_due(case, Status.DISPATCHED, now),
        "resolution_lapsed": False,
    }


@transaction.atomic
def follow_up(
    *, actor, case_id: int, satisfaction: str, note: str = "", version: int | None = None
) -> Case:
    """The reporter's satisfaction, asked by the dispatching level: resolved → followed
    up. Dissatisfied, with reopens left (once by default), it goes back to the handler."""
    case = _begin(actor, case_id, "follow_up")
    note = _note(note)
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": [_("Choose satisfied, basically satisfied or dissatisfied.")]}
        )
    now = timezone.now()
    changes = {"satisfaction": satisfaction, "followed_up_at": now, "due_at": None}
    reopens = satisfaction == Satisfaction.DISSATISFIED and case.reopen_count < (
        states.reopen_limit()
    )
    if reopens:
        changes.update(_reopening(case, now))
    return _commit(
        actor,
        case,
        "follow_up",
        EventKind.FOLLOWED_UP,
        now=now,
        note=note,
        version=version,
        to_status=Status.DISPATCHED if reopens else Status.FOLLOWED_UP,
        data={"satisfaction": satisfaction, "reopened": reopens},
        changes=changes,
    )


@transaction.atomic
def reopen(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Sends a followed-up case back to its handler (while reopens are left)."""
    case = _begin(actor, case_id, "reopen")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "reopen",
        EventKind.REOPENED,
        now=now,
        note=reason,
        version=version,
        changes=_reopening(case, now),
    )


@transaction.atomic
def close(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """Files the case: resolved (when no follow-up is possible) or followed up → closed."""
    case = _begin(actor, case_id, "close")
    note = _note(note)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "close",
        EventKind.CLOSED,
        now=now,
        note=note,
        version=version,
        changes={"closed_at": now, "due_at": None, "parked": False, "review_on": None},
    )
