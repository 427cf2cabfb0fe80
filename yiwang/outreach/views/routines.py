"""Pages of outreach: routines — the county admin's settings of the must-attend event
types and the routines; the events; the meetings with their decisions and the user's own
open tasks; a decision done or raised as a case; routine compliance per grid per week.

Each page reads through `visible_to` (404 outside the scope) and writes through one
service; a service's ValidationError goes back onto the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import scope
from yiwang.areas import picker
from yiwang.areas.models import Area
from yiwang.core.forms import add_service_error, service_form_page
from yiwang.core.scoping import get_in_scope, get_or_404
from yiwang.outreach.filters import EventFilterSet, MeetingFilterSet
from yiwang.outreach.forms import (
    ComplianceForm,
    EventForm,
    EventTypeForm,
    MeetingForm,
    RoutineForm,
    ToCaseForm,
)
from yiwang.outreach.models import Event, EventType, Meeting, Routine
from yiwang.outreach.selectors import routines as selectors
from yiwang.outreach.services import routines as services
from yiwang.outreach.services import settings
from yiwang.outreach.views.settings import toggle_setting

PAGE_SIZE = 50
EVENT_FIELDS = {
    "event_type": "event_type_code",
    "attendees": "attendee_ids",
    "household": "household_id",
}
MEETING_FIELDS = {"routine": "routine_code", "attendees": "attendee_ids", "area": "area_code"}
CASE_FIELDS = {"category": "category_code", "unit": "unit_code"}


def _area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --- settings: event types and routines --------------------------------------------------


@login_required
def event_type_list(request):
    scope.require_configure(request.user, message=settings.REFUSED)
    rows = EventType.objects.all()
    return render(request, "outreach/event_type_list.html", {"rows": rows})


def _event_type_page(request, event_type: EventType | None):
    scope.require_configure(request.user, message=settings.REFUSED)
    return service_form_page(
        request,
        EventTypeForm(request.POST or None, event_type=event_type),
        services.save_event_type,
        _("The event type %(name)s was saved."),
        "outreach:event-types",
        "outreach/event_type_form.html",
        {"event_type": event_type},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_type_create(request):
    return _event_type_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def event_type_edit(request, code: str):
    scope.require_configure(request.user, message=settings.REFUSED)
    return _event_type_page(request, get_object_or_404(EventType, code=code))


@login_required
@require_POST
def event_type_toggle(request, code: str):
    """Retires an active event type, or takes a retired one back."""
    return toggle_setting(
        request, EventType, code, services.set_event_type_active, "outreach:event-types"
    )


@login_required
def routine_list(request):
    scope.require_configure(request.user, message=settings.REFUSED)
    return render(request, "outreach/routine_list.html", {"rows": Routine.objects.all()})


def _routine_page(request, routine: Routine | None):
    scope.require_configure(request.user, message=settings.REFUSED)
    return service_form_page(
        request,
        RoutineForm(request.POST or None, routine=routine),
        services.save_routine,
        _("The routine %(name)s was saved."),
        "outreach:routines",
        "outreach/routine_form.html",
        {"routine": routine},
    )


@login_required
@require_http_methods(["GET", "POST"])
def routine_create(request):
    return _routine_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def routine_edit(request, code: str):
    scope.require_configure(request.user, message=settings.REFUSED)
    return _routine_page(request, get_object_or_404(Routine, code=code))


@login_required
@require_POST
def routine_toggle(request, code: str):
    """Retires an active routine, or takes a retired one back."""
    return toggle_setting(request, Routine, code, services.set_routine_active, "outreach:routines")


# --- events -------------------------------------------------------------------------------


@login_required
def event_list(request):
    queryset = Event.objects.visible_to(request.user).select_related("event_type")
    filterset = EventFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _area_names(e.area_code for e in page.object_list)
    context = {
        "filterset": filterset,
        "page_obj": page,
        "rows": [(e, names.get(e.area_code, "")) for e in page.object_list],
        "event_types": EventType.objects.all(),
        "can_configure": scope.can_configure(request.user),
    }
    return render(request, "outreach/event_list.html", context)


@login_required
def event_detail(request, event_id: int):
    event = get_in_scope(
        Event.objects.select_related("event_type", "household", "recorded_by"),
        request.user,
        pk=event_id,
    )
    context = {
        "event": event,
        "attendees": event.attendees.order_by("username"),
        "area_name": _area_names([event.area_code]).get(event.area_code, ""),
    }
    return render(request, "outreach/event_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    initial = {
        "area_code": selectors.default_area_code(request.user),
        "attendee_ids": request.user.username,
    }
    form = EventForm(request.POST or None, initial=initial)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.record_event(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, EVENT_FIELDS)
        else:
            messages.success(request, _("The event was recorded."))
            return redirect("outreach:event-detail", event.pk)
    return render(request, "outreach/event_form.html", {"form": form})


# --- meetings and decisions -----------------------------------------------------------------


@login_required
def meeting_list(request):
    """The meetings of the scope, and the user's own open tasks above them."""
    queryset = Meeting.objects.visible_to(request.user).select_related("routine")
    filterset = MeetingFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _area_names(m.area_code for m in page.object_list)
    context = {
        "filterset": filterset,
        "page_obj": page,
        "rows": [(m, names.get(m.area_code, "")) for m in page.object_list],
        "routines": Routine.objects.all(),
        "tasks": selectors.open_tasks(request.user),
        "today": timezone.localdate(),
        "can_configure": scope.can_configure(request.user),
    }
    return render(request, "outreach/meeting_list.html", context)


