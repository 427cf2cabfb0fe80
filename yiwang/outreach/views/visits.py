"""Pages of outreach: visits. The worker's "today" list (what is due and overdue, phone
first), the visit form (a routine visit in three taps: the household, "all well",
submit), a household's visit history with its open schedule, a visit with its photos,
editing it, skipping a scheduled visit, recording an occurrence of a trigger; and the
county admin's visit rules and triggers.

Each page reads through the scope (404 outside it) and writes through one service; a
service's ValidationError goes back onto the form. The visit form is a plain POST form
that works without JavaScript; its UUID is made by the server when the form is shown, so
that a double submit stores one visit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts import homes, scope
from yiwang.areas import codes
from yiwang.areas import selectors as area_selectors
from yiwang.core import photos as photo_files
from yiwang.core.forms import add_service_error, service_form_page
from yiwang.core.scoping import get_or_404
from yiwang.outreach.filters import OccurrenceFilterSet, VisitFilterSet
from yiwang.outreach.forms import (
    OccurrenceForm,
    RuleForm,
    SkipForm,
    TriggerForm,
    VisitEditForm,
    VisitForm,
)
from yiwang.outreach.models import (
    Enterprise,
    Occurrence,
    Outcome,
    ScheduleStatus,
    Trigger,
    VisitPhoto,
    VisitRule,
    VisitSource,
)
from yiwang.outreach.selectors import visits as selectors
from yiwang.outreach.services import rules as rule_services
from yiwang.outreach.services import settings
from yiwang.outreach.services import visits as services
from yiwang.registry.models import Household

PAGE_SIZE = 50
# A village's code: its "today" lists its lines; above it, a summary by child area.
VILLAGE_CODE_LENGTH = codes.LENGTH_BY_LEVEL["village"]


@login_required
@require_GET
def today(request):
    """What is due for the user within a week and what is overdue, the nearest first: one
    line a household, which opens the visit form.

    A town's or the county's admin answers for thousands of households, not for a day's
    round: their page is their own day (the pairings they sponsor) and, below it, the
    overdue households of each child of their area, which drill down (`?area=`) to a
    village, whose page lists its lines."""
    user = request.user
    area = None
    summary = None
    within = ""
    own_only = False
    code = request.GET.get("area", "").strip()
    if code:
        area = area_selectors.area_in_scope(user, code)
    elif homes.kind(user) in (homes.TOWN, homes.COUNTY):
        area = area_selectors.default_area(user)
    if area is not None and len(area.code) < VILLAGE_CODE_LENGTH:
        summary = selectors.overdue_by_child(area)
        own_only = True
    elif area is not None:
        within = area.code
    lines, cut = selectors.today_lines(user, within=within, own_only=own_only)
    return render(
        request,
        "outreach/today.html",
        {
            "lines": lines,
            "cut": cut,
            "overdue": sum(1 for line in lines if line.overdue),
            "horizon": selectors.HORIZON_DAYS,
            "limit": selectors.TODAY_LIMIT,
            "area": area,
            "summary": summary,
            "own_only": own_only,
        },
    )


def _household(request, household_id: int) -> Household:
    reached = services.reachable(Household.objects.all(), request.user, "household_id")
    return get_or_404(reached, pk=household_id)


def _enterprise(request, enterprise_id: int) -> Enterprise:
    reached = services.reachable(Enterprise.objects.all(), request.user, "enterprise_id")
    return get_or_404(reached, pk=enterprise_id)


def _visit_page(request, *, household=None, enterprise=None):
    bound = request.method == "POST"
    form = VisitForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            visit, created = services.record_visit(
                actor=request.user,
                uuid=data["uuid"],
                household_id=household.pk if household else None,
                enterprise_id=enterprise.pk if enterprise else None,
                visited_at=data["visited_at"],
                outcome=data["outcome"],
                notes=data["notes"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                photos=data["photos"],
                source=VisitSource.WEB,
                case_category=data["case_category"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(
                    request,
                    _("The visit to %(subject)s was recorded.")
                    % {"subject": household.number if household else enterprise.name},
                )
            else:
                messages.info(request, _("This visit was already recorded."))
            return redirect("outreach:today")
    context = {
        "form": form,
        "household": household,
        "enterprise": enterprise,
        "head": selectors.mask_name(getattr(household.head, "name", "")) if household else "",
        "photos_dropped": bool(bound and request.FILES.getlist("photos")),
    }
    return render(request, "outreach/visit_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_household(request, household_id: int):
    return _visit_page(request, household=_household(request, household_id))


@login_required
@require_http_methods(["GET", "POST"])
def visit_enterprise(request, enterprise_id: int):
    return _visit_page(request, enterprise=_enterprise(request, enterprise_id))


@login_required
@require_GET
def visit_list(request):
    """Visits of the user's scope and their own, newest first, filtered."""
    queryset = (
        services.visits_visible_to(request.user)
        .select_related("household", "enterprise", "visitor")
        .order_by("-visited_at", "-id")
    )
    filterset = VisitFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/visit_list.html",
        {"filterset": filterset, "page_obj": page, "outcomes": Outcome.choices},
    )


