"""The cockpit's monthly snapshots: each indicator's value for each area and month, so
that last month and a year ago are read, not recounted, and a state (households, open
cases) keeps the value it had at a month's end; and the monthly reports, a PDF per area and
month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel


class Snapshot(models.Model):
    """An indicator's value for an area and a month: for a state, at the month's end; for
    a flow or a rate, over the month. Written by `yiwang.cockpit.snapshots.take` (the
    monthly task, on the 1st, for the month just ended)."""

    key = models.CharField(_("indicator"), max_length=64)
    area_code = models.CharField(_("area code"), max_length=18)
    month = models.DateField(_("month"))
    # None: a rate with nothing to rate (no cases resolved that month, say).
    value = models.FloatField(_("value"), null=True)
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        constraints = [
            models.UniqueConstraint(fields=["key", "area_code", "month"], name="snapshot_key")
        ]
        # The cockpit of an area reads its own and its children's rows over thirteen
        # months: a prefix range on the code, then the month.
        indexes = [models.Index(fields=["area_code", "month"], name="snapshot_area_month")]

    def __str__(self) -> str:
        return f"{self.key} {self.area_code} {self.month:%Y-%m}"


class MapSetting(models.Model):
    """A county's tile layer for the thematic maps: a URL template (天地图 with the
    county's key, say) drawn under the boundaries when it answers. None, or an empty
    template, draws the boundaries on a plain background (an intranet has no tiles).
    Written by `yiwang.cockpit.map_services.set_tile_url`."""

    county_code = models.CharField(_("county code"), max_length=6, unique=True)
    tile_url = models.CharField(_("tile URL template"), max_length=500, blank=True)
    # The letters or digits {s} stands for, one a server (天地图: 01234567).
    subdomains = models.CharField(_("tile subdomains"), max_length=16, blank=True)
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("map setting")
        verbose_name_plural = _("map settings")

    def __str__(self) -> str:
        return f"{self.county_code} {self.tile_url or '-'}"

    @property
    def area_code(self) -> str:
        """Audited under the county it belongs to."""
        return self.county_code


def report_path(instance: Report, filename: str) -> str:
    # The name is ours; a report made again is a new file, the old one is removed.
    return f"reports/{instance.area_code}/{filename}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Report(ScopedModel):
    """The monthly report of an area (a PDF): made by the monthly task on the 1st for the
    month just ended (the county and each town), or on demand. One per area and month:
    making it again replaces its file. Served only through scoped views, never a media
    URL."""

    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=report_path, max_length=200, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(_("error"), blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "month"], name="report_area_month")
        ]
        ordering = ["-month", "area_code"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.month:%Y-%m}"
