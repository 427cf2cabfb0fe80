"""Planning a batch of the file's households against the ledger as it is: what the ledger
holds for them, read in a few queries (locked), and what importing each would change."""

from __future__ import annotations

import dataclasses
import datetime

from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.registry.importers.households import _chunks, _FileHousehold
from yiwang.registry.importers.rows import CATEGORY_REASON, _Row
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
)
from yiwang.registry.services.lookups import id_number_out_of_reach


@dataclasses.dataclass
class _State:
    """What the ledger holds for a batch of the file's households, read in a few queries."""

    households: dict[tuple[str, str], Household]
    # Every resident found by ID number or as a member of those households, by pk.
    residents: dict[int, Resident]
    by_id: dict[str, Resident]
    members: dict[int, list[Resident]]
    # Current tags: resident pk → {tag code: ResidentTag pk}.
    tags: dict[int, dict[str, int]]
    # Every household read: the batch's and those that residents found by ID number live in.
    by_pk: dict[int, Household]


def _load(
    batch: list[_FileHousehold],
    units: dict[str, Area],
    tags_by_pk: dict[int, Tag],
    today: datetime.date,
    lock: bool,
) -> _State:
    households_qs = Household.objects.all()
    residents_qs = Resident.objects.all()
    if lock:
        households_qs = households_qs.select_for_update()
        residents_qs = residents_qs.select_for_update()
    wanted = {h.key for h in batch}
    households = {
        (h.area_code, h.number): h
        for h in households_qs.filter(
            unit_id__in={units[h.unit_code].pk for h in batch},
            number__in={h.number for h in batch},
        )
        if (h.area_code, h.number) in wanted
    }
    residents: dict[int, Resident] = {}
    ids = [r.id_number for h in batch for r in h.rows if r.id_number]
    for chunk in _chunks(ids):
        # The exclude lets SQLite use the unique index, which holds non-empty numbers only.
        found = residents_qs.filter(id_number__in=chunk).exclude(id_number="")
        residents.update((r.pk, r) for r in found)
    for chunk in _chunks([h.pk for h in households.values()]):
        for resident in residents_qs.filter(household_id__in=chunk):
            residents.setdefault(resident.pk, resident)
    members: dict[int, list[Resident]] = {}
    inside = {h.pk for h in households.values()}
    for resident in sorted(residents.values(), key=lambda r: r.pk):
        if resident.household_id in inside:
            members.setdefault(resident.household_id, []).append(resident)
    tags: dict[int, dict[str, int]] = {}
    for chunk in _chunks(list(residents)):
        for pk, resident_id, tag_id in (
            ResidentTag.objects.current(today)
            .filter(resident_id__in=chunk)
            .values_list("pk", "resident_id", "tag_id")
        ):
            tags.setdefault(resident_id, {})[tags_by_pk[tag_id].code] = pk
    by_pk = {h.pk: h for h in households.values()}
    outside = sorted({r.household_id for r in residents.values()} - inside)
    for chunk in _chunks(outside):
        by_pk.update((h.pk, h) for h in households_qs.filter(pk__in=chunk))
    return _State(
        households=households,
        residents=residents,
        by_id={r.id_number: r for r in residents.values() if r.id_number},
        members=members,
        tags=tags,
        by_pk=by_pk,
    )


NEW, UPDATED, TRANSFERRED, UNCHANGED, REJECTED = (
    "new",
    "updated",
    "transferred",
    "unchanged",
    "rejected",
)


@dataclasses.dataclass(eq=False)
class _ResidentPlan:
    row: _Row
    resident: Resident | None  # None: a new resident
    kind: str
    changes: dict = dataclasses.field(default_factory=dict)
    add_tags: list[str] = dataclasses.field(default_factory=list)
    end_tags: list[int] = dataclasses.field(default_factory=list)
    # The household the resident leaves (a transfer), or None.
    source_id: int | None = None
    left_living: bool = False  # they lived there until now (not moved out before)
    returning: bool = False  # had moved out of this household and is back
    becomes_head: bool = False  # an existing member of the household becomes its head


