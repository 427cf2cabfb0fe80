"""Migrants (外来人员): registered in a unit, with a host household or an address, and
recorded as left."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope
from yiwang.registry.models import HouseholdStatus, Migrant
from yiwang.registry.services.lookups import _household, _open_unit


@transaction.atomic
def register_migrant(
    *,
    actor,
    name: str,
    origin: str,
    arrived_on,
    unit_code: str = "",
    host_household_id: int | None = None,
    address: str = "",
    id_number: str = "",
    phone: str = "",
    expected_until=None,
) -> Migrant:
    """Someone from elsewhere comes to live in a unit, with a host household or at an
    address; the unit is the host household's when one is given."""
    host = None
    if host_household_id is not None:
        host = _household(actor, host_household_id, lock=False)
        if host.status != HouseholdStatus.ACTIVE:
            raise ValidationError({"host_household": _("The household is no longer active.")})
        if unit_code and unit_code != host.area_code:
            raise ValidationError({"unit_code": _("The host household belongs to another unit.")})
        unit_code = host.area_code
    if not unit_code:
        raise ValidationError({"unit_code": _("Give the unit or the host household.")})
    unit = _open_unit(actor, unit_code)
    errors: dict[str, list[str]] = {}
    values: dict = {}

    def attempt(field, function, value):
        try:
            return function(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    for field, value in (("name", name), ("origin", origin), ("address", address)):
        values[field] = validators.normalize_text(value)
    if not values["name"]:
        errors["name"] = [_("The name cannot be empty.")]
    if not values["origin"]:
        errors["origin"] = [_("Say where the migrant comes from.")]
    if host is None and not values["address"]:
        errors["address"] = [_("Give the host household or the address.")]
    values["id_number"] = attempt("id_number", validators.clean_id_number, id_number) or ""
    values["phone"] = attempt("phone", validators.clean_phone, phone) or ""
    values["arrived_on"] = attempt("arrived_on", validators.clean_date, arrived_on)
    if values["arrived_on"] is None and "arrived_on" not in errors:
        errors["arrived_on"] = [_("Give the arrival date.")]
    values["expected_until"] = attempt("expected_until", validators.clean_date, expected_until)
    if (
        values["arrived_on"]
        and values["expected_until"]
        and values["expected_until"] < values["arrived_on"]
    ):
        errors.setdefault("expected_until", []).append(
            _("The expected end of the stay is before the arrival.")
        )
    if errors:
        raise ValidationError(errors)
    migrant = Migrant.objects.create(area_code=unit.code, host_household=host, **values)
    audit.record(actor=actor, action="migrant.create", obj=migrant, after=audit.snapshot(migrant))
    return migrant


@transaction.atomic
def migrant_left(*, actor, migrant_id: int, on=None) -> Migrant:
    """A migrant has left (today, or on `on`); they stay in the register with the date."""
    migrant = get_in_scope(Migrant.objects, actor, lock=True, recheck=True, pk=migrant_id)
    if migrant.left_on is not None:
        raise ValidationError(
            {
                "left_on": _("The migrant is already recorded as left on %(date)s.")
                % {"date": migrant.left_on.isoformat()}
            }
        )
    try:
        on = validators.clean_date(on) or timezone.localdate()
    except ValidationError as exc:
        raise ValidationError({"left_on": exc.messages}) from None
    if on < migrant.arrived_on:
        raise ValidationError({"left_on": _("The migrant cannot leave before arriving.")})
    before = audit.snapshot(migrant)
    migrant.left_on = on
    migrant.save(update_fields=["left_on", "updated_at"])
    audit.record(
        actor=actor,
        action="migrant.left",
        obj=migrant,
        before=before,
        after=audit.snapshot(migrant),
    )
    return migrant
