"""The state machine of a case: which action leads from which stage to which, who may take
it, and when each stage is due. The services (yiwang.cases.services) carry it out.

    reported ──accept──▶ accepted ──dispatch──▶ dispatched ──start──▶ in_progress
       │  └──reject──▶ rejected       ▲            │                     │
       └────merge───▶ merged          │            └──return─┐  return──┤
                                      └──────────────────────┴──────────┘
    in_progress ──resolve──▶ resolved ──follow_up──▶ followed_up ──close──▶ closed
                                │  (不满意, reopens left: back to dispatched)   ▲
                                └──────────────────close────────────────────────┘
    followed_up ──reopen──▶ dispatched

Beside the stages: extend / approve_extension (while handled), supervise (while open),
park / unpark (accepted to in_progress). These change flags and the due time, not the stage.

Who may act:
- dispatcher: a grid chief, town admin or county admin whose post covers the case's
  dispatching area (its village, or higher once escalated);
- handler: anyone whose post covers the assignee area (the unit's worker, the village's
  chief, …); for a department, its members with a department-staff post, and county admins;
- approver: a dispatcher covering the level above the assignee (unit → village,
  village → town, town → county; a department → its county or town);
- county: a county admin covering the case; town: a town or county admin covering it.
A platform superuser may do everything.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from yiwang.accounts import scope
from yiwang.accounts.models import SCOPING_ROLES, Role
from yiwang.cases.models import Case, Status, department_ids
from yiwang.cases.models import forget_departments as forget_departments

DISPATCHER_ROLES = frozenset({Role.GRID_CHIEF, Role.TOWN_ADMIN, Role.COUNTY_ADMIN})
TOWN_ROLES = frozenset({Role.TOWN_ADMIN, Role.COUNTY_ADMIN})
COUNTY_ROLES = frozenset({Role.COUNTY_ADMIN})

TERMINAL = frozenset({Status.REJECTED, Status.MERGED, Status.CLOSED})
OPEN = frozenset(set(Status.values) - TERMINAL)
HANDLING = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})
PARKABLE = frozenset({Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS})


def reopen_limit() -> int:
    """How often a dissatisfied follow-up (or the reopen action) may send a case back."""
    return getattr(settings, "CASES_REOPEN_LIMIT", 1)


def follow_up_minutes() -> int:
    """The time the dispatching level has to follow up a resolved case."""
    return getattr(settings, "CASES_FOLLOW_UP_MINUTES", 72 * 60)


# The level above each assignee level, by the length of the area code (unit and grid go to
# the village: a grid has no dispatcher).
_APPROVER_CODE_LENGTH = {18: 12, 15: 12, 12: 9, 9: 6, 6: 6}


# --- who ----------------------------------------------------------------------------------

# Who works in a department (department_ids, forget_departments, imported above) is read
# by the models too, for the cases and notices a user sees: it lives there, so that the
# models never import this module.


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _holds(user, roles, code: str) -> bool:
    """A current post of one of `roles` on `code` or an area above it."""
    if not code:
        return False
    return any(role in roles and code.startswith(area) for role, area in scope.current_posts(user))


def approver_area_code(case: Case) -> str:
    if case.assignee_department_id:
        return case.assignee_department.area_code
    code = case.assignee_area_code
    return code[: _APPROVER_CODE_LENGTH.get(len(code), len(code))]


def is_dispatcher(user, case: Case) -> bool:
    return _superuser(user) or _holds(user, DISPATCHER_ROLES, case.dispatcher_area_code)


def is_handler(user, case: Case) -> bool:
    if _superuser(user):
        return True
    if case.assignee_department_id:
        return case.assignee_department_id in department_ids(user) or _holds(
            user, COUNTY_ROLES, case.area_code
        )
    return _holds(user, SCOPING_ROLES, case.assignee_area_code)


def is_approver(user, case: Case) -> bool:
    return _superuser(user) or _holds(user, DISPATCHER_ROLES, approver_area_code(case))


def is_town(user, case: Case) -> bool:
    return _superuser(user) or _holds(user, TOWN_ROLES, case.area_code)


def is_county(user, case: Case) -> bool:
    return _superuser(user) or _holds(user, COUNTY_ROLES, case.area_code)


# --- the table ----------------------------------------------------------------------------


def _always(case: Case) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # The stage it leads to; None keeps the stage (a flag or the due time changes).
    target: str | None
    who: Callable[[object, Case], bool]
    # What else must hold of the case; like the stage, it can change under a slow user.
    guard: Callable[[Case], bool] = _always


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({Status.REPORTED}), Status.ACCEPTED, is_dispatcher),
    "reject": Transition(frozenset({Status.REPORTED}), Status.REJECTED, is_dispatcher),
    "merge": Transition(frozenset({Status.REPORTED}), Status.MERGED, is_dispatcher),
    "dispatch": Transition(frozenset({Status.ACCEPTED}), Status.DISPATCHED, is_dispatcher),
    "start": Transition(frozenset({Status.DISPATCHED}), Status.IN_PROGRESS, is_handler),
    "return": Transition(HANDLING, Status.ACCEPTED, is_handler),
    "resolve": Transition(frozenset({Status.IN_PROGRESS}), Status.RESOLVED, is_handler),
    "extend": Transition(HANDLING, None, is_handler, lambda c: c.extension_until is None),
    "approve_extension": Transition(
        HANDLING, None, is_approver, lambda c: c.extension_until is not None
    ),
    "supervise": Transition(OPEN, None, is_county, lambda c: not c.supervised),
    "park": Transition(PARKABLE, None, is_town, lambda c: not c.parked),
    "unpark": Transition(PARKABLE, None, is_town, lambda c: c.parked),
    # To followed_up; a dissatisfied answer with reopens left sends it back to dispatched.
    "follow_up": Transition(frozenset({Status.RESOLVED}), Status.FOLLOWED_UP, is_dispatcher),
    "reopen": Transition(
        frozenset({Status.FOLLOWED_UP}),
        Status.DISPATCHED,
        is_dispatcher,
        lambda c: c.reopen_count < reopen_limit(),
    ),
    "close": Transition(
        frozenset({Status.RESOLVED, Status.FOLLOWED_UP}), Status.CLOSED, is_dispatcher
    ),
}


def can_happen(action: str, case: Case) -> bool:
    """Whether the action is valid in the case's current state, whoever asks."""
    transition = TRANSITIONS[action]
    return case.status in transition.sources and transition.guard(case)


