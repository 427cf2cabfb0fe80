"""Party-branch-led cooperatives (党支部领办合作社): one a village, with its charter's key
terms, its board over time, and the alliance of a town's cooperatives."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel


class DistributionMode(models.TextChoices):
    # Farmers' Professional Cooperatives Law, Art. 44: at least 60% by trading.
    STATUTORY = "statutory", _("Statutory: at least 60% by trading, the rest by shares")
    # Practice in many villages: all by shares. Allowed, with a visible warning.
    BY_SHARES = "by_shares", _("All by shares (departs from Art. 44)")


class Alliance(ScopedModel):
    """The alliance (联合社) of a town's cooperatives (`area_code`: the town)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("cooperatives' alliance")
        verbose_name_plural = _("cooperatives' alliances")
        ordering = ["area_code", "name"]
        constraints = [
            # One alliance a town (services.alliances.create_alliance says so in words).
            models.UniqueConstraint(fields=["area_code"], name="coops_one_alliance_a_town"),
        ]

    def __str__(self) -> str:
        return self.name


class Cooperative(ScopedModel):
    """A village's cooperative (`area_code`: the village) and its charter's key terms:
    the reserve rate taken from the surplus first, the cap on one member's holding (a
    share of all shares; none when empty), the distribution mode, the shares one mu of
    land and one yuan of money are worth, and the share of the distributable surplus
    returned by trading in the statutory mode (at least 0.60)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    alliance = models.ForeignKey(
        Alliance,
        verbose_name=_("alliance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cooperatives",
    )
    reserve_rate = models.DecimalField(
        _("reserve rate"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    holding_cap = models.DecimalField(
        _("cap on one member's holding"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        default=Decimal("0.200"),
    )
    mode = models.CharField(
        _("distribution mode"),
        max_length=10,
        choices=DistributionMode.choices,
        default=DistributionMode.STATUTORY,
    )
    trading_share = models.DecimalField(
        _("share returned by trading"), max_digits=4, decimal_places=3, default=Decimal("0.600")
    )
    shares_per_yuan = models.PositiveIntegerField(_("shares a yuan"), default=1)
    shares_per_mu = models.PositiveIntegerField(_("shares a mu of land"), default=8000)
    shares_per_labour_day = models.PositiveIntegerField(_("shares a day of labour"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["area_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="coops_name_per_village"),
            models.CheckConstraint(
                condition=Q(reserve_rate__gte=0, reserve_rate__lt=1), name="coops_reserve_rate"
            ),
            models.CheckConstraint(
                condition=Q(holding_cap__isnull=True) | Q(holding_cap__gt=0, holding_cap__lte=1),
                name="coops_holding_cap",
            ),
            models.CheckConstraint(
                condition=Q(trading_share__gte=Decimal("0.6"), trading_share__lte=1),
                name="coops_trading_share",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BoardRole(models.TextChoices):
    CHAIR = "chair", _("Chair of the board")
    BOARD = "board", _("Board member")
    SUPERVISOR = "supervisor", _("Supervisor")
    ACCOUNTANT = "accountant", _("Accountant")


class BoardSeat(TimeStampedModel):
    """Someone on the board (or the chair, a supervisor, the accountant) from
    `appointed_on` until `left_on` (resigned or replaced, with the reason): the board's
    history. `user` is their account, when they have one (the accountant runs the
    distribution; the board approves it)."""

    cooperative = models.ForeignKey(
        Cooperative, verbose_name=_("cooperative"), on_delete=models.CASCADE, related_name="board"
    )
    role = models.CharField(_("role"), max_length=12, choices=BoardRole.choices)
    name = models.CharField(_("name"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coop_seats",
    )
    appointed_on = models.DateField(_("appointed on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("why they left"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("board seat")
        verbose_name_plural = _("board seats")
        ordering = ["cooperative", "-appointed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("appointed_on")),
                name="coops_seat_period",
            ),
            models.UniqueConstraint(
                fields=["cooperative"],
                condition=Q(role="chair", left_on__isnull=True),
                name="coops_one_chair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"
