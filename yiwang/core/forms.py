"""What the forms of every module share: showing a service's ValidationError on a form,
and the page of a form saved through its service."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render


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
    for name, texts in exc.message_dict.items():
        target = field_map.get(name, name)
        if target not in form.fields:
            target = None
        for message in texts:
            form.add_error(target, message)


def service_form_page(
    request,
    form: forms.Form,
    save: Callable,
    saved: str,
    list_url: str,
    template: str,
    context: dict,
    fixed: dict | None = None,
):
    """The create or edit page of a row kept by a service (a category, a programme, a
    visit rule …): on a valid POST, `save(actor=…, **cleaned_data, **fixed)`, the message
    `saved` (with the row's %(name)s), and back to `list_url`; the service's
    ValidationError goes back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            row = save(actor=request.user, **{**form.cleaned_data, **(fixed or {})})
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, saved % {"name": row.name})
            return redirect(list_url)
    return render(request, template, {"form": form, **context})
