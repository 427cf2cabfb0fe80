"""Pages of points: the honour list (the final selections, names in full for the staff in
scope) and the pages without a login: the public notice (公示) of the monthly evaluations
with its objection form, and the public honour list (names masked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.areas.models import Area
from yiwang.core.forms import add_service_error
from yiwang.core.reporting import (
    parse_month,
)
from yiwang.core.scoping import is_area_code, subtree_q
from yiwang.points.filters.awards import AwardFilterSet
from yiwang.points.models import (
    AwardKind,
    EvaluationStatus,
    Selection,
    SelectionStatus,
)
from yiwang.points.selectors import evaluation as selectors
from yiwang.points.services import decisions
from yiwang.points.views.evaluation import PAGE_SIZE, _months_asked, _read_month

# --- the honour list ----------------------------------------------------------------------


def _honours(request, queryset):
    """The final selections filtered by `month`, or `from` and `to`, `kind` and `area`
    (the selected's own area, as the overview counts them)."""
    rows = selectors.honours(queryset)
    month = request.GET.get("month", "").strip()
    if month:
        try:
            rows = rows.filter(evaluation__month=parse_month(month))
        except ValueError:
            messages.error(request, _("Give a month as YYYY-MM, for example 2026-03."))
    period = _months_asked(request)
    if period is not None:
        rows = rows.filter(evaluation__month__gte=period.first, evaluation__month__lte=period.last)
    kind = request.GET.get("kind", "").strip()
    if kind in AwardKind.values:
        rows = rows.filter(kind=kind)
    area = request.GET.get("area", "").strip()
    if area and is_area_code(area):
        rows = rows.filter(subtree_q("area_code", area))
    # The cockpit's "awards" figure opens this list with its API's filters: the month
    # they were made final in and the area (`under`).
    asked = {k: request.GET[k] for k in ("final_month", "under") if request.GET.get(k)}
    if asked:
        narrowed = AwardFilterSet(asked, queryset=rows)
        rows = narrowed.qs if narrowed.is_valid() else rows.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {
        "month": month,
        "area": area if is_area_code(area) else "",
        "kind": kind if kind in AwardKind.values else "",
        "period": period,
        "kinds": AwardKind.choices,
    }
    return page, filters


@login_required
def honour_list(request):
    """The final selections in the user's scope, names in full (staff in scope)."""
    page, filters = _honours(request, Selection.objects.visible_to(request.user))
    names = decisions.selection_names(page)
    for selection in page:
        selection.full_name = names[selection.pk]
    return render(
        request,
        "points/evaluation_honours.html",
        {"page_obj": page, **filters},
    )


# --- the public notice (公示), without a login -----------------------------------------
# Only evaluations on notice or final, only the selected with their masked names and the
# period; never the standings. Objections are held back per client address (the cases'
# public limits) and by a field robots fill in and people never see.

OBJECTIONS = None


def _objection_limit():
    global OBJECTIONS
    if OBJECTIONS is None:
        from yiwang.cases.views.public import Limit

        OBJECTIONS = Limit("points-objection", "POINTS_PUBLIC_OBJECTION_LIMIT", (5, 600))
    return OBJECTIONS


def _village_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


@require_http_methods(["GET"])
def public_notices(request):
    """The villages' notices running now, and the last final ones."""
    running = list(selectors.on_notice().order_by("-notice_from", "area_code")[:200])
    names = _village_names(e.area_code for e in running)
    for row in running:
        row.village_name = names.get(row.area_code, row.area_code)
    return render(request, "points/public_notices.html", {"rows": running})


@require_http_methods(["GET", "POST"])
def public_notice(request, code: str):
    """The notice of a village's evaluation (`?month=YYYY-MM`, else its latest on notice
    or final): the selected (masked), the period, and the objection form while the notice
    runs."""
    from yiwang.cases.views.public import _throttled, client_key
    from yiwang.points.forms.evaluation import ObjectionForm

    if not is_area_code(code):
        raise Http404(_("Not found."))
    found = selectors.public_evaluations().filter(area_code=code).order_by("-month")
    text = request.GET.get("month", "").strip()
    if text:
        found = found.filter(month=_read_month(text))
    evaluation = found.first()
    if evaluation is None:
        raise Http404(_("Not found."))
    selections = list(
        evaluation.selections.filter(status=SelectionStatus.SELECTED).order_by("kind", "id")
    )
    running = (
        evaluation.status == EvaluationStatus.NOTICE and timezone.now() < evaluation.notice_until
    )
    choices = [(str(s.pk), f"{s.get_kind_display()}: {s.public_name}") for s in selections]
    form = ObjectionForm(request.POST or None, selections=choices)
    if request.method == "POST":
        client = client_key(request)
        limit = _objection_limit()
        wait = limit.wait(client)
        if wait:
            return _throttled(request, wait)
        limit.count(client)
        if form.is_valid():
            if form.cleaned_data["website"]:
                # A robot filled in the hidden field: thanked, and nothing kept.
                messages.success(
                    request, _("Your objection was received; the board will answer it.")
                )
                return redirect(public_notice_url(evaluation))
            try:
                decisions.submit_objection(
                    selection_id=int(form.cleaned_data["selection"]),
                    reason=form.cleaned_data["reason"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("Your objection was received; the board will answer it.")
                )
                return redirect(public_notice_url(evaluation))
    return render(
        request,
        "points/public_notice.html",
        {
            "evaluation": evaluation,
            "village_name": _village_names([evaluation.area_code]).get(evaluation.area_code, ""),
            "selections": selections,
            "running": running,
            "form": form,
        },
    )


def public_notice_url(evaluation) -> str:
    return (
        f"{reverse('points-public:notice', args=[evaluation.area_code])}"
        f"?month={evaluation.month:%Y-%m}"
    )


@require_http_methods(["GET"])
def public_honours(request):
    """The final selections of every village, names masked."""
    page, filters = _honours(request, Selection.objects.all())
    names = _village_names(s.evaluation.area_code for s in page)
    for selection in page:
        selection.village_name = names.get(selection.evaluation.area_code, "")
    return render(
        request,
        "points/public_honours.html",
        {"page_obj": page, **filters},
    )


urlpatterns = [
    path("points/honours/", honour_list, name="honours"),
]

public_urlpatterns = [
    path("points/notices/", public_notices, name="notices"),
    path("points/notices/<str:code>/", public_notice, name="notice"),
    path("points/honours/", public_honours, name="honours"),
]
