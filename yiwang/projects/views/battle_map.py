"""The battle map (作战图): a Gantt of the projects a person sees and their milestones in
red, yellow and green with today's line (ECharts' custom series, drawn by
static/projects/battle_map.js from the page's data), the filters, a detail panel of the
project clicked (its red milestones, its open problems, its latest site photo); the
funnel of the stages with the days spent in each; the bottlenecks by cause and by
department, each figure opening its records. The tables are server-rendered: the page
is useful without JavaScript. And the site photos, for whoever sees their project."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts
from yiwang.core import display
from yiwang.core import photos as photo_files
from yiwang.core.validators import read_id
from yiwang.projects import access
from yiwang.projects.models import (
    Batch,
    Colour,
    DelayCause,
    ProgressPhoto,
    ProjectKind,
    Stage,
)
from yiwang.projects.selectors import battle_map as selectors
from yiwang.projects.selectors.projects import visible_projects

PHOTO_VARIANTS = ("file", "thumbnail")
# The problems' states a department's figures open.
STATE_LABELS = {
    "open": pgettext_lazy("project problems", "Open"),
    "overdue": pgettext_lazy("project problems", "Overdue"),
    "resolved": pgettext_lazy("project problems", "Resolved"),
}


def sees_the_map(user) -> bool:
    """Who finds the battle map in the menu, from their posts alone (no query): the
    command post and the town admins, and the departments' staff. A special team's
    member without such a post reaches their projects through 'My projects'."""
    if access.manages_somewhere(user):
        return True
    return any(role == Role.DEPARTMENT_STAFF for role, _code in current_posts(user))


def _allowed(user) -> None:
    if not (sees_the_map(user) or visible_projects(user).exists()):
        raise PermissionDenied(_("You see no key project."))


def project_url(pk: int) -> str:
    """The project's own page."""
    return reverse("projects:project", args=[pk])


class MapFilters(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("Town or park"), required=False)
    stage = forms.ChoiceField(
        label=gettext_lazy("Stage"), required=False, choices=[("", "—"), *Stage.choices]
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), required=False, choices=[("", "—"), *ProjectKind.choices]
    )
    batch = forms.ChoiceField(
        label=gettext_lazy("Batch"), required=False, choices=[("", "—"), *Batch.choices]
    )
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour"),
        required=False,
        choices=[("", "—"), *selectors.COLOUR_CHOICES],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "—"), *areas]


def _area_choices(user) -> list[tuple[str, str]]:
    codes = sorted(
        set(
            visible_projects(user)
            .filter(is_active=True)
            .values_list("area_code", flat=True)
            .distinct()
        )
    )
    names = display.area_names(codes)
    return [(code, names[code].name if code in names else code) for code in codes]


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _chart(found: dict, photo_url) -> dict:
    """The data of the Gantt and its detail panels (the page's json_script)."""
    stage_labels = dict(Stage.choices)
    cause_labels = dict(DelayCause.choices)
    projects = []
    for p in found["projects"]:
        red = [m for m in p["milestones"] if m["colour"] == Colour.RED and not m["done_on"]]
        projects.append(
            {
                "id": p["id"],
                "label": f"{p['number']} {p['name']}",
                "name": p["name"],
                "colour": p["colour"],
                "start": _day(p["starts_on"]),
                "end": _day(p["ends_on"]),
                "leader": p["leader"],
                "stage": str(stage_labels.get(p["stage"], p["stage"])),
                "url": project_url(p["id"]),
                "photo": photo_url(p["photo_id"]) if p["photo_id"] else "",
                # due, colour, done, lag, name
                "milestones": [
                    [_day(m["due_on"]), m["colour"] or "", bool(m["done_on"]), m["lag"], m["name"]]
                    for m in p["milestones"]
                ],
                "red": [
                    {
                        "name": m["name"],
                        "due": _day(m["due_on"]),
                        "lag": m["lag"],
                        "cause": str(cause_labels.get(m["cause"], "")),
                    }
                    for m in red
                ],
                "problems": [
                    {
                        "text": q["text"],
                        "department": q["department"],
                        "due": _day(q["due_on"]),
                        "overdue": q["days_overdue"],
                    }
                    for q in p["problems"]
                ],
            }
        )
    return {
        "today": _day(found["today"]),
        "projects": projects,
        "labels": {
            "today": _("Today"),
            "leader": _("Leader in charge"),
            "stage": _("Stage"),
            "red": _("Red milestones"),
            "problems": _("Open problems"),
            "photo": _("Latest site photo"),
            "none": _("None"),
            "due": _("due"),
            "late": _("working days late"),
            "overdue": _("working days overdue"),
            "done": _("done"),
            "open": _("Open the project"),
            "close": _("Close"),
        },
    }


