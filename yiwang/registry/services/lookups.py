"""The ledger's rows a service writes, looked up inside the actor's posts (which are read
again, locked) and locked themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.areas.models import Area, Level
from yiwang.core.scoping import get_in_scope
from yiwang.registry.models import Household, Resident


def _open_unit(actor, unit_code: str) -> Area:
    unit = get_in_scope(Area.objects.open(), actor, recheck=True, code=unit_code)
    if unit.level != Level.UNIT:
        raise ValidationError(
            {
                "unit": _("Households belong to a unit (单元网格), not to a %(level)s.")
                % {"level": unit.get_level_display()}
            }
        )
    return unit


def _household(actor, household_id: int, lock: bool = True) -> Household:
    return get_in_scope(Household.objects, actor, lock=lock, recheck=True, pk=household_id)


def _resident(actor, resident_id: int) -> Resident:
    return get_in_scope(Resident.objects, actor, lock=True, recheck=True, pk=resident_id)
