"""The county admin's outreach settings (the programmes, the rules, the event types and
the routines): who may change them is `yiwang.accounts.scope.require_configure`, with the
message here; a row of them is saved and audited by `save_setting`."""

from __future__ import annotations

from django.db.models import Max
from django.utils.translation import gettext_lazy

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.core import audit

# What a settings page or service answers (403) to anyone but a county admin.
REFUSED = gettext_lazy("Only a county admin changes the outreach settings.")


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
