"""Reads of outreach's pairings that are more than a filter: a programme's subjects and
sponsors, and its coverage rolled up the tree. The filtersets of enterprises and pairings
are in filters.py."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from yiwang.accounts.models import Post, User
from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import Enterprise, Pairing, Programme, SubjectKind
from yiwang.registry.models import (
    Household,
    HouseholdStatus,
    Resident,
    ResidentStatus,
    ResidentTag,
)

# --- a programme's subjects -------------------------------------------------------------


def _open_pairings(programme: Programme, field: str) -> QuerySet:
    pairings = Pairing.objects.filter(programme=programme, ends_on__isnull=True)
    pairings = pairings.filter(**{field: OuterRef("pk")})
    if field == "household":
        pairings = pairings.filter(resident__isnull=True)
    return pairings


def eligible_subjects(programme: Programme, area_code: str, unpaired: bool = False) -> QuerySet:
    """The households, residents or enterprises under `area_code` that the programme pairs
    with: active ones, of its household category, carrying its tag now. With `unpaired`,
    only those without an open pairing in the programme."""
    kind = programme.subject_kind
    if kind == SubjectKind.ENTERPRISE:
        queryset = Enterprise.objects.filter(is_active=True)
        field = "enterprise"
    elif kind == SubjectKind.RESIDENT:
        queryset = Resident.objects.filter(
            status=ResidentStatus.LIVING, household__status=HouseholdStatus.ACTIVE
        )
        if programme.household_category:
            queryset = queryset.filter(household__category=programme.household_category)
        if programme.tag_id:
            carries = ResidentTag.objects.current().filter(
                resident=OuterRef("pk"), tag_id=programme.tag_id
            )
            queryset = queryset.filter(Exists(carries))
        field = "resident"
    else:
        queryset = Household.objects.filter(status=HouseholdStatus.ACTIVE)
        if programme.household_category:
            queryset = queryset.filter(category=programme.household_category)
        if programme.tag_id:
            carries = ResidentTag.objects.current().filter(
                resident__household=OuterRef("pk"),
                resident__status=ResidentStatus.LIVING,
                tag_id=programme.tag_id,
            )
            queryset = queryset.filter(Exists(carries))
        field = "household"
    queryset = queryset.filter(subtree_q("area_code", area_code))
    if unpaired:
        queryset = queryset.filter(~Exists(_open_pairings(programme, field)))
    return queryset


def subject_matches(programme: Programme, subject) -> bool:
    return eligible_subjects(programme, subject.area_code).filter(pk=subject.pk).exists()


# --- a programme's sponsors -------------------------------------------------------------


def _open_area_q(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}area__closed_on__isnull": True}) | Q(
        **{f"{prefix}area__closed_on__gt": today}
    )


def sponsor_rows(
    programme: Programme, within: str | None = None, user_ids=None
) -> list[tuple[int, str, str]]:
    """(user id, area code, name) of each place an eligible sponsor stands: each current
    post of the programme's role on an open area; for the chosen sponsors, each of their
    current posts, or their home area. An area code is "" for a chosen sponsor placed
    nowhere. `within` keeps the places in that subtree or on its town; `user_ids` keeps
    those people."""
    rows: list[tuple[int, str, str]] = []

    def where(field: str) -> Q:
        if within is None:
            return Q()
        q = subtree_q(field, within)
        town = within[: codes.LENGTH_BY_LEVEL["town"]]
        if len(within) > len(town):
            q |= Q(**{field: town})
        return q

    people = Q(user__is_active=True)
    if user_ids is not None:
        people &= Q(user_id__in=list(user_ids))
    if programme.sponsor_role:
        posts = (
            Post.objects.current()
            .filter(_open_area_q(), people, where("area_code"), role=programme.sponsor_role)
            .values_list("user_id", "area_code", "user__full_name", "user__username")
        )
        rows.extend((u, code, full or name) for u, code, full, name in posts)
    chosen = programme.chosen_sponsors.filter(is_active=True)
    if user_ids is not None:
        chosen = chosen.filter(pk__in=list(user_ids))
    chosen = list(chosen.values_list("pk", "area_code", "full_name", "username"))
    if chosen:
        placed = defaultdict(set)
        for user_id, code in (
            Post.objects.current()
            .filter(_open_area_q(), user_id__in=[c[0] for c in chosen])
            .values_list("user_id", "area_code")
        ):
            placed[user_id].add(code)
        for user_id, home, full, name in chosen:
            places = placed.get(user_id) or ({home} if home else {""})
            for code in places:
                if within is None or (code and _within(code, within)):
                    rows.append((user_id, code, full or name))
                elif user_ids is not None:
                    rows.append((user_id, "", full or name))
    return rows


def _within(code: str, within: str) -> bool:
    town = within[: codes.LENGTH_BY_LEVEL["town"]]
    return code.startswith(within) or code == town


def sponsor_locations(
    programme: Programme, within: str | None = None, user_ids=None
) -> dict[int, set[str]]:
    """Each eligible sponsor's places (see `sponsor_rows`), by user id."""
    locations: dict[int, set[str]] = defaultdict(set)
    for user_id, code, _name in sponsor_rows(programme, within, user_ids):
        if code:
            locations[user_id].add(code)
        else:
            locations.setdefault(user_id, set())
    return dict(locations)