def _bottleneck_links(found: dict) -> dict:
    here = reverse("projects:map")

    def url(**query) -> str:
        return f"{here}?{urlencode(query)}#records"

    for row in found["causes"]:
        row["late_url"] = url(late=row["cause"] or "none")
        row["problems_url"] = url(problems="open", cause=row["cause"]) if row["cause"] else ""
        row["label"] = row["label"] or _("Cause not given yet")
    for row in found["departments"]:
        row["urls"] = {state: url(problems=state, department=row["id"]) for state in STATE_LABELS}
    return found


def _records(request, user, today) -> dict | None:
    """The records behind a bottleneck's figure, when one was followed."""
    query = request.GET
    causes = set(DelayCause.values)
    if "late" in query:
        cause = query["late"]
        cause = "" if cause == "none" else cause
        if cause and cause not in causes:
            return None
        label = dict(DelayCause.choices).get(cause) or _("Cause not given yet")
        return {
            "kind": "late",
            "title": _("Late milestones: %(cause)s") % {"cause": label},
            "rows": selectors.late_milestones(user, cause=cause, today=today),
        }
    if "problems" in query:
        state = query["problems"] if query["problems"] in STATE_LABELS else "open"
        cause = query.get("cause", "")
        department = query.get("department", "")
        department_id = read_id(department) if department else None
        if (cause and cause not in causes) or (department and department_id is None):
            return None
        rows = selectors.problems(
            user,
            cause=cause,
            department=department_id,
            state=state,
            today=today,
        )
        return {
            "kind": "problems",
            "title": _("Problems: %(state)s") % {"state": STATE_LABELS[state]},
            "rows": rows,
        }
    return None


@login_required
@require_GET
def battle_map_page(request):
    """The battle map of the projects the viewer sees."""
    user = request.user
    _allowed(user)
    today = timezone.localdate()
    form = MapFilters(request.GET or None, areas=_area_choices(user))
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.battle_map(user, today=today, **filters)
    causes = dict(DelayCause.choices)
    stages = dict(Stage.choices)
    colours = dict(selectors.COLOUR_CHOICES)
    for p in found["projects"]:
        p["url"] = project_url(p["id"])
        p["red_count"] = sum(
            1 for m in p["milestones"] if m["colour"] == Colour.RED and not m["done_on"]
        )
        p["stage_label"] = stages.get(p["stage"], p["stage"])
        p["colour_label"] = colours[p["colour"]]
        for m in p["milestones"]:
            m["cause_label"] = causes.get(m["cause"], "")

    def photo_url(pk):
        return reverse("projects:photo", args=[pk, "thumbnail"])

    funnel = selectors.funnel(user, today=today)
    chart = _chart(found, photo_url)
    context = {
        "form": form,
        "found": found,
        "chart": chart,
        "funnel": funnel,
        "funnel_chart": {
            "stages": [str(r["label"]) for r in funnel],
            "counts": [r["count"] for r in funnel],
            "label": _("Projects"),
        },
        "bottlenecks": _bottleneck_links(selectors.bottlenecks(user, today=today)),
        "records": _records(request, user, today),
        "colour_counts": [(c, colours[c], n) for c, n in found["colours"].items()],
        "state_labels": STATE_LABELS,
        "can_pack": access.manages_somewhere(user),
        "month": f"{today:%Y-%m}",
    }
    return render(request, "projects/battle_map.html", context)


@login_required
@require_GET
def photo(request, pk: int, variant: str):
    """A site photo (or its thumbnail), for whoever sees its project."""
    if variant not in PHOTO_VARIANTS:
        raise Http404(_("Not found."))
    row = get_object_or_404(
        ProgressPhoto.objects.select_related("entry"),
        pk=pk,
        entry__project__in=visible_projects(request.user).values("pk"),
    )
    return photo_files.file_response(row, variant)


urlpatterns = [
    path("projects/map/", battle_map_page, name="map"),
    path("projects/photos/<int:pk>/<str:variant>/", photo, name="photo"),
]


def register() -> None:
    from yiwang.core import menus

    menus.register(
        menus.MenuItem(
            "projects.map",
            gettext_lazy("Battle map"),
            "projects:map",
            "projects",
            5,
            visible=sees_the_map,
        ),
    )
