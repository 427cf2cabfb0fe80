"""Households: created, corrected, their head changed, their category derived from the
members' tags or set by hand."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    LifeEvent,
    LifeEventKind,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
)
from yiwang.registry.services.lookups import _household, _open_unit


@transaction.atomic
def create_household(
    *, actor, unit_code: str, number: str, address: str = "", door_number: str = ""
) -> Household:
    unit = _open_unit(actor, unit_code)
    number = validators.normalize_code(number)
    if not number:
        raise ValidationError({"number": _("The household number cannot be empty.")})
    if Household.objects.filter(unit=unit, number=number).exists():
        raise ValidationError(
            {"number": _("The unit already has a household %(n)s.") % {"n": number}}
        )
    household = Household.objects.create(
        unit=unit,
        area_code=unit.code,
        number=number,
        address=validators.normalize_text(address),
        door_number=validators.normalize_code(door_number),
    )
    audit.record(
        actor=actor, action="household.create", obj=household, after=audit.snapshot(household)
    )
    return household


@transaction.atomic
def update_household(
    *, actor, household_id: int, address: str | None = None, door_number: str | None = None
) -> Household:
    """Corrects a household's address and door number; a value left None stays as it is.
    Nothing is written (or logged) when nothing changes."""
    household = _household(actor, household_id)
    values = {}
    errors: dict[str, str] = {}
    for field, value, limit in (("address", address, 200), ("door_number", door_number, 30)):
        if value is None:
            continue
        value = validators.normalize_text(value)
        if len(value) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
        values[field] = value
    if errors:
        raise ValidationError(errors)
    audit.save_changes(actor=actor, obj=household, values=values, action="household.update")
    return household


def recompute_category(household: Household) -> None:
    """Key when a living member carries a current tag that makes a key household, unless
    the category was set by hand."""
    if household.category_override:
        category = household.category_override
    else:
        key = (
            ResidentTag.objects.current()
            .filter(
                resident__household=household,
                resident__status=ResidentStatus.LIVING,
                tag__makes_key_household=True,
            )
            .exists()
        )
        category = HouseholdCategory.KEY if key else HouseholdCategory.ORDINARY
    if category != household.category:
        Household.objects.filter(pk=household.pk).update(
            category=category, updated_at=timezone.now()
        )
        household.category = category


@transaction.atomic
def change_head(
    *, actor, household_id: int, new_head_id: int, former_head_relation: str
) -> Household:
    household = _household(actor, household_id)
    if former_head_relation not in Relation.values or former_head_relation == Relation.HEAD:
        raise ValidationError(
            {"former_head_relation": _("Give the former head's new relation to the head.")}
        )
    new_head = household.residents.filter(pk=new_head_id, status=ResidentStatus.LIVING).first()
    if new_head is None:
        raise ValidationError(
            {"new_head": _("The new head must be a living member of the household.")}
        )
    old = household.residents.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).first()
    if old is not None and old.pk == new_head.pk:
        raise ValidationError({"new_head": _("This member is already the head.")})
    now = timezone.now()
    if old is not None:
        Resident.objects.filter(pk=old.pk).update(relation=former_head_relation, updated_at=now)
    Resident.objects.filter(pk=new_head.pk).update(relation=Relation.HEAD, updated_at=now)
    LifeEvent.objects.create(
        resident=new_head,
        kind=LifeEventKind.HEAD_CHANGE,
        to_household=household,
        area_code=household.area_code,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="household.change_head",
        obj=household,
        before={"head": old.pk if old else None},
        after={"head": new_head.pk},
    )
    return household


@transaction.atomic
def set_household_category(
    *, actor, household_id: int, category: str, reason: str = ""
) -> Household:
    """Sets the category by hand (with a reason), or back to derived with category=""."""
    household = _household(actor, household_id)
    reason = validators.normalize_text(reason)
    if category and category not in HouseholdCategory.values:
        raise ValidationError({"category": _("Unknown household category.")})
    if category and not reason:
        raise ValidationError(
            {"category_reason": _("Give a reason for setting the category by hand.")}
        )
    before = audit.snapshot(household)
    household.category_override = category
    household.category_reason = reason if category else ""
    household.save(update_fields=["category_override", "category_reason", "updated_at"])
    recompute_category(household)
    audit.record(
        actor=actor,
        action="household.set_category",
        obj=household,
        before=before,
        after=audit.snapshot(household),
    )
    return household
