"""Writing the audit log. Services call `record()` inside their transaction; a bulk write
builds its entries with `build_entry` (model instances) or `build_row` (rows for COPY)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import json
import uuid

from django.db import models

from yiwang.core.masking import mask_birth_date, mask_id_number, mask_phone, may_reveal
from yiwang.core.models import AuditEntry, AuditSource

_source: contextvars.ContextVar[str] = contextvars.ContextVar(
    "audit_source", default=AuditSource.SYSTEM
)


@contextlib.contextmanager
def audit_source(source: str):
    """Marks every audit entry written inside the block as coming from `source`."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# Never in the log: secrets, and bookkeeping that is not a change anyone made.
_NEVER_LOGGED = {"password", "updated_at", "last_login", "is_superuser", "is_staff"}
# Personal data goes into the log masked, as everywhere else.
_MASKED = {"phone": mask_phone, "id_number": mask_id_number}


def _masked(name: str, value):
    return _MASKED[name](value) if name in _MASKED and value else value


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """The concrete field values of a model instance, as JSON. Foreign keys by id."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in _NEVER_LOGGED:
            continue
        data[field.attname] = _jsonable(_masked(field.name, field.value_from_object(obj)))
    return data


def masked(values: dict) -> dict:
    """`values` with the personal data among them masked as `snapshot` masks a model's
    fields (a phone or an ID number, by its key): for a document built without a model
    instance."""
    return {name: _masked(name, value) for name, value in values.items()}


# Kept in full, shown masked to whoever may not reveal personal data. A birth date is
# eight of the hidden digits of a masked ID number: beside it (in the same entry, or in
# another entry about the same person, before an ID number was added) with the county's
# code it gives the whole number. So every birth date in the log shows its year alone, as
# the ledger's pages and API show it beside an ID number. (The sex is the 17th digit,
# which the masked number shows anyway.)
_SHOWN_MASKED = {"birth_date": mask_birth_date}


def _shown_masked(value):
    if isinstance(value, dict):
        return {
            name: _SHOWN_MASKED[name](item) if name in _SHOWN_MASKED else _shown_masked(item)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_shown_masked(item) for item in value]
    return value


def _holds_masked(value) -> bool:
    if isinstance(value, dict):
        return any(
            (name in _SHOWN_MASKED and item) or _holds_masked(item) for name, item in value.items()
        )
    if isinstance(value, list):
        return any(_holds_masked(item) for item in value)
    return False


def shown_to(user, document):
    """An entry's `before` or `after` as `user` may read it: as stored for someone who may
    reveal personal data, else with the birth dates in it (at any depth: an import lists a
    household's members) masked. Every page, API and file that shows the log passes its
    documents through here."""
    # The permission is asked (two queries, once a request) only of a document that holds
    # something to mask: most of the log holds none.
    if document is None or not _holds_masked(document) or may_reveal(user):
        return document
    return _shown_masked(document)


def _described(actor, obj, object_type: str, object_id: str, object_repr: str, area_code: str):
    """(actor or None, username, object type, id, repr, area code) of an entry: the
    object's own unless given; the actor only when signed in (else the system)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        area_code = area_code or getattr(obj, "area_code", "") or ""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return (
        actor if authenticated else None,
        actor.get_username() if authenticated else "",
        object_type,
        object_id,
        object_repr[:200],
        area_code,
    )


def build_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    area_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """The audit entry of a write, not saved yet (`record` saves it; `record_many` saves
    many in one go)."""
    actor, username, object_type, object_id, object_repr, area_code = _described(
        actor, obj, object_type, object_id, object_repr, area_code
    )
    return AuditEntry(
        actor=actor,
        actor_username=username,
        source=current_source(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        area_code=area_code,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def record(**kwargs) -> AuditEntry:
    entry = build_entry(**kwargs)
    entry.save()
    return entry


def save_changes(
    *,
    actor,
    obj: models.Model,
    values: dict,
    action: str,
    also: tuple[str, ...] = (),
    snap=snapshot,
    area_code: str = "",
) -> bool:
    """A correction: the `values` that differ from `obj`'s are set, saved (with the fields
    in `also` that save() derives, and updated_at) and recorded under `action`, before and
    after as `snap` gives them, under `area_code` when given (a row with no area of its own,
    filed under its parent's), else the object's own. Nothing is written (or logged) when
    nothing changes; answers whether something did."""
    changed = [f for f, v in values.items() if getattr(obj, f) != v]
    if not changed:
        return False
    before = snap(obj)
    for field in changed:
        setattr(obj, field, values[field])
    obj.save(update_fields=[*changed, *also, "updated_at"])
    record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=snap(obj),
        **({"area_code": area_code} if area_code else {}),
    )
    return True


def record_many(entries: list[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


# The columns of an audit entry written in bulk with no model instances
# (`core.bulk.insert_rows(AuditEntry, ROW_FIELDS, rows)`), in the order `build_row` gives.
ROW_FIELDS = (
    "at",
    "actor",
    "actor_username",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "area_code",
    "before",
    "after",
)


def _json_default(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for the thousands of documents of a bulk write (json.dumps with options
# builds a new one at every call); it writes what `_jsonable` makes of a document.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)


def build_row(
    *,
    at,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    area_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> tuple:
    """The entry `build_entry` makes, as a row of ROW_FIELDS for a bulk path that writes
    no model instances (the deadline sweep, the ledger import's new households): the same
    values, with `at` as the database takes it (`core.bulk.db_value`, once for many rows),
    the actor by id and the documents as JSON text, which both databases take for a JSON
    column."""
    actor, username, object_type, object_id, object_repr, area_code = _described(
        actor, obj, object_type, object_id, object_repr, area_code
    )
    return (
        at,
        actor.pk if actor is not None else None,
        username,
        current_source(),
        action,
        object_type,
        object_id,
        object_repr,
        area_code,
        _ENCODER.encode(before) if before is not None else None,
        _ENCODER.encode(after) if after is not None else None,
    )


# ---- the log in plain words: each app registers its actions' labels in its ready() ----

_ACTION_LABELS: dict[str, str] = {}
# Labels of the keys of a document that is not a model's fields (an export's filters),
# by action.
_FIELD_LABELS: dict[str, dict[str, str]] = {}


def register_actions(labels: dict[str, str], fields: dict[str, dict[str, str]] | None = None):
    """What each action of an app is called on the audit pages ("resident.export" →
    "导出居民"), and the labels of the keys its entries record that are no model field."""
    _ACTION_LABELS.update(labels)
    for action, names in (fields or {}).items():
        _FIELD_LABELS.setdefault(action, {}).update(names)


def action_label(action: str) -> str:
    """The registered label of `action`; the action itself when no app named it."""
    return str(_ACTION_LABELS.get(action, action))


def action_choices() -> list[tuple[str, str]]:
    return sorted(((a, str(label)) for a, label in _ACTION_LABELS.items()), key=lambda c: c[1])


def field_labels(action: str) -> dict[str, str]:
    return _FIELD_LABELS.get(action, {})
