"""Members and their shares: the village collective, the village's households (from the
ledger) and others; contributions of money, land and labour turned into shares at the
charter's rates; the share register, every change dated and audited; each member's
trading with the cooperative by year."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.coops.models.coops import Cooperative


class MemberKind(models.TextChoices):
    COLLECTIVE = "collective", _("The village collective")
    HOUSEHOLD = "household", _("A household of the village")
    OTHER = "other", _("Another member")


class Member(models.Model):
    """A member of a cooperative. `shares` is the register's balance, kept by the service
    that writes each ShareChange; `area_code` copies the cooperative's (the village) for
    scope."""

    cooperative = models.ForeignKey(
        Cooperative, verbose_name=_("cooperative"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MemberKind.choices)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coop_memberships",
    )
    # The household's head as entered, the collective's or another member's name:
    # personal data, masked when published.
    name = models.CharField(_("name"), max_length=100)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    shares = models.BigIntegerField(_("shares"), default=0)
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["cooperative", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gte=0), name="coops_member_shares"),
            models.CheckConstraint(
                condition=Q(kind="household", household__isnull=False)
                | (~Q(kind="household") & Q(household__isnull=True)),
                name="coops_member_household",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "household"],
                condition=Q(household__isnull=False),
                name="coops_household_once",
            ),
            models.UniqueConstraint(
                fields=["cooperative"],
                condition=Q(kind="collective"),
                name="coops_one_collective",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContributionKind(models.TextChoices):
    MONEY = "money", _("Money")
    LAND = "land", _("Land")
    LABOUR = "labour", _("Labour")
    # The village collective's funds, assets and resources (三资), valued in yuan.
    ASSETS = "assets", _("Collective funds, assets and resources")


class Contribution(models.Model):
    """What a member put in: money or assets (`amount`, yuan), land (`area_mu`) or labour
    (`days`), and the shares it was worth at the charter's rates on the day."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="contributions",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    area_mu = models.DecimalField(
        _("land (mu)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    days = models.PositiveIntegerField(_("days of labour"), null=True, blank=True)
    shares = models.BigIntegerField(_("shares"))
    on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["cooperative", "on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="coops_contribution_shares"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["money", "assets"], amount__gt=0)
                    | Q(kind="land", area_mu__gt=0)
                    | Q(kind="labour", days__gt=0)
                ),
                name="coops_contribution_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()}"


class ShareChange(models.Model):
    """A line of the share register: a member's holding changed by `delta` on `on`, to
    `balance`, and why (a contribution, a transfer, a withdrawal, a correction)."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="register",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="share_changes"
    )
    on = models.DateField(_("on"))
    delta = models.BigIntegerField(_("change"))
    balance = models.BigIntegerField(_("balance"))
    reason = models.CharField(_("reason"), max_length=200)
    contribution = models.ForeignKey(
        Contribution,
        verbose_name=_("contribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("share register entry")
        verbose_name_plural = _("share register")
        ordering = ["cooperative", "on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="coops_change_not_zero"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="coops_change_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on} {self.delta:+d}"


class Trading(models.Model):
    """A member's trading with the cooperative in a year: produce sold through it and
    services bought from it, in yuan (imported from XLSX like the ledger)."""

    cooperative = models.ForeignKey(
        Cooperative, verbose_name=_("cooperative"), on_delete=models.CASCADE, related_name="trading"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="trading"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    produce_sold = models.DecimalField(
        _("produce sold through it (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    services_bought = models.DecimalField(
        _("services bought from it (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("trading")
        verbose_name_plural = _("trading")
        ordering = ["cooperative", "year", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="coops_trading_a_year"),
            models.CheckConstraint(
                condition=Q(produce_sold__gte=0, services_bought__gte=0),
                name="coops_trading_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"
