"""Outreach's must-attend events, and the routines a grid keeps with their meetings and
decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.outreach.models.limits import NAME_MAX


class EventType(TimeStampedModel):
    """A kind of must-attend event (六必到): an emergency, a volunteer service, a dispute,
    a funeral …; configured by the county."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("must-attend event type")
        verbose_name_plural = _("must-attend event types")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Event(ScopedModel):
    """A must-attend event that happened (`area_code`: where), and who attended."""

    event_type = models.ForeignKey(
        EventType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=NAME_MAX)
    happened_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("must-attend event")
        verbose_name_plural = _("must-attend events")
        ordering = ["-happened_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Rhythm(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Routine(TimeStampedModel):
    """A routine a grid keeps (八项制度: daily visits, the weekly grid meeting …),
    configured by the county: how often, and how many times in each period."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    rhythm = models.CharField(_("rhythm"), max_length=10, choices=Rhythm.choices)
    times = models.PositiveSmallIntegerField(_("times each period"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("routine")
        verbose_name_plural = _("routines")
        ordering = ["order", "code"]
        constraints = [models.CheckConstraint(condition=Q(times__gte=1), name="routine_times")]

    def __str__(self) -> str:
        return self.name


class Meeting(ScopedModel):
    """A meeting held under a routine by a grid (or a village, a unit: `area_code`), with
    its minutes, its attendees and its decisions."""

    routine = models.ForeignKey(
        Routine, verbose_name=_("routine"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_at = models.DateTimeField(_("held at"))
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["routine", "area_code", "held_at"], name="meeting_idx")]

    def __str__(self) -> str:
        return f"{self.routine} · {self.held_at:%Y-%m-%d}"


class Decision(models.Model):
    """What a meeting decided. With an owner and a due date it is a task, done when marked
    done; it can also become a case."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.CharField(_("decision"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text