@login_required
@require_GET
def household_visits(request, household_id: int):
    """A household's visits and its open scheduled visits."""
    household = _household(request, household_id)
    page = Paginator(selectors.household_visits(request.user, household.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "outreach/visit_history.html",
        {
            "household": household,
            "head": selectors.mask_name(getattr(household.head, "name", "")),
            "page_obj": page,
            "scheduled": selectors.household_schedule(request.user, household.pk),
            "occurrences": Occurrence.objects.filter(household=household).select_related("trigger")[
                :10
            ],
            "today": timezone.localdate(),
        },
    )


def _visit_or_404(request, visit_id: int):
    visit = selectors.visit_detail(request.user, visit_id)
    if visit is None:
        raise Http404(_("Not found."))
    return visit


@login_required
@require_GET
def visit_detail(request, visit_id: int):
    visit = _visit_or_404(request, visit_id)
    return render(
        request,
        "outreach/visit_detail.html",
        {
            "visit": visit,
            "photos": list(visit.photos.all()),
            "fulfilled": visit.fulfilled.select_related("rule", "pairing__programme"),
            "may_edit": visit.visitor_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, visit_id: int):
    visit = _visit_or_404(request, visit_id)
    if visit.visitor_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied(_("Only the person who made a visit changes it."))
    form = VisitEditForm(
        request.POST or None, initial={"notes": visit.notes, "outcome": visit.outcome}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_visit(actor=request.user, visit_id=visit.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The visit was changed."))
            return redirect("outreach:visit-detail", visit_id=visit.pk)
    return render(request, "outreach/visit_edit.html", {"visit": visit, "form": form})


@login_required
@require_GET
def visit_photo(request, visit_id: int, photo_id: int, variant: str):
    """A photo of a visit (or its thumbnail), for whoever sees the visit."""
    visit = _visit_or_404(request, visit_id)
    photo = get_object_or_404(VisitPhoto, pk=photo_id, visit=visit)
    if variant not in ("image", "thumbnail"):
        raise Http404(_("Not found."))
    return photo_files.file_response(photo, variant)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_skip(request, scheduled_id: int):
    """A scheduled visit that will not take place, with the reason."""
    row = get_or_404(
        services.scheduled_visible_to(request.user).select_related(
            "household", "enterprise", "rule", "pairing__programme"
        ),
        pk=scheduled_id,
        status=ScheduleStatus.SCHEDULED,
    )
    form = SkipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.skip_scheduled(
                actor=request.user, scheduled_id=row.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The scheduled visit was skipped."))
            if row.household_id:
                return redirect("outreach:household-visits", household_id=row.household_id)
            return redirect("outreach:today")
    return render(request, "outreach/schedule_skip.html", {"row": row, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def occurrence_create(request, household_id: int):
    """Something happened to a household that calls for a visit (a hospital stay …)."""
    household = _household(request, household_id)
    form = OccurrenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_occurrence(
                actor=request.user,
                household_id=household.pk,
                trigger_code=data["trigger"],
                occurred_on=data["occurred_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Recorded: the visit it calls for is scheduled."))
            return redirect("outreach:household-visits", household_id=household.pk)
    return render(request, "outreach/occurrence_form.html", {"household": household, "form": form})


@login_required
@require_GET
def occurrence_list(request):
    queryset = Occurrence.objects.visible_to(request.user).select_related(
        "trigger", "household", "recorded_by"
    )
    filterset = OccurrenceFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/occurrence_list.html",
        {"filterset": filterset, "page_obj": page, "triggers": Trigger.objects.all()},
    )


# --- the county admin's settings ----------------------------------------------------------


@login_required
@require_GET
def rule_list(request):
    scope.require_configure(request.user, message=settings.REFUSED)
    rules = VisitRule.objects.select_related("tag", "trigger")
    return render(request, "outreach/rule_list.html", {"rules": rules})


def _rule_page(request, rule: VisitRule | None):
    scope.require_configure(request.user, message=settings.REFUSED)
    return service_form_page(
        request,
        RuleForm(request.POST or None, rule=rule),
        rule_services.save_rule,
        _("Visit rule “%(name)s” saved."),
        "outreach:rules",
        "outreach/rule_form.html",
        {"rule": rule},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request):
    return _rule_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, code: str):
    scope.require_configure(request.user, message=settings.REFUSED)
    return _rule_page(request, get_object_or_404(VisitRule, code=code))


@login_required
@require_GET
def trigger_list(request):
    scope.require_configure(request.user, message=settings.REFUSED)
    return render(request, "outreach/trigger_list.html", {"triggers": Trigger.objects.all()})


def _trigger_page(request, trigger: Trigger | None):
    scope.require_configure(request.user, message=settings.REFUSED)
    return service_form_page(
        request,
        TriggerForm(request.POST or None, trigger=trigger),
        rule_services.save_trigger,
        _("Trigger “%(name)s” saved."),
        "outreach:triggers",
        "outreach/trigger_form.html",
        {"trigger": trigger},
    )


@login_required
@require_http_methods(["GET", "POST"])
def trigger_create(request):
    return _trigger_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def trigger_edit(request, code: str):
    scope.require_configure(request.user, message=settings.REFUSED)
    return _trigger_page(request, get_object_or_404(Trigger, code=code))


urlpatterns: list = [
    path("outreach/today/", today, name="today"),
    path("outreach/visits/", visit_list, name="visits"),
    path("outreach/visits/<int:visit_id>/", visit_detail, name="visit-detail"),
    path("outreach/visits/<int:visit_id>/edit/", visit_edit, name="visit-edit"),
    path(
        "outreach/visits/<int:visit_id>/photos/<int:photo_id>/<slug:variant>/",
        visit_photo,
        name="visit-photo",
    ),
    path(
        "outreach/visits/household/<int:household_id>/",
        household_visits,
        name="household-visits",
    ),
    path(
        "outreach/visits/household/<int:household_id>/new/",
        visit_household,
        name="visit-household",
    ),
    path(
        "outreach/visits/household/<int:household_id>/occurrence/",
        occurrence_create,
        name="occurrence-create",
    ),
    path(
        "outreach/visits/enterprise/<int:enterprise_id>/new/",
        visit_enterprise,
        name="visit-enterprise",
    ),
    path("outreach/schedule/<int:scheduled_id>/skip/", schedule_skip, name="schedule-skip"),
    path("outreach/occurrences/", occurrence_list, name="occurrences"),
    path("outreach/settings/visit-rules/", rule_list, name="rules"),
    path("outreach/settings/visit-rules/new/", rule_create, name="rule-create"),
    path("outreach/settings/visit-rules/<slug:code>/edit/", rule_edit, name="rule-edit"),
    path("outreach/settings/visit-triggers/", trigger_list, name="triggers"),
    path("outreach/settings/visit-triggers/new/", trigger_create, name="trigger-create"),
    path("outreach/settings/visit-triggers/<slug:code>/edit/", trigger_edit, name="trigger-edit"),
]
