"""Every write of volunteering: atomic, checked against the actor's posts, audited."""

from yiwang.volunteering.services.certificates import issue_certificate
from yiwang.volunteering.services.exports import export_national_hours

__all__ = ["export_national_hours", "issue_certificate"]
