"""What the pages of the county's outreach settings share beyond the form page
(`core.forms.service_form_page`): retiring a row, or taking it back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.outreach.services import settings


def toggle_setting(request, model, code: str, set_active: Callable, list_url: str):
    """Retires an active settings row (an event type, a routine), or takes a retired one
    back."""
    scope.require_configure(request.user, message=settings.REFUSED)
    found = get_object_or_404(model, code=code)
    row = set_active(actor=request.user, code=code, is_active=not found.is_active)
    message = _("%(name)s is active again.") if row.is_active else _("%(name)s was retired.")
    messages.success(request, message % {"name": row.name})
    return redirect(list_url)
