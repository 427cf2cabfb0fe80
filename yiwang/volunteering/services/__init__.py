"""Every write of volunteering: atomic, checked against the actor's posts, audited."""

from yiwang.volunteering.services.certificates import issue_certificate
from yiwang.volunteering.services.donations import (
    Short,
    confirm_donation,
    create_fund,
    pay_out,
    record_donation,
)
from yiwang.volunteering.services.exports import export_national_hours
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
    "add_story",
    "cancel_wish",
    "claim_wish",
    "confirm_donation",
    "create_fund",
    "export_national_hours",
    "fulfil_wish",
    "issue_certificate",
    "pay_out",
    "raise_unclaimed",
    "record_donation",
    "record_wish",
]
