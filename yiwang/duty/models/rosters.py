"""Duty rosters (值班): a roster for a unit (the county, a town, a village, a checkpoint)
over a period, its people and roles, its shifts (e.g. 08:00 to 08:00) each with a duty
leader (带班领导), the rules a rotation keeps, and swaps asked and approved."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel


class DutyRole(models.TextChoices):
    LEADER = "leader", _("Duty leader")  # 带班领导
    OFFICER = "officer", _("Duty officer")  # 值班员
    PATROL = "patrol", _("Patrol")  # 巡查
    FLOOD_WARNING = "flood_warning", _("Flash-flood warning")  # 山洪预警
    LANDSLIDE_WATCH = "landslide", _("Landslide watch")  # 地灾监测
    SHELTER = "shelter", _("Shelter keeper")  # 避险安置点管理
    DRIVER = "driver", _("Driver")


class Roster(ScopedModel):
    """A roster of one unit (`area_code`: the county, a town or a village; `place` names a
    checkpoint or a post within it). Each day from `starts_on` to `ends_on` has one
    shift from `shift_start` lasting `shift_hours`, staffed by one leader and `per_shift`
    people of each role in `roles` (a JSON object role → how many).

    Rules a generated rotation keeps and a hand-made change is checked against:
    - nobody is on two shifts that start within `min_gap_hours` of each other
      (24: not twice in 24 hours);
    - after a shift that covers the night (00:00–06:00) one rests `night_rest_hours`
      before the next shift starts."""

    name = models.CharField(_("name"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    shift_start = models.TimeField(_("shifts start at"))
    shift_hours = models.PositiveSmallIntegerField(_("hours a shift"), default=24)
    roles = models.JSONField(_("people a shift by role"), default=dict, blank=True)
    min_gap_hours = models.PositiveSmallIntegerField(
        _("hours between two shifts' starts, at least"), default=24
    )
    night_rest_hours = models.PositiveSmallIntegerField(_("rest after a night (hours)"), default=24)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["-starts_on", "area_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="duty_roster_period"
            ),
            models.CheckConstraint(
                condition=Q(shift_hours__gte=1, shift_hours__lte=48), name="duty_roster_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RosterMember(TimeStampedModel):
    """Someone on a roster, in a role; `can_lead` for those who may lead a shift."""

    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="duty_memberships",
    )
    role = models.CharField(_("role"), max_length=15, choices=DutyRole.choices)
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("on the rotation"), default=True)

    class Meta:
        verbose_name = _("roster member")
        verbose_name_plural = _("roster members")
        ordering = ["roster", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "user", "role"], name="duty_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Shift(models.Model):
    """One shift of a roster; its people are its assignments (one of them the leader)."""

    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["roster", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "starts_at"], name="duty_shift_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_span"),
        ]

    def __str__(self) -> str:
        return f"{self.roster} {self.starts_at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """Someone on a shift in a role. `area_code`, `starts_at` and `ends_at` copy the
    roster's and the shift's, so that "who is on duty now in this area" and "does this
    person's shift overlap another" read one index."""

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="duty_assignments",
    )
    role = models.CharField(_("role"), max_length=15, choices=DutyRole.choices)
    area_code = models.CharField(_("area code"), max_length=18)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Set by hand rather than by the rotation (an adjustment or an approved swap).
    by_hand = models.BooleanField(_("changed by hand"), default=False)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["starts_at", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="duty_assignment_once"),
            models.UniqueConstraint(
                fields=["shift"], condition=Q(role="leader"), name="duty_one_leader"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="duty_assignment_span"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="duty_assignment_user_idx"),
            models.Index(
                fields=["ends_at", "starts_at", "area_code"], name="duty_assignment_now_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.shift}"


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Withdrawn")


class SwapRequest(TimeStampedModel):
    """Someone asks to hand an assignment to another member of the roster (`to_user`),
    optionally taking one of theirs in exchange (`counterpart`); the roster's manager
    approves or refuses."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="swaps",
    )
    counterpart = models.ForeignKey(
        Assignment,
        verbose_name=_("taken in exchange"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("about the decision"), max_length=200, blank=True)
    # The roster's area, for scope.
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="requested"),
                name="duty_one_open_swap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class DutyFeed(models.Model):
    """The secret address of a person's duty calendar (ICS), for a calendar app that
    cannot sign in; a new token revokes the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="duty_feed",
    )
    token = models.CharField(_("token"), max_length=40, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty calendar feed")
        verbose_name_plural = _("duty calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
