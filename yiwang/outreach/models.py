"""Outreach: enterprises, pairing programmes and pairings, visit rules and the schedule
they produce, visits, must-attend events, routines and their meetings.

A visit is recorded once and counts everywhere: it fulfils every scheduled visit of the
household it concerns (the visit rules' and the pairings'), and every figure of
compliance reads those rows. "Overdue" is never stored: it is a scheduled visit whose due
date has passed, computed at query time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.accounts.models import Role
from yiwang.core.masking import mask_phone
from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.core.scoping import ScopedQuerySet

NAME_MAX = 100
NOTE_MAX = 2000
REASON_MAX = 200


class Enterprise(ScopedModel):
    """An enterprise of the county, as much as pairing needs: who it is (the unified
    social credit code, 统一社会信用代码, checked with python-stdnum), where (a village or a
    unit: `area_code`), its industry and whom to call."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class SubjectKind(models.TextChoices):
    """What a programme pairs its sponsors with."""

    HOUSEHOLD = "household", pgettext_lazy("paired with", "Households")
    RESIDENT = "resident", pgettext_lazy("paired with", "Residents")
    ENTERPRISE = "enterprise", pgettext_lazy("paired with", "Enterprises")


class Programme(TimeStampedModel):
    """A pairing programme (结对), configured by a county admin: who may sponsor (holders of
    a role, or the people chosen), what is paired (households of a category or with a tag,
    residents with a tag, enterprises) and how often a paired household or enterprise is
    due a visit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    # Who may be a sponsor: anyone holding a current post of this role, and/or the chosen.
    sponsor_role = models.CharField(
        _("sponsors' role"), max_length=20, choices=Role.choices, blank=True
    )
    chosen_sponsors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen sponsors"),
        blank=True,
        related_name="+",
    )
    subject_kind = models.CharField(_("paired with"), max_length=10, choices=SubjectKind.choices)
    # Which households or residents: of a category (key, ordinary), with a tag, or both.
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
    visit_every_days = models.PositiveSmallIntegerField(_("a visit every (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pairing programme")
        verbose_name_plural = _("pairing programmes")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_every_days__gte=1), name="programme_visit_rhythm"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PairingQuerySet(ScopedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class Pairing(ScopedModel):
    """A sponsor answering, under a programme, for one household, resident or enterprise
    (`area_code`: the subject's). Current from `starts_on` until the day before `ends_on`;
    a transfer ends it and starts another that names it in `transferred_from`, so the
    history stays."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="pairings"
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=REASON_MAX, blank=True)
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["area_code", "id"]
        constraints = [
            # Exactly one subject. A resident's pairing also names the resident's household
            # (whose visit fulfils it).
            models.CheckConstraint(
                condition=(
                    Q(household__isnull=False, enterprise__isnull=True)
                    | Q(household__isnull=True, resident__isnull=True, enterprise__isnull=False)
                ),
                name="pairing_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_ends_after_start",
            ),
            # One open pairing of a subject in a programme.
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(ends_on__isnull=True, resident__isnull=True, household__isnull=False),
                name="pairing_open_household",
            ),
            models.UniqueConstraint(
                fields=["programme", "resident"],
                condition=Q(ends_on__isnull=True, resident__isnull=False),
                name="pairing_open_resident",
            ),
            models.UniqueConstraint(
                fields=["programme", "enterprise"],
                condition=Q(ends_on__isnull=True, enterprise__isnull=False),
                name="pairing_open_enterprise",
            ),
        ]
        indexes = [
            # A sponsor's current pairings (the "today" page, the load).
            models.Index(fields=["sponsor", "ends_on"], name="pairing_sponsor_idx"),
            # Coverage rolled up the tree: the open pairings of a programme by area.
            models.Index(
                fields=["programme", "area_code"],
                condition=Q(ends_on__isnull=True),
                name="pairing_open_area_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.sponsor} · {self.subject}"

    @property
    def subject(self):
        return self.resident or self.household or self.enterprise

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)


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


class Outcome(models.TextChoices):
    ALL_WELL = "all_well", pgettext_lazy("visit outcome", "All well")
    NEEDS_FOLLOW_UP = "follow_up", pgettext_lazy("visit outcome", "Needs follow-up")
    CASE_RAISED = "case", pgettext_lazy("visit outcome", "Raised a case")
    NOT_HOME = "not_home", pgettext_lazy("visit outcome", "Nobody at home")


class VisitSource(models.TextChoices):
    WEB = "web", _("Web page")
    OFFLINE = "offline", _("Sent later (offline)")
    API = "api", _("API")


class Visit(ScopedModel):
    """One visit to a household or an enterprise (`area_code`: its area), recorded once.

    `uuid` is made by the client (the phone, also offline) and makes sending idempotent:
    the same visit sent twice is stored once. The GPS point is optional; a point far from
    the household's unit is flagged (`far_from_area`), never refused."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,  # (household, visited_at) below
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (visitor, visited_at) below
    )
    visited_at = models.DateTimeField(_("visited at"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.ALL_WELL
    )
    notes = models.TextField(_("notes"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    far_from_area = models.BooleanField(_("far from the household"), default=False)
    source = models.CharField(
        _("source"), max_length=10, choices=VisitSource.choices, default=VisitSource.WEB
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case raised"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, enterprise__isnull=True)
                | Q(household__isnull=True, enterprise__isnull=False),
                name="visit_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="visit_point_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-visited_at"], name="visit_household_idx"),
            models.Index(fields=["visitor", "-visited_at"], name="visit_visitor_idx"),
            # The households visited in a period, by area, read from the index alone.
            models.Index(fields=["visited_at", "area_code", "household"], name="visit_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household or self.enterprise} · {self.visited_at:%Y-%m-%d}"


class HouseholdVisitMonth(models.Model):
    """A household visited in a month: one row per household and month it had a visit,
    whatever the number of visits (`month`: the first day of the month, in TIME_ZONE,
    of `visited_at`; `area_code`: the first counted visit's). The marker that makes
    `VisitTally` count a household once a month.

    Written by `yiwang.outreach.tally` (`count_visit` in record_visit; `rebuild` after the
    demo's and the benchmark's bulk inserts and in migration 0004)."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # (household, month) below
    )
    month = models.DateField(_("month visited"))
    area_code = models.CharField(_("area code"), max_length=18)

    class Meta:
        verbose_name = _("household visited in a month")
        verbose_name_plural = _("households visited in a month")
        constraints = [
            # The marker's key (the INSERT … ON CONFLICT DO NOTHING of `count_visit`).
            models.UniqueConstraint(fields=["household", "month"], name="visit_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m}"


class VisitTally(models.Model):
    """Per unit and month: the households visited in that month (`month`: its first day,
    in TIME_ZONE). The compliance of a whole month sums these rows (some 90,000 a year for
    a county) instead of counting distinct households over its visits (330,000 a month).

    Kept by `yiwang.outreach.tally` with the `HouseholdVisitMonth` markers: an upsert
    when a marker is new (`count_visit`, in record_visit's transaction); `rebuild`
    recounts both from the visits. Visits written around the service must be followed by
    a rebuild (the demo and the benchmark do)."""

    area_code = models.CharField(_("unit code"), max_length=18)
    month = models.DateField(_("month visited"))
    households = models.IntegerField(_("households visited"), db_default=0)

    class Meta:
        verbose_name = _("visit tally")
        verbose_name_plural = _("visit tallies")
        constraints = [
            # The upsert key; its index serves compliance: a range on the code (a subtree),
            # then the month.
            models.UniqueConstraint(fields=["area_code", "month"], name="visit_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.month:%Y-%m}"


class VisitPhoto(models.Model):
    """A photo of a visit, stored without its metadata, with a thumbnail (read as the
    cases' photos are: yiwang.cases.attachments)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="visits/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="visits/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


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
