"""The points ledger: append-only entries, each reviewed by a second person.

An entry is never edited and never deleted: it is recorded (by hand, or proposed from a
record Yiwang already holds), then approved or rejected by someone other than its
recorder; a correction is a new entry reversing it. A household's shop balance is kept
beside the entries in `PointsAccount`, credited as entries are approved.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.points.models.lists import POINTS, TEXT_MAX, ListItem


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("Recorded by hand")
    PROPOSED = "proposed", _("Proposed from a record")
    CORRECTION = "correction", _("Correction")


class Entry(ScopedModel):
    """Points for a party member (`resident`) or a household, for one item in one month.

    `area_code` is the unit of the household (the party member's household). `month` is
    the first day of the month the deed belongs to. `proposal_key` names the record a rule
    proposed it from ("visit:12"), so that a record proposes at most once.
    """

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        ListItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="entries"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    month = models.DateField(_("month"))
    points = models.DecimalField(_("points"), **POINTS)
    evidence = models.TextField(_("evidence"), blank=True)
    visit = models.ForeignKey(
        "outreach.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The visit's time, copied: on PostgreSQL visits are partitioned by month and their key
    # is (id, visited_at), so the database's foreign key is (visit, visit_at) → (id,
    # visited_at) (outreach migration 0005). Set with `visit`, by the services.
    visit_at = models.DateTimeField(_("time of the visit"), null=True, blank=True, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "outreach.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.ForeignKey(
        "outreach.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=EntrySource.choices, default=EntrySource.MANUAL
    )
    proposal_key = models.CharField(
        _("proposed from"), max_length=60, null=True, blank=True, unique=True, editable=False
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejecting"), max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-month", "-id"]
        indexes = [
            models.Index(fields=["month", "area_code"], name="points_entry_month_area"),
            models.Index(fields=["status", "area_code"], name="points_entry_status_area"),
            models.Index(fields=["household", "month"], name="points_entry_household"),
            models.Index(fields=["resident", "month"], name="points_entry_resident"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(resident__isnull=False),
                name="points_entry_subject",
            ),
            # The composite foreign key checks nothing while a column of it is null.
            models.CheckConstraint(
                condition=Q(visit__isnull=True) | Q(visit_at__isnull=False),
                name="points_entry_visit_at_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.item.article} {self.points:+}"


class EntryPhoto(models.Model):
    """A photo kept as an entry's evidence (read and stored by core.photos)."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="points/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="points/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")

    def __str__(self) -> str:
        return self.file.name


class PointsAccount(models.Model):
    """A household's points in the shop: `earned` is the sum of its approved entries,
    `spent` of its redemptions. Both move by conditional UPDATEs, so that two redemptions
    racing never take the balance below zero (`earned - spent`, shown as 0 at least when
    deductions came after spending)."""

    household = models.OneToOneField(
        "registry.Household",
        verbose_name=_("household"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    earned = models.DecimalField(_("points earned"), default=0, **POINTS)
    spent = models.DecimalField(_("points spent"), default=0, **POINTS)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.balance}"

    @property
    def balance(self):
        return max(self.earned - self.spent, 0)


class ProposalSource(models.TextChoices):
    """The records a rule turns into proposed entries. Nothing is proposed for using the
    app: there is no source for logging in, checking in or time online."""

    PAIRING_VISIT = "pairing_visit", _("A party member's pairing visits in the month")
    CLOSED_CASE = "closed_case", _("A resident's request or report verified and closed")
    EVENT = "event", _("Attendance at a must-attend event")
    MEETING = "meeting", _("Attendance at a routine meeting")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")


class ProposalRule(models.Model):
    """Turns records of one source into proposed entries for the village's item adopted
    from `template` (the item as the village's list in force has it)."""

    source = models.CharField(_("source"), max_length=20, choices=ProposalSource.choices)
    template = models.ForeignKey(
        "points.TemplateItem",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal rule")
        verbose_name_plural = _("proposal rules")
        ordering = ["source", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "template"], name="points_rule_once"),
        ]

    def __str__(self) -> str:
        return self.get_source_display()


class MemberAccount(ScopedModel):
    """The ledger resident (a party member) a user account belongs to: pairing sponsors,
    meeting and event attendees are users, and their red points go to the resident.
    `area_code` is the resident's. Linked by the village's grid chief (or above)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="points_member",
    )
    resident = models.OneToOneField(
        "registry.Resident",
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="points_member",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("party member's account")
        verbose_name_plural = _("party members' accounts")
        ordering = ["area_code", "id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.resident}"
