"""The notices page (通知): the user's notices about cases, newest first, the unread ones
marked; each links to its case when the case is in the user's scope (a notice to the
reporter of a case may name one that is not). POST marks notices read, one or all, through
services.mark_notices_read, and redirects back to the page it came from.

The notices are read through Notice.objects.for_user: those addressed to the areas of the
user's posts, to their departments, or to them by name.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from yiwang.cases import services
from yiwang.cases.models import Case, Notice
from yiwang.cases.views.cases import PAGE_SIZE


def _notices(user, unread_only: bool):
    notices = (
        Notice.objects.for_user(user)
        .only("id", "case_id", "kind", "text", "created_at", "read_at")
        .annotate(
            # A subquery, not a join: the paginator's count leaves it out.
            case_number=Subquery(
                Case.objects.filter(pk=OuterRef("case_id")).order_by().values("number")
            ),
            case_visible=Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))),
        )
    )
    return notices.unread() if unread_only else notices


def _back(data) -> str:
    """The page the form was on: the same filter and page number, nothing else."""
    query = {}
    if data.get("unread") == "1":
        query["unread"] = "1"
    page = data.get("page", "")
    if page.isdigit() and page != "1":
        query["page"] = page
    url = reverse("cases:notices")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@require_http_methods(["GET", "POST"])
def notice_list(request):
    if request.method == "POST":
        return _mark_read(request)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(_notices(request.user, unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/notices.html",
        {"page_obj": page, "unread_only": unread_only},
    )


def _mark_read(request):
    """`all` marks every unread notice of the user; else the notices of `notice` (one or
    more ids). An id that is not the user's is passed over, like one that does not exist."""
    if request.POST.get("all"):
        count = services.mark_notices_read(actor=request.user)
    else:
        count = services.mark_notices_read(
            actor=request.user, notice_ids=request.POST.getlist("notice")[:PAGE_SIZE]
        )
    if count:
        messages.success(
            request,
            ngettext("%(n)d notice marked as read.", "%(n)d notices marked as read.", count)
            % {"n": count},
        )
    else:
        messages.info(request, _("No unread notices to mark."))
    return redirect(_back(request.POST))
