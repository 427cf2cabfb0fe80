"""Reads of the area tree that are more than a filter: figures rolled up the tree, and
what every module's report by child area reads of it (the children, the area a user's
figures open on, the areas above it)."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Substr

from yiwang.areas import codes, panels
from yiwang.areas.models import Area, Level
from yiwang.core import access
from yiwang.core.display import AreaName
from yiwang.core.replica import reads_on_replica
from yiwang.core.scoping import get_in_scope, subtree_q

# The levels a roll-up counts, with the key each count goes under.
_COUNTED_LEVELS = {Level.GRID: "grids", Level.UNIT: "units"}


@reads_on_replica
def rollup(area: Area) -> list[dict]:
    """For each child of `area` (by code): its open grids and units below it, and the
    figures registered for the roll-up (`panels.ChildFigures` with `in_rollup`: accounts
    counts the current grid-worker posts in its subtree).

    Children are all children, closed ones too, so that the page can still show them; the
    figures count only open areas. A child's own level is not counted (a grid has 0
    grids). Three queries whatever the size of the tree: the children, then one GROUP BY
    on the code prefix of the child for areas and one for posts. The caller checks that
    `area` is in the user's scope.
    """
    children = list(
        Area.objects.filter(parent=area).order_by("code").values("code", "name", "level")
    )
    if not children:
        return []
    prefix_length = len(area.code) + codes.SUFFIX_DIGITS
    # Only levels strictly below the children's level.
    levels = [level for level in _COUNTED_LEVELS if codes.LENGTH_BY_LEVEL[level] > prefix_length]
    counts: dict[str, dict[str, int]] = {
        child["code"]: {"grids": 0, "units": 0} for child in children
    }
    if levels:
        rows = (
            Area.objects.open()
            .filter(subtree_q("code", area.code), level__in=levels)
            .values("level", prefix=Substr("code", 1, prefix_length))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            if row["prefix"] in counts:
                counts[row["prefix"]][_COUNTED_LEVELS[row["level"]]] = row["n"]
    rows = [{**child, **counts[child["code"]]} for child in children]
    for figures in panels.child_figures():
        if figures.in_rollup:
            figures.add(area, rows)
    return rows


# --- reports by child area (yiwang.core.reporting) -------------------------------------


def child_length(area: Area) -> int:
    """The length of the codes of the area's children."""
    return len(area.code) + codes.SUFFIX_DIGITS


def children(area: Area) -> list[dict]:
    """The children of `area` by code, closed ones too: code, name, level, closed_on, and
    has_children (whether there are areas below it to drill into). Two queries."""
    rows = list(
        Area.objects.filter(parent=area)
        .order_by("code")
        .values("code", "name", "level", "closed_on")
    )
    with_children = set(
        Area.objects.filter(parent__parent=area).values_list("parent__code", flat=True).distinct()
    )
    for row in rows:
        row["has_children"] = row["code"] in with_children
    return rows


def default_area(user) -> Area | None:
    """The area a user's figures open on: the first of their posts' areas (by code), the
    county for a superuser; None without any."""
    roots = access.scope_codes(user)
    if roots is None:
        return Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    return Area.objects.filter(code__in=roots).order_by("code").first()


def area_in_scope(user, code: str) -> Area:
    """The area with this code if the user sees it; 404 like a missing one otherwise."""
    return get_in_scope(Area.objects, user, code=code.strip())


def crumbs(user, area: Area) -> list[Area]:
    """The area and the areas above it that the user sees, from the top."""
    top = codes.LENGTH_BY_LEVEL["county"]
    above = [area.code[:n] for n in range(top, len(area.code), codes.SUFFIX_DIGITS)]
    return [*Area.objects.visible_to(user).filter(code__in=above).order_by("code"), area]


def names_of_codes(codes: set[str]):
    """{code: AreaName} of the areas among `codes`, in one query: for pages that show a
    name where a row stores a code (registered with yiwang.core.display). The rows that
    carry these codes were read within the viewer's scope; an area's name is no secret."""
    labels = dict(Level.choices)
    return {
        code: AreaName(code, name, str(labels.get(level, level)))
        for code, name, level in Area.objects.filter(code__in=codes).values_list(
            "code", "name", "level"
        )
    }
