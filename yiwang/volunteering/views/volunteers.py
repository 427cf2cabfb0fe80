"""Pages of volunteers: the volunteers of the user's scope (filtered by area, team and
whether active; names and phones masked), registering one (a resident of the ledger
found by name, or one's own account) with their consent, and a volunteer's page (their
teams, their approved hours, their recent activities).

Each page reads through `visible_to` (404 outside the scope) and writes through one
service; a service's ValidationError goes back onto the form.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.areas import picker
from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name, mask_phone
from yiwang.core.scoping import get_or_404
from yiwang.registry.models import Resident, ResidentStatus
from yiwang.volunteering import access
from yiwang.volunteering.filters.volunteers import VolunteerFilterSet
from yiwang.volunteering.forms.volunteers import CONSENT_TEXT, VolunteerForm
from yiwang.volunteering.models import Attendance, Membership
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.selectors import hours as hours_selectors
from yiwang.volunteering.services import volunteers as services
from yiwang.volunteering.views.wishes import SEARCH_HITS

PAGE_SIZE = 50
RECENT = 20
TEAM_CHOICES = 300


def phone_of(volunteer) -> str:
    """The volunteer's phone (the resident's, else the account's), masked."""
    phone = ""
    if volunteer.resident_id:
        phone = volunteer.resident.phone
    if not phone and volunteer.user_id:
        phone = volunteer.user.phone
    return mask_phone(phone) if phone else ""


def choose_team_by_name(filterset, user) -> None:
    """The `team` filter of a page's list as a list of the teams' names (the API takes the
    id)."""
    teams = selectors.teams_visible_to(user).order_by("name", "id").values_list("pk", "name")
    choices = [("", "—"), *[(str(pk), name) for pk, name in teams[:TEAM_CHOICES]]]
    field = filterset.form.fields["team"]
    field.widget = forms.Select(choices=choices, attrs={"class": "form-select"})


def _volunteers(user):
    return selectors.volunteers_visible_to(user).select_related("resident", "user")


@login_required
def volunteer_list(request):
    filterset = VolunteerFilterSet(
        request.GET,
        queryset=_volunteers(request.user).order_by("area_code", "name", "id"),
        request=request,
    )
    choose_team_by_name(filterset, request.user)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(v, mask_name(v.name), phone_of(v)) for v in page.object_list]
    return render(
        request,
        "volunteering/volunteers_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": rows,
            "may_record": access.works_in_an_area(request.user),
            "own": selectors.own_volunteer(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_create(request):
    """A resident found by name, or (?self=1) one's own account."""
    own_account = request.GET.get("self") == "1" or request.POST.get("user")
    if not own_account and not access.works_in_an_area(request.user):
        raise PermissionDenied(_("Only those who work in an area may register a volunteer."))
    query = (request.GET.get("q") or "").strip()[:50]
    residents = Resident.objects.visible_to(request.user).filter(status=ResidentStatus.LIVING)
    chosen = None
    pk = request.POST.get("resident") or request.GET.get("resident")
    if pk and not own_account:
        chosen = residents.filter(pk=pk).first() if str(pk).isdigit() else None
    hits = []
    if query and chosen is None:
        hits = list(
            residents.filter(name__contains=query)
            .select_related("household")
            .order_by("name", "id")[:SEARCH_HITS]
        )
    initial = {"resident": chosen.pk if chosen else ""}
    if own_account:
        initial = {"user": request.user.pk}
    form = VolunteerForm(request.POST or None, initial=initial)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {
            "skills": data["skills"],
            "availability": data["availability"],
            "consent": data["consent"],
        }
        if own_account:
            values.update(user=request.user.pk, area_code=data["area_code"])
        else:
            values["resident"] = data["resident"]
        try:
            volunteer = services.register_volunteer(request.user, **values)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The volunteer was registered."))
            return redirect("volunteering:volunteer", volunteer.pk)
    return render(
        request,
        "volunteering/volunteers_form.html",
        {
            "form": form,
            "query": query,
            "hits": hits,
            "chosen": chosen,
            "own_account": bool(own_account),
            "consent_text": CONSENT_TEXT,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def volunteer_detail(request, volunteer_id: int):
    volunteer = get_or_404(_volunteers(request.user), pk=volunteer_id)
    memberships = list(
        Membership.objects.filter(volunteer=volunteer)
        .select_related("team")
        .order_by("left_on", "-joined_on")
    )
    attendances = list(
        Attendance.objects.filter(volunteer=volunteer)
        .select_related("activity")
        .order_by("-checked_in_at")[:RECENT]
    )
    return render(
        request,
        "volunteering/volunteers_detail.html",
        {
            "volunteer": volunteer,
            "name": mask_name(volunteer.name),
            "phone": phone_of(volunteer),
            "memberships": memberships,
            "attendances": attendances,
            "totals": hours_selectors.volunteer_hours(volunteer.pk),
        },
    )


urlpatterns = [
    path("volunteering/volunteers/", volunteer_list, name="volunteers"),
    path("volunteering/volunteers/new/", volunteer_create, name="volunteer-create"),
    path("volunteering/volunteers/<int:volunteer_id>/", volunteer_detail, name="volunteer"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="volunteering.volunteers",
            label=gettext_lazy("Volunteers"),
            url_name="volunteering:volunteers",
            section="volunteering",
            order=10,
        )
    )
