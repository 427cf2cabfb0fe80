"""An audit entry in plain words for its pages: the action's label, the object named by
its kind ("居民 张三"), the fields as the forms label them, the values as the pages show
them (是/否, a choice's label, an area's name, a person's name), the actor's full name.

The model of an entry is found by its `object_type` (app_label.model_name) through the app
registry, so core names the fields of apps above it without importing them. Personal data
is stored masked (core.audit); birth dates are masked as shown, for whoever may not reveal
personal data (core.audit.shown_to)."""

from __future__ import annotations

import datetime
import json
import re

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, display

# An area's code, as a value may hold one (a filter's "under"); and as a name repeats it.
_CODE = re.compile(r"^\d{6}(?:\d{3}){0,4}$")
_TRAILING_CODE = re.compile(r"\s*\(\d{6,18}\)$")


def _without_code(text: str) -> str:
    """ "第一网格 (370830001001001)" → "第一网格": the name, the code left to the area page."""
    return _TRAILING_CODE.sub("", text)


def _codes_in(value) -> list[str]:
    if isinstance(value, str):
        return [value] if _CODE.match(value) else []
    if isinstance(value, dict):
        return [c for v in value.values() for c in _codes_in(v)]
    if isinstance(value, list):
        return [c for v in value for c in _codes_in(v)]
    return []


def model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_kind(object_type: str) -> str:
    model = model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def object_in_words(entry) -> str:
    """ "居民 张三": the kind of object, then its name as recorded."""
    kind = object_kind(entry.object_type)
    name = _without_code(entry.object_repr)
    return f"{kind} {name}".strip() if name else kind


def actor_name(entry) -> str:
    """The actor's full name (their login when they have none); "系统" for the system."""
    if entry.actor is not None:
        return str(entry.actor)
    return entry.actor_username or _("System")


def _field(model, name: str):
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    return None


def field_label(entry, name: str) -> str:
    label = audit.field_labels(entry.action).get(name)
    if label:
        return str(label)
    field = _field(model_of(entry.object_type), name)
    if field is not None:
        return str(field.verbose_name)
    return name


def _is_area_code(model, name: str) -> bool:
    if name.endswith("area_code"):
        return True
    return name == "code" and model is not None and model._meta.label_lower == "areas.area"


def _datetime(value: str) -> str | None:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10:  # a date
        return moment.strftime("%Y-%m-%d")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _related(field, value) -> str:
    target = field.related_model
    found = target._default_manager.filter(pk=value).first()
    return _without_code(str(found)) if found is not None else f"#{value}"


class _Shower:
    """Shows the values of one entry, naming its areas in one query."""

    def __init__(self, entry):
        self.entry = entry
        self.model = model_of(entry.object_type)
        codes = [entry.area_code]
        for doc in (entry.before or {}, entry.after or {}):
            codes += [v for k, v in doc.items() if isinstance(v, str) and self._area(k)]
            codes += _codes_in(doc)
        self.areas = display.area_names(codes)

    def _area(self, name: str) -> bool:
        return _is_area_code(self.model, name)

    def area(self, code: str) -> str:
        found = self.areas.get(code)
        return f"{found.name}（{found.level}）" if found else code

    def value(self, name: str, value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return display.yes_no(value)
        if isinstance(value, str) and (self._area(name) or value in self.areas):
            return self.area(value)
        field = _field(self.model, name)
        if field is not None:
            if field.choices:
                return str(dict(field.flatchoices).get(value, value))
            if field.is_relation and not isinstance(value, list | dict):
                return _related(field, value)
            if isinstance(field, models.DateTimeField | models.DateField) and isinstance(
                value, str
            ):
                return _datetime(value) or value
        if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
            return "、".join(self.value(name, v) for v in value) or "—"
        if isinstance(value, dict):
            return "\n".join(
                f"{field_label(self.entry, k)}: {self.value(k, v)}" for k, v in value.items()
            )
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)


def rows_of(entry, viewer) -> list[dict]:
    """The entry's fields in plain words, as the detail page lists them to `viewer` (the
    personal data they may not see masked: core.audit.shown_to)."""
    before = audit.shown_to(viewer, entry.before) or {}
    after = audit.shown_to(viewer, entry.after) or {}
    changed = set(entry.changed_fields)
    shower = _Shower(entry)
    names = sorted(set(before) | set(after), key=lambda n: (n not in changed, n))
    return [
        {
            "name": name,
            "field": field_label(entry, name),
            "before": shower.value(name, before.get(name)) if entry.before is not None else "",
            "after": shower.value(name, after.get(name)) if entry.after is not None else "",
            "changed": name in changed,
        }
        for name in names
    ]


def area_of(entry) -> str:
    return _Shower(entry).area(entry.area_code) if entry.area_code else ""
