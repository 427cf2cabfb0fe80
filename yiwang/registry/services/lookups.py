"""The ledger's rows a service writes, looked up inside the actor's posts (which are read
again, locked) and locked themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.registry.models import Household, Resident


def _check_actor(actor, area_code: str) -> None:
    """The actor's posts, re-read in this transaction, must cover `area_code`.
    `actor=None` is the operator at the command line."""
    if actor is None:
        return
    scope.recheck(actor)
    scope.require_in_scope(actor, area_code)


def _open_unit(actor, unit_code: str) -> Area:
    _check_actor(actor, unit_code)
    unit = Area.objects.open().filter(code=unit_code).first()
    if unit is None:
        raise Http404(_("Not found."))
    if unit.level != Level.UNIT:
        raise ValidationError(
            {
                "unit": _("Households belong to a unit (单元网格), not to a %(level)s.")
                % {"level": unit.get_level_display()}
            }
        )
    return unit


def _household(actor, household_id: int, lock: bool = True) -> Household:
    queryset = Household.objects.select_for_update() if lock else Household.objects.all()
    household = queryset.filter(pk=household_id).first()
    if household is None:
        raise Http404(_("Not found."))
    _check_actor(actor, household.area_code)
    return household


def _resident(actor, resident_id: int) -> Resident:
    resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
    if resident is None:
        raise Http404(_("Not found."))
    _check_actor(actor, resident.area_code)
    return resident
