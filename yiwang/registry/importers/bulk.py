"""Writing the households that the ledger does not know and whose members are all new, the
bulk of a first import: multi-row INSERTs (COPY on PostgreSQL), no model instances."""

from __future__ import annotations

from django.db import connection

from yiwang.core import audit
from yiwang.core.bulk import db_value, insert_rows
from yiwang.core.models import AuditEntry
from yiwang.registry.importers.households import _chunks
from yiwang.registry.importers.planning import _HouseholdPlan
from yiwang.registry.models import Household, Resident, ResidentStatus, ResidentTag, Tag

_FRESH_HOUSEHOLD_FIELDS = (
    "unit",
    "area_code",
    "number",
    "address",
    "door_number",
    "category",
    "category_override",
    "category_reason",
    "status",
    "created_at",
    "updated_at",
)
# The resident fields a multi-row INSERT of new residents writes, in the order of its rows
# (the demo county's ledger is written with them too).
FRESH_RESIDENT_FIELDS = (
    "household",
    "area_code",
    "name",
    "name_initials",
    "id_number",
    "id_tail",
    "sex",
    "birth_date",
    "phone",
    "phone_tail",
    "relation",
    "ethnicity",
    "is_party_member",
    "status",
    "created_at",
    "updated_at",
)


def _write_fresh(plans: list[_HouseholdPlan], tags: dict[str, Tag], actor, today, now) -> None:
    """Writes households the ledger does not know, all of whose members are new to it:
    the bulk of a first import, as a few multi-row INSERTs with no model instances.

    Registering a household that already lives here is not a move: no life events. Each
    household gets one audit entry, its members (personal data masked) listed in it.
    """
    stamp = db_value(Household, "created_at", now)
    insert_rows(
        Household,
        _FRESH_HOUSEHOLD_FIELDS,
        (
            (
                p.unit.pk,
                p.unit.code,
                p.file.number,
                p.values["address"],
                "",
                p.values["category"],
                p.values["category_override"],
                p.values["category_reason"],
                p.values["status"],
                stamp,
                stamp,
            )
            for p in plans
        ),
    )
    ids: dict[tuple[int, str], int] = {}
    for chunk in _chunks(plans, 500):
        ids.update(
            ((unit_id, number), pk)
            for unit_id, number, pk in Household.objects.filter(
                unit_id__in={p.unit.pk for p in chunk}, number__in={p.file.number for p in chunk}
            ).values_list("unit_id", "number", "pk")
        )
    adapt_date = connection.ops.adapt_datefield_value
    members = []
    for plan in plans:
        household_id = ids[(plan.unit.pk, plan.file.number)]
        plan.created = True
        plan.household_id = household_id
        for r in plan.residents:
            row = r.row
            phone = row.phone or ""
            members.append(
                (
                    household_id,
                    plan.unit.code,
                    row.name,
                    row.name_initials,
                    row.id_number,
                    row.id_number[-4:],
                    row.sex or "",
                    adapt_date(row.birth_date),
                    phone,
                    phone[-4:],
                    row.relation,
                    "",
                    False,
                    ResidentStatus.LIVING,
                    stamp,
                    stamp,
                )
            )
    insert_rows(Resident, FRESH_RESIDENT_FIELDS, members)
    # Residents get their ids in the order they were inserted, household by household.
    resident_ids: dict[int, list[int]] = {}
    for chunk in _chunks([p.household_id for p in plans], 500):
        for household_id, pk in (
            Resident.objects.filter(household_id__in=chunk)
            .order_by("household_id", "pk")
            .values_list("household_id", "pk")
        ):
            resident_ids.setdefault(household_id, []).append(pk)
    starts = adapt_date(today)
    tag_rows = []
    entries = []
    for plan in plans:
        pks = resident_ids[plan.household_id]
        listed = []
        for pk, r in zip(pks, plan.residents, strict=True):
            row = r.row
            tag_rows.extend((pk, tags[code].pk, starts) for code in r.add_tags)
            listed.append(
                audit.masked(
                    {
                        "id": pk,
                        "name": row.name,
                        "id_number": row.id_number,
                        "sex": row.sex or "",
                        "birth_date": row.birth_date.isoformat() if row.birth_date else None,
                        "phone": row.phone or "",
                        "relation": row.relation,
                        "tags": list(r.add_tags),
                    }
                )
            )
        after = {
            "id": plan.household_id,
            "unit_id": plan.unit.pk,
            "area_code": plan.unit.code,
            "number": plan.file.number,
            **{f: plan.values[f] for f in ("address", "category", "category_override", "status")},
            "category_reason": plan.values["category_reason"],
            "members": listed,
        }
        entries.append(
            audit.build_row(
                at=stamp,
                actor=actor,
                action="household.create",
                object_type=Household._meta.label_lower,
                object_id=str(plan.household_id),
                object_repr=str(Household(number=plan.file.number)),
                area_code=plan.unit.code,
                after=after,
            )
        )
    insert_rows(ResidentTag, ("resident", "tag", "starts_on"), tag_rows)
    insert_rows(AuditEntry, audit.ROW_FIELDS, entries)
