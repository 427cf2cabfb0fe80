"""Outreach: enterprises, pairing programmes and pairings, visit rules and the schedule
they produce, visits, must-attend events, routines and their meetings.

A visit is recorded once and counts everywhere: it fulfils every scheduled visit of the
household it concerns (the visit rules' and the pairings'), and every figure of
compliance reads those rows. "Overdue" is never stored: it is a scheduled visit whose due
date has passed, computed at query time.

One module a topic (enterprises, pairings, visits, schedule, routines); every model is
imported here, so that Django finds them and `from yiwang.outreach.models import …` works.
"""

from yiwang.outreach.models.enterprises import Enterprise
from yiwang.outreach.models.limits import NAME_MAX, NOTE_MAX, REASON_MAX
from yiwang.outreach.models.pairings import Pairing, PairingQuerySet, Programme, SubjectKind
from yiwang.outreach.models.routines import Decision, Event, EventType, Meeting, Rhythm, Routine
from yiwang.outreach.models.schedule import (
    Occurrence,
    RuleKind,
    ScheduledVisit,
    ScheduleStatus,
    Trigger,
    VisitRule,
)
from yiwang.outreach.models.visits import (
    HouseholdVisitMonth,
    Outcome,
    Visit,
    VisitKey,
    VisitPhoto,
    VisitSource,
    VisitTally,
)

__all__ = [
    "NAME_MAX",
    "NOTE_MAX",
    "REASON_MAX",
    "Decision",
    "Enterprise",
    "Event",
    "EventType",
    "HouseholdVisitMonth",
    "Meeting",
    "Occurrence",
    "Outcome",
    "Pairing",
    "PairingQuerySet",
    "Programme",
    "Rhythm",
    "Routine",
    "RuleKind",
    "ScheduleStatus",
    "ScheduledVisit",
    "SubjectKind",
    "Trigger",
    "Visit",
    "VisitKey",
    "VisitPhoto",
    "VisitRule",
    "VisitSource",
    "VisitTally",
]
