"""Who may do what in outreach: the county admin configures the programmes, the rules, the
event types and the routines; everyone else works within the subtrees of their posts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role


def can_configure(user) -> bool:
    """Programmes, visit rules, triggers, event types and routines are the county's: a
    county admin (or a platform superuser) configures them."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(role == Role.COUNTY_ADMIN for role, _code in scope.current_posts(user))


def require_configure(user) -> None:
    """In a service, inside its transaction: the actor's posts re-read, then checked."""
    if user is None:  # the operator at the command line
        return
    scope.recheck(user)
    if not can_configure(user):
        raise PermissionDenied(_("Only a county admin changes the outreach settings."))
