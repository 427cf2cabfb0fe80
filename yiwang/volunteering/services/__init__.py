"""Every write of volunteering: atomic, checked against the actor's posts, audited."""

from yiwang.volunteering.services.activities import (
    cancel_activity,
    cancel_sign_up,
    create_activity,
    new_checkin_code,
    sign_up,
)
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

__all__ = [
    "add_honour_hours",
    "add_member",
    "approve_hours",
    "cancel_activity",
    "cancel_sign_up",
    "check_in",
    "check_out",
    "close_open_attendances",
    "create_activity",
    "create_team",
    "deactivate_volunteer",
    "decline_hours",
    "end_membership",
    "new_checkin_code",
    "register_volunteer",
    "sign_up",
    "update_volunteer",
]
