"""Template helpers of the case pages."""

from django import template

from yiwang.accounts import scope
from yiwang.cases.models import Status

register = template.Library()

_STATUS_CLASSES = {
    Status.REPORTED: "text-bg-warning",
    Status.ACCEPTED: "text-bg-info",
    Status.DISPATCHED: "text-bg-primary",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.RESOLVED: "text-bg-success",
    Status.FOLLOWED_UP: "text-bg-success",
}


@register.filter
def status_class(status: str) -> str:
    """The Bootstrap badge class of a status: finished ones grey."""
    return _STATUS_CLASSES.get(status, "text-bg-secondary")


# A county admin (or an active superuser): the categories and departments are theirs to set.
register.filter("can_configure_cases", scope.can_configure)
