"""The year's distribution: from the surplus, the reserve at the charter's rate, then the
distributable amount by the charter's mode (yiwang.coops.distribution works it out to the
fen). A run is a draft until the board approves it; then it is final, audited and
unchangeable, and one year has at most one final distribution."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.coops.distribution import render_steps
from yiwang.coops.models.coops import Cooperative, DistributionMode
from yiwang.coops.models.members import Member

MONEY = {"max_digits": 14, "decimal_places": 2}


class DistributionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Approved by the board")


class Distribution(models.Model):
    """A run of the year's distribution, with the terms it was run on and each step
    explained (`steps`: language-neutral data, read in words through `step_texts`)."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    surplus = models.DecimalField(_("surplus"), **MONEY)
    reserve_rate = models.DecimalField(_("reserve rate"), max_digits=4, decimal_places=3)
    mode = models.CharField(_("distribution mode"), max_length=10, choices=DistributionMode.choices)
    trading_share = models.DecimalField(
        _("share returned by trading"), max_digits=4, decimal_places=3
    )
    reserve = models.DecimalField(_("reserve"), **MONEY)
    distributable = models.DecimalField(_("distributable"), **MONEY)
    trading_pool = models.DecimalField(_("by trading"), **MONEY)
    shares_pool = models.DecimalField(_("by shares"), **MONEY)
    steps = models.JSONField(_("steps"), default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DistributionStatus.choices,
        default=DistributionStatus.DRAFT,
    )
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["cooperative", "-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "year"],
                condition=Q(status="final"),
                name="coops_one_final_a_year",
            ),
            models.CheckConstraint(condition=Q(surplus__gte=0), name="coops_surplus"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="coops_final_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} {self.year}"

    @property
    def step_texts(self) -> list[str]:
        """The steps in words, in the active language (the reader's): the pages and the
        API read them here."""
        return render_steps(self.steps)


class DistributionLine(models.Model):
    """A member's line: the shares and trading it was worked out on, and the amounts."""

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, related_name="lines"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="payouts"
    )
    shares = models.BigIntegerField(_("shares"))
    trading = models.DecimalField(_("trading"), **MONEY)
    by_trading = models.DecimalField(_("by trading"), **MONEY)
    by_shares = models.DecimalField(_("by shares"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        ordering = ["distribution", "member"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "member"], name="coops_line_once"),
            # The total is the two parts' sum, written by the service (a sum of two
            # decimals is compared as floating point by SQLite, so not checked here).
            models.CheckConstraint(
                condition=Q(by_trading__gte=0, by_shares__gte=0, total__gte=0),
                name="coops_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distribution} · {self.member}"
