"""Announcements (通知公告) and their receipts: one row for each person an announcement is
sent to, with when they read it and when they acknowledged it (已收到)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.core.scoping import ScopedQuerySet


class Priority(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    IMPORTANT = "important", _("Important")
    EMERGENCY = "emergency", _("Emergency")


class AnnouncementStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Announcement(ScopedModel):
    """Written from one of the sender's posts: `area_code` is that post's area, and the
    audience lies in its subtree. The audience is areas (subtrees) × roles, or a list of
    users; it is resolved to receipts when the announcement is sent (at `send_at`)."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=10000)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_areas = models.JSONField(_("to the areas"), default=list, blank=True)
    audience_roles = models.JSONField(_("to the roles"), default=list, blank=True)
    audience_users = models.JSONField(_("to the people"), default=list, blank=True)
    ack_by = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AnnouncementStatus.choices,
        default=AnnouncementStatus.SCHEDULED,
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    # When the grid chiefs were given the list of those who had not acknowledged by the
    # deadline, and when the fallback SMS were queued: each is done once.
    chiefs_told_at = models.DateTimeField(_("chiefs told at"), null=True, blank=True)
    sms_queued_at = models.DateTimeField(_("SMS queued at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-send_at", "-id"]
        indexes = [
            # The sweep of the scheduled ones that are due.
            models.Index(
                fields=["send_at"],
                condition=Q(status="scheduled"),
                name="announcement_due_idx",
            ),
            # The sweep of the deadlines passed.
            models.Index(
                fields=["ack_by"],
                condition=Q(status="sent", ack_by__isnull=False),
                name="announcement_ack_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: AnnouncementAttachment, filename: str) -> str:
    # The name is ours (random), never the uploader's.
    return f"notices/{instance.announcement_id}/{filename}"


class AnnouncementAttachment(models.Model):
    """A file sent with an announcement; served only through a scoped view."""

    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("announcement"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ReceiptQuerySet(ScopedQuerySet):
    def for_user(self, user) -> ReceiptQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def unacknowledged(self) -> ReceiptQuerySet:
        return self.filter(acked_at__isnull=True)


class AckChannel(models.TextChoices):
    APP = "app", _("In the app")
    LINK = "link", _("Through the personal link")
    API = "api", _("Through the API")


class Receipt(models.Model):
    """One person's copy of a sent announcement. `area_code` is the area of the post that
    put the person in the audience (the deepest one), so that receipts roll up the tree."""

    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("announcement"),
        on_delete=models.CASCADE,
        related_name="receipts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the inbox index below starts with it
    )
    area_code = models.CharField(_("area code"), max_length=18)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acked_via = models.CharField(
        _("acknowledged through"), max_length=5, choices=AckChannel.choices, blank=True
    )

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="receipt_one_per_person"),
        ]
        indexes = [
            # A person's inbox, newest first.
            models.Index(fields=["user", "-created_at"], name="receipt_inbox_idx"),
            # The receipts of an announcement by area (the sender's table, the chiefs' list).
            models.Index(fields=["announcement", "area_code"], name="receipt_area_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.user_id}"
