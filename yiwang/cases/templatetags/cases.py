"""Template helpers of the case pages."""

from django import template

from yiwang.cases import states
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


@register.filter
def can_configure_cases(user) -> bool:
    """A county admin (or a superuser): the categories and departments are theirs to set."""
    return states.can_configure(user)