def may(user, action: str, case: Case) -> bool:
    return TRANSITIONS[action].who(user, case)


def allowed_actions(user, case: Case) -> list[str]:
    """The actions the user may take on the case now, in the table's order."""
    return [a for a in TRANSITIONS if can_happen(a, case) and may(user, a, case)]


# --- when ---------------------------------------------------------------------------------

# The category's limit that a stage is given when it starts; in progress keeps the due
# time of dispatched (the resolution limit counts from the dispatch).
_STAGE_LIMITS = {
    Status.REPORTED: "accept_minutes",
    Status.ACCEPTED: "dispatch_minutes",
    Status.DISPATCHED: "resolve_minutes",
}


def stage_due(case: Case, status: str, now: datetime.datetime) -> datetime.datetime | None:
    """When a stage entered at `now` is due."""
    if status in _STAGE_LIMITS:
        minutes = getattr(case.category, _STAGE_LIMITS[status])
        return now + datetime.timedelta(minutes=minutes)
    if status == Status.IN_PROGRESS:
        return case.due_at
    if status == Status.RESOLVED:
        return now + datetime.timedelta(minutes=follow_up_minutes())
    return None


def on_time(case: Case, now: datetime.datetime | None = None) -> bool | None:
    if case.due_at is None:
        return None
    return (now or timezone.now()) <= case.due_at


def responded_in_time(case: Case, now: datetime.datetime | None = None) -> bool | None:
    """Answered (accepted, rejected, merged) within the acceptance time: not if the stage
    lapsed and went up a level, even when the level above answered within its own."""
    return False if case.response_lapsed else on_time(case, now)


def resolved_in_time(case: Case, now: datetime.datetime | None = None) -> bool | None:
    """Resolved within the time for it: not if dispatching or handling it lapsed and it
    went up a level on the way."""
    return False if case.resolution_lapsed else on_time(case, now)
