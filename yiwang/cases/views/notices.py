"""The notices page (通知): the user's notifications, newest first, the unread ones
marked; each links to its object through its kind's `links` (notices.kinds) when the user
may open it: a case in the user's scope (a notice to the reporter of a case may name one
that is not: its number is shown, not linked). POST marks notices read, one or all, through
services.mark_notices_read, and redirects back to the page it came from.

The notices are read through notices.Notification.objects.for_user (selectors.notifications):
those addressed to the areas of the user's posts, to their departments, or to them by name;
every kind, the cases' ones and other modules', as the menu's badge counts them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from yiwang.cases import selectors, services
from yiwang.cases.views.cases import PAGE_SIZE
from yiwang.notices import kinds


def _notices(user, unread_only: bool):
    notices = selectors.notifications(user).only(
        "id", "kind", "object_type", "object_id", "text", "created_at", "read_at"
    )
    return notices.unread() if unread_only else notices


def _link(notices, user) -> None:
    """Sets each notice's `link`: (URL, title) of what it is about when its kind can say
    and the user may open it, else None. One query for each kind's `links` on the page
    (one for all the cases' kinds, which share theirs)."""
    wanted: dict[tuple, set[int]] = {}
    for notice in notices:
        kind = kinds.get(notice.kind)
        if kind is not None and kind.links is not None and notice.object_id is not None:
            wanted.setdefault((notice.object_type, kind.links), set()).add(notice.object_id)
    found = {key: key[1](user, sorted(ids)) for key, ids in wanted.items()}
    for notice in notices:
        kind = kinds.get(notice.kind)
        links = found.get((notice.object_type, kind.links), {}) if kind is not None else {}
        notice.link = links.get(notice.object_id)


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
    page.object_list = list(page.object_list)
    _link(page.object_list, request.user)
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
