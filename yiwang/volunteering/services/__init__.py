"""Every write of volunteering: atomic, checked against the actor's posts, audited."""

from yiwang.volunteering.services.activities import (
    cancel_activity,
    cancel_sign_up,
    create_activity,
    new_checkin_code,
    sign_up,
)
from yiwang.volunteering.services.certificates import issue_certificate
from yiwang.volunteering.services.donations import (
    Short,
    confirm_donation,
    create_fund,
    pay_out,
    record_donation,
)
from yiwang.volunteering.services.exports import export_national_hours
from yiwang.volunteering.services.hours import (
    add_honour_hours,
    approve_hours,
    check_in,
    check_out,
    close_open_attendances,
    decline_hours,
)
from yiwang.volunteering.services.volunteers import (
    add_member,
    create_team,
    deactivate_volunteer,
    end_membership,
    register_volunteer,
    update_volunteer,
)
from yiwang.volunteering.services.wishes import (
    Conflict,
    add_story,
    cancel_wish,
    claim_wish,
    fulfil_wish,
    raise_unclaimed,
    record_wish,
)

__all__ = [
    "Conflict",
    "Short",
    "add_honour_hours",
    "add_member",
    "add_story",
    "approve_hours",
    "cancel_activity",
    "cancel_sign_up",
    "cancel_wish",
    "check_in",
    "check_out",
    "claim_wish",
    "close_open_attendances",
    "confirm_donation",
    "create_activity",
    "create_fund",
    "create_team",
    "deactivate_volunteer",
    "decline_hours",
    "end_membership",
    "export_national_hours",
    "fulfil_wish",
    "issue_certificate",
    "new_checkin_code",
    "pay_out",
    "raise_unclaimed",
    "record_donation",
    "record_wish",
    "register_volunteer",
    "sign_up",
    "update_volunteer",
]
