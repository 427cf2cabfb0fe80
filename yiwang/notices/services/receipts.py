"""Receipts: reading and acknowledging (已收到) an announcement, in the app or through a
signed personal link; the sender's figures by area; the grid chiefs' list of those who
have not acknowledged by the deadline, and the fallback SMS after a further delay."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.core import audit
from yiwang.core.db import stream
from yiwang.core.scoping import subtree_q
from yiwang.notices.links import link_token, link_url, receipt_of_token  # noqa: F401
from yiwang.notices.models import (
    Announcement,
    AnnouncementStatus,
    Channel,
    Notification,
    Priority,
    Receipt,
)
from yiwang.notices.models.announcements import AckChannel

# The purpose of the SMS to those who have not acknowledged after the deadline.
FALLBACK_SMS = "ack_overdue"


# --- read and acknowledged --------------------------------------------------------------


def mark_read(*, actor, receipt: Receipt) -> bool:
    """The person opened the announcement. Answers whether it was unread."""
    now = timezone.now()
    with transaction.atomic():
        updated = Receipt.objects.filter(pk=receipt.pk, user=actor, read_at__isnull=True).update(
            read_at=now
        )
        if updated:
            receipt.read_at = now
            audit.record(
                actor=actor,
                action="receipt.read",
                object_type=Receipt._meta.label_lower,
                object_id=str(receipt.pk),
                object_repr=receipt.announcement.title[:200],
                area_code=receipt.area_code,
                after={"read_at": now},
            )
    return bool(updated)


def acknowledge(*, receipt: Receipt, via: str, actor=None) -> bool:
    """已收到: the receipt's person acknowledges the announcement (read too, if it was not).
    Once: a second acknowledgement changes nothing and answers False."""
    if via not in AckChannel.values:
        raise ValueError(via)
    now = timezone.now()
    with transaction.atomic():
        updated = Receipt.objects.filter(pk=receipt.pk, acked_at__isnull=True).update(
            acked_at=now, acked_via=via
        )
        Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
        if updated:
            receipt.acked_at, receipt.acked_via = now, via
            receipt.read_at = receipt.read_at or now
            audit.record(
                actor=actor or receipt.user,
                action="receipt.acknowledge",
                object_type=Receipt._meta.label_lower,
                object_id=str(receipt.pk),
                object_repr=receipt.announcement.title[:200],
                area_code=receipt.area_code,
                after={"acked_at": now, "via": via},
            )
    return bool(updated)


# --- the sender's figures ------------------------------------------------------------------


def summary(announcement: Announcement, parent: str | None = None) -> dict:
    """The receipts of an announcement: in all, and for each child area of `parent` (the
    announcement's own area by default) that holds any: total, read, acknowledged, not
    acknowledged. One GROUP BY on the receipts' area codes, rolled up to the children."""
    from yiwang.areas.models import Area

    parent = parent or announcement.area_code
    rows = (
        Receipt.objects.filter(announcement=announcement)
        .filter(subtree_q("area_code", parent))
        .values("area_code")
        .annotate(total=Count("id"), read=Count("read_at"), acked=Count("acked_at"))
        .order_by()
    )
    children = {
        code: name
        for code, name in Area.objects.filter(parent__code=parent).values_list("code", "name")
    }
    lengths = sorted({len(code) for code in children}, reverse=True)
    figures: dict[str, dict] = {}
    total = {"total": 0, "read": 0, "acked": 0}
    for row in rows:
        for key in total:
            total[key] += row[key]
        child = next(
            (row["area_code"][:n] for n in lengths if row["area_code"][:n] in children), None
        )
        key = child or parent  # a receipt on the parent area itself (a town's cadre)
        bucket = figures.setdefault(key, {"total": 0, "read": 0, "acked": 0})
        for name in bucket:
            bucket[name] += row[name]
    areas = []
    for code, bucket in sorted(figures.items()):
        areas.append(
            {
                "code": code,
                "name": children.get(code) or _area_name(code),
                "total": bucket["total"],
                "read": bucket["read"],
                "acked": bucket["acked"],
                "pending": bucket["total"] - bucket["acked"],
                "has_children": code != parent,
            }
        )
    total["pending"] = total["total"] - total["acked"]
    return {"parent": parent, "total": total, "areas": areas}


def _area_name(code: str) -> str:
    from yiwang.areas.models import Area

    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def people(announcement: Announcement, area: str | None = None, acked: bool | None = None):
    """The receipts behind a figure: under `area`, acknowledged or not."""
    receipts = Receipt.objects.filter(announcement=announcement).select_related("user")
    if area:
        receipts = receipts.filter(subtree_q("area_code", area))
    if acked is not None:
        receipts = receipts.filter(acked_at__isnull=not acked)
    return receipts.order_by("area_code", "user__full_name", "pk")


# --- the chiefs' list and the fallback SMS -----------------------------------------------------


def overdue_for(user):
    """The receipts, in the user's villages, of announcements whose deadline has passed
    and that their person has not acknowledged: the grid chief's list."""
    villages = sorted({code for role, code in scope.current_posts(user) if role in OVERDUE_ROLES})
    if not villages:
        if getattr(user, "is_superuser", False):
            villages = [""]
        else:
            return Receipt.objects.none()
    q = Q(pk__in=[])
    for code in villages:
        q |= subtree_q("area_code", code) if code else Q()
    return (
        Receipt.objects.filter(q, acked_at__isnull=True)
        .filter(
            announcement__status=AnnouncementStatus.SENT,
            announcement__ack_by__lt=timezone.now(),
        )
        .select_related("announcement", "user")
        .order_by("-announcement__ack_by", "area_code", "pk")
    )


VILLAGE_CODE_LENGTH = 12
# Who is given the list: the grid chiefs, and the town and county admins for their areas.
OVERDUE_ROLES = (Role.GRID_CHIEF, Role.TOWN_ADMIN, Role.COUNTY_ADMIN)


def may_see_overdue(user) -> bool:
    return getattr(user, "is_superuser", False) or any(
        role in OVERDUE_ROLES for role, _code in scope.current_posts(user)
    )


def tell_chiefs(now: datetime.datetime | None = None) -> int:
    """For each announcement whose deadline has passed (once: claimed by a conditional
    UPDATE), a notification to each village with people who have not acknowledged, to
    its grid chief's inbox, with the count and a link to the list. Answers how many
    notifications were written."""
    now = now or timezone.now()
    written = 0
    due = list(
        Announcement.objects.filter(
            status=AnnouncementStatus.SENT, ack_by__lte=now, chiefs_told_at__isnull=True
        ).values_list("pk", flat=True)[:200]
    )
    for pk in due:
        with transaction.atomic():
            if not Announcement.objects.filter(pk=pk, chiefs_told_at__isnull=True).update(
                chiefs_told_at=now
            ):
                continue
            announcement = Announcement.objects.get(pk=pk)
            pending = _pending_by_village(announcement)
            Notification.objects.bulk_create(
                [
                    Notification(
                        kind="notice.unacknowledged",
                        object_type=Announcement._meta.label_lower,
                        object_id=announcement.pk,
                        area_code=village,
                        level="village",
                        text=_(
                            "%(n)d people of your village have not acknowledged "
                            "“%(title)s” by its deadline."
                        )
                        % {"n": count, "title": announcement.title},
                        created_at=now,
                    )
                    for village, count in pending.items()
                ],
                batch_size=1000,
            )
            written += len(pending)
    return written


def _pending_by_village(announcement: Announcement) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, count in (
        Receipt.objects.filter(announcement=announcement, acked_at__isnull=True)
        .values_list("area_code")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if len(code) >= VILLAGE_CODE_LENGTH:
            village = code[:VILLAGE_CODE_LENGTH]
            counts[village] = counts.get(village, 0) + count
    return counts


def queue_fallback_sms(now: datetime.datetime | None = None) -> int:
    """For each announcement whose deadline passed NOTICE_SMS_AFTER_HOURS ago (once,
    claimed), an SMS with the personal link to each person who has still not
    acknowledged. The outbox queues one SMS a receipt however often this runs; a person
    without a mobile number is passed over. Answers how many were queued."""
    from django.core.exceptions import ValidationError

    from yiwang.notices import outbox

    now = now or timezone.now()
    delay = datetime.timedelta(hours=settings.NOTICE_SMS_AFTER_HOURS)
    queued = 0
    due = list(
        Announcement.objects.filter(
            status=AnnouncementStatus.SENT, ack_by__lte=now - delay, sms_queued_at__isnull=True
        ).values_list("pk", flat=True)[:200]
    )
    for pk in due:
        # Queued one receipt at a time (the outbox keeps one SMS a receipt), and marked
        # done after: a sweep cut off half-way is finished by the next one.
        announcement = Announcement.objects.get(pk=pk)
        pending = (
            Receipt.objects.filter(
                announcement=announcement, acked_at__isnull=True, user__is_active=True
            )
            .exclude(deliveries__channel=Channel.SMS, deliveries__purpose=FALLBACK_SMS)
            .select_related("user")
        )
        for receipt in stream(pending, 500):
            if not receipt.user.phone:
                continue
            try:
                # The personal link is not stored with the delivery (whoever manages the
                # outbox could acknowledge for the person with it): the sending adds it.
                delivery = outbox.queue_sms(
                    user=receipt.user,
                    title=announcement.title,
                    text=_("Please acknowledge this announcement."),
                    link="",
                    area_code=receipt.area_code,
                    receipt=receipt,
                    purpose=FALLBACK_SMS,
                    emergency=announcement.priority == Priority.EMERGENCY,
                )
            except ValidationError:
                continue
            if delivery is not None:
                queued += 1
        Announcement.objects.filter(pk=pk, sms_queued_at__isnull=True).update(sms_queued_at=now)
    return queued
