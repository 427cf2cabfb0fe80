"""Whom a stage's due time waits on, the level above, when the reminder goes out and
what an escalation changes: shared by the sweep (escalation) and its PostgreSQL
statement (escalation_postgres)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.cases import states
from yiwang.cases.models import CASE_OBJECT_TYPE, AssigneeLevel, Case, Category, Status
from yiwang.cases.services.common import _level_of

# The stages whose due time the dispatching level keeps (accept, dispatch, follow up), and
# those the handler keeps.
DISPATCHER_DUE = (Status.REPORTED, Status.ACCEPTED, Status.RESOLVED)
HANDLER_DUE = (Status.DISPATCHED, Status.IN_PROGRESS)
# A reminder goes out when a quarter of the stage's time is left, at most a day ahead.
REMIND_FRACTION = 4
REMIND_AT_MOST = datetime.timedelta(days=1)
# The level above, by the length of the area code: unit and grid → village → town →
# county, the top.
_UP = {18: 12, 15: 12, 12: 9, 9: 6}


@dataclass(frozen=True)
class Party:
    """Who keeps a stage's due time: an area (at its level) or a department."""

    level: str
    area_code: str = ""
    department_id: int | None = None

    def notice(self, case: Case, kind: str, text: str, at) -> tuple:
        """A row of NOTICE_FIELDS addressed to this party (`at` as the database takes it)."""
        return (
            kind,
            CASE_OBJECT_TYPE,
            case.pk,
            self.area_code,
            self.level,
            self.department_id,
            None,
            False,
            text,
            at,
        )

    def as_data(self) -> dict:
        return {"level": self.level, "area_code": self.area_code, "department": self.department_id}


def _stage_minutes(category: Category, status: str) -> int:
    if status == Status.REPORTED:
        return category.accept_minutes
    if status == Status.ACCEPTED:
        return category.dispatch_minutes
    if status in HANDLER_DUE:
        return category.resolve_minutes
    return states.follow_up_minutes()


def remind_lead(category: Category, status: str) -> datetime.timedelta:
    """How long before the due time the one reminder goes out."""
    stage = datetime.timedelta(minutes=_stage_minutes(category, status))
    return min(stage / REMIND_FRACTION, REMIND_AT_MOST)


def due_party(case: Case) -> Party:
    if case.status in DISPATCHER_DUE:
        return Party(_level_of(case.dispatcher_area_code), case.dispatcher_area_code)
    if case.assignee_level == AssigneeLevel.DEPARTMENT:
        return Party(AssigneeLevel.DEPARTMENT, department_id=case.assignee_department_id)
    return Party(_level_of(case.assignee_area_code), case.assignee_area_code)


def party_above(case: Case) -> Party | None:
    """The level a lapsed stage goes up to; None at the county, the top. A department's
    case goes to its county."""
    if case.status in HANDLER_DUE and case.assignee_level == AssigneeLevel.DEPARTMENT:
        return Party(AssigneeLevel.COUNTY, case.area_code[:6])
    party = due_party(case)
    up = _UP.get(len(party.area_code))
    if up is None:
        return None
    return Party(_level_of(party.area_code[:up]), party.area_code[:up])


def _escalated_fields(status: str) -> list[str]:
    """The fields an escalation of a stage changes, besides its version, escalation level
    and pending extension."""
    fields = ["due_at"]
    # The lapse stays on the case: whoever answers or resolves it now does so late.
    if status == Status.REPORTED:
        fields.append("response_lapsed")
    elif status == Status.ACCEPTED or status in HANDLER_DUE:
        fields.append("resolution_lapsed")
    if status in DISPATCHER_DUE:
        fields.append("dispatcher_area_code")
    # A resolved case keeps its handler on record. A department's case keeps its
    # department: the department still does the work (and its rates count the lapse),
    # with the county now the level the case waits on.
    if status != Status.RESOLVED:
        fields += ["assignee_level", "assignee_area_code", "assignee_user_id"]
    return fields


def _escalation_changes(case: Case, above: Party, category: Category, now) -> dict:
    new = {
        "due_at": now + datetime.timedelta(minutes=_stage_minutes(category, case.status)),
        "response_lapsed": True,
        "resolution_lapsed": True,
        "dispatcher_area_code": above.area_code,
        "assignee_level": above.level,
        "assignee_area_code": above.area_code,
        "assignee_user_id": None,
    }
    return {name: new[name] for name in _escalated_fields(case.status)}


def _escalation_texts() -> tuple[str, str, str]:
    """The timeline note, the notice to the level that let the stage lapse and the one to
    the level above, in the active language."""
    return (
        _("Not done in time by %(from)s; now with %(to)s."),
        _("Case %(number)s was overdue and has gone up to %(to)s: %(title)s"),
        _("Case %(number)s was late at %(from)s and is now yours: %(title)s"),
    )
