"""Outreach's visits, their photos, and the households visited per unit and month."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.models import ScopedModel
from yiwang.outreach.models.enterprises import Enterprise


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
    the same visit sent twice is stored once, also when the copies carry different times.
    The GPS point is optional; a point far from the household's unit is flagged
    (`far_from_area`), never refused.

    On PostgreSQL the table is partitioned by month on `visited_at` (migration 0005,
    yiwang.core.partitions): its key there is (id, visited_at), and a unique index must
    hold `visited_at`. So `uuid` is unique through `VisitKey`, one row per visit kept by
    database triggers on both databases; (uuid, visited_at) is unique here. The tables that
    point at a visit keep a copy of its time (`visit_at`) for their composite foreign keys.
    """

    # Unique through VisitKey (whose primary key it is), whatever the time.
    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, editable=False)
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
            # Holds the partition column (PostgreSQL's rule); its index finds a UUID's
            # visit in one month's partition once VisitKey has given the time.
            models.UniqueConstraint(fields=["uuid", "visited_at"], name="visit_uuid_key"),
        ]
        indexes = [
            models.Index(fields=["household", "-visited_at"], name="visit_household_idx"),
            models.Index(fields=["visitor", "-visited_at"], name="visit_visitor_idx"),
            # The households visited in a period, by area, read from the index alone.
            models.Index(fields=["visited_at", "area_code", "household"], name="visit_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household or self.enterprise} · {self.visited_at:%Y-%m-%d}"


class VisitKey(models.Model):
    """The client's UUID of every visit, once: what makes a UUID unique among the visits
    (a partitioned table cannot have a unique index without its partition column), with
    the visit's time, which names the month's partition to look the visit up in.

    Written by database triggers on `outreach_visit` only (migration 0005), on both
    databases, so that every writer keeps it (record_visit, the demo's bulk inserts, raw
    SQL): a visit inserted adds its row, whose primary key refuses a UUID already stored
    (a second copy of a visit, at any time, fails its INSERT; of two sent at once the
    second waits for the first's commit, then fails), an update of `uuid` or `visited_at`
    follows, a delete removes it. Never written by Django code."""

    uuid = models.UUIDField(_("UUID"), primary_key=True, editable=False)
    visited_at = models.DateTimeField(_("visited at"))

    class Meta:
        verbose_name = _("visit key")
        verbose_name_plural = _("visit keys")

    def __str__(self) -> str:
        return str(self.uuid)


class HouseholdVisitMonth(models.Model):
    """A household visited in a month: one row per household and month it had a visit,
    whatever the number of visits (`month`: the first day of the month, in TIME_ZONE,
    of `visited_at`; `area_code`: the first counted visit's). The marker that makes
    `VisitTally` count a household once a month.

    Written by `yiwang.outreach.services.tally` (`count_visit` in record_visit; `rebuild`
    after the demo's and the benchmark's bulk inserts and in migration 0004)."""

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

    Kept by `yiwang.outreach.services.tally` with the `HouseholdVisitMonth` markers: an upsert
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
    """A photo of a visit, stored without its metadata, with a thumbnail (read, stored and
    served by yiwang.core.photos, as the cases' photos are)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    # The visit's time, copied: on PostgreSQL visits are partitioned by month and their key
    # is (id, visited_at), so the database's foreign key is (visit, visit_at) → (id,
    # visited_at) (migration 0005). Set with `visit`, by the services.
    visit_at = models.DateTimeField(_("time of the visit"), editable=False)
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
