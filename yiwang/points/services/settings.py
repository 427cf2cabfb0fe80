"""The county's points switch: whether standings are shown beyond the review board and the
person concerned (off by default, the 2023 rules). The county admin's alone; audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.core import audit
from yiwang.points.models import PointsSettings

REFUSED = gettext_lazy("Only a county admin changes the points settings.")


def _county_code(actor) -> str:
    if actor is None:
        return ""
    return next((c for role, c in scope.current_posts(actor) if role == Role.COUNTY_ADMIN), "")


@transaction.atomic
def set_show_rankings(*, actor, show: bool) -> PointsSettings:
    """Switches the rankings on or off; nothing is written (nor audited) when it is
    already so."""
    scope.require_configure(actor, message=REFUSED, recheck=True)
    PointsSettings.objects.get_or_create(pk=1)
    row = PointsSettings.objects.select_for_update().get(pk=1)
    if row.show_rankings == show:
        return row
    before = audit.snapshot(row)
    row.show_rankings = show
    row.save()
    audit.record(
        actor=actor,
        action="points.settings",
        obj=row,
        area_code=_county_code(actor),
        before=before,
        after=audit.snapshot(row),
    )
    return row
