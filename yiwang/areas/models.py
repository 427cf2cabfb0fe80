"""Areas of the tree, with boundaries and the history of redrawn boundaries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas import codes
from yiwang.core.models import TimeStampedModel
from yiwang.core.scoping import ScopedQuerySet


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    TOWN = "town", _("Town")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")
    UNIT = "unit", _("Unit")


class AreaQuerySet(ScopedQuerySet):
    scope_field = "code"

    def open(self, on=None) -> AreaQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(opened_on__lte=on), Q(closed_on__isnull=True) | Q(closed_on__gt=on))

    def of_level(self, level: str) -> AreaQuerySet:
        return self.filter(level=level)


class Area(TimeStampedModel):
    code = models.CharField(_("code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lng/lat), validated with shapely.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    boundary_since = models.DateTimeField(_("boundary since"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [
            # Counting one level under a prefix (units of a town): a range scan on this.
            models.Index(fields=["level", "code"], name="area_level_code_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="area_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def area_code(self) -> str:
        """An area is scoped (and audited) by its own code."""
        return self.code

    @property
    def child_level(self) -> str | None:
        return codes.CHILD_LEVEL.get(self.level)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None or self.closed_on > timezone.localdate()

    def ancestor_codes(self) -> list[str]:
        return codes.ancestor_codes(self.code)


class BoundaryVersion(models.Model):
    """A boundary an area had, kept when the boundary is redrawn."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="boundary_history"
    )
    boundary = models.JSONField(_("boundary"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("boundary version")
        verbose_name_plural = _("boundary versions")
        ordering = ["area", "-valid_until"]

    def __str__(self) -> str:
        return f"{self.area.code} {self.valid_from:%Y-%m-%d}–{self.valid_until:%Y-%m-%d}"
