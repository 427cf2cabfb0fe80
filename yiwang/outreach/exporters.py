"""Outreach's lists as background exports (yiwang.core.exports): visits under the visit
list's filters, compliance by area, and the households behind a compliance figure (the
overdue households by default); each within the requester's scope, names masked as the
pages show them."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas import selectors as areas
from yiwang.core import reporting, validators
from yiwang.core.db import stream
from yiwang.core.exports import Table, exporter
from yiwang.outreach.filters import VisitFilterSet
from yiwang.outreach.selectors import compliance as selectors
from yiwang.outreach.services import visits as services
from yiwang.registry.models import Household, Relation, Resident, ResidentStatus

CHUNK = 2000


def _period(params):
    try:
        return selectors.parse_period(
            params.get("month", ""), params.get("from", ""), params.get("to", "")
        )
    except ValueError:
        return selectors.Period.month_of(timezone.localdate())


VISIT_HEADERS = ("走访时间", "户编号", "单元网格编码", "企业", "走访人", "结果", "备注")


@exporter("outreach.visits", label=_("Visits"))
def export_visits(user, params) -> Table:
    queryset = (
        services.visits_visible_to(user)
        .select_related("household", "enterprise", "visitor")
        .order_by("-visited_at", "-id")
    )
    queryset = VisitFilterSet(params, queryset=queryset).qs

    def rows():
        for visit in stream(queryset, CHUNK):
            household = visit.household
            yield [
                timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M"),
                household.number if household else "",
                visit.area_code,
                str(visit.enterprise) if visit.enterprise_id else "",
                str(visit.visitor) if visit.visitor_id else "",
                visit.get_outcome_display(),
                visit.notes,
            ]

    return Table("走访记录", VISIT_HEADERS, rows(), queryset.count(), (17, 10, 20, 20, 12, 10, 40))


COMPLIANCE_HEADERS = (
    "区域",
    "区域编码",
    "在册户数",
    "应访户数",
    "已访户数",
    "跳过",
    "超期户数",
    "完成率",
    "走访覆盖率",
    "结对户数",
)


@exporter("outreach.compliance", label=_("Compliance"), area_params=("area",))
def export_compliance(user, params) -> Table:
    code = (params.get("area") or "").strip()
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    result = selectors.compliance(area, _period(params))

    def line(name, code, f):
        return [
            name,
            code,
            f.households,
            f.due,
            f.done,
            f.skipped,
            f.overdue_households,
            reporting.percent(f.done_rate),
            reporting.percent(f.coverage),
            f.paired,
        ]

    rows = [line(row.name, row.code, row.figures) for row in result.rows]
    rows.append(line(f"合计（{area.name}）", area.code, result.total))
    return Table("走访达标", COMPLIANCE_HEADERS, rows, len(rows), (20, 20) + (10,) * 8)


HOUSEHOLD_HEADERS = ("户编号", "单元网格编码", "单元网格", "户主", "现住址")


@exporter("outreach.households", label=_("Overdue households"), area_params=("area",))
def export_households(user, params) -> Table:
    figure = params.get("figure", "overdue")
    if figure not in selectors.BEHIND:
        figure = "overdue"
    codes = [c.strip() for c in params.getlist("area") if c.strip()]
    if not codes:
        default = areas.default_area(user)
        codes = [default.code] if default else []
    visitor = params.get("visitor", "")
    heads = Resident.objects.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).order_by()
    queryset = selectors.households_behind(
        Household.objects.visible_to(user)
        .select_related("unit")
        .prefetch_related(Prefetch("residents", queryset=heads, to_attr="heads")),
        codes,
        figure,
        _period(params),
        visitor_id=validators.read_id(visitor),
    )

    def rows():
        for household in stream(queryset, CHUNK):
            head = household.heads[0].name if household.heads else ""
            yield [
                household.number,
                household.area_code,
                household.unit.name,
                head,
                household.address,
            ]

    return Table("走访户清单", HOUSEHOLD_HEADERS, rows(), queryset.count(), (10, 20, 16, 10, 30))
