"""Pages of the three rates (response, on-time resolution, satisfaction) and the overdue
list. Both are scoped: an area outside the user's posts is not found (404), and with no
area given the page shows the area of the user's post.

The rates page is a table with a chart: each figure links to the case list filtered to the
cases it counts (yiwang.cases.selectors.rates.FIGURE_FILTERS), each child area to its own
rates. The chart (ECharts, served from our static files) reads its data from a json_script
element: the CSP allows no inline script.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yiwang.accounts.scope import scope_codes
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.cases.filters import CaseFilterSet
from yiwang.cases.models import Case, Category, Department, Satisfaction, Status
from yiwang.cases.selectors import rates as selectors
from yiwang.cases.views.cases import PAGE_SIZE
from yiwang.core import reporting

# The stages that wait for the dispatching level (the others for the handler).
DISPATCHER_STAGES = (Status.REPORTED, Status.ACCEPTED, Status.RESOLVED)
# The three rates as the page shows them: (name, numerator, denominator).
RATES = (
    ("response_rate", "responded_on_time", "responded", gettext_lazy("Response rate")),
    ("on_time_rate", "resolved_on_time", "resolved", gettext_lazy("On-time resolution rate")),
    ("satisfaction_rate", "satisfied", "rated", gettext_lazy("Satisfaction rate")),
)
EXPLAINED = {
    "response_rate": gettext_lazy(
        "Cases answered (accepted, rejected or merged) within the time to accept, of the "
        "cases answered."
    ),
    "on_time_rate": gettext_lazy("Cases resolved by their due time, of the cases resolved."),
    "satisfaction_rate": gettext_lazy(
        "Cases rated satisfied or basically satisfied at the follow-up, of the cases rated."
    ),
}


class RatesForm(forms.Form):
    area = forms.CharField(label=gettext_lazy("Area code"), required=False, max_length=18)
    group_by = forms.ChoiceField(
        label=gettext_lazy("By"), choices=list(selectors.GROUP_BY.items()), required=False
    )
    # <input type="month"> sends YYYY-MM.
    first = forms.CharField(
        label=gettext_lazy("From month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    last = forms.CharField(
        label=gettext_lazy("To month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:  # the query string says from= and to=, as the API does
            data = {
                "area": data.get("area", ""),
                "group_by": data.get("group_by", ""),
                "first": data.get("from", ""),
                "last": data.get("to", ""),
            }
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["period"] = selectors.parse_period(
                cleaned.get("first", ""), cleaned.get("last", "")
            )
        except ValueError as exc:
            for name, message in exc.args[0].items():
                self.add_error({"from": "first", "to": "last"}[name], message)
        return cleaned


def _cells(figures, filters: dict, list_url: str) -> dict:
    """A row's figures as the table shows them, each with the link to its cases."""

    def link(figure: str) -> str:
        return f"{list_url}?{selectors.cases_query(filters, figure)}"

    cells = {"cases": figures.cases, "cases_url": link("cases"), "rates": []}
    for name, part, whole, label in RATES:
        cells["rates"].append(
            {
                "name": name,
                "label": label,
                "text": reporting.percent(getattr(figures, name)),
                "part": getattr(figures, part),
                "part_url": link(part),
                "whole": getattr(figures, whole),
                "whole_url": link(whole),
            }
        )
    return cells


def _chart(result, rows: list[dict]) -> dict:
    """What charts.js draws: one series a rate (percentages, null when nothing to rate),
    the labels, and where a click on a label goes."""
    return {
        "kind": "line" if result.group_by == "month" else "bar",
        "labels": [row["label"] for row in rows],
        "links": [row["drill_url"] or row["cells"]["cases_url"] for row in rows],
        "series": [
            {
                "name": str(label),
                "data": [reporting.chart_percent(getattr(row["figures"], name)) for row in rows],
            }
            for name, _part, _whole, label in RATES
        ],
        "percent": "%",
    }


