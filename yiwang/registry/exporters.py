"""The ledger's lists as background exports (yiwang.core.exports): the residents, in the
import's columns and masked, and the households, each under the ledger page's filters and
within the requester's scope."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.db import stream
from yiwang.core.exports import Table, exporter
from yiwang.registry import services
from yiwang.registry.filters import HouseholdFilterSet, ResidentFilterSet
from yiwang.registry.models import Household, Resident, ResidentStatus
from yiwang.registry.selectors.exports import (
    CATEGORY_TEXT,
    HEADERS,
    WIDTHS,
    resident_rows,
)

CHUNK = 2000


def residents_of(user, params: dict):
    """The ledger page's residents under `params`, as the page lists them."""
    queryset = Resident.objects.visible_to(user).order_by("area_code", "household__number", "id")
    return ResidentFilterSet(params, queryset=queryset).qs


def _residents_table(user, params, *, full: bool) -> Table:
    queryset = residents_of(user, params)
    total = queryset.count()
    filters = {k: v for k, v in params.items() if k in ResidentFilterSet.base_filters and v}
    # The ledger's own record of who took its personal data, as the direct export writes.
    services.record_export(actor=user, count=total, filters=filters, full=full)
    return Table(
        title="居民台账",
        headers=HEADERS,
        rows=resident_rows(queryset, full=full),
        total=total,
        widths=WIDTHS,
    )


@exporter("registry.residents", label=_("Ledger: residents"))
def export_residents(user, params) -> Table:
    return _residents_table(user, params, full=False)


@exporter(
    "registry.residents_full",
    label=_("Ledger: residents, full numbers"),
    permission="registry.export_personal_data",
)
def export_residents_full(user, params) -> Table:
    return _residents_table(user, params, full=True)


HOUSEHOLD_HEADERS = ("户编号", "单元网格编码", "现住址", "门牌号", "户类别", "状态", "在册人数")
HOUSEHOLD_WIDTHS = (10, 20, 30, 10, 8, 8, 8)


@exporter("registry.households", label=_("Ledger: households"))
def export_households(user, params: dict) -> Table:
    # The ledger page's filters that apply to households (its status is the residents').
    fields = {k: params[k] for k in ("under", "category") if params.get(k)}
    queryset = HouseholdFilterSet(
        fields, queryset=Household.objects.visible_to(user).order_by("area_code", "number", "id")
    ).qs.annotate(living=Count("residents", filter=Q(residents__status=ResidentStatus.LIVING)))

    def rows():
        for household in stream(queryset, CHUNK):
            yield [
                household.number,
                household.area_code,
                household.address,
                household.door_number,
                CATEGORY_TEXT.get(household.category, ""),
                household.get_status_display(),
                household.living,
            ]

    return Table(
        title="户台账",
        headers=HOUSEHOLD_HEADERS,
        rows=rows(),
        total=queryset.count(),
        widths=HOUSEHOLD_WIDTHS,
    )
