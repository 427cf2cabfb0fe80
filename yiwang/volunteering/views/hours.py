"""Pages of volunteers' hours: the volunteers of one's scope with their approved credit
hours and star (a search by name), and a volunteer's hours page: credit and honour hours
apart, the star and the hours to the next, the hours records (pending, approved,
declined) and the certificates issued, with the link to issue one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core import display
from yiwang.core.scoping import get_in_scope
from yiwang.volunteering import access
from yiwang.volunteering.models import Certificate, HoursRecord, Volunteer
from yiwang.volunteering.selectors import hours as selectors

PAGE_SIZE = 30
# The records a volunteer's page lists, newest first.
RECORDS_SHOWN = 200


def _require_recorder(user) -> None:
    if not access.works_in_an_area(user):
        raise PermissionDenied(_("Your posts do not allow this."))


@login_required
def hours_list(request):
    """The volunteers of the scope, found by name, with their hours and star."""
    _require_recorder(request.user)
    query = request.GET.get("q", "").strip()[:50]
    volunteers = Volunteer.objects.visible_to(request.user).order_by("area_code", "name", "id")
    if query:
        volunteers = volunteers.filter(name__icontains=query)
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    credit = selectors.approved_credit_by_volunteer(v.pk for v in page)
    for volunteer in page:
        volunteer.credit = credit.get(volunteer.pk, selectors.ZERO)
        volunteer.star = selectors.star_of(volunteer.credit).level
    names = display.area_names(v.area_code for v in page)
    certificates = list(
        Certificate.objects.visible_to(request.user).order_by("-issued_on", "-id")[:10]
    )
    return render(
        request,
        "volunteering/hours_list.html",
        {
            "page_obj": page,
            "query": query,
            "names": names,
            "certificates": certificates,
            "may_export": access.issues_somewhere(request.user),
        },
    )


def _place(code: str) -> str:
    """Where the volunteer is registered, by name from the town down (中都街道 · 南门社区 ·
    第一网格 · 第1单元)."""
    prefixes = [code[:n] for n in range(9, len(code) + 1, 3)] or [code]
    names = display.area_names(prefixes)
    return " · ".join(names[p].name for p in prefixes if p in names)


@login_required
def volunteer_hours(request, volunteer_id: int):
    volunteer = get_in_scope(
        Volunteer.objects.select_related("resident"), request.user, pk=volunteer_id
    )
    hours = selectors.volunteer_hours(volunteer)
    records = list(
        HoursRecord.objects.visible_to(request.user)
        .filter(volunteer=volunteer)
        .select_related("activity")
        .order_by("-served_on", "-id")[:RECORDS_SHOWN]
    )
    certificates = list(
        Certificate.objects.visible_to(request.user)
        .filter(volunteer=volunteer)
        .order_by("-issued_on", "-id")
    )
    return render(
        request,
        "volunteering/volunteer_hours.html",
        {
            "volunteer": volunteer,
            "hours": hours,
            "thresholds": selectors.STAR_THRESHOLDS,
            "records": records,
            "certificates": certificates,
            "place": _place(volunteer.area_code),
            "may_issue": access.can_issue(request.user, volunteer.area_code),
        },
    )


urlpatterns = [
    path("volunteering/hours/", hours_list, name="hours"),
    path(
        "volunteering/volunteers/<int:volunteer_id>/hours/",
        volunteer_hours,
        name="volunteer-hours",
    ),
]


def register() -> None:
    """The menu item of volunteers' hours."""
    from yiwang.core import menus

    menus.register(
        menus.MenuItem(
            "volunteering.hours",
            gettext_lazy("Volunteer hours"),
            "volunteering:hours",
            "volunteering",
            30,
            visible=access.works_in_an_area,
        )
    )
