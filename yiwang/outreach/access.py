"""Who may do what in outreach: the county admin configures the programmes, the rules, the
event types and the routines; everyone else works within the subtrees of their posts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.core import audit


def can_configure(user) -> bool:
    """Programmes, visit rules, triggers, event types and routines are the county's: a
    county admin (or a platform superuser) configures them."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(role == Role.COUNTY_ADMIN for role, _code in scope.current_posts(user))


def check_configure(user) -> None:
    """A settings page: refused (403) to anyone but a county admin."""
    if not can_configure(user):
        raise PermissionDenied(_("Only a county admin changes the outreach settings."))


def require_configure(user) -> None:
    """In a service, inside its transaction: the actor's posts re-read, then checked."""
    if user is None:  # the operator at the command line
        return
    scope.recheck(user)
    check_configure(user)


def county_code(actor) -> str:
    """The county the settings are audited under: the admin's county post, else none."""
    if actor is None:
        return ""
    for role, code in scope.current_posts(actor):
        if role == Role.COUNTY_ADMIN:
            return code
    return ""


def save_setting(model, *, actor, code: str, values: dict, actions: tuple[str, str]):
    """One row of the county's settings (a programme, rule, trigger, event type, routine)
    by its code: created, or changed, with `values`; locked while it changes; audited
    with its state before and after under `actions` (on creating, on changing) and the
    admin's county. A new row without an `order` of its own goes last. The caller has
    checked the actor and the values."""
    row = model.objects.select_for_update().filter(code=code).first()
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = model(code=code)
        if "order" not in values:
            row.order = (model.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    audit.record(
        actor=actor,
        action=actions[before is not None],
        obj=row,
        area_code=county_code(actor),
        before=before,
        after=audit.snapshot(row),
    )
    return row
