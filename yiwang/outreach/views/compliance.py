"""Pages of outreach: compliance (due versus done, overdue households, coverage, by child
area and by worker) and the households behind each of its figures.

Both are scoped: an area outside the user's posts is not found (404); with no area given
the page shows the area of the user's post. The chart (ECharts, served from our static
files) reads its data from a json_script element: the CSP allows no inline script.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from yiwang.areas import selectors as areas
from yiwang.core import reporting, validators
from yiwang.outreach.selectors import compliance as selectors
from yiwang.registry.models import Household, Relation, Resident, ResidentStatus

PAGE_SIZE = 50
# Areas at these levels list their workers under the table (a county's would be 11,000).
WORKER_LEVELS = ("village", "grid", "unit")
FIGURE_WORDS = {
    "households": _("active households"),
    "due": _("with a visit due in the period"),
    "done": _("with a due visit done"),
    "skipped": _("with a due visit skipped"),
    "overdue": _("with an overdue visit"),
    "visited": _("visited in the period"),
    "not_visited": _("not visited in the period"),
    "paired": _("with a current pairing"),
}


def _period(request):
    """The period of the query, and the errors that made it fall back to this month."""
    query = request.GET
    try:
        period = selectors.parse_period(
            query.get("month", ""), query.get("from", ""), query.get("to", "")
        )
        return period, {}
    except ValueError as exc:
        return selectors.Period.month_of(timezone.localdate()), exc.args[0]


def _links(codes: list[str], period, **extra) -> dict[str, str]:
    """The list of households behind each figure of a row."""
    base = reverse("outreach:compliance-households")

    def link(figure: str) -> str:
        query = [("area", code) for code in codes]
        query += [("figure", figure), *period.query().items(), *extra.items()]
        return f"{base}?{urlencode(query)}"

    return {figure: link(figure) for figure in selectors.BEHIND}


@login_required
@require_GET
def compliance_page(request):
    """Compliance of an area's children and in total, for a period (this month by
    default); the workers too, for a village and below."""
    period, errors = _period(request)
    code = request.GET.get("area", "").strip()
    user = request.user
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    context = {"area": area, "period": period, "errors": errors}
    if area is None:
        return render(request, "outreach/compliance.html", context)
    result = selectors.compliance(area, period)
    page_url = reverse("outreach:compliance")
    rows = []
    for row in result.rows:
        drill = ""
        if row.has_children:
            drill = f"{page_url}?{urlencode({'area': row.code, **period.query()})}"
        rows.append(
            {
                "row": row,
                "f": row.figures,
                "done_rate": reporting.percent(row.figures.done_rate),
                "coverage": reporting.percent(row.figures.coverage),
                "links": _links([row.code], period),
                "drill_url": drill,
            }
        )
    workers = []
    if area.level in WORKER_LEVELS:
        for worker in selectors.compliance_by_worker(area, period, result.today):
            visited = _links([area.code], period, visitor=worker.user_id)["visited"]
            overdue = _links(worker.units, period)["overdue"] if worker.units else ""
            workers.append({"w": worker, "visited_url": visited, "overdue_url": overdue})
    chart = {
        "labels": [r["row"].name for r in rows],
        "links": [r["drill_url"] or r["links"]["due"] for r in rows],
        "series": [
            {
                "name": str(_("Done rate")),
                "data": [reporting.chart_percent(r["f"].done_rate) for r in rows],
            },
            {
                "name": str(_("Visit coverage")),
                "data": [reporting.chart_percent(r["f"].coverage) for r in rows],
            },
        ],
        "percent": "%",
    }
    context.update(
        result=result,
        total=result.total,
        total_links=_links([area.code], period),
        total_done_rate=reporting.percent(result.total.done_rate),
        total_coverage=reporting.percent(result.total.coverage),
        rows=rows,
        workers=workers,
        chart=chart,
        crumbs=areas.crumbs(user, area),
        here=period.query(),
        month=f"{period.first:%Y-%m}" if period.is_month else "",
    )
    return render(request, "outreach/compliance.html", context)


@login_required
@require_GET
def compliance_households(request):
    """The households behind a figure of compliance, under one area or more (a worker's
    units), scoped, paginated, personal data masked."""
    query = request.GET
    figure = query.get("figure", "households")
    if figure not in selectors.BEHIND:
        raise Http404
    period, _errors = _period(request)
    user = request.user
    codes = [code.strip() for code in query.getlist("area") if code.strip()]
    if codes:
        chosen = [areas.area_in_scope(user, code) for code in codes]
    else:
        default = areas.default_area(user)
        chosen = [default] if default else []
    visitor = query.get("visitor", "")
    visitor_id = validators.read_id(visitor)
    heads = Resident.objects.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).order_by()
    queryset = selectors.households_behind(
        Household.objects.visible_to(user)
        .select_related("unit")
        .prefetch_related(Prefetch("residents", queryset=heads, to_attr="heads")),
        [a.code for a in chosen],
        figure,
        period,
        visitor_id=visitor_id,
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(query.get("page"))
    back = f"{reverse('outreach:compliance')}?" + urlencode(
        {"area": chosen[0].code if chosen else "", **period.query()}
    )
    return render(
        request,
        "outreach/compliance_households.html",
        {
            "page_obj": page,
            "areas": chosen,
            "figure": figure,
            "figure_words": FIGURE_WORDS[figure],
            "period": period,
            "back_url": back,
            "pager_query": urlencode(
                [(k, value) for k, values in query.lists() for value in values if k != "page"]
            ),
        },
    )


urlpatterns = [
    path("outreach/compliance/", compliance_page, name="compliance"),
    path(
        "outreach/compliance/households/",
        compliance_households,
        name="compliance-households",
    ),
]
