"""Outreach's schedule: the visit rules and their triggers, the occurrences of a trigger,
and the scheduled visits the rules and the pairings produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.outreach.models.enterprises import Enterprise
from yiwang.outreach.models.limits import NAME_MAX, REASON_MAX
from yiwang.outreach.models.pairings import Pairing
from yiwang.outreach.models.visits import Visit


class Trigger(TimeStampedModel):
    """Something that happens to a household and calls for a visit (a hospital stay, a
    bereavement, a dispute, sudden hardship, a return from working away …): configured by
    the county; a triggered visit rule names one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("visit trigger")
        verbose_name_plural = _("visit triggers")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    TRIGGERED = "triggered", _("Triggered by an event")


class VisitRule(TimeStampedModel):
    """A visit rule (六必访), configured by the county. Periodic: the households of a
    category or with a resident of a tag are due a visit every `every_days`. Triggered:
    when a trigger is recorded for a household, it is due a visit within `within_days`."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    household_category = models.CharField(
        _("household category"),
        max_length=10,
        blank=True,
        choices=[("key", _("Key household")), ("ordinary", _("Ordinary household"))],
    )
    tag = models.ForeignKey(
        "registry.Tag",
        verbose_name=_("tag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    every_days = models.PositiveSmallIntegerField(_("every (days)"), null=True, blank=True)
    trigger = models.ForeignKey(
        Trigger,
        verbose_name=_("trigger"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rules",
    )
    within_days = models.PositiveSmallIntegerField(_("within (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")
        ordering = ["order", "code"]
        constraints = [
            # A rule always has its rhythm: periodic ones a period, triggered ones a trigger
            # and a time to visit.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="periodic",
                        every_days__isnull=False,
                        every_days__gte=1,
                        trigger__isnull=True,
                    )
                    | Q(kind="triggered", trigger__isnull=False, within_days__isnull=False)
                ),
                name="visit_rule_rhythm",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Occurrence(ScopedModel):
    """A trigger recorded for a household (a hospital stay on a date, say): what the
    triggered rules schedule their visit from."""

    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="occurrences",
    )
    occurred_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=REASON_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("trigger occurrence")
        verbose_name_plural = _("trigger occurrences")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.trigger} · {self.household} · {self.occurred_on}"


class ScheduleStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("scheduled visit", "Scheduled")
    DONE = "done", pgettext_lazy("scheduled visit", "Done")
    SKIPPED = "skipped", pgettext_lazy("scheduled visit", "Skipped")


class ScheduledVisit(ScopedModel):
    """A visit due to a household or an enterprise by a date (`area_code`: its area),
    produced by a visit rule (periodic, or from an occurrence of its trigger) or by a
    pairing. Done by the first visit on or after it was scheduled, or skipped with a
    reason; overdue while scheduled past `due_on` (computed, never stored). A periodic
    rule's or a pairing's next one is scheduled when one is done or skipped."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
        db_index=False,  # (household, status) below
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
    )
    rule = models.ForeignKey(
        VisitRule,
        verbose_name=_("visit rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("occurrence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
    )
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ScheduleStatus.choices,
        default=ScheduleStatus.SCHEDULED,
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fulfilled",
    )
    # The visit's time, copied for the composite foreign key on PostgreSQL (see VisitPhoto).
    visit_at = models.DateTimeField(_("time of the visit"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("done or skipped on"), null=True, blank=True)
    skip_reason = models.CharField(_("reason for skipping"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("scheduled visit")
        verbose_name_plural = _("scheduled visits")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rule__isnull=False, pairing__isnull=True)
                | Q(rule__isnull=True, pairing__isnull=False),
                name="scheduled_visit_one_source",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=False, enterprise__isnull=True)
                | Q(household__isnull=True, enterprise__isnull=False),
                name="scheduled_visit_one_subject",
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="scheduled_visit_skip_reason",
            ),
            # The composite foreign key checks nothing while a column of it is null.
            models.CheckConstraint(
                condition=Q(visit__isnull=True) | Q(visit_at__isnull=False),
                name="scheduled_visit_at_set",
            ),
            # One open visit of a periodic rule per household, one of each occurrence, one
            # of each pairing: scheduling again is a no-op.
            models.UniqueConstraint(
                fields=["rule", "household"],
                condition=Q(status="scheduled", occurrence__isnull=True, rule__isnull=False),
                name="scheduled_visit_open_rule",
            ),
            models.UniqueConstraint(
                fields=["rule", "occurrence"],
                condition=Q(occurrence__isnull=False),
                name="scheduled_visit_occurrence",
            ),
            models.UniqueConstraint(
                fields=["pairing"],
                condition=Q(status="scheduled", pairing__isnull=False),
                name="scheduled_visit_open_pairing",
            ),
        ]
        indexes = [
            # What a visit fulfils: the household's open rows.
            models.Index(fields=["household", "status"], name="scheduled_household_idx"),
            # Compliance rolled up the tree: rows by status and due date, by area.
            models.Index(fields=["area_code", "due_on", "status"], name="scheduled_area_idx"),
            # The county's compliance: a period's rows of each status, and the overdue ones,
            # as ranges read from the index alone.
            models.Index(
                fields=["status", "due_on", "area_code", "household"],
                name="scheduled_status_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household or self.enterprise} · {self.due_on}"
