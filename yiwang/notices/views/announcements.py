"""Announcements: the list of those written in the user's areas, the form, an
announcement's page (its text and files; for its person, the acknowledgement; for the
senders' side, the receipts by area, each figure opening the people behind it), the grid
chief's list of those who have not acknowledged by the deadline, and the personal link
that acknowledges without logging in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.areas.models import Area
from yiwang.core import storage
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope, get_or_404, is_area_code
from yiwang.notices.forms import AnnouncementForm
from yiwang.notices.models import Announcement, AnnouncementAttachment, Receipt
from yiwang.notices.models.announcements import AckChannel
from yiwang.notices.services import announcements as services
from yiwang.notices.services import receipts as receipt_services

PAGE_SIZE = 30


@login_required
@require_GET
def announcement_list(request):
    if not services.can_write(request.user):
        raise PermissionDenied(_("Your posts do not allow writing announcements."))
    announcements = (
        services.visible_announcements(request.user)
        .select_related("sender")
        .only(
            "id",
            "title",
            "priority",
            "status",
            "send_at",
            "sent_at",
            "ack_by",
            "recipient_count",
            "area_code",
            "sender__full_name",
            "sender__username",
        )
    )
    page = Paginator(announcements, PAGE_SIZE).get_page(request.GET.get("page"))
    acked = dict(
        Receipt.objects.filter(announcement_id__in=[a.pk for a in page], acked_at__isnull=False)
        .values_list("announcement_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for announcement in page:
        announcement.acked = acked.get(announcement.pk, 0)
    return render(
        request,
        "notices/announcement_list.html",
        {"page_obj": page, "can_write": services.can_write(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_create(request):
    if not services.can_write(request.user):
        raise PermissionDenied(_("Your posts do not allow writing announcements."))
    form = AnnouncementForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = services.create_announcement(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                areas=data["areas"],
                roles=data["roles"],
                priority=data["priority"],
                ack_by=data["ack_by"],
                send_at=data["send_at"],
                attachments=data["attachments"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if (
                announcement.status == "scheduled"
                and announcement.send_at > announcement.created_at
            ):
                messages.success(request, _("The announcement will be sent at the time set."))
            else:
                messages.success(request, _("The announcement was sent."))
            return redirect("notices:announcement", announcement.pk)
    return render(request, "notices/announcement_form.html", {"form": form})


def _readable(request, announcement_id: int) -> Announcement:
    announcement = services.readable(request.user, announcement_id)
    if announcement is None:
        raise Http404(_("Not found."))
    return announcement


@login_required
@require_GET
def announcement_detail(request, announcement_id: int):
    announcement = _readable(request, announcement_id)
    receipt = Receipt.objects.filter(announcement=announcement, user=request.user).first()
    # Read when the person opens it: a navigation, not the service worker fetching the
    # page ahead to keep it for use without signal (Sec-Fetch-Mode tells them apart).
    opened = request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
    if receipt is not None and receipt.read_at is None and opened:
        receipt_services.mark_read(actor=request.user, receipt=receipt)
    follows = services.visible_announcements(request.user).filter(pk=announcement.pk).exists()
    summary = None
    if follows and announcement.status == "sent":
        area = request.GET.get("area", "")
        if not (is_area_code(area) and area.startswith(announcement.area_code)):
            area = announcement.area_code
        summary = receipt_services.summary(announcement, area)
    return render(
        request,
        "notices/announcement_detail.html",
        {
            "announcement": announcement,
            "receipt": receipt,
            "follows": follows,
            "summary": summary,
            "attachments": announcement.attachments.all(),
        },
    )


@login_required
@require_POST
def announcement_ack(request, announcement_id: int):
    announcement = _readable(request, announcement_id)
    receipt = get_or_404(Receipt.objects.for_user(request.user), announcement=announcement)
    if receipt_services.acknowledge(receipt=receipt, via=AckChannel.APP, actor=request.user):
        messages.success(request, _("Acknowledged: the sender can see you have received it."))
    else:
        messages.info(request, _("You had already acknowledged it."))
    if request.POST.get("back") == "inbox":
        return redirect("notices:inbox")
    return redirect("notices:announcement", announcement.pk)


@login_required
@require_POST
def announcement_cancel(request, announcement_id: int):
    announcement = get_in_scope(
        services.visible_announcements(request.user), request.user, pk=announcement_id
    )
    try:
        services.cancel_announcement(actor=request.user, announcement=announcement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The announcement was cancelled."))
    return redirect("notices:announcement", announcement.pk)


@login_required
@require_GET
def announcement_people(request, announcement_id: int):
    announcement = get_in_scope(
        services.visible_announcements(request.user), request.user, pk=announcement_id
    )
    area = request.GET.get("area", "")
    if not (is_area_code(area) and area.startswith(announcement.area_code)):
        area = announcement.area_code
    acked = {"1": True, "0": False}.get(request.GET.get("acked", ""))
    people = receipt_services.people(announcement, area, acked)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(
        Area.objects.filter(code__in={r.area_code for r in page}).values_list("code", "name")
    )
    for receipt in page:
        receipt.area_name = names.get(receipt.area_code, receipt.area_code)
    return render(
        request,
        "notices/announcement_people.html",
        {
            "announcement": announcement,
            "page_obj": page,
            "area": area,
            "area_name": Area.objects.filter(code=area).values_list("name", flat=True).first(),
            "acked": acked,
        },
    )


@login_required
@require_GET
def attachment(request, announcement_id: int, attachment_id: int):
    announcement = _readable(request, announcement_id)
    stored = get_or_404(AnnouncementAttachment.objects, pk=attachment_id, announcement=announcement)
    with storage.guarded():  # the store down: a 503 page, not a 500
        response = FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=stored.name,
            content_type=stored.content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def overdue(request):
    """The grid chief's list: the people of their villages who have not acknowledged an
    announcement by its deadline."""
    if not receipt_services.may_see_overdue(request.user):
        raise PermissionDenied(
            _("The list is for grid chiefs and the admins of towns and the county.")
        )
    page = Paginator(receipt_services.overdue_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = dict(
        Area.objects.filter(code__in={r.area_code for r in page}).values_list("code", "name")
    )
    for receipt in page:
        receipt.area_name = names.get(receipt.area_code, receipt.area_code)
    return render(request, "notices/overdue.html", {"page_obj": page})


# --- the personal link -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ack_link(request, token: str):
    """The signed personal link from a chat message or an SMS: the announcement and an
    「已收到」 button, without logging in. GET never acknowledges (a chat app that
    previews the link must not do it for the person); the button POSTs."""
    receipt = receipt_services.receipt_of_token(token)
    if receipt is None:
        return render(request, "notices/ack_link_invalid.html", status=404)
    done = False
    if request.method == "POST":
        receipt_services.acknowledge(receipt=receipt, via=AckChannel.LINK)
        done = True
    return render(
        request,
        "notices/ack_link.html",
        {"receipt": receipt, "announcement": receipt.announcement, "done": done},
    )
