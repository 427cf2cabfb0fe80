"""Donations of money and goods to a programme's fund (the caring mothers' fund) or to a
wish, what the fund paid out, and its balance, never negative."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.volunteering.models.wishes import Wish

MONEY = {"max_digits": 12, "decimal_places": 2}


class Fund(ScopedModel):
    """A programme's fund (`area_code`: the area that keeps it). `balance` moves by
    conditional UPDATEs only, so two pay-outs racing never take it below zero."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    balance = models.DecimalField(_("balance (yuan)"), default=0, **MONEY)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["area_code", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="volunteering_fund_balance"),
        ]

    def __str__(self) -> str:
        return self.name


class DonationKind(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")


class Donation(ScopedModel):
    """A gift to a fund or to a wish (`area_code`: the fund's or the wish's). Money given
    to a fund adds to its balance; goods are recorded at their value. `uuid`: the
    client's."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    # Indexed by volunteering_donation_fund, which starts with it.
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
        db_index=False,
    )
    wish = models.ForeignKey(
        Wish,
        verbose_name=_("wish"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    donor = models.CharField(_("donor"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=DonationKind.choices)
    description = models.CharField(_("what was given"), max_length=200)
    value = models.DecimalField(_("value (yuan)"), **MONEY)
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="volunteering_donation_value"),
            models.CheckConstraint(
                condition=Q(fund__isnull=False) | Q(wish__isnull=False),
                name="volunteering_donation_to",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "received_on"], name="volunteering_donation_fund"),
        ]


class Payout(ScopedModel):
    """Money paid out of a fund to someone, for something (`area_code`: the fund's)."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    # Indexed by volunteering_payout_fund, which starts with it.
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        related_name="payouts",
        db_index=False,
    )
    recipient = models.CharField(_("paid to"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    wish = models.ForeignKey(
        Wish,
        verbose_name=_("wish"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
    )

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="volunteering_payout_amount"),
        ]
        indexes = [
            models.Index(fields=["fund", "paid_on"], name="volunteering_payout_fund"),
        ]
