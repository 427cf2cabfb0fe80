"""Dispatch: the accepted case sent to an area (unit, grid, village, town), a department or
a person by name, and the notice that tells the assignee at once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.cases import states
from yiwang.cases.models import (
    AssigneeLevel,
    Case,
    Department,
    EventKind,
    HandlingLevel,
    NoticeKind,
    Status,
)
from yiwang.cases.selectors.dispatch import department_staff, worker_posts
from yiwang.cases.services.common import _level_of, _note
from yiwang.cases.services.notices import about
from yiwang.cases.services.transitions import _begin, _commit
from yiwang.notices.models import Notification

# The areas a case can be dispatched to (a county handles it by escalation, not dispatch).
DISPATCH_LEVELS = (Level.UNIT, Level.GRID, Level.VILLAGE, Level.TOWN)


def _dispatch_target(actor, case: Case, area_code: str, department: str):
    """(level, area code, department) the case goes to: the one given, else the
    category's handling level. Raises ValidationError naming the field to fix."""
    if department:
        found = Department.objects.filter(code=str(department).strip(), is_active=True).first()
        if found is None or not case.area_code.startswith(found.area_code):
            raise ValidationError(
                {"department": [_("There is no such department for this case's area.")]}
            )
        return AssigneeLevel.DEPARTMENT, "", found
    code = str(area_code or "").strip()
    if not code:
        level = case.category.handling_level
        if level == HandlingLevel.DEPARTMENT:
            if case.category.department_id is None or not case.category.department.is_active:
                raise ValidationError(
                    {"department": [_("Choose the department to send the case to.")]}
                )
            return _dispatch_target(actor, case, "", case.category.department.code)
        if level == HandlingLevel.UNIT:
            if len(case.area_code) != 18:
                raise ValidationError(
                    {"area_code": [_("The case's unit is not known: choose the unit.")]}
                )
            code = case.area_code
        else:
            code = case.area_code[: 12 if level == HandlingLevel.VILLAGE else 9]
    on_the_line = code.startswith(case.area_code) or case.area_code.startswith(code)
    area = Area.objects.open().filter(code=code).first() if on_the_line else None
    if (
        area is None
        or area.level not in DISPATCH_LEVELS
        or (
            actor is not None
            and len(code) > len(case.area_code)
            and not scope.in_scope(actor, code)
        )
    ):
        raise ValidationError(
            {
                "area_code": [
                    _(
                        "Send the case to its unit, grid, village or town: an open area of "
                        "your scope where the case lies (%(code)s is not one)."
                    )
                    % {"code": code}
                ]
            }
        )
    return _level_of(code), code, None


def _named_worker(actor, case: Case, worker, area_code: str):
    """The worker named and the area they take the case on (their deepest post where the
    case lies, within the area chosen, if any). One message for a person who does not
    exist, holds no such post or is outside the actor's scope: nothing of them is told."""
    try:
        worker_id = int(str(worker).strip())
    except (TypeError, ValueError):
        worker_id = None
    posts = (
        [post for post in worker_posts(actor, case, area_code) if post.user_id == worker_id]
        if worker_id
        else []
    )
    if not posts:
        raise ValidationError(
            {
                "worker": [
                    _(
                        "This person holds no post where the case lies (within the area "
                        "chosen and your scope): choose a person from the list."
                    )
                ]
            }
        )
    post = max(posts, key=lambda post: len(post.area_code))
    return post.user, post.area_code


def _department_member(case: Case, worker, department: str):
    """The department's staff member named, and the department's code: the one chosen,
    else the only department of the case's area whose staff they are. None when the
    person is on no such department's staff."""
    try:
        worker_id = int(str(worker).strip())
    except (TypeError, ValueError):
        return None
    found = {
        found.code: member
        for found, member in department_staff(case, department)
        if member.pk == worker_id
    }
    if len(found) != 1:
        return None
    ((code, member),) = found.items()
    return member, code


def _notify_dispatch(case: Case, level: str, found, worker, now) -> None:
    """The assignee hears of it at once: the worker by name, else whoever holds a post on
    the area, or the department's staff."""
    text = _("Case %(number)s has been dispatched to you: %(title)s") % {
        "number": case.number,
        "title": case.title,
    }
    notice = Notification(**about(case), kind=NoticeKind.DISPATCHED, text=text, created_at=now)
    if worker is not None:
        notice.recipient = worker
    elif found is not None:
        notice.department_id, notice.level = found.pk, AssigneeLevel.DEPARTMENT
    else:
        notice.area_code, notice.level = case.assignee_area_code, level
    notice.save()


@transaction.atomic
def dispatch(
    *,
    actor,
    case_id: int,
    area_code: str = "",
    department: str = "",
    worker=None,
    note: str = "",
    version: int | None = None,
) -> Case:
    """Sends the accepted case to a unit, grid, village, town or department to handle, or
    to a person by name (a holder of a post where the case lies, or a member of a
    department's staff): accepted → dispatched. Without a target, the category's handling
    level decides. The assignee gets a notice."""
    case = _begin(actor, case_id, "dispatch")
    note = _note(note)
    area_code = str(area_code or "").strip()
    person = None
    if worker not in (None, ""):
        # A department's staff member (of the department chosen, or of the only one whose
        # staff they are), else someone holding a post where the case lies.
        staff = None if area_code else _department_member(case, worker, department)
        if staff is not None:
            person, department = staff
        elif department:
            raise ValidationError(
                {"worker": [_("This person is not on the department's staff: choose one who is.")]}
            )
        else:
            person, area_code = _named_worker(actor, case, worker, area_code)
    level, code, found = _dispatch_target(actor, case, area_code, department)
    now = timezone.now()
    changes = {
        "dispatched_at": now,
        "assignee_level": level,
        "assignee_area_code": code,
        "assignee_department_id": found.pk if found else None,
        "assignee_user_id": person.pk if person else None,
        "due_at": states.stage_due(case, Status.DISPATCHED, now),
        "extension_until": None,
    }
    if code and len(code) > len(case.area_code):
        # Sent to a unit of the village it was reported in: now the unit is known.
        changes["area_code"] = code
        if level == AssigneeLevel.UNIT:
            changes["unit_id"] = Area.objects.get(code=code).pk
    case = _commit(
        actor,
        case,
        "dispatch",
        EventKind.DISPATCHED,
        now=now,
        note=note,
        version=version,
        data={
            "level": level,
            "area_code": code,
            "department": found.code if found else "",
            **({"worker": person.pk, "worker_name": str(person)} if person else {}),
        },
        changes=changes,
    )
    _notify_dispatch(case, level, found, person, now)
    return case