@dataclasses.dataclass(eq=False)
class _HouseholdPlan:
    file: _FileHousehold
    unit: Area
    household: Household | None  # None: a new household
    values: dict  # the household fields as they will be
    changes: dict
    residents: list[_ResidentPlan]
    # Households that members move between, this one and another one: written in one
    # transaction with this one, so that neither is ever seen half moved.
    linked: set[tuple[str, str]]
    created: bool = False
    household_id: int | None = None

    @property
    def kind(self) -> str:
        if self.household is None or self.created:
            return NEW
        if self.changes or any(r.kind != UNCHANGED for r in self.residents):
            return UPDATED
        return UNCHANGED


class _Planner:
    def __init__(self, units: dict[str, Area], tags: dict[str, Tag], labels, today, actor=None):
        self.units = units
        self.tags = tags  # by code
        self.labels = labels
        self.today = today
        self.actor = actor  # None: the operator at the command line, who may reach anyone

    def reachable(self, resident: Resident) -> bool:
        """Whether the importer may take the resident from where they are now: only from
        the areas of their posts (wherever `within` limits the households to)."""
        return self.actor is None or scope.in_scope(self.actor, resident.area_code)

    def label(self, column: str, message: str) -> str:
        return _("%(column)s: %(message)s") % {"column": self.labels[column], "message": message}

    def plan(
        self, fh: _FileHousehold, state: _State, listed: dict[str, tuple[str, str]]
    ) -> _HouseholdPlan | None:
        """What importing the household changes; None, with its errors set, when the
        ledger as it is forbids it."""
        household = state.households.get(fh.key)
        members = state.members.get(household.pk, []) if household else []
        unclaimed_without_id: dict[tuple[str, datetime.date | None], list[Resident]] = {}
        for member in members:
            if not member.id_number:
                unclaimed_without_id.setdefault((member.name, member.birth_date), []).append(member)
        claimed: set[int] = set()
        found: dict[int, Resident | None] = {}
        for row in fh.rows:
            if not row.id_number:
                continue
            resident = state.by_id.get(row.id_number)
            if resident is None:
                # An ID number the ledger does not know may complete a member the ledger
                # has without one: the same household, name and birth date.
                candidates = unclaimed_without_id.get((row.name, row.birth_date), [])
                resident = next((m for m in candidates if m.pk not in claimed), None)
            elif not self.reachable(resident):
                # One message whatever the ledger holds about them elsewhere (living,
                # moved out, deceased): the import tells no one outside their posts.
                row.errors.append(self.label("id_number", self._unreachable()))
                continue
            if resident is not None:
                claimed.add(resident.pk)
            found[row.number] = resident
        # A row without an ID number is a member of the household by the same name (and
        # birth date, when the row gives one), unless the file lists that member elsewhere.
        without_id = [r for r in fh.rows if not r.id_number]
        for row in sorted(without_id, key=lambda r: r.birth_date is None):
            candidates = [
                m
                for m in members
                if m.pk not in claimed
                and m.name == row.name
                and (row.birth_date is None or m.birth_date == row.birth_date)
                and not (m.id_number and m.id_number in listed)
            ]
            if len(candidates) > 1:
                row.errors.append(
                    self.label(
                        "id_number",
                        _(
                            "Household %(number)s has several members named %(name)s: give "
                            "the ID number of the one this row is about."
                        )
                        % {"number": fh.number, "name": row.name},
                    )
                )
                continue
            resident = candidates[0] if candidates else None
            if resident is not None:
                claimed.add(resident.pk)
            found[row.number] = resident
        residents = []
        for row in fh.rows:
            if row.number not in found:
                continue
            resident = found[row.number]
            if resident is not None and resident.status == ResidentStatus.DECEASED:
                row.errors.append(
                    self.label(
                        "id_number",
                        _(
                            "The ledger records this person as deceased: check the ID "
                            "number, or correct the record on the resident's page first."
                        ),
                    )
                )
                continue
            residents.append(self._resident(row, resident, household, state))
        if fh.rejected:
            return None

        linked: set[tuple[str, str]] = set()
        staying: list[Resident] = []  # living members the file leaves where they are
        for member in members:
            if member.pk in claimed or member.status != ResidentStatus.LIVING:
                continue
            elsewhere = listed.get(member.id_number) if member.id_number else None
            if elsewhere is not None and elsewhere != fh.key:
                linked.add(elsewhere)
            else:
                staying.append(member)
        head = fh.head_row
        for member in staying:
            if member.relation == Relation.HEAD:
                fh.reject(
                    self.label(
                        "relation",
                        _(
                            "The ledger's head of household %(number)s is %(name)s (%(id)s), who "
                            "is not in the file: add their row with their relation to %(head)s, "
                            "or change the head on the household's page first."
                        )
                        % {
                            "number": fh.number,
                            "name": member.name,
                            "id": member.masked_id_number or "-",
                            "head": head.name,
                        },
                    )
                )
                return None

        values = self._household_values(fh, household, residents, staying, state)
        changes = {}
        if household is not None:
            changes = {f: v for f, v in values.items() if getattr(household, f) != v}
        for plan in residents:
            if plan.source_id is not None:
                source = state.by_pk[plan.source_id]
                linked.add((source.area_code, source.number))
        linked.discard(fh.key)
        return _HouseholdPlan(
            file=fh,
            unit=self.units[fh.unit_code],
            household=household,
            values=values,
            changes=changes,
            residents=residents,
            linked=linked,
        )

    def _unreachable(self) -> str:
        return id_number_out_of_reach()

    def _resident(
        self, row: _Row, resident: Resident | None, household: Household | None, state: _State
    ) -> _ResidentPlan:
        if resident is None:
            return _ResidentPlan(row=row, resident=None, kind=NEW, add_tags=list(row.tags or ()))
        wanted = {
            "name": row.name,
            "name_initials": row.name_initials,
            "relation": row.relation,
            "status": ResidentStatus.LIVING,
        }
        if row.id_number:
            wanted["id_number"] = row.id_number
        # A member matched by name keeps the sex and birth date their ID number states.
        stated = () if resident.id_number and not row.id_number else ("sex", "birth_date")
        for column in (*stated, "phone"):
            if getattr(row, column) is not None:
                wanted[column] = getattr(row, column)
        changes = {f: v for f, v in wanted.items() if getattr(resident, f) != v}
        moving = household is None or resident.household_id != household.pk
        current = state.tags.get(resident.pk, {})
        add_tags, end_tags = [], []
        if row.tags is not None:
            add_tags = [c for c in row.tags if c not in current]
            end_tags = [pk for code, pk in current.items() if code not in row.tags]
        if moving:
            kind = TRANSFERRED
        elif changes or add_tags or end_tags:
            kind = UPDATED
        else:
            kind = UNCHANGED
        was_living_head = (
            resident.relation == Relation.HEAD and resident.status == ResidentStatus.LIVING
        )
        return _ResidentPlan(
            row=row,
            resident=resident,
            kind=kind,
            changes=changes,
            add_tags=add_tags,
            end_tags=end_tags,
            source_id=resident.household_id if moving else None,
            left_living=moving and resident.status == ResidentStatus.LIVING,
            returning=not moving and resident.status != ResidentStatus.LIVING,
            becomes_head=not moving and row.relation == Relation.HEAD and not was_living_head,
        )

    def _household_values(self, fh, household, residents, staying, state) -> dict:
        head = fh.head_row
        address = head.address or next((r.address for r in fh.rows if r.address), "")
        if household is not None and not address:
            address = household.address  # an empty cell keeps the address the ledger has
        codes: set[str] = set()
        for plan in residents:
            if plan.row.tags is not None:
                codes.update(plan.row.tags)
            elif plan.resident is not None:
                codes.update(state.tags.get(plan.resident.pk, {}))
        for member in staying:
            codes.update(state.tags.get(member.pk, {}))
        key = any(self.tags[c].makes_key_household for c in codes if c in self.tags)
        derived = HouseholdCategory.KEY if key else HouseholdCategory.ORDINARY
        override, reason = (
            (household.category_override, household.category_reason) if household else ("", "")
        )
        given = [r.category for r in fh.rows if r.category is not None]
        given = next((c for c in given if c), "") if given else None  # None: no such column
        if given == "":
            # Left empty: the category follows the tags again, unless it was set by hand on
            # a page (with a reason of its own), which an import does not overrule.
            if override and reason == CATEGORY_REASON:
                override, reason = "", ""
        elif given and given != override:
            override, reason = ("", "") if given == derived else (given, CATEGORY_REASON)
        return {
            "address": address,
            # The file gives the household living members: it is active again, if it had
            # moved out.
            "status": HouseholdStatus.ACTIVE,
            "category": override or derived,
            "category_override": override,
            "category_reason": reason,
        }
