"""The volunteering module's tables, one module a topic."""

from yiwang.volunteering.models.activities import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursKind,
    HoursRecord,
    HoursStatus,
    SignUp,
    TargetGroup,
    hours_between,
)
from yiwang.volunteering.models.certificates import Certificate
from yiwang.volunteering.models.donations import Donation, DonationKind, Fund, Payout
from yiwang.volunteering.models.volunteers import Membership, Team, TeamKind, Volunteer
from yiwang.volunteering.models.wishes import (
    ClaimerKind,
    Wish,
    WishClaim,
    WishPhoto,
    WishStatus,
)

__all__ = [
    "Activity",
    "ActivityStatus",
    "Attendance",
    "Certificate",
    "ClaimerKind",
    "Donation",
    "DonationKind",
    "Fund",
    "HoursKind",
    "HoursRecord",
    "HoursStatus",
    "Membership",
    "Payout",
    "SignUp",
    "TargetGroup",
    "Team",
    "TeamKind",
    "Volunteer",
    "Wish",
    "WishClaim",
    "WishPhoto",
    "WishStatus",
    "hours_between",
]