@login_required
def meeting_detail(request, meeting_id: int):
    meeting = get_in_scope(
        Meeting.objects.select_related("routine", "recorded_by"), request.user, pk=meeting_id
    )
    context = {
        "meeting": meeting,
        "attendees": meeting.attendees.order_by("username"),
        "decisions": meeting.decisions.select_related("owner", "case"),
        "area_name": _area_names([meeting.area_code]).get(meeting.area_code, ""),
    }
    return render(request, "outreach/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    initial = {
        "area_code": selectors.default_area_code(request.user),
        "attendee_ids": request.user.username,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.record_meeting(actor=request.user, **form.values())
        except ValidationError as exc:
            add_service_error(form, exc, MEETING_FIELDS)
        else:
            messages.success(request, _("The meeting was recorded."))
            return redirect("outreach:meeting-detail", meeting.pk)
    return render(request, "outreach/meeting_form.html", {"form": form})


def _decision_or_404(request, decision_id: int):
    return get_or_404(
        selectors.decisions_visible_to(request.user).select_related("meeting"), pk=decision_id
    )


@login_required
@require_POST
def decision_complete(request, decision_id: int):
    decision = _decision_or_404(request, decision_id)
    try:
        services.complete_decision(actor=request.user, decision_id=decision.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The task was marked done."))
    if (
        request.POST.get("next") == "meeting"
        and Meeting.objects.visible_to(request.user).filter(pk=decision.meeting_id).exists()
    ):
        return redirect("outreach:meeting-detail", decision.meeting_id)
    return redirect("outreach:meetings")


@login_required
@require_http_methods(["GET", "POST"])
def decision_case(request, decision_id: int):
    """Raises a case from a decision of a meeting in the scope."""
    decision = get_or_404(
        selectors.decisions_visible_to(request.user)
        .filter(meeting__in=Meeting.objects.visible_to(request.user))
        .select_related("meeting__routine"),
        pk=decision_id,
    )
    form = ToCaseForm(request.POST or None)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.decision_to_case(
                actor=request.user, decision_id=decision.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc, CASE_FIELDS)
        else:
            messages.success(
                request, _("The case %(number)s was raised.") % {"number": case.number}
            )
            return redirect("outreach:meeting-detail", decision.meeting_id)
    context = {"form": form, "decision": decision, "meeting": decision.meeting}
    return render(request, "outreach/decision_case.html", context)


# --- compliance -----------------------------------------------------------------------------


@login_required
def routine_compliance(request):
    form = ComplianceForm(request.GET or None)
    result = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if form.is_bound else {}
        try:
            result = selectors.routine_compliance(
                request.user, area_code=data.get("area", ""), week=data.get("week", "")
            )
        except ValidationError as exc:
            add_service_error(form, exc)
    rows = []
    if result is not None:
        rows = [(grid, grid.cells) for grid in result.grids]
    context = {
        "form": form,
        "result": result,
        "rows": rows,
        "can_configure": scope.can_configure(request.user),
    }
    return render(request, "outreach/routine_compliance.html", context)


urlpatterns = [
    # The county admin's settings.
    path("outreach/settings/event-types/", event_type_list, name="event-types"),
    path("outreach/settings/event-types/new/", event_type_create, name="event-type-create"),
    path(
        "outreach/settings/event-types/<slug:code>/edit/", event_type_edit, name="event-type-edit"
    ),
    path(
        "outreach/settings/event-types/<slug:code>/toggle/",
        event_type_toggle,
        name="event-type-toggle",
    ),
    path("outreach/settings/routines/", routine_list, name="routines"),
    path("outreach/settings/routines/new/", routine_create, name="routine-create"),
    path("outreach/settings/routines/<slug:code>/edit/", routine_edit, name="routine-edit"),
    path("outreach/settings/routines/<slug:code>/toggle/", routine_toggle, name="routine-toggle"),
    # Events, meetings, decisions, compliance.
    path("outreach/events/", event_list, name="events"),
    path("outreach/events/new/", event_create, name="event-create"),
    path("outreach/events/<int:event_id>/", event_detail, name="event-detail"),
    path("outreach/meetings/", meeting_list, name="meetings"),
    path("outreach/meetings/new/", meeting_create, name="meeting-create"),
    path("outreach/meetings/<int:meeting_id>/", meeting_detail, name="meeting-detail"),
    path(
        "outreach/decisions/<int:decision_id>/complete/",
        decision_complete,
        name="decision-complete",
    ),
    path("outreach/decisions/<int:decision_id>/case/", decision_case, name="decision-case"),
    path("outreach/routines/compliance/", routine_compliance, name="routine-compliance"),
]
