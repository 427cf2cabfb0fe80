"""Shared helpers of the cooperatives' services."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.coops import access
from yiwang.coops.models import Cooperative


def get_cooperative(actor, cooperative_id, *, lock: bool = False) -> Cooperative:
    qs = Cooperative.objects.all()
    if lock:
        qs = qs.select_for_update()
    if actor is not None:
        q = access.cooperative_q(actor)
        if q is not None:
            qs = qs.filter(pk__in=Cooperative.objects.filter(q).values("pk"))
    try:
        return qs.get(pk=cooperative_id)
    except (Cooperative.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such cooperative.")) from None


def require_keeper(actor, cooperative: Cooperative) -> None:
    if not access.can_keep(actor, cooperative.area_code):
        raise PermissionDenied(
            _("Only the county, the town or the village keeps this cooperative.")
        )


def read_decimal(
    value, field: str, *, positive: bool = False, allow_none=False, maximum: Decimal | None = None
):
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field: _("Enter a number.")})
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if number < 0 or (positive and number == 0):
        raise ValidationError(
            {
                field: _("Enter a number above zero.")
                if positive
                else _("The number cannot be negative.")
            }
        )
    if maximum is not None and number > maximum:
        raise ValidationError(
            {field: _("The number cannot be above %(max)s.") % {"max": f"{maximum:,}"}}
        )
    return number


def read_day(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a date.")}) from None
