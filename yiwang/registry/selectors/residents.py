"""Residents as pages and the API list them: with their current tags, and the likely
duplicates with the residents each may be."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from yiwang.registry.models import Relation, Resident, ResidentStatus, ResidentTag


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


def head_names(household_ids) -> dict[int, str]:
    """{household id: the name of its living head} for the households among
    `household_ids`, in one query (a list shows each household by its head)."""
    return dict(
        Resident.objects.filter(
            household_id__in=list(household_ids),
            relation=Relation.HEAD,
            status=ResidentStatus.LIVING,
        ).values_list("household_id", "name")
    )
