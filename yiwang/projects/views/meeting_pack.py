"""The monthly meeting pack (调度会) as a PDF, for the command post and the town admins
(each their own projects), from the battle map's button."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.projects import access, meeting_pack_pdf


@login_required
@require_GET
def meeting_pack(request):
    """?month=YYYY-MM (this month by default) → the pack's PDF."""
    user = request.user
    if not access.manages_somewhere(user):
        raise PermissionDenied(_("Only the command post and the town admins make the pack."))
    today = timezone.localdate()
    text = request.GET.get("month", "").strip() or f"{today:%Y-%m}"
    try:
        month = meeting_pack_pdf.month_asked(text, today)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    rendered = meeting_pack_pdf.render(user, month, today=today)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="meeting-pack-{month:%Y-%m}.pdf"'
    response["Cache-Control"] = "private, no-cache"
    return response


urlpatterns = [
    path("projects/meeting-pack/", meeting_pack, name="meeting-pack"),
]


def register() -> None:
    """Reached from the battle map's button: no menu item of its own."""
