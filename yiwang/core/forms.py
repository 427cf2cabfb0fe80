"""What the forms of every module share: showing a service's ValidationError on a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_error(
    form: forms.Form, exc: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Puts the messages of a service's ValidationError on the form's fields.

    Services name the field of the model (`area`, `username`); `field_map` maps those to
    the form's field names. A message for a field the form does not have goes on top of
    the form.
    """
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        target = field_map.get(name, name)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)
