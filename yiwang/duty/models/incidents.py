"""Emergencies and their reporting clock: a village reports to the town within 1 hour of
learning of it, the town to the county within 2 hours of receiving it, and a written
report follows within 24 hours. Each clock is reminded and, overdue, raised to the level
above (the cases' rule for urgent matters), once; late stays late."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel


class IncidentKind(models.TextChoices):
    FLOOD = "flood", _("Flood")
    STORM = "storm", _("Storm")
    GEOLOGICAL = "geological", _("Landslide or collapse")
    FIRE = "fire", _("Fire")
    EPIDEMIC = "epidemic", _("Epidemic")
    TRAFFIC = "traffic", _("Traffic accident")
    SAFETY = "safety", _("Work-safety accident")
    OTHER = "other", _("Other")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported by the village")
    AT_TOWN = "town", _("Reported to the town")
    AT_COUNTY = "county", _("Reported to the county")
    WRITTEN = "written", _("Written report filed")
    CLOSED = "closed", _("Closed")


class Incident(ScopedModel):
    """An emergency in a village (`area_code`: the village or a unit in it).

    - `learned_at`: the village learned of it; `town_due` = learned_at + 1 hour.
    - `town_at`: the town received it; `county_due` = town_at + 2 hours (until then
      town_due + 2 hours).
    - `written_due` = learned_at + 24 hours; `written_at` when the written report is in.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IncidentKind.choices)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("what happened"))
    casualties = models.CharField(_("casualties"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    learned_at = models.DateTimeField(_("learned of at"))
    town_due = models.DateTimeField(_("to the town by"))
    town_at = models.DateTimeField(_("reached the town at"), null=True, blank=True)
    county_due = models.DateTimeField(_("to the county by"))
    county_at = models.DateTimeField(_("reached the county at"), null=True, blank=True)
    written_due = models.DateTimeField(_("written report by"))
    written_at = models.DateTimeField(_("written report at"), null=True, blank=True)
    written_report = models.TextField(_("written report"), blank=True)
    town_late = models.BooleanField(_("late to the town"), default=False, db_default=False)
    county_late = models.BooleanField(_("late to the county"), default=False, db_default=False)
    written_late = models.BooleanField(_("written report late"), default=False, db_default=False)
    # The clocks already reminded of and raised above (one notice each): a set of
    # "town", "county", "written", with "!" after a clock raised.
    reminded = models.JSONField(_("reminded"), default=list, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A case opened for it in an urgent category, if any.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-learned_at", "-id"]
        indexes = [
            models.Index(fields=["status", "town_due"], name="duty_incident_clock_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(learned_at__gte=F("occurred_at")), name="duty_incident_learned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class IncidentUpdate(models.Model):
    """A line of an incident's log: a report up, a written report, a note."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="updates"
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=IncidentStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.incident} {self.at:%H:%M}"
