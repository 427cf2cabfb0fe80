"""Pages of the area tree: the user's roots, and one area with its children and people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.areas import panels, services
from yiwang.areas import picker as area_picker
from yiwang.areas.forms import AreaCreateForm, AreaImportForm
from yiwang.areas.models import Area, Level
from yiwang.areas.selectors import rollup
from yiwang.core import access
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.core.services import start_import

# The tree's figures worth showing for children of each level: a grid has no grids under
# it. The figures other apps register (panels.ChildFigures) show on every level.
_SHOWN_COUNTS = {
    Level.TOWN: ("grids", "units"),
    Level.VILLAGE: ("grids", "units"),
    Level.GRID: ("units",),
    Level.UNIT: (),
}


@login_required
def home(request):
    """Straight to the user's area when there is one; a list when posts cover several."""
    codes = access.scope_codes(request.user)
    roots = Area.objects.visible_to(request.user)
    roots = roots.filter(parent__isnull=True) if codes is None else roots.filter(code__in=codes)
    roots = list(roots)
    if len(roots) == 1:
        return redirect("areas:detail", code=roots[0].code)
    return render(request, "areas/home.html", {"roots": roots})


def _can_create_under(user, area: Area) -> bool:
    return (
        area.level in (Level.VILLAGE, Level.GRID)
        and area.is_open
        and access.can_manage_area(user, area.code)
    )


def _render_detail(request, area: Area, form: AreaCreateForm | None = None):
    user = request.user
    if form is None and _can_create_under(user, area):
        form = AreaCreateForm(initial={"level": area.child_level})
    children = rollup(area)
    # The other apps' figures for each child (the ledger's) ride along with the tree's own.
    child_figures = panels.child_figures()
    for figures in child_figures:
        if children and not figures.in_rollup:
            figures.add(area, children)
    for child in children:
        child["level_label"] = Level(child["level"]).label
    context = {
        "area": area,
        "ancestors": Area.objects.visible_to(user).filter(code__in=area.ancestor_codes()),
        "children": children,
        "shown_counts": _SHOWN_COUNTS.get(area.child_level, ()),
        "child_level_label": Level(area.child_level).label if area.child_level else "",
        "child_badges": [figures.badges for figures in child_figures],
        "form": form,
        "can_import": area.level in (Level.COUNTY, Level.TOWN, Level.VILLAGE)
        and access.can_manage_area(user, area.code),
        # After a refused create the address is the POST-only create URL.
        "language_next": reverse("areas:detail", args=[area.code]),
    }
    sections = panels.sections()
    for section in sections:
        context.update(section.context(request, area))
    context["sections"] = [section.template for section in sections]
    # A drill-down by htmx gets the panel alone; a reload or a history restore the page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "areas/area_panel_htmx.html" if partial else "areas/area_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


@login_required
def area_detail(request, code: str):
    area = get_in_scope(Area.objects, request.user, code=code)
    return _render_detail(request, area)


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request, code: str):
    """Upload of a division-code table into this area's subtree, run in the background."""
    area = get_in_scope(Area.objects, request.user, code=code)
    access.require_area_manager(request.user, area.code)
    form = AreaImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = start_import(
                actor=request.user,
                kind="areas",
                filename=upload.name,
                data=upload.read(),
                area_code=area.code,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("core:import-detail", job_id=job.pk)
    return render(request, "areas/area_import.html", {"area": area, "form": form})


@login_required
def area_map(request, code: str):
    """The area's boundary and its children's, as GeoJSON, for the map on its page."""
    area = get_in_scope(Area.objects, request.user, code=code)
    rows = [("self", area.code, area.name, area.boundary)] if area.boundary else []
    rows += [
        ("child", c, name, boundary)
        for c, name, boundary in Area.objects.visible_to(request.user)
        .filter(parent=area, boundary__isnull=False)
        .values_list("code", "name", "boundary")
    ]
    features = [
        {
            "type": "Feature",
            "geometry": boundary,
            "properties": {
                "code": c,
                "name": name,
                "role": role,
                "url": reverse("areas:detail", args=[c]),
            },
        }
        for role, c, name, boundary in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_POST
@login_required
def area_create(request, code: str):
    """A grid under a village or a unit under a grid, from the form on the parent's page."""
    parent = get_in_scope(Area.objects, request.user, code=code)
    form = AreaCreateForm(request.POST)
    if form.is_valid():
        try:
            child = services.create_area(
                actor=request.user,
                parent_code=parent.code,
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"] or None,
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"level": None, "parent": None})
        else:
            messages.success(
                request,
                _("%(level)s %(name)s (%(code)s) was created.")
                % {"level": child.get_level_display(), "name": child.name, "code": child.code},
            )
            return redirect("areas:detail", code=parent.code)
    return _render_detail(request, parent, form=form)


@require_GET
@login_required
def picker(request):
    """What the area picker offers: the areas matching `q` (a name, pinyin initials or the
    start of a code), the children of `parent` with the path down to it, or the user's own
    areas; only within the user's scope. HTML for the widget, JSON with ?format=json."""
    levels = area_picker.parse_levels(request.GET.get("levels"))
    text = request.GET.get("q", "")
    parent = request.GET.get("parent", "").strip()
    path: list = []
    if text.strip():
        rows = area_picker.search(request.user, text, levels)
    elif parent:
        path, rows = area_picker.children(request.user, parent, levels)
    else:
        rows = area_picker.roots(request.user, levels)
    if request.GET.get("format") == "json":
        response = JsonResponse(
            {
                "results": [row.as_json() for row in rows],
                "path": [{"code": area.code, "name": area.name} for area in path],
            }
        )
    else:
        response = render(
            request,
            "areas/_picker_results.html",
            {"rows": rows, "path": path, "searched": bool(text.strip())},
        )
    patch_vary_headers(response, ["Cookie"])
    return response
