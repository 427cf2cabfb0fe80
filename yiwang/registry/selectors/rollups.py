"""The ledger rolled up the area tree: households, key households, residents and tags by
child area."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.db.models.functions import Substr

from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core.scoping import subtree_q
from yiwang.registry.models import Household, LedgerTally, Resident, ResidentTag, Tag


def ledger_rollup(area: Area) -> list[dict]:
    """For each child of `area`: its active households, key households, living residents
    and the living residents who carry each active tag now.

    Four queries whatever the size of the tree: the children, the active tags, one GROUP
    BY on the child's code prefix over the per-unit tallies (`LedgerTally`: 7,849 rows for
    a county, not 337,000 households and a million residents), and one over the current
    tags, which carry their resident's unit and status (`ResidentTag.area_code`,
    `.resident_living`); both kept by database triggers. Never a query per node. The
    caller checks that `area` is in the user's scope.
    """
    children = list(
        Area.objects.filter(parent=area).order_by("code").values("code", "name", "level")
    )
    if not children:
        return []
    prefix_length = len(area.code) + codes.SUFFIX_DIGITS
    tags = dict(Tag.objects.filter(is_active=True).values_list("id", "code"))
    counts = {
        child["code"]: {
            "households": 0,
            "key_households": 0,
            "residents": 0,
            "tags": dict.fromkeys(tags.values(), 0),
        }
        for child in children
    }
    tallies = (
        LedgerTally.objects.filter(subtree_q("area_code", area.code))
        .values(prefix=Substr("area_code", 1, prefix_length))
        .annotate(
            households=Sum("households"),
            key_households=Sum("key_households"),
            residents=Sum("residents"),
        )
        .order_by()
    )
    for row in tallies:
        if row["prefix"] in counts:
            for key in ("households", "key_households", "residents"):
                counts[row["prefix"]][key] = row[key]
    # The active tags by id, not through a join: the GROUP BY sorts integers, not names.
    tagged = (
        ResidentTag.objects.current()
        .filter(subtree_q("area_code", area.code), resident_living=True, tag_id__in=list(tags))
        .values("tag_id", prefix=Substr("area_code", 1, prefix_length))
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    )
    for row in tagged:
        if row["prefix"] in counts:
            counts[row["prefix"]]["tags"][tags[row["tag_id"]]] = row["n"]
    return [{**child, **counts[child["code"]]} for child in children]


def ledger_rollup_from_rows(area: Area) -> list[dict]:
    """`ledger_rollup` counted straight from the rows, as it was before the tallies: a
    GROUP BY over every active household, living resident and current tag under `area`.
    Seconds at county scale: the reference that tests and benchmarks check the tallies
    against, and the benchmark's baseline; pages never call it."""
    children = Area.objects.filter(parent=area).order_by("code").values("code", "name", "level")
    n = len(area.code) + codes.SUFFIX_DIGITS
    tags = list(Tag.objects.filter(is_active=True).values_list("code", flat=True))
    rows = {
        c["code"]: {**c, "households": 0, "key_households": 0, "residents": 0}
        | {"tags": dict.fromkeys(tags, 0)}
        for c in children
    }
    for row in (
        Household.objects.filter(subtree_q("area_code", area.code), status="active")
        .values("category", prefix=Substr("area_code", 1, n))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["prefix"] in rows:
            rows[row["prefix"]]["households"] += row["n"]
            if row["category"] == "key":
                rows[row["prefix"]]["key_households"] += row["n"]
    for row in (
        Resident.objects.filter(subtree_q("area_code", area.code), status="living")
        .values(prefix=Substr("area_code", 1, n))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["prefix"] in rows:
            rows[row["prefix"]]["residents"] = row["n"]
    for row in (
        ResidentTag.objects.current()
        .filter(
            subtree_q("resident__area_code", area.code),
            resident__status="living",
            tag__is_active=True,
        )
        .values("tag__code", prefix=Substr("resident__area_code", 1, n))
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    ):
        if row["prefix"] in rows:
            rows[row["prefix"]]["tags"][row["tag__code"]] = row["n"]
    return list(rows.values())
