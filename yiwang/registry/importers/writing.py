"""Writing a batch of planned households, in the caller's transaction: the new ones in bulk,
the others (updates, transfers, changes of head) through model instances."""

from __future__ import annotations

from django.utils import timezone

from yiwang.core import audit
from yiwang.registry.importers.bulk import _write_fresh
from yiwang.registry.importers.planning import TRANSFERRED, UNCHANGED, _HouseholdPlan, _State
from yiwang.registry.importers.transfers import _events, _settle
from yiwang.registry.models import (
    Household,
    LifeEvent,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
)

# The resident fields an import writes.
_RESIDENT_FIELDS = (
    "name",
    "name_initials",
    "id_number",
    "id_tail",
    "sex",
    "birth_date",
    "phone",
    "phone_tail",
    "relation",
    "household",
    "area_code",
    "status",
    "updated_at",
)
_HOUSEHOLD_FIELDS = (
    "address",
    "status",
    "category",
    "category_override",
    "category_reason",
    "updated_at",
)


def _write(plans: list[_HouseholdPlan], state: _State, tags: dict[str, Tag], actor, today):
    """Writes a batch of planned households; the caller holds the transaction."""
    now = timezone.now()
    fresh = [
        p for p in plans if p.household is None and all(r.resident is None for r in p.residents)
    ]
    if fresh:
        _write_fresh(fresh, tags, actor, today, now)
        plans = [p for p in plans if not p.created]
    entries = []
    new_households = []
    for plan in plans:
        if plan.household is None:
            plan.created = True
            plan.household = Household(
                unit=plan.unit,
                area_code=plan.unit.code,
                number=plan.file.number,
                created_at=now,
                **plan.values,
            )
            new_households.append(plan.household)
    Household.objects.bulk_create(new_households, batch_size=500)
    changed_households = []
    for plan in plans:
        if plan.created or not plan.changes:
            continue
        before = audit.snapshot(plan.household)
        for column, value in plan.changes.items():
            setattr(plan.household, column, value)
        plan.household.updated_at = now
        changed_households.append(plan.household)
        entries.append(
            audit.build_entry(
                actor=actor,
                action="household.update",
                obj=plan.household,
                before=before,
                after=audit.snapshot(plan.household),
            )
        )
    Household.objects.bulk_update(changed_households, _HOUSEHOLD_FIELDS, batch_size=500)

    # A household has one living head at every moment (a unique index says so), so the
    # heads that stop being heads here give up the place before the new ones take it.
    vacating = [
        r.resident.pk
        for plan in plans
        for r in plan.residents
        if r.resident is not None
        and r.resident.relation == Relation.HEAD
        and r.resident.status == ResidentStatus.LIVING
        and (r.source_id is not None or r.changes.get("relation", Relation.HEAD) != Relation.HEAD)
    ]
    if vacating:
        Resident.objects.filter(pk__in=vacating).update(relation=Relation.OTHER)

    updated, created, events, tag_rows, ended = [], [], [], [], []
    leaving: list[int] = []
    for plan in plans:
        household = plan.household
        for r in plan.residents:
            if r.resident is None:
                resident = Resident(
                    household=household,
                    area_code=household.area_code,
                    name=r.row.name,
                    name_initials=r.row.name_initials,
                    id_number=r.row.id_number,
                    id_tail=r.row.id_number[-4:],
                    sex=r.row.sex or "",
                    birth_date=r.row.birth_date,
                    phone=r.row.phone or "",
                    phone_tail=(r.row.phone or "")[-4:],
                    relation=r.row.relation,
                    created_at=now,
                )
                r.resident = resident
                created.append(r)
                continue
            resident = r.resident
            if r.kind == UNCHANGED:
                continue
            before = audit.snapshot(resident)
            before_tags = sorted(state.tags.get(resident.pk, {}))
            if r.left_living:
                leaving.append(r.source_id)
                r.changes["household"] = household
                r.changes["area_code"] = household.area_code
            for column, value in r.changes.items():
                setattr(resident, column, value)
            if r.changes:
                resident.id_tail = resident.id_number[-4:]
                resident.phone_tail = resident.phone[-4:]
                resident.updated_at = now
                updated.append(resident)
            after = audit.snapshot(resident)
            if r.add_tags or r.end_tags:
                after_tags = sorted(
                    {*before_tags, *r.add_tags}
                    - {c for c, pk in state.tags.get(resident.pk, {}).items() if pk in r.end_tags}
                )
                before, after = {**before, "tags": before_tags}, {**after, "tags": after_tags}
            ended.extend(r.end_tags)
            tag_rows.extend(
                ResidentTag(resident=resident, tag=tags[c], starts_on=today) for c in r.add_tags
            )
            action = "resident.transfer" if r.kind == TRANSFERRED else "resident.update"
            entries.append(
                audit.build_entry(
                    actor=actor, action=action, obj=resident, before=before, after=after
                )
            )
            events.extend(_events(r, household, state, actor, today))
    Resident.objects.bulk_update(updated, _RESIDENT_FIELDS, batch_size=500)
    Resident.objects.bulk_create([r.resident for r in created], batch_size=500)
    for r in created:
        tag_rows.extend(
            ResidentTag(resident=r.resident, tag=tags[c], starts_on=today) for c in r.add_tags
        )
        events.extend(_events(r, r.resident.household, state, actor, today))
        entries.append(
            audit.build_entry(
                actor=actor,
                action="resident.create",
                obj=r.resident,
                after={**audit.snapshot(r.resident), "tags": list(r.add_tags)},
            )
        )
    if ended:
        ResidentTag.objects.filter(pk__in=ended).update(ends_on=today)
    ResidentTag.objects.bulk_create(tag_rows, batch_size=500)
    LifeEvent.objects.bulk_create(events, batch_size=500)
    for plan in plans:
        if plan.created:
            entries.append(
                audit.build_entry(
                    actor=actor,
                    action="household.create",
                    obj=plan.household,
                    after=audit.snapshot(plan.household),
                )
            )
    in_batch = {plan.household.pk for plan in plans}
    for source_id in dict.fromkeys(leaving):
        if source_id not in in_batch:
            _settle(state.by_pk[source_id], actor, today)
    audit.record_many(entries)
