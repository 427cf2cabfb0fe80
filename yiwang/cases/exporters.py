"""The case lists as background exports (yiwang.core.exports): the case list under its
filters, the three rates as the rates page groups them, and the overdue cases; each within
the requester's scope."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas import selectors as areas
from yiwang.cases.filters import CaseFilterSet
from yiwang.cases.models import Case
from yiwang.cases.selectors import rates as selectors
from yiwang.core import reporting
from yiwang.core.db import stream
from yiwang.core.exports import Table, exporter

CHUNK = 2000
CASE_HEADERS = (
    "编号",
    "标题",
    "类别",
    "状态",
    "来源",
    "紧急",
    "所在区域编码",
    "地址",
    "上报时间",
    "办理时限",
    "承办区域编码",
    "承办部门",
    "反映人电话",
)
CASE_WIDTHS = (16, 30, 14, 10, 8, 6, 20, 30, 17, 17, 20, 14, 15)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def case_rows(queryset):
    for case in stream(queryset, CHUNK):
        yield [
            case.number,
            case.title,
            case.category.name if case.category_id else "",
            case.get_status_display(),
            case.get_source_display(),
            "是" if case.is_urgent else "",
            case.area_code,
            case.address,
            _when(case.created_at),
            _when(case.due_at),
            case.assignee_area_code,
            case.assignee_department.name if case.assignee_department_id else "",
            case.masked_phone,
        ]


@exporter("cases.cases", label=_("Cases"))
def export_cases(user, params) -> Table:
    queryset = (
        Case.objects.visible_to(user)
        .select_related("category", "assignee_department")
        .order_by("-created_at", "-id")
    )
    queryset = CaseFilterSet(params, queryset=queryset).qs
    return Table("事件列表", CASE_HEADERS, case_rows(queryset), queryset.count(), CASE_WIDTHS)


@exporter("cases.overdue", label=_("Overdue cases"), area_params=("area",))
def export_overdue(user, params) -> Table:
    code = (params.get("area") or "").strip()
    queryset = selectors.overdue(user, code, now=timezone.now()).select_related(
        "category", "assignee_department"
    )
    return Table("超期事件", CASE_HEADERS, case_rows(queryset), queryset.count(), CASE_WIDTHS)


RATE_HEADERS = (
    "分组",
    "事件数",
    "按时响应",
    "已响应",
    "响应率",
    "按时办结",
    "已办结",
    "按期办结率",
    "满意",
    "已评价",
    "满意率",
)


@exporter("cases.rates", label=_("Rates"), area_params=("area",))
def export_rates(user, params) -> Table:
    code = (params.get("area") or "").strip()
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    group_by = params.get("group_by") or "area"
    if group_by not in selectors.GROUP_BY:
        group_by = "area"
    try:
        period = selectors.parse_period(params.get("from", ""), params.get("to", ""))
    except ValueError:
        period = selectors.default_period()
    result = selectors.case_rates(area, group_by, period)

    def line(label, f):
        return [
            label,
            f.cases,
            f.responded_on_time,
            f.responded,
            reporting.percent(f.response_rate),
            f.resolved_on_time,
            f.resolved,
            reporting.percent(f.on_time_rate),
            f.satisfied,
            f.rated,
            reporting.percent(f.satisfaction_rate),
        ]

    rows = [line(str(row.label), row.figures) for row in result.rows]
    rows.append(line(f"合计（{area.name}）", result.total))
    return Table("三率", RATE_HEADERS, rows, len(rows), (24,) + (10,) * 10)
