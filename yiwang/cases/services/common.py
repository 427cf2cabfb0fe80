"""What the writes to cases share: a note as typed, cleaned (yiwang.core.validators); the
actor's name for the timeline; the level of an area code."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from yiwang.cases.models import NOTE_MAX, AssigneeLevel
from yiwang.core import validators

_LEVEL_BY_LENGTH = {
    18: AssigneeLevel.UNIT,
    15: AssigneeLevel.GRID,
    12: AssigneeLevel.VILLAGE,
    9: AssigneeLevel.TOWN,
    6: AssigneeLevel.COUNTY,
}


# --- input ----------------------------------------------------------------------------


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _note(value, *, field: str = "note", required: bool = False) -> str:
    errors: dict = {}
    note = validators.clean_text(
        value, field=field, limit=NOTE_MAX, required=required, errors=errors
    )
    _raise(errors)
    return note


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor)[:150]


def _level_of(code: str) -> str:
    return _LEVEL_BY_LENGTH[len(code)]
