"""What the cooperatives' pages share: the cooperative of an address (404 outside what
the user reads), whether the user keeps it, and a charter's rate written as a percent."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from yiwang.coops import access
from yiwang.coops.models import Cooperative
from yiwang.coops.statement_pdf import percent_of_rate
from yiwang.core.scoping import get_or_404


def cooperative_for(request, cooperative_id) -> Cooperative:
    """The cooperative `cooperative_id` if the user reads it, else 404 (the same as a
    missing one)."""
    return get_or_404(
        access.visible_cooperatives(request.user).select_related("alliance"), pk=cooperative_id
    )


def may_keep(user, coop: Cooperative) -> bool:
    return access.can_keep(user, coop.area_code)


def require_keeper(user, coop: Cooperative) -> None:
    """403 unless `user` keeps `coop` (the county, the town or the village)."""
    if not may_keep(user, coop):
        raise PermissionDenied(
            _("Only the county, the town or the village keeps this cooperative.")
        )


def percent_text(rate) -> str:
    """A rate of the charter (0.105, three decimals) as a percent: "10.5%", 0.100 →
    "10%"; None → ""."""
    if rate is None:
        return ""
    return percent_of_rate(rate)
