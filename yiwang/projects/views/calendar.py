"""The command post's settings of the battle map: the working calendar (the years known,
from the `chinese-calendar` package and as the county entered them with their source, and
the form that enters a year's holidays and weekends worked) and the milestone types with
their thresholds of colour in working days late."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.projects import access, services
from yiwang.projects.forms.progress import CalendarYearForm, MilestoneTypeForm
from yiwang.projects.models import CalendarYear, MilestoneType
from yiwang.projects.workdays import package_years


def _command_post(request):
    if not access.is_command_post(request.user):
        raise PermissionDenied(_("Only the county's command post (a county admin) sees this page."))


def known_years():
    """Each year known: (year, where from, its source, holidays, weekends worked); a year
    entered replaces the package's."""
    entered = {
        row.year: row
        for row in CalendarYear.objects.select_related("entered_by").prefetch_related("days")
    }
    rows = []
    for year in sorted(set(package_years()) | set(entered)):
        row = entered.get(year)
        if row is not None:
            days = list(row.days.all())
            rows.append(
                {
                    "year": year,
                    "entered": row,
                    "holidays": [d.day for d in days if not d.is_workday],
                    "workdays": [d.day for d in days if d.is_workday],
                }
            )
        else:
            breaks = package_years()[year]
            rows.append(
                {
                    "year": year,
                    "entered": None,
                    "holidays": sorted(d for d, worked in breaks.items() if not worked),
                    "workdays": sorted(d for d, worked in breaks.items() if worked),
                }
            )
    return list(reversed(rows))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    _command_post(request)
    form = CalendarYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enter_year(
                request.user,
                year=data["year"],
                source=data["source"],
                holidays=data["holidays"],
                workdays=data["workdays"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The working calendar of %(year)s was saved.") % {"year": data["year"]}
            )
            return redirect("projects:calendar")
    return render(
        request,
        "projects/calendar.html",
        {"form": form, "years": known_years()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def remove_year(request):
    """Removes a year the county entered (the package's, if it knows it, applies again)."""
    _command_post(request)
    year = request.POST.get("year", "")
    try:
        services.remove_year(request.user, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The county's working calendar of %(year)s was removed.") % {"year": year}
        )
    return redirect("projects:calendar")


@login_required
@require_http_methods(["GET", "POST"])
def milestone_types(request):
    _command_post(request)
    types = list(MilestoneType.objects.order_by("order", "code"))
    forms = {
        t.pk: MilestoneTypeForm(
            initial={
                "pk": t.pk,
                "code": t.code,
                "name": t.name,
                "yellow_from": t.yellow_from,
                "red_from": t.red_from,
                "order": t.order,
            },
            prefix=f"type-{t.pk}",
        )
        for t in types
    }
    new_form = MilestoneTypeForm(prefix="new")
    if request.method == "POST":
        which = request.POST.get("which", "new")
        prefix = "new" if which == "new" else f"type-{which}"
        form = MilestoneTypeForm(request.POST, prefix=prefix)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if which != "new":
                data["pk"] = next((t.pk for t in types if str(t.pk) == which), -1)
            else:
                data["pk"] = None
            try:
                row = services.configure_milestone_type(request.user, **data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("The milestone type %(name)s was saved.") % {"name": row.name}
                )
                return redirect("projects:milestone-types")
        if which == "new":
            new_form = form
        else:
            forms = {pk: form if f"type-{pk}" == prefix else f for pk, f in forms.items()}
    return render(
        request,
        "projects/calendar_milestone_types.html",
        {"rows": [(t, forms[t.pk]) for t in types], "new_form": new_form},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("projects/calendar/", calendar_page, name="calendar"),
    path("projects/calendar/remove/", remove_year, name="calendar-remove"),
    path("projects/milestone-types/", milestone_types, name="milestone-types"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="projects.calendar",
            label=gettext_lazy("Working calendar"),
            url_name="projects:calendar",
            section="projects",
            order=80,
            visible=access.is_command_post,
        ),
        menus.MenuItem(
            key="projects.milestone-types",
            label=gettext_lazy("Milestone types"),
            url_name="projects:milestone-types",
            section="projects",
            order=85,
            visible=access.is_command_post,
        ),
    )
