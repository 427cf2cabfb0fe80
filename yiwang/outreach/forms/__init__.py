"""Forms of outreach, a module a part: pairings (enterprises, programmes, pairings,
coverage), visits (a visit, its edit, a skip, an occurrence, the visit rules and
triggers), routines (event types, routines, events, meetings, decisions, the compliance
week). The forms the pages use are re-exported here."""

from yiwang.outreach.forms.pairings import (
    AssignForm,
    CoverageForm,
    EndForm,
    EnterpriseForm,
    EnterpriseImportForm,
    ProgrammeForm,
    TransferForm,
)
from yiwang.outreach.forms.routines import (
    ComplianceForm,
    EventForm,
    EventTypeForm,
    MeetingForm,
    RoutineForm,
    ToCaseForm,
)
from yiwang.outreach.forms.visits import (
    OccurrenceForm,
    RuleForm,
    SkipForm,
    TriggerForm,
    VisitEditForm,
    VisitForm,
)

__all__ = [
    "AssignForm",
    "ComplianceForm",
    "CoverageForm",
    "EndForm",
    "EnterpriseForm",
    "EnterpriseImportForm",
    "EventForm",
    "EventTypeForm",
    "MeetingForm",
    "OccurrenceForm",
    "ProgrammeForm",
    "RoutineForm",
    "RuleForm",
    "SkipForm",
    "ToCaseForm",
    "TransferForm",
    "TriggerForm",
    "VisitEditForm",
    "VisitForm",
]
