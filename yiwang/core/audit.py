"""Writing the audit log. Services call `record()` inside their transaction."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid

from django.db import models

from yiwang.core.masking import mask_id_number, mask_phone
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


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """The concrete field values of a model instance, as JSON. Foreign keys by id."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in _NEVER_LOGGED:
            continue
        value = field.value_from_object(obj)
        if field.name in _MASKED and value:
            value = _MASKED[field.name](value)
        data[field.attname] = _jsonable(value)
    return data


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
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        area_code = area_code or getattr(obj, "area_code", "") or ""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        source=current_source(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        area_code=area_code,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def record(**kwargs) -> AuditEntry:
    entry = build_entry(**kwargs)
    entry.save()
    return entry


def record_many(entries: list[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
