"""What the writes to cases share: what people type, cleaned; the actor's name for the
timeline; the level of an area code."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


def _strip_controls(text: str) -> str:
    # NUL and the other control characters come from pasted text and break PostgreSQL.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    """Text as typed, kept as text (never interpreted as HTML): line breaks kept, each
    line tidied like any one-line field, at most one empty line in a row."""
    text = _strip_controls(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(validators.normalize_text(line) for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def clean_line(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    text = validators.normalize_text(_strip_controls(str(value or "")))
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def _check_length(text: str, *, field: str, limit: int, required: bool, errors: dict) -> None:
    if required and not text:
        errors.setdefault(field, []).append(_("This field cannot be empty."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            _("At most %(limit)d characters; this has %(n)d.") % {"limit": limit, "n": len(text)}
        )


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _note(value, *, field: str = "note", required: bool = False) -> str:
    errors: dict = {}
    note = clean_text(value, field=field, limit=NOTE_MAX, required=required, errors=errors)
    _raise(errors)
    return note


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor)[:150]


def _level_of(code: str) -> str:
    return _LEVEL_BY_LENGTH[len(code)]
