"""Volunteers, registered once, and the teams they serve in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel


class Volunteer(ScopedModel):
    """A person who volunteers: a resident of the ledger or a staff member who logs in
    (or both), registered once with their consent (`area_code`: the resident's unit, else
    the area of the post the staff member is registered from)."""

    resident = models.OneToOneField(
        "registry.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    # Copied from the resident or the account, so that lists and certificates read one row.
    name = models.CharField(_("name"), max_length=50)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    # The consent to record the person's service (民政部令第67号: records need the
    # volunteer's information), given when registered; no volunteer without it.
    consent_at = models.DateTimeField(_("consent given at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["area_code", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False),
                name="volunteering_volunteer_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    PARTY_MEMBERS = "party_members", _("Village party members' team")
    SERVICE = "service", _("County service team")
    CARING_MOTHERS = "caring_mothers", _("Caring mothers")
    OTHER = "other", _("Other team")


class Team(ScopedModel):
    """A volunteer team (志愿队) of a village, a town or the county (`area_code`)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["area_code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="volunteering_team_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A volunteer's membership of a team, dated; leaving ends it (the history stays)."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="memberships"
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_leader = models.BooleanField(_("leader"), default=False)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team", "-is_leader", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="volunteering_membership_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.team}"
