"""The catalogue of government services (政务服务事项) the county helps with: the mode
it is done in (全程网办, 异地代收代办, 多地联办, 就近办), the office that decides, the
materials, fees, time limit in working days and where it can be done."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import TimeStampedModel


class ServiceMode(models.TextChoices):
    # Fully online: the resident (or a helper) applies on the provincial service portal.
    ONLINE = "online", _("Fully online")
    # 异地代收代办: the receiving window checks materials and identity and forwards them;
    # the deciding office does not change.
    PROXY = "proxy", _("Received here, decided elsewhere")
    # 多地联办: offices in several places each do their part.
    JOINT = "joint", _("Done jointly by several places")
    # 就近办: done at the village or town service station.
    LOCAL = "local", _("Done nearby")


class ServiceItem(TimeStampedModel):
    """An item of the catalogue. `time_limit_days` counts working days from acceptance
    (受理); a help request's deadline is counted from it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10, choices=ServiceMode.choices)
    is_cross_province = models.BooleanField(_("across provinces (跨省通办)"), default=False)
    # The county's department that decides; or, for an office outside the county (the
    # resident's home police station), its name in `authority`.
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("deciding department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    authority = models.CharField(_("deciding office"), max_length=100, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    fee = models.DecimalField(_("fee (yuan)"), max_digits=9, decimal_places=2, default=0)
    fee_note = models.CharField(_("about the fee"), max_length=200, blank=True)
    where = models.TextField(_("where it can be done"))
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="services_item_fee"),
            models.CheckConstraint(
                condition=Q(time_limit_days__gte=1), name="services_item_time_limit"
            ),
            models.CheckConstraint(
                condition=Q(department__isnull=False) | ~Q(authority=""),
                name="services_item_decided_somewhere",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceMaterial(models.Model):
    """A material the item needs: its name, original or copy, how many, and whether the
    request cannot be accepted without it."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField(_("material"), max_length=100)
    is_original = models.BooleanField(_("original"), default=True)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    is_required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["item", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="services_material_once"),
        ]

    def __str__(self) -> str:
        return self.name
