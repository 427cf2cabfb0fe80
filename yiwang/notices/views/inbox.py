"""The inbox (通知): a person's announcements and notifications, newest first, as one
list with tabs (all, unread, to acknowledge, announcements, notifications). An
announcement is acknowledged from the list or from its page; the list is kept on the
phone for use without signal (the service worker), and an acknowledgement made offline
is sent to the API when the signal returns (static/js/offline.js)."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.scoping import get_or_404
from yiwang.notices import home, selectors
from yiwang.notices.models import Notification
from yiwang.notices.services import inbox as inbox_services

TABS = (
    ("all", gettext_lazy("All")),
    ("unread", gettext_lazy("Unread")),
    ("pending", gettext_lazy("To acknowledge")),
    ("announcements", gettext_lazy("Announcements")),
    ("notifications", gettext_lazy("Notifications")),
)


@login_required
@require_GET
def inbox(request):
    which = request.GET.get("show", "all")
    if which not in selectors.FILTERS:
        which = "all"
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    figures = home.counts(request)  # shared with the menu's badge: one query for both
    total = figures.of(which)
    pages = max(1, min(math.ceil(total / selectors.PAGE_SIZE), selectors.MAX_PAGE))
    number = max(1, min(number, pages))
    items = selectors.page(request.user, which, number)
    return render(
        request,
        "notices/inbox.html",
        {
            "items": items,
            "which": which,
            "tabs": TABS,
            "total": total,
            "number": number,
            "pages": pages,
            "pending": figures.pending,
        },
    )


@login_required
@require_POST
def read_all(request):
    count = inbox_services.mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(n)d notice marked as read.", "%(n)d notices marked as read.", count)
            % {"n": count},
        )
    else:
        messages.info(request, _("No unread notices to mark."))
    return redirect("notices:inbox")


@login_required
@require_POST
def read_notification(request, notification_id: int):
    get_or_404(Notification.objects.for_user(request.user), pk=notification_id)
    inbox_services.mark_notification_read(actor=request.user, notification_id=notification_id)
    return redirect("notices:inbox")
