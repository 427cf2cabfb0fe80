"""Supplies: the stock of goods at each place (a town store, an isolation point, a
shelter), received and handed out; a hand-out to a household or a place signed on the
phone. The stock is never negative: a hand-out takes it with one conditional UPDATE, so
two racing for the last boxes cannot both have them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel


class StoreKind(models.TextChoices):
    STORE = "store", _("Store")
    ISOLATION = "isolation", _("Isolation point")
    SHELTER = "shelter", _("Shelter")
    CHECKPOINT = "checkpoint", _("Checkpoint")


class Store(ScopedModel):
    """A place that holds goods (`area_code`: its town or village)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=StoreKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("keeper"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["area_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="duty_store_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Good(TimeStampedModel):
    """A kind of goods, counted in whole units (箱, 袋, 剂 …)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    unit = models.CharField(_("unit"), max_length=10)
    category = models.CharField(_("category"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("goods")
        verbose_name_plural = _("goods")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """How much of a good a store holds now."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="stock"
    )
    good = models.ForeignKey(
        Good, verbose_name=_("goods"), on_delete=models.PROTECT, related_name="stock"
    )
    quantity = models.IntegerField(_("quantity"), default=0)
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["store", "good"]
        constraints = [
            models.UniqueConstraint(fields=["store", "good"], name="duty_stock_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="duty_stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.good}: {self.quantity}"


class MoveKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    HANDED_OUT = "handed_out", _("Handed out")
    TRANSFERRED = "transferred", _("Sent to another place")
    ADJUSTED = "adjusted", _("Counted again")


class StockMove(ScopedModel):
    """A movement of stock (`quantity` > 0; `kind` says which way). A hand-out goes to a
    household or a place (another store, or a place named in `to_place`) and is signed
    by whoever took it (`receiver_name`, the signature drawn on the phone)."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="moves"
    )
    good = models.ForeignKey(
        Good, verbose_name=_("goods"), on_delete=models.PROTECT, related_name="moves"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MoveKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    # For a count: the stock found (the move's quantity is the difference).
    counted = models.IntegerField(_("counted"), null=True, blank=True)
    source = models.CharField(_("from"), max_length=100, blank=True)
    to_household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("to household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_store = models.ForeignKey(
        Store,
        verbose_name=_("to store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_place = models.CharField(_("to place"), max_length=100, blank=True)
    receiver_name = models.CharField(_("received by"), max_length=50, blank=True)
    signature = models.FileField(_("signature"), upload_to="duty/signatures/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="duty_move_quantity"),
            models.CheckConstraint(
                condition=~Q(kind="handed_out")
                | Q(to_household__isnull=False)
                | Q(to_store__isnull=False)
                | ~Q(to_place=""),
                name="duty_handout_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "good", "-at"], name="duty_move_store_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.good} × {self.quantity}"
