"""Every write to cases: intake from each source, and one service per transition of the
state machine (yiwang.cases.states). Each is atomic, checked against the actor's posts,
written with a conditional UPDATE, audited, and shown in the case's timeline.

`actor=None` is the operator at the command line or a background task, who may do all
(the public request page passes no actor and is limited to `submit_request`).

A module a topic: intake, transitions (with `Conflict`), dispatch, the deadline sweep (escalation,
its PostgreSQL statement in escalation_postgres, the rules both follow in deadlines),
notices, attachments (the photos), config (categories and departments), public (the
residents' tracking code and rating), personal_data (the reporter's phone revealed to call
them back), and what they share (common). Every public name is
here too (`services.report_case(...)`); private helpers are imported from their module.
"""

from yiwang.cases.services.attachments import add_attachments
from yiwang.cases.services.config import save_category, save_department
from yiwang.cases.services.deadlines import (
    DISPATCHER_DUE,
    HANDLER_DUE,
    REMIND_AT_MOST,
    REMIND_FRACTION,
    Party,
    due_party,
    party_above,
    remind_lead,
)
from yiwang.cases.services.dispatch import dispatch
from yiwang.cases.services.escalation import (
    EVENT_FIELDS,
    NOTICE_FIELDS,
    SWEEP_CHUNK,
    Swept,
    escalate_overdue,
)
from yiwang.cases.services.escalation_postgres import ESCALATION_CHUNK
from yiwang.cases.services.intake import (
    ADDRESS_MAX,
    TRACKING_ALPHABET,
    TRACKING_CODE_LENGTH,
    record_hotline_call,
    report_case,
    report_case_once,
    stored_report,
    submit_request,
)
from yiwang.cases.services.notices import mark_notices_read
from yiwang.cases.services.personal_data import may_reveal_phone, reveal_reporter_phone
from yiwang.cases.services.public import (
    RATED_BY_RESIDENT,
    clean_tracking_code,
    rate_by_resident,
    resident_has_rated,
)
from yiwang.cases.services.transitions import (
    EXTENSION_MAX_HOURS,
    Conflict,
    accept,
    approve_extension,
    close,
    follow_up,
    merge,
    park,
    reject,
    reopen,
    request_extension,
    resolve,
    return_case,
    start,
    supervise,
    unpark,
)

__all__ = [
    "may_reveal_phone",
    "reveal_reporter_phone",
    # intake
    "ADDRESS_MAX",
    "TRACKING_ALPHABET",
    "TRACKING_CODE_LENGTH",
    "record_hotline_call",
    "report_case",
    "report_case_once",
    "stored_report",
    "submit_request",
    # transitions
    "ACTIONS",
    "EXTENSION_MAX_HOURS",
    "Conflict",
    "accept",
    "approve_extension",
    "close",
    "dispatch",
    "follow_up",
    "merge",
    "park",
    "reject",
    "reopen",
    "request_extension",
    "resolve",
    "return_case",
    "start",
    "supervise",
    "unpark",
    # deadlines
    "DISPATCHER_DUE",
    "ESCALATION_CHUNK",
    "EVENT_FIELDS",
    "HANDLER_DUE",
    "NOTICE_FIELDS",
    "REMIND_AT_MOST",
    "REMIND_FRACTION",
    "SWEEP_CHUNK",
    "Party",
    "Swept",
    "due_party",
    "escalate_overdue",
    "party_above",
    "remind_lead",
    # notices, photos, settings, the public
    "mark_notices_read",
    "add_attachments",
    "save_category",
    "save_department",
    "RATED_BY_RESIDENT",
    "clean_tracking_code",
    "rate_by_resident",
    "resident_has_rated",
]

# The service of each action, for the API and the pages.
ACTIONS = {
    "accept": accept,
    "reject": reject,
    "merge": merge,
    "dispatch": dispatch,
    "start": start,
    "return": return_case,
    "resolve": resolve,
    "extend": request_extension,
    "approve_extension": approve_extension,
    "supervise": supervise,
    "park": park,
    "unpark": unpark,
    "follow_up": follow_up,
    "reopen": reopen,
    "close": close,
}
