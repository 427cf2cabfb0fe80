"""A resident leaves (moves out, dies) or moves to another household: the household keeps
a head or closes, both keep it in their history."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit
from yiwang.registry.models import (
    Household,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Relation,
    Resident,
    ResidentStatus,
)
from yiwang.registry.services.households import recompute_category
from yiwang.registry.services.lookups import _household, _resident


def _eldest(members) -> Resident | None:
    """The eldest of a household's remaining members, who becomes head when the head left:
    the eldest known, a member without a birth date does not come first."""
    return members.order_by(F("birth_date").asc(nulls_last=True), "id").first()


def _succeed_head(successor: Resident, household: Household, on: datetime.date, actor) -> None:
    """The head left: `successor` becomes head, and the household's history says so."""
    Resident.objects.filter(pk=successor.pk).update(
        relation=Relation.HEAD, updated_at=timezone.now()
    )
    LifeEvent.objects.create(
        resident=successor,
        kind=LifeEventKind.HEAD_CHANGE,
        on=on,
        to_household=household,
        area_code=household.area_code,
        recorded_by=actor,
        note=_("The head left; the eldest member became head."),
    )


def _close(household: Household) -> None:
    """A household whose last member left: closed, and kept with its history."""
    household.status = HouseholdStatus.MOVED_OUT
    household.save(update_fields=["status", "updated_at"])


def _promote_new_head(household: Household, leaving: Resident, on: datetime.date, actor) -> None:
    """When the head leaves, the eldest remaining member becomes head; a household whose
    last member leaves is closed."""
    remaining = household.residents.filter(status=ResidentStatus.LIVING).exclude(pk=leaving.pk)
    successor = _eldest(remaining)
    if successor is None:
        _close(household)
        return
    if leaving.relation == Relation.HEAD:
        _succeed_head(successor, household, on, actor)


def _leave(actor, resident_id: int, *, status: str, kind: str, action: str, on, note: str):
    """A living resident leaves (moves out, dies): the household keeps a head or closes,
    the event is kept, the category follows."""
    resident = _resident(actor, resident_id)
    if resident.status != ResidentStatus.LIVING:
        raise ValidationError({"status": _("The resident no longer lives here.")})
    before = audit.snapshot(resident)
    household = resident.household
    on = on or timezone.localdate()
    # The leaver's status changes first, so that a successor can take the one head's place.
    resident.status = status
    resident.save(update_fields=["status", "updated_at"])
    _promote_new_head(household, resident, on, actor)
    LifeEvent.objects.create(
        resident=resident,
        kind=kind,
        on=on,
        from_household=household,
        area_code=household.area_code,
        note=note,
        recorded_by=actor,
    )
    recompute_category(household)
    audit.record(
        actor=actor, action=action, obj=resident, before=before, after=audit.snapshot(resident)
    )
    return resident


@transaction.atomic
def move_out(
    *, actor, resident_id: int, on: datetime.date | None = None, note: str = ""
) -> Resident:
    return _leave(
        actor,
        resident_id,
        status=ResidentStatus.MOVED_OUT,
        kind=LifeEventKind.MOVE_OUT,
        action="resident.move_out",
        on=on,
        note=note,
    )


@transaction.atomic
def record_death(
    *, actor, resident_id: int, on: datetime.date | None = None, note: str = ""
) -> Resident:
    return _leave(
        actor,
        resident_id,
        status=ResidentStatus.DECEASED,
        kind=LifeEventKind.DEATH,
        action="resident.death",
        on=on,
        note=note,
    )


@transaction.atomic
def transfer(
    *, actor, resident_id: int, to_household_id: int, relation: str, on: datetime.date | None = None
) -> Resident:
    """The resident moves to a household of another unit or village; the receiving side
    records it, and both sides keep it in their history."""
    resident = _resident(actor, resident_id)  # the side the resident leaves is checked too
    if resident.status == ResidentStatus.DECEASED:
        raise ValidationError({"status": _("The resident is recorded as deceased.")})
    target = _household(actor, to_household_id)
    if target.status != HouseholdStatus.ACTIVE:
        raise ValidationError({"household": _("The household is no longer active.")})
    if target.pk == resident.household_id:
        raise ValidationError({"household": _("The resident already belongs to this household.")})
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation to the head.")})
    living = target.residents.filter(status=ResidentStatus.LIVING)
    if relation == Relation.HEAD and living.filter(relation=Relation.HEAD).exists():
        raise ValidationError(
            {"relation": _("The household already has a head: change the head instead.")}
        )
    if relation != Relation.HEAD and not living.filter(relation=Relation.HEAD).exists():
        raise ValidationError({"relation": _("A household's first member must be its head.")})
    on = on or timezone.localdate()
    before = audit.snapshot(resident)
    source = resident.household
    if resident.status == ResidentStatus.LIVING:
        # Leave the old household first: a new head there, or it closes.
        Resident.objects.filter(pk=resident.pk).update(status=ResidentStatus.MOVED_OUT)
        _promote_new_head(source, resident, on, actor)
    resident.household = target
    resident.area_code = target.area_code
    resident.relation = relation
    resident.status = ResidentStatus.LIVING
    resident.save()
    LifeEvent.objects.create(
        resident=resident,
        kind=LifeEventKind.TRANSFER,
        on=on,
        from_household=source,
        to_household=target,
        from_area_code=source.area_code,
        area_code=target.area_code,
        recorded_by=actor,
    )
    recompute_category(source)
    recompute_category(target)
    audit.record(
        actor=actor,
        action="resident.transfer",
        obj=resident,
        before=before,
        after=audit.snapshot(resident),
    )
    return resident
