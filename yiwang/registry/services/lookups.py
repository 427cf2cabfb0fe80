"""The ledger's rows a service writes, looked up inside the actor's posts (which are read
again, locked) and locked themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.accounts import scope
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


def id_number_out_of_reach() -> str:
    """What anyone is told of an ID number that the ledger holds outside their posts (a
    form, the API, an import): the same words whether that person lives elsewhere in the
    county, moved out or died, and no word of where, so that typing numbers in tells no
    one who lives in the county."""
    return _(
        "This ID number cannot be used here: if the person moved from another village, "
        "ask that village or the town to record the move."
    )


def _id_number_taken(actor, id_number: str, *, in_scope_message: str, but: int | None = None):
    """The message for an ID number that another resident of the ledger holds, "" when
    none does. Only a resident within the actor's posts (whom the actor may look up
    anyway) is said to be in the ledger."""
    if not id_number:
        return ""
    # The unique index holds non-empty numbers only: the exclude lets SQLite use it.
    holders = Resident.objects.filter(id_number=id_number).exclude(id_number="")
    if but is not None:
        holders = holders.exclude(pk=but)
    area_code = holders.values_list("area_code", flat=True).first()
    if area_code is None:
        return ""
    return in_scope_message if scope.in_scope(actor, area_code) else id_number_out_of_reach()
