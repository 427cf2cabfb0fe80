"""Input readers and the yearly numbering the volunteering services share."""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.core import validators


def read_uuid(value, message, field: str = "uuid") -> uuid_module.UUID:
    """The client's UUID (a UUID or its text), else a ValidationError on `field` with
    `message` (each caller says what the app makes one for)."""
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: [str(message)]}) from None


def read_pk(value):
    """An id (or a row) as sent, else 404: an id that is no id is a row that is not there."""
    pk = validators.read_id(getattr(value, "pk", value))
    if pk is None:
        raise Http404(_("Not found."))
    return pk


def next_number(model, prefix: str, width: int) -> str:
    """The next `number` of `model` after the highest that starts with `prefix`: the prefix
    and a sequence of `width` digits, from 1."""
    last = (
        model.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    count = int(last[len(prefix) :]) if last else 0
    return f"{prefix}{count + 1:0{width}d}"
