"""Reads of posts that are more than a filter: figures rolled up the area tree."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Substr

from yiwang.accounts.models import Post, Role
from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core.scoping import subtree_q


def add_grid_workers(area: Area, children: list[dict]) -> None:
    """Sets on each child row of `area` (areas' roll-up) the current grid-worker posts in
    its subtree, in one GROUP BY on the code prefix of the child."""
    prefix_length = len(area.code) + codes.SUFFIX_DIGITS
    by_code = {child["code"]: child for child in children}
    for child in children:
        child["workers"] = 0
    workers = (
        Post.objects.current()
        .filter(subtree_q("area_code", area.code), role=Role.GRID_WORKER)
        .exclude(area_code=area.code)
        .values(prefix=Substr("area_code", 1, prefix_length))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in workers:
        if row["prefix"] in by_code:
            by_code[row["prefix"]]["workers"] = row["n"]
