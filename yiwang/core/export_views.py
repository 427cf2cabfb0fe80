"""Pages of the background exports: asking for one (from any list's export button), its
page with the progress bar and the download link, the download, and the user's own
exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core import export_services, exports
from yiwang.core.models import ExportJob

PAGE_SIZE = 30


@require_POST
@login_required
def export_start(request, kind: str):
    """The list's current filters (its query string, passed on in the form's address)
    become an export job of `kind`; the answer is the job's page. An area outside the
    user's posts is refused, with the reason, and nothing is queued."""
    try:
        job = export_services.start_export(
            actor=request.user,
            kind=kind,
            params=request.GET,
            fmt=request.POST.get("format") or exports.XLSX,
        )
    except ValidationError as exc:
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        context = {"errors": exc.messages, "back": back}
        return render(request, "core/export_refused.html", context, status=400)
    messages.success(request, _("The export is being prepared: this page shows its progress."))
    return redirect("core:export-detail", job_id=job.pk)


def _own_job(request, job_id: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, created_by=request.user).first()
    if job is None:
        raise Http404(_("Not found."))
    return job


def _context(job: ExportJob) -> dict:
    done, total = exports.get_progress(job.pk) or (0, 0)
    percent = int(done * 100 / total) if total else 0
    return {
        "job": job,
        "done": done,
        "total": total,
        "percent": percent,
        "label": exports.kind_label(job.kind),
        "expired": job.is_expired(),
    }


@login_required
def export_detail(request, job_id: int):
    job = _own_job(request, job_id)
    context = _context(job)
    if request.htmx:
        return render(request, "core/_export_status.html", context)
    return render(request, "core/export_detail.html", context)


@login_required
def export_download(request, job_id: int):
    try:
        job, handle = exports.open_download(user=request.user, job_id=job_id)
    except exports.ExportExpired:
        job = _own_job(request, job_id)
        return render(request, "core/export_expired.html", _context(job), status=410)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.download_name(job),
        content_type=exports.CONTENT_TYPES[exports.job_format(job)],
    )


@login_required
def export_list(request):
    """The user's own exports, newest first: status, progress, download link, expiry."""
    queryset = ExportJob.objects.filter(created_by=request.user)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    jobs = [_context(job) for job in page.object_list]
    running = any(not item["job"].is_finished for item in jobs)
    context = {"page_obj": page, "jobs": jobs, "running": running, "now": timezone.now()}
    if request.htmx:
        return render(request, "core/_export_rows.html", context)
    return render(request, "core/export_list.html", context)
