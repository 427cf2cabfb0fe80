"""Importing a ledger file: the upload (a preview job first) and the empty workbook to fill in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core.views import preview_upload
from yiwang.registry.forms import LedgerImportForm
from yiwang.registry.selectors import import_template
from yiwang.registry.views.ledger import EXPORT_TYPES


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """Upload of a ledger file into one of the user's areas: a preview first (a dry-run
    job), then the import when the user confirms on the job's page."""
    codes = scope.scope_codes(request.user)
    roots = (
        Area.objects.filter(parent__isnull=True)
        if codes is None
        else Area.objects.filter(code__in=codes)
    )
    roots = list(roots.order_by("code"))
    if not roots:
        raise PermissionDenied(_("Your posts give you no area to import into."))
    form = LedgerImportForm(request.POST or None, request.FILES or None, areas=roots)
    if response := preview_upload(request, form, "ledger"):
        return response
    return render(request, "registry/ledger_import.html", {"form": form})


@login_required
def ledger_template(request):
    """The empty workbook to fill in for an import."""
    response = HttpResponse(import_template(), content_type=EXPORT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="ledger-template.xlsx"'
    return response
