"""Reads of the ledger that are more than a filter: search, likely duplicates, roll-ups."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core import validators
from yiwang.core.scoping import subtree_q
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
)

TAIL = 4  # Resident.id_tail and phone_tail hold the last four characters
_LETTERS = re.compile(r"[A-Za-z]+")
# The end of an ID number or a phone number: digits, an ID's check character X last.
_DIGITS_TAIL = re.compile(r"\d+X?|X")


def _tail_q(field: str, tail_field: str, digits: str) -> Q:
    """The rows whose `field` ends with `digits`, through the indexed last-four column:
    equality for four digits, equality on the last four plus the full suffix for more, a
    suffix of the tail for fewer."""
    if len(digits) == TAIL:
        return Q(**{tail_field: digits})
    if len(digits) > TAIL:
        return Q(**{tail_field: digits[-TAIL:], f"{field}__endswith": digits})
    return Q(**{f"{tail_field}__endswith": digits})


def _initials_q(prefix: str) -> Q:
    """Initials that start with `prefix` (lower-case letters), as a range that a B-tree
    index serves on SQLite and PostgreSQL alike, where LIKE 'zs%' is served by neither
    (see yiwang.core.scoping). The bound raises the last letter that is not a z, so that it
    stays a letter: a "{" bound would sort anywhere under a linguistic collation."""
    stripped = prefix.rstrip("z")
    if not stripped:
        return Q(name_initials__gte=prefix)
    upper = stripped[:-1] + chr(ord(stripped[-1]) + 1)
    return Q(name_initials__gte=prefix, name_initials__lt=upper)


def search_q(text: str) -> Q | None:
    """What `text` finds, decided by its shape; None for empty input.

    - ASCII letters: the start of the pinyin initials (zs → 张三), or a name written in
      letters exactly as typed. Both are index lookups; a "contains" on the name here
      would turn the commonest search of all into a scan of every resident.
    - digits, maybe with a final X: the end of an ID number or of a phone number;
    - anything else (Chinese): part of the name or of the household's address.
    """
    text = validators.normalize_text(text)  # full-width ＺＳ and １２３４ typed on a phone
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return None
    if _LETTERS.fullmatch(compact):
        return _initials_q(compact.lower()) | Q(name=text)
    if _DIGITS_TAIL.fullmatch(compact.upper()):
        digits = compact.upper()
        q = _tail_q("id_number", "id_tail", digits)
        if digits.isdigit():
            q |= _tail_q("phone", "phone_tail", digits)
        return q
    return Q(name__contains=text) | Q(household__address__contains=text)


def search_residents(queryset: QuerySet, text: str) -> QuerySet:
    """The residents of `queryset` that `text` finds (see `search_q`), in one query."""
    q = search_q(text)
    return queryset if q is None else queryset.filter(q)


def with_current_tags(queryset: QuerySet) -> QuerySet:
    """Residents with `current_tags`: their current tags, one query for a whole page."""
    return queryset.prefetch_related(
        Prefetch(
            "tags",
            queryset=ResidentTag.objects.current()
            .select_related("tag")
            .order_by("tag__order", "tag__code"),
            to_attr="current_tags",
        )
    )


def likely_duplicates(queryset: QuerySet) -> QuerySet:
    """Residents of `queryset` without an ID number who share name, birth date and unit with
    another resident (with an ID number or without): for review, never merged.

    Two unknown birth dates count as the same: a row imported twice without an ID number
    or a birth date is the duplicate most worth catching. Ordered so that the residents
    who share a key come together.
    """
    others = Resident.objects.filter(
        name=OuterRef("name"), area_code=OuterRef("area_code")
    ).exclude(pk=OuterRef("pk"))
    same_birth = others.filter(birth_date=OuterRef("birth_date"))
    both_unknown = others.filter(birth_date__isnull=True)
    return (
        queryset.filter(id_number="")
        .filter(
            (Q(birth_date__isnull=False) & Exists(same_birth))
            | (Q(birth_date__isnull=True) & Exists(both_unknown))
        )
        .order_by("area_code", "name", "birth_date", "id")
    )


def duplicate_matches(residents) -> dict[int, list[Resident]]:
    """For each of `residents` (likely duplicates), the other residents who share its
    name, birth date and unit: one query for a whole page."""
    residents = list(residents)
    if not residents:
        return {}
    candidates = (
        Resident.objects.filter(
            area_code__in={r.area_code for r in residents}, name__in={r.name for r in residents}
        )
        .select_related("household")
        .order_by("id")
    )
    by_key = defaultdict(list)
    for candidate in candidates:
        by_key[(candidate.area_code, candidate.name, candidate.birth_date)].append(candidate)
    return {
        r.pk: [m for m in by_key[(r.area_code, r.name, r.birth_date)] if m.pk != r.pk]
        for r in residents
    }


def ledger_rollup(area: Area) -> list[dict]:
    """For each child of `area`: its active households, key households, living residents
    and the living residents who carry each active tag now.

    A handful of queries whatever the size of the tree: the children, the active tags, and
    one GROUP BY on the child's code prefix each for households, residents and tags — never
    a query per node. The caller checks that `area` is in the user's scope.
    """
    children = list(
        Area.objects.filter(parent=area).order_by("code").values("code", "name", "level")
    )
    if not children:
        return []
    prefix_length = len(area.code) + codes.SUFFIX_DIGITS
    tags = list(Tag.objects.filter(is_active=True).values_list("code", flat=True))
    counts = {
        child["code"]: {
            "households": 0,
            "key_households": 0,
            "residents": 0,
            "tags": dict.fromkeys(tags, 0),
        }
        for child in children
    }
    households = (
        Household.objects.filter(subtree_q("area_code", area.code), status=HouseholdStatus.ACTIVE)
        .values("category", prefix=Substr("area_code", 1, prefix_length))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in households:
        if row["prefix"] in counts:
            counts[row["prefix"]]["households"] += row["n"]
            if row["category"] == HouseholdCategory.KEY:
                counts[row["prefix"]]["key_households"] += row["n"]
    residents = (
        Resident.objects.filter(subtree_q("area_code", area.code), status=ResidentStatus.LIVING)
        .values(prefix=Substr("area_code", 1, prefix_length))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in residents:
        if row["prefix"] in counts:
            counts[row["prefix"]]["residents"] = row["n"]
    tagged = (
        ResidentTag.objects.current()
        .filter(
            subtree_q("resident__area_code", area.code),
            resident__status=ResidentStatus.LIVING,
            tag__is_active=True,
        )
        .values("tag__code", prefix=Substr("resident__area_code", 1, prefix_length))
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    )
    for row in tagged:
        if row["prefix"] in counts:
            counts[row["prefix"]]["tags"][row["tag__code"]] = row["n"]
    return [{**child, **counts[child["code"]]} for child in children]
