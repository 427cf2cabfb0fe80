"""The outbox: the group robots of villages and grids, and one table of deliveries to every
external channel (WeCom, DingTalk and Feishu group robots, SMS), each attempt logged with
the channel's answer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.fields import EncryptedTextField
from yiwang.core.models import ScopedModel
from yiwang.core.scoping import ScopedQuerySet


class Channel(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")
    SMS = "sms", _("SMS")


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)
# A robot's channel: the channels above (named apart in the API's schema).
ROBOT_CHOICES = [(c.value, c.label) for c in ROBOT_CHANNELS]


class Robot(ScopedModel):
    """A village's or a grid's chat group, reached through its custom robot. The address
    (which carries the robot's key) and the signing secret are encrypted at rest and never
    shown, logged or audited in full."""

    channel = models.CharField(_("channel"), max_length=10, choices=ROBOT_CHOICES)
    name = models.CharField(_("group name"), max_length=60)
    url = EncryptedTextField(_("robot address"), blank=True)
    secret = EncryptedTextField(_("signing secret"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["area_code", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_configured(self) -> bool:
        return bool(self.url)


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # Sent as part of another delivery's digest message (`digest`).
    DIGESTED = "digested", _("Sent in a digest")
    FAILED = "failed", _("Failed")
    # An SMS whose attempt was cut off before the gateway answered: it may have gone, and
    # is never sent again on its own (the gateway does not recognise a repeat).
    UNCERTAIN = "uncertain", _("Unknown: not sent again")
    # Not needed any more when its time came: the person acknowledged meanwhile.
    SKIPPED = "skipped", _("Not needed")


class Delivery(models.Model):
    """One message to one external destination: a group (`robot`) or a person's phone
    (`user`, SMS). `not_before` holds it back (quiet hours, the backoff after a failed
    attempt); `attempt_key` identifies the SMS to the gateway (OutId) and in our log."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    robot = models.ForeignKey(
        Robot,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to the person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    announcement = models.ForeignKey(
        "notices.Announcement",
        verbose_name=_("announcement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    receipt = models.ForeignKey(
        "notices.Receipt",
        verbose_name=_("receipt"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # Scopes the outbox like every other scoped row: the robot's or the person's area.
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempt_key = models.UUIDField(_("attempt key"), default=uuid.uuid4, unique=True)
    digest = models.ForeignKey(
        "self",
        verbose_name=_("sent in the digest of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who is sending it: set with status "sending" by the one conditional UPDATE that claims
    # it (a consumer's own token), so that two consumers never send the same delivery.
    claim = models.UUIDField(_("claim"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A fallback SMS is sent once for a receipt, however often its task runs.
            models.UniqueConstraint(
                fields=["receipt", "channel", "purpose"],
                condition=Q(receipt__isnull=False),
                name="delivery_once_per_receipt",
            ),
            models.UniqueConstraint(
                fields=["announcement", "robot"],
                condition=Q(robot__isnull=False, announcement__isnull=False),
                name="delivery_once_per_group",
            ),
            models.CheckConstraint(
                condition=Q(robot__isnull=False) | Q(user__isnull=False),
                name="delivery_has_destination",
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                condition=Q(status="queued"),
                name="delivery_queued_idx",
            ),
            models.Index(fields=["robot", "status"], name="delivery_robot_idx"),
            # The sweep of the claims cut off (a consumer that died while sending).
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="delivery_sending_idx",
            ),
            models.Index(fields=["claim"], name="delivery_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.title}"


class DeliveryAttempt(models.Model):
    """One call to the channel and what it answered (status code and body, cut short); the
    address is never kept, since it carries the robot's key."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    # The robot called (none for SMS): its attempts in the last minute are its rate window
    # when the limits are kept in the database.
    robot = models.ForeignKey(
        Robot,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=1000, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["started_at", "id"]
        indexes = [
            # A robot's calls in the rate window (the database's rate limit).
            models.Index(fields=["robot", "started_at"], name="attempt_robot_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.started_at:%Y-%m-%d %H:%M:%S}"