# --- coverage ---------------------------------------------------------------------------


@dataclasses.dataclass
class CoverageRow:
    code: str
    name: str
    level: str
    eligible: int = 0
    unpaired: int = 0
    sponsors: int = 0

    @property
    def paired(self) -> int:
        return self.eligible - self.unpaired

    @property
    def rate(self) -> float | None:
        return round(100 * self.paired / self.eligible, 1) if self.eligible else None


@dataclasses.dataclass
class SponsorLoad:
    id: int
    name: str
    load: int  # open pairings in the whole programme
    here: int  # of them, in the area


@dataclasses.dataclass
class Coverage:
    programme: Programme
    area: Area
    total: CoverageRow
    rows: list[CoverageRow]
    sponsors: list[SponsorLoad]

    @property
    def loads(self) -> dict[str, float | int | None]:
        values = [s.load for s in self.sponsors]
        if not values:
            return {"min": None, "avg": None, "max": None}
        return {
            "min": min(values),
            "avg": round(sum(values) / len(values), 1),
            "max": max(values),
        }


def _by_prefix(queryset: QuerySet, length: int) -> dict[str, int]:
    return dict(
        queryset.order_by()
        .values(prefix=Substr("area_code", 1, length))
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )


def coverage(programme: Programme, area: Area) -> Coverage:
    """For the programme under the area: eligible subjects, paired and unpaired, rolled up
    to each child area (a GROUP BY on the code's prefix), and the sponsors placed there
    or pairing there, with their load. A handful of queries whatever the area's size."""
    length = len(area.code) + codes.SUFFIX_DIGITS
    eligible = _by_prefix(eligible_subjects(programme, area.code), length)
    unpaired = _by_prefix(eligible_subjects(programme, area.code, unpaired=True), length)
    children = list(Area.objects.filter(parent__code=area.code).order_by("code"))
    sponsor_places = sponsor_rows(programme, within=area.code)
    names = {u: name for u, _code, name in sponsor_places}
    by_child: dict[str, set[int]] = defaultdict(set)
    for user_id, code, _name in sponsor_places:
        if code.startswith(area.code):
            by_child[code[:length]].add(user_id)
    rows = []
    for child in children:
        rows.append(
            CoverageRow(
                child.code,
                child.name,
                child.level,
                eligible.pop(child.code, 0),
                unpaired.pop(child.code, 0),
                len(by_child.get(child.code, ())),
            )
        )
    # Subjects placed on the area itself (an enterprise of a village), or on a closed child.
    rest_eligible, rest_unpaired = sum(eligible.values()), sum(unpaired.values())
    if rest_eligible:
        rows.append(CoverageRow(area.code, area.name, area.level, rest_eligible, rest_unpaired, 0))
    here = dict(
        Pairing.objects.filter(programme=programme, ends_on__isnull=True)
        .filter(subtree_q("area_code", area.code))
        .order_by()
        .values("sponsor_id")
        .annotate(n=Count("pk"))
        .values_list("sponsor_id", "n")
    )
    missing = [u for u in here if u not in names]
    if missing:
        names.update(
            (u.pk, str(u))
            for u in User.objects.filter(pk__in=missing).only("full_name", "username")
        )
    load = _programme_load(programme)
    sponsors = sorted(
        (SponsorLoad(u, names[u], load.get(u, 0), here.get(u, 0)) for u in names),
        key=lambda s: (s.load, s.name, s.id),
    )
    total = CoverageRow(
        area.code,
        area.name,
        area.level,
        sum(r.eligible for r in rows),
        sum(r.unpaired for r in rows),
        len(sponsors),
    )
    return Coverage(programme, area, total, rows, sponsors)


def _programme_load(programme: Programme) -> dict[int, int]:
    return dict(
        Pairing.objects.filter(programme=programme, ends_on__isnull=True)
        .order_by()
        .values("sponsor_id")
        .annotate(n=Count("pk"))
        .values_list("sponsor_id", "n")
    )
