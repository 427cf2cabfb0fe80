"""Pages of the core module: the audit log, background imports, and the service worker
that lets the field pages open with no signal (js/offline.js queues what is typed there),
served from the site's root so that its scope is the whole site."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import page_not_found

from yiwang.core import audit, audit_display, import_files
from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.forms import add_service_error
from yiwang.core.imports import get_progress
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.scoping import get_in_scope
from yiwang.core.services import MAX_IMPORT_BYTES, commit_preview, start_import

PAGE_SIZE = 50
# An import's rejected rows, a page at a time on the job's page.
ERRORS_PAGE_SIZE = 100


def preview_upload(request, form, kind: str):
    """The upload page of a background import, posted: a valid file becomes a preview (a
    dry-run job of `kind` into the form's area) and the answer is the job's page; None
    when the form is to be shown again, with its errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        form.add_error("file", _("The file is larger than 20 MB."))
        return None
    try:
        job = start_import(
            actor=request.user,
            kind=kind,
            filename=upload.name,
            data=upload.read(),
            area_code=form.cleaned_data["area"],
            dry_run=True,
        )
    except ValidationError as exc:
        add_service_error(form, exc)
        return None
    return redirect("core:import-detail", job_id=job.pk)


@login_required
def audit_list(request):
    filterset = AuditEntryFilterSet(
        request.GET,
        queryset=AuditEntry.objects.visible_to(request.user)
        .select_related("actor")
        .order_by("-at", "-id"),
    )
    for name in ("since", "until"):  # the browser's date picker
        filterset.form.fields[name].widget.input_type = "date"
    # The page offers the actions by their labels; the API still takes any prefix.
    filterset.form.fields["action"].widget = forms.Select(
        choices=[("", _("All")), *audit.action_choices()]
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"filterset": filterset, "page_obj": page})


@login_required
def audit_detail(request, entry_id: int):
    entry = get_in_scope(AuditEntry.objects.select_related("actor"), request.user, pk=entry_id)
    rows = audit_display.rows_of(entry, request.user)
    return render(
        request,
        "core/audit_detail.html",
        {
            "entry": entry,
            "rows": rows,
            "changed": [row["field"] for row in rows if row["changed"]],
            "area_shown": audit_display.area_of(entry),
        },
    )


@login_required
def import_list(request):
    """The imports of the user's scope, newest first, each with how many errors it has:
    the errors themselves are on the job's page."""
    queryset = (
        ImportJob.objects.visible_to(request.user)
        .with_error_count()
        .defer("data", "error_file", "result")
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/import_list.html", {"page_obj": page})


@login_required
def import_detail(request, job_id: int):
    """An import's state; while it runs, htmx polls this page for the status block alone.
    Its errors are shown a page at a time; the file and the error file stay unread."""
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user)
        .with_error_count()
        .defer("data", "error_file")
        .annotate(
            has_error_file=ExpressionWrapper(
                Q(error_file__isnull=False), output_field=BooleanField()
            )
        )
        .select_related("created_by"),
        pk=job_id,
    )
    done, total = get_progress(job.pk) or (0, 0)
    context = {
        "job": job,
        "done": done,
        "total": total,
        "import_keep_days": settings.IMPORT_KEEP_DAYS,
        "files_kept_until": None if job.files_removed_at else import_files.kept_until(job),
    }
    if job.is_finished and job.error_count:
        errors = ImportJob.objects.values_list("errors", flat=True).get(pk=job.pk)
        context["page_obj"] = Paginator(errors, ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
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
    """The rejected rows, as the importer wrote them back, to fix and upload again: in full
    for the uploader, masked for others (yiwang.core.import_files); 410 once removed."""
    try:
        job, content = import_files.open_error_file(user=request.user, job_id=job_id)
    except import_files.ImportFilesRemoved as removed:
        job = removed.args[0]
        context = {"job": job, "import_keep_days": settings.IMPORT_KEEP_DAYS}
        return render(request, "core/import_detail.html", context, status=410)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
    return response


# The static files every field page needs, kept by the worker when it installs.
ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "django_htmx/htmx-2.min.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "css/yiwang.css",
    "js/yiwang.js",
    "js/offline.js",
    "img/favicon.svg",
)
# The pages a grid worker opens in the field: kept on each visit online, opened from the
# kept copy offline.
FIELD_PAGES = (
    "outreach:today",
    "cases:create",
    "notices:inbox",
    "volunteering:checkin-list",
)


def field_pages() -> list[str]:
    pages = []
    for name in FIELD_PAGES:
        try:
            pages.append(reverse(name))
        except NoReverseMatch:  # a module not installed
            continue
    return pages


@require_GET
def service_worker(request):
    assets = [static(path) for path in ASSETS]
    pages = field_pages()
    offline_page = render_to_string("core/offline.html", request=request)
    # A new version whenever what it keeps changes (hashed static names after a deploy).
    version = hashlib.sha256(json.dumps([assets, pages, offline_page]).encode()).hexdigest()
    body = render_to_string(
        "core/sw.js",
        {
            "version": version[:16],
            "assets": json.dumps(assets),
            "pages": json.dumps(pages),
            "offline_page": json.dumps(offline_page, ensure_ascii=False),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker at every navigation; never an old one from a cache.
    response["Cache-Control"] = "no-cache"
    return response


def bad_request(request, exception=None):
    """400 for every page (settings' handler400): with the reason when the code gave one
    (a list's filter it cannot read), never a stack trace."""
    message = str(exception) if exception is not None else ""
    # Django's own SuspiciousOperation messages are for the log, not for the reader.
    if not isinstance(exception, BadRequest):
        message = ""
    return render(request, "400.html", {"message": message}, status=400)


def not_found(request, exception=None):
    """404 for every address (settings' handler404): the API's in its JSON error format
    (an address no route matches, such as /api/v1/areas/a.b/), the pages' as a page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
