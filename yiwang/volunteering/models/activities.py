"""Activities, sign-ups, check-in and check-out, and the hours they give."""

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.volunteering.models.volunteers import Team, Volunteer

HOURS = {"max_digits": 7, "decimal_places": 2}
CENT = Decimal("0.01")
MICROSECONDS_AN_HOUR = Decimal(3_600_000_000)


def hours_between(span: datetime.timedelta) -> Decimal:
    """A span as hours with two decimals, exactly (Decimal from whole microseconds, never
    a float), half a hundredth rounded up; a negative span is 0. The one rounding of an
    activity's length and of the hours it gives."""
    micro = max(span // datetime.timedelta(microseconds=1), 0)
    return (Decimal(micro) / MICROSECONDS_AN_HOUR).quantize(CENT, ROUND_HALF_UP)


class TargetGroup(models.TextChoices):
    """The five "为" the county's services are for."""

    ELDERLY = "elderly", _("For the elderly")
    CHILDREN = "children", _("For children")
    HARDSHIP = "hardship", _("For families in hardship")
    COMFORT = "comfort", _("For people who need comfort")
    PUBLIC = "public", _("For public needs")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(ScopedModel):
    """An activity of a team (`area_code`: where it takes place, within the team's area).
    The organiser shows `checkin_code` (six digits, or its QR) at the place; it is
    accepted from `CHECKIN_OPENS_MINUTES` before the start until the end."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    target_group = models.CharField(_("target group"), max_length=10, choices=TargetGroup.choices)
    place = models.CharField(_("place"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    places = models.PositiveIntegerField(_("places needed"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    checkin_code = models.CharField(_("check-in code"), max_length=6)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="volunteering_activity_span"
            ),
            models.CheckConstraint(condition=Q(places__gt=0), name="volunteering_activity_places"),
        ]
        indexes = [
            # A period's activities under an area (the roll-ups, the lists).
            models.Index(fields=["area_code", "starts_at"], name="volunteering_activity_area"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def length_hours(self) -> Decimal:
        return hours_between(self.ends_at - self.starts_at)


class SignUp(TimeStampedModel):
    """A volunteer's place on an activity; cancelling keeps the row."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="signups"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="volunteering_signup_once"
            ),
        ]


class Attendance(ScopedModel):
    """A volunteer's presence at an activity: checked in and out with the code shown at the
    place (no GPS). `checkin_uuid` and `checkout_uuid` are the client's, so a check-in sent
    twice from a phone's offline queue is recorded once. A check-in not checked out is
    closed `CLOSE_AFTER_HOURS` after the activity's end and flagged (`closed_by_system`)."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    checkin_uuid = models.UUIDField(_("check-in UUID"), unique=True, default=uuid.uuid4)
    checked_in_at = models.DateTimeField(_("checked in at"))
    checkout_uuid = models.UUIDField(_("check-out UUID"), unique=True, null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    closed_by_system = models.BooleanField(_("closed without check-out"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["activity", "checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="volunteering_attendance_once"
            ),
        ]
        indexes = [
            # The sweep that closes check-ins left open.
            models.Index(
                fields=["checked_in_at"],
                condition=Q(checked_out_at__isnull=True),
                name="volunteering_attendance_open",
            ),
        ]


class HoursKind(models.TextChoices):
    CREDIT = "credit", _("Credit hours")  # 信用时长: from check-in and check-out
    HONOUR = "honour", _("Honour hours")  # 荣誉时长: added by an organiser afterwards


class HoursStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class HoursRecord(ScopedModel):
    """Hours of service (`area_code`: the activity's). Never deleted: pending until the
    organiser approves or declines them. Credit hours come from an attendance; honour
    hours are added by hand and kept apart."""

    # Indexed by volunteering_hours_person, which starts with it.
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="hours",
        db_index=False,
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="hours"
    )
    attendance = models.OneToOneField(
        Attendance,
        verbose_name=_("attendance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=HoursKind.choices)
    hours = models.DecimalField(_("hours"), **HOURS)
    status = models.CharField(
        _("status"), max_length=10, choices=HoursStatus.choices, default=HoursStatus.PENDING
    )
    # Why the hours need a look: the check-out was never made, presence under 60 %.
    flag = models.CharField(_("flag"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    served_on = models.DateField(_("served on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hours record")
        verbose_name_plural = _("hours records")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="volunteering_hours_positive"),
            # An attendance gives credit hours; honour hours stand alone.
            models.CheckConstraint(
                condition=Q(kind="credit", attendance__isnull=False)
                | Q(kind="honour", attendance__isnull=True),
                name="volunteering_hours_kind",
            ),
        ]
        indexes = [
            # A volunteer's hours and star: one range of this index.
            models.Index(
                fields=["volunteer", "status", "kind", "hours"], name="volunteering_hours_person"
            ),
            # The roll-ups: a period's hours under an area.
            models.Index(fields=["area_code", "served_on"], name="volunteering_hours_area"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.hours}h"
