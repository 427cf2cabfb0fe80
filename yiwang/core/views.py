"""Pages of the core module: the audit log, background imports."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.imports import get_progress
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.scoping import get_in_scope
from yiwang.core.services import commit_preview

PAGE_SIZE = 50


@login_required
def audit_list(request):
    filterset = AuditEntryFilterSet(
        request.GET, queryset=AuditEntry.objects.visible_to(request.user).order_by("-at", "-id")
    )
    for name in ("since", "until"):  # the browser's date picker
        filterset.form.fields[name].widget.input_type = "date"
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"filterset": filterset, "page_obj": page})


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


@login_required
def audit_detail(request, entry_id: int):
    entry = get_in_scope(AuditEntry.objects, request.user, pk=entry_id)
    before, after = entry.before or {}, entry.after or {}
    changed = set(entry.changed_fields)
    rows = [
        {
            "field": name,
            "before": _shown(before.get(name)) if entry.before is not None else "",
            "after": _shown(after.get(name)) if entry.after is not None else "",
            "changed": name in changed,
        }
        for name in sorted(set(before) | set(after))
    ]
    return render(
        request,
        "core/audit_detail.html",
        {"entry": entry, "rows": rows, "changed": sorted(changed)},
    )


@login_required
def import_detail(request, job_id: int):
    """An import's state; while it runs, htmx polls this page for the status block alone."""
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).defer("data").select_related("created_by"),
        pk=job_id,
    )
    done, total = get_progress(job.pk) or (0, 0)
    context = {"job": job, "done": done, "total": total}
    if request.htmx:
        return render(request, "core/_import_status.html", context)
    return render(request, "core/import_detail.html", context)


@require_POST
@login_required
def import_commit(request, job_id: int):
    """Imports for real the file of a finished preview."""
    try:
        job = commit_preview(actor=request.user, job_id=job_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("core:import-detail", job_id=job_id)
    return redirect("core:import-detail", job_id=job.pk)


@login_required
def import_errors(request, job_id: int):
    """The rejected rows, as the importer wrote them back, to fix and upload again. They
    hold the file's own numbers in full: for the uploader, or who may export them."""
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user)
        .exclude(error_file=None)
        .only("error_file", "filename", "created_by_id"),
        pk=job_id,
    )
    if job.created_by_id != request.user.pk and not request.user.has_perm(
        "registry.export_personal_data"
    ):
        raise PermissionDenied(_("The rejected rows are for the person who uploaded the file."))
    response = HttpResponse(
        bytes(job.error_file),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
    return response
