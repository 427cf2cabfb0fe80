"""Queueing deliveries: an announcement to the group robots of its areas, an SMS to a
person. Each is written in the caller's transaction and sent by a task once it commits
(at once when due; else the sweep sends it when its time comes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import Post
from yiwang.core.scoping import any_subtree_q
from yiwang.notices.models.announcements import Priority
from yiwang.notices.models.outbox import Channel, Delivery, Robot
from yiwang.notices.outbox import quiet, schedule, texts
from yiwang.notices.outbox.sending import mobile_number

# The lengths of a village's and a grid's codes: a robot sits on one of them.
_ROBOT_CODE_LENGTHS = (12, 15)


def send_on_commit(robot_ids=(), sms_ids=()) -> None:
    def enqueue():
        for robot_id in robot_ids:
            schedule.robot(robot_id)
        for delivery_id in sms_ids:
            schedule.sms(delivery_id)

    if robot_ids or sms_ids:
        transaction.on_commit(enqueue)


def queue_sms(
    *,
    user,
    text: str,
    title: str,
    link: str,
    area_code: str,
    receipt=None,
    purpose: str = "",
    emergency: bool = False,
) -> Delivery | None:
    """Queues an SMS to `user`'s mobile. With a receipt, once per receipt and purpose: the
    delivery already queued for them is answered instead (the unique constraint decides
    between two callers at once). ValidationError when the person has no mobile number."""
    if mobile_number(getattr(user, "phone", "") or "") is None:
        raise ValidationError(
            _(
                "%(name)s has no mobile number, so no SMS can be sent: enter an 11-digit "
                "mobile number on their account."
            )
            % {"name": getattr(user, "full_name", "") or user.get_username()},
            code="no_mobile",
        )
    if receipt is not None:
        existing = Delivery.objects.filter(
            receipt=receipt, channel=Channel.SMS, purpose=purpose
        ).first()
        if existing is not None:
            return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                channel=Channel.SMS,
                user=user,
                receipt=receipt,
                announcement_id=getattr(receipt, "announcement_id", None),
                area_code=area_code,
                purpose=purpose,
                title=texts.cut_bytes(title, 300)[:100],
                text=text,
                link=link[:500],
                emergency=bool(emergency),
                not_before=quiet.release_time(now, emergency),
            )
    except IntegrityError:
        if receipt is None:
            raise
        return Delivery.objects.filter(
            receipt=receipt, channel=Channel.SMS, purpose=purpose
        ).first()
    if delivery.not_before <= now:
        send_on_commit(sms_ids=[delivery.pk])
    return delivery


def _robots_of_users(user_ids) -> list[str]:
    """The village and grid codes above the current posts of these users."""
    codes = set()
    for code in (
        Post.objects.current().filter(user_id__in=user_ids).values_list("area_code", flat=True)
    ):
        codes.update(code[:n] for n in _ROBOT_CODE_LENGTHS if len(code) >= n)
    return sorted(codes)


def queue_to_groups(announcement) -> int:
    """Queues the announcement to the group robots (active, with an address) of the areas
    under its audience areas, and of the villages and grids of its audience users; once
    per robot (the constraint delivery_once_per_group). Answers how many were queued."""
    robots = Robot.objects.filter(is_active=True).exclude(url="")
    wanted = robots.none()
    if announcement.audience_areas:
        wanted = robots.filter(any_subtree_q("area_code", announcement.audience_areas))
    if announcement.audience_users:
        codes = _robots_of_users(announcement.audience_users)
        if codes:
            wanted = wanted | robots.filter(area_code__in=codes)
    wanted = wanted.exclude(deliveries__announcement=announcement)
    now = timezone.now()
    emergency = announcement.priority == Priority.EMERGENCY
    not_before = quiet.release_time(now, emergency)
    link = texts.notice_link(announcement.pk)
    rows = [
        Delivery(
            channel=robot.channel,
            robot=robot,
            announcement=announcement,
            area_code=robot.area_code,
            title=announcement.title,
            text=announcement.body,
            link=link,
            emergency=emergency,
            not_before=not_before,
        )
        for robot in wanted.distinct().only("pk", "channel", "area_code")
    ]
    with transaction.atomic():
        created = Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    if not_before <= now:
        send_on_commit(robot_ids=sorted({row.robot_id for row in created}))
    return len(rows)
