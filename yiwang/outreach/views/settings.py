"""What the pages of the county's outreach settings share (programmes, visit rules,
triggers, event types, routines): the form of one row saved through its service, and
retiring a row or taking it back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from yiwang.core.forms import add_service_error
from yiwang.outreach import access


def settings_form_page(
    request,
    form,
    save: Callable,
    saved: str,
    list_url: str,
    template: str,
    context: dict,
    fixed: dict | None = None,
):
    """The create or edit page of one settings row: on a valid POST, `save(actor=…,
    **cleaned_data, **fixed)`, the message `saved` (with the row's %(name)s), back to
    `list_url`; a service's ValidationError goes back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            row = save(actor=request.user, **{**form.cleaned_data, **(fixed or {})})
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, saved % {"name": row.name})
            return redirect(list_url)
    return render(request, template, {"form": form, **context})


def toggle_setting(request, model, code: str, set_active: Callable, list_url: str):
    """Retires an active settings row, or takes a retired one back."""
    access.check_configure(request.user)
    found = get_object_or_404(model, code=code)
    row = set_active(actor=request.user, code=code, is_active=not found.is_active)
    message = _("%(name)s is active again.") if row.is_active else _("%(name)s was retired.")
    messages.success(request, message % {"name": row.name})
    return redirect(list_url)