@login_required
@require_GET
def rates_page(request):
    """The three rates of an area (the user's, by default) by child area, department,
    category or month, over a period of months (the last twelve by default)."""
    form = RatesForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    code = data.get("area", "")
    area = areas.area_in_scope(request.user, code) if code else areas.default_area(request.user)
    group_by = data.get("group_by") or "area"
    period = data.get("period") or selectors.default_period()
    if form.is_valid():  # shown with the months it stands for, when they were left out
        form = RatesForm(period.query())
    context = {"form": form, "area": area, "group_by": group_by, "period": period}
    if area is None:
        return render(request, "cases/rates.html", context)

    result = selectors.case_rates(area, group_by, period)
    list_url = reverse("cases:rate-cases")
    page_url = reverse("cases:rates")
    here = period.query()
    rows = []
    for row in result.rows:
        drill = ""
        if row.drill:
            drill = f"{page_url}?{urlencode({'area': row.drill, 'group_by': group_by, **here})}"
        rows.append(
            {
                "key": row.key,
                "label": row.label,
                "figures": row.figures,
                "cells": _cells(row.figures, row.filters, list_url),
                "drill_url": drill,
            }
        )
    total_filters = {"under": area.code, **period.filters()}
    roots = scope_codes(request.user) or ()
    context.update(
        # Posts on several areas: each is a way in.
        roots=Area.objects.filter(code__in=roots).order_by("code") if len(roots) > 1 else [],
        rates=result,
        rows=rows,
        total=_cells(result.total, total_filters, list_url),
        explained=[(label, EXPLAINED[name]) for name, _p, _w, label in RATES],
        crumbs=areas.crumbs(request.user, area),
        tabs=[
            (
                key,
                label,
                f"{page_url}?{urlencode({'area': area.code, 'group_by': key, **here})}",
            )
            for key, label in selectors.GROUP_BY.items()
        ],
        here=here,
        chart=_chart(result, rows),
        overdue_url=f"{reverse('cases:overdue')}?{urlencode({'area': area.code})}",
    )
    return render(request, "cases/rates.html", context)


def _waiting_code(case) -> str:
    """The area a case waits for; empty when it waits for a department."""
    if case.status in DISPATCHER_STAGES:
        return case.dispatcher_area_code
    return "" if case.assignee_department_id else case.assignee_area_code


@login_required
@require_GET
def overdue_page(request):
    """Open cases past their due time in the user's scope (or under `?area=`), the most
    overdue first."""
    code = request.GET.get("area", "").strip()
    area = areas.area_in_scope(request.user, code) if code else None
    now = timezone.now()
    queryset = selectors.overdue(request.user, area.code if area else "", now=now)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Who the case waits for: the dispatching level, or the handler (an area or a
    # department); the areas named in one query.
    cases = list(page.object_list)
    for case in cases:
        case.waiting_code = _waiting_code(case)
    names = dict(
        Area.objects.filter(code__in={c.waiting_code for c in cases}).values_list("code", "name")
    )
    for case in cases:
        case.waiting_name = names.get(case.waiting_code, case.waiting_code)
    page.object_list = cases
    return render(
        request,
        "cases/overdue.html",
        {"page_obj": page, "area": area, "now": now},
    )


# What each figure's filter means, as the list of its cases says it.
_FIGURE_WORDS = {
    ("response", "on_time"): gettext_lazy("answered in time"),
    ("response", "late"): gettext_lazy("answered late"),
    ("response", "any"): gettext_lazy("answered"),
    ("resolution", "on_time"): gettext_lazy("resolved in time"),
    ("resolution", "late"): gettext_lazy("resolved late"),
    ("resolution", "any"): gettext_lazy("resolved"),
    ("rated", "true"): gettext_lazy("rated by the reporter"),
}


def _described(request) -> list[str]:
    """The filters of the list in words: where, what, when, which figure."""
    query = request.GET
    words = []
    for key, exact in (("under", False), ("area_code", True)):
        code = query.get(key, "").strip()
        if code:
            # Only an area the user sees is named; another one stays a code.
            area = Area.objects.visible_to(request.user).filter(code=code).first()
            name = area.name if area else code
            words.append(
                _("at %(name)s itself") % {"name": name}
                if exact
                else _("in %(name)s") % {"name": name}
            )
    if query.get("department"):
        department = Department.objects.filter(code=query["department"]).first()
        words.append(department.name if department else query["department"])
    if query.get("category"):
        category = Category.objects.filter(code=query["category"]).first()
        words.append(category.name if category else query["category"])
    first, last = query.get("reported_after", ""), query.get("reported_before", "")
    if first or last:
        words.append(_("reported %(first)s to %(last)s") % {"first": first, "last": last})
    for (key, value), text in _FIGURE_WORDS.items():
        if query.get(key) == value:
            words.append(str(text))
    chosen = query.getlist("satisfaction")
    if chosen:
        labels = dict(Satisfaction.choices)
        words.append(" / ".join(str(labels.get(value, value)) for value in chosen))
    return words


@login_required
@require_GET
def rate_cases(request):
    """The cases behind a figure of the rates: the case list's filters (with those of the
    rates: answered or resolved in time, rated, satisfaction), said in words above."""
    queryset = Case.objects.visible_to(request.user).select_related("category")
    filterset = CaseFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/rate_cases.html",
        {
            "page_obj": page,
            "filterset": filterset,
            "described": _described(request),
            "now": timezone.now(),
            "back_url": f"{reverse('cases:rates')}?"
            + urlencode({"area": request.GET.get("under") or request.GET.get("area_code", "")}),
        },
    )
