"""The points shop (积分超市): goods with a points price and a stock, per village shop,
and the redemptions a shopkeeper or a recorder makes for a household."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.points.models.lists import POINTS


class Shop(ScopedModel):
    """A village's points shop (`area_code`: the village)."""

    name = models.CharField(_("name"), max_length=100)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopkeepers"),
        blank=True,
        related_name="points_shops",
    )
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("points shop")
        verbose_name_plural = _("points shops")
        ordering = ["area_code", "id"]

    def __str__(self) -> str:
        return self.name


class Goods(ScopedModel):
    """Goods of a shop; `stock` moves by conditional UPDATEs, never below zero."""

    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="goods"
    )
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("price (points)"), **POINTS)
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("goods")
        verbose_name_plural = _("goods")
        ordering = ["shop", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="points_goods_price"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(ScopedModel):
    """Goods taken for points (`area_code`: the household's unit). Never edited; `uuid`
    is the client's, so a redemption sent twice is made once."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    goods = models.ForeignKey(
        Goods, verbose_name=_("goods"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.DecimalField(_("points"), **POINTS)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("redeemed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["household", "created_at"], name="points_redemption_household"),
        ]
