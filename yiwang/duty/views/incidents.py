"""Pages of incidents (突发事件) on their reporting clock: the list of the user's scope
(filtered by status, kind, open, overdue), the form that reports one (a phone's), and an
incident's page with its three clocks counting down (to the town 1 hour, to the county
2 hours, the written report 24 hours), its log, and the step the user may take."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas import picker
from yiwang.areas.picker import AreaPicker
from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.duty import access
from yiwang.duty.models import IncidentKind, IncidentStatus
from yiwang.duty.selectors.incidents import IncidentFilterSet, visible_incidents
from yiwang.duty.services import incidents as services
from yiwang.notices import kinds as notice_kinds

PAGE_SIZE = 30
DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def reports_somewhere(user) -> bool:
    """Holds a post from which incidents are reported (from the posts, no query)."""
    from yiwang.accounts.scope import current_posts

    if access.is_active_superuser(user):
        return True
    return any(role in access.REPORTERS for role, _code in current_posts(user))


class IncidentForm(forms.Form):
    """An incident as the village reports it. `uuid` is made with the page: the form sent
    twice records one incident."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    area_code = forms.CharField(
        label=gettext_lazy("village or unit"),
        max_length=18,
        widget=AreaPicker(levels=("village", "grid", "unit")),
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=IncidentKind.choices)
    title = forms.CharField(label=gettext_lazy("title"), max_length=services.TITLE_MAX)
    text = forms.CharField(
        label=gettext_lazy("what happened"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    casualties = forms.CharField(
        label=gettext_lazy("casualties"), max_length=services.CASUALTIES_MAX, required=False
    )
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("occurred at"),
        widget=forms.DateTimeInput(DATETIME, format=DATETIME_FORMAT),
    )
    learned_at = forms.DateTimeField(
        label=gettext_lazy("learned of at"),
        required=False,
        widget=forms.DateTimeInput(DATETIME, format=DATETIME_FORMAT),
        help_text=gettext_lazy("Now, unless the village learned of it earlier."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WrittenForm(forms.Form):
    report = forms.CharField(
        label=gettext_lazy("written report"),
        max_length=services.TEXT_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


# The steps of an incident's page: the form, and the service called with its data.
STEPS = {
    "receive-town": (NoteForm, services.receive_at_town),
    "receive-county": (NoteForm, services.receive_at_county),
    "written-report": (WrittenForm, services.file_written_report),
    "close": (NoteForm, services.close_incident),
}


@login_required
def incident_list(request):
    filterset = IncidentFilterSet(
        request.GET,
        queryset=visible_incidents(request.user).order_by("-learned_at", "-id"),
        request=request,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = list(page.object_list)
    for row in rows:
        row.overdue = row.status != IncidentStatus.CLOSED and any(
            getattr(row, done) is None and now > getattr(row, due)
            for due, done, *_rest in services.CLOCKS.values()
        )
    return render(
        request,
        "duty/incident_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": rows,
            "may_report": reports_somewhere(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    if not reports_somewhere(request.user):
        raise PermissionDenied(_("Your posts do not allow reporting an incident."))
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = IncidentForm(
        request.POST or None,
        initial={"uuid": str(uuid.uuid4()), "occurred_at": now, "learned_at": now},
    )
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            row, created = services.report_incident(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(
                    request, _("The incident %(number)s was reported.") % {"number": row.number}
                )
            return redirect("duty:incident", row.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/incident_form.html", {"form": form}, status=status)


def _clocks(row) -> list[dict]:
    now = timezone.now()
    labels = {
        "town": _("To the town (1 hour)"),
        "county": _("To the county (2 hours)"),
        "written": _("Written report (24 hours)"),
    }
    clocks = []
    for key, (due_field, done_field, late_flag, *_rest) in services.CLOCKS.items():
        due, done = getattr(row, due_field), getattr(row, done_field)
        running = done is None and row.status != IncidentStatus.CLOSED
        clocks.append(
            {
                "key": key,
                "label": labels[key],
                "due": due,
                "done": done,
                "late": getattr(row, late_flag) or (running and now > due),
                "running": running,
                "seconds": int((due - now).total_seconds()) if running else None,
            }
        )
    return clocks


def _detail(request, row, *, forms_shown=None, status=200):
    user = request.user
    shown = dict(forms_shown or {})
    if row.status == IncidentStatus.REPORTED and access.can_receive_at_town(user, row.area_code):
        shown.setdefault("receive-town", NoteForm(prefix="town"))
    if row.status == IncidentStatus.AT_TOWN and access.can_receive_at_county(user):
        shown.setdefault("receive-county", NoteForm(prefix="county"))
    if row.status == IncidentStatus.AT_COUNTY and access.can_report(user, row.area_code):
        shown.setdefault("written-report", WrittenForm())
    if row.status == IncidentStatus.WRITTEN and access.can_receive_at_county(user):
        shown.setdefault("close", NoteForm(prefix="close"))
    return render(
        request,
        "duty/incident_detail.html",
        {
            "row": row,
            "clocks": _clocks(row),
            "updates": row.updates.select_related("actor").order_by("at", "id"),
            "forms": shown,
        },
        status=status,
    )


def _incident(request, incident_id: int):
    return get_or_404(visible_incidents(request.user).select_related("reported_by"), pk=incident_id)


@login_required
def incident_detail(request, incident_id: int):
    return _detail(request, _incident(request, incident_id))


@login_required
@require_POST
def incident_step(request, incident_id: int, step: str):
    row = _incident(request, incident_id)
    if step not in STEPS:
        raise Http404(_("Not found."))
    form_class, service = STEPS[step]
    prefix = {"receive-town": "town", "receive-county": "county", "close": "close"}.get(step)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(actor=request.user, incident_id=row.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The incident was updated."))
            return redirect("duty:incident", row.pk)
    return _detail(request, row, forms_shown={step: form}, status=400)


urlpatterns = [
    path("duty/incidents/", incident_list, name="incidents"),
    path("duty/incidents/new/", incident_create, name="incident-create"),
    path("duty/incidents/<int:incident_id>/", incident_detail, name="incident"),
    path("duty/incidents/<int:incident_id>/<slug:step>/", incident_step, name="incident-step"),
]


def register() -> None:
    # The duty menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="duty.incidents",
            label=gettext_lazy("Incidents"),
            url_name="duty:incidents",
            section="duty",
            order=40,
            visible=reports_somewhere,
        )
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_DUE,
            gettext_lazy("Incident's report due soon"),
            "duty",
            object_type="duty.incident",
            links=services.incident_links,
        ),
        notice_kinds.Kind(
            services.NOTICE_ESCALATED,
            gettext_lazy("Incident's report overdue"),
            "duty",
            object_type="duty.incident",
            links=services.incident_links,
        ),
        notice_kinds.Kind(
            services.NOTICE_REPORTED,
            gettext_lazy("Incident reported"),
            "duty",
            object_type="duty.incident",
            links=services.incident_links,
        ),
    )
    audit.register_actions(
        {
            "duty_incident.report": gettext_lazy("Report an incident"),
            "duty_incident.town": gettext_lazy("Confirm an incident reached the town"),
            "duty_incident.county": gettext_lazy("Confirm an incident reached the county"),
            "duty_incident.written": gettext_lazy("File an incident's written report"),
            "duty_incident.close": gettext_lazy("Close an incident"),
            "duty_incident.remind": gettext_lazy("Remind of an incident's report due"),
            "duty_incident.escalate": gettext_lazy("Raise an incident's overdue report"),
        }
    )
    from yiwang.duty.indicators import register_incident_indicators

    register_incident_indicators()
