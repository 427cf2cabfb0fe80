"""Micro-wishes (微心愿): a child's or an elderly resident's small wish, recorded on their
behalf, claimed, fulfilled and confirmed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.volunteering.models.volunteers import Volunteer


class WishStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a claimer")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class Wish(ScopedModel):
    """A micro-wish (`area_code`: the recipient's unit). The public wall shows the wish
    and the village, never the person. `raised_at`: when it was raised to the village,
    unclaimed for `VOLUNTEERING_WISH_RAISE_DAYS`."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    recipient = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="wishes",
    )
    title = models.CharField(_("wish"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    value = models.DecimalField(
        _("estimated value (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised to the village at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fulfilment recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The recipient's (or their guardian's) confirmation, taken on the worker's phone.
    confirmed_by_recipient = models.CharField(
        _("confirmed by (recipient or guardian)"), max_length=50, blank=True
    )
    story = models.TextField(_("follow-up story"), blank=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The wall and the sweep: open wishes by age.
            models.Index(fields=["status", "created_at"], name="volunteering_wish_status"),
            models.Index(fields=["area_code", "created_at"], name="volunteering_wish_area"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ClaimerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTY_MEMBER = "party_member", _("Party member")
    ENTERPRISE = "enterprise", _("Enterprise")
    GROUP = "group", _("Group")


class WishClaim(models.Model):
    """Who took a wish on (one claim a wish: the unique constraint decides a race; a group
    shares one claim and names its members)."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    wish = models.OneToOneField(
        Wish, verbose_name=_("wish"), on_delete=models.PROTECT, related_name="claim"
    )
    kind = models.CharField(_("claimed by"), max_length=15, choices=ClaimerKind.choices)
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wish_claims",
    )
    enterprise = models.ForeignKey(
        "outreach.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wish_claims",
    )
    claimer_name = models.CharField(_("claimer"), max_length=100)
    group_members = models.CharField(_("group members"), max_length=300, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("wish claim")
        verbose_name_plural = _("wish claims")
        ordering = ["-claimed_at", "-id"]

    def __str__(self) -> str:
        return self.claimer_name


class WishPhoto(models.Model):
    """A photo of the wish fulfilled, stored without its metadata (yiwang.core.photos)."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("wish"), on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="wishes/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="wishes/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("wish photo")
        verbose_name_plural = _("wish photos")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="volunteering_wishphoto_size"),
        ]

    def __str__(self) -> str:
        return self.file.name
