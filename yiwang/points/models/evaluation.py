"""The monthly evaluation (一月一评比): the village's review board, the standings, the
board's selection within quotas, the public notice (公示) with its objections, the awards
and the reward fund."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.points.models.lists import POINTS, TEXT_MAX

MONEY = {"max_digits": 12, "decimal_places": 2}


class AwardKind(models.TextChoices):
    RED_FLAG_GRID = "red_flag_grid", _("Red-flag grid")
    RED_PIONEER = "red_pioneer", _("Red pioneer")
    MODEL_VILLAGER = "model_villager", _("Model villager")


class BoardMember(ScopedModel):
    """A member of a village's review board (`area_code`: the village), from the
    accounts, for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="points_boards",
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("review board member")
        verbose_name_plural = _("review board members")
        ordering = ["area_code", "-is_chair", "id"]


class Quota(ScopedModel):
    """How many of an award each village below `area_code` (a town or the county) may
    select in a month; the nearest quota up the tree applies."""

    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    per_village = models.PositiveSmallIntegerField(_("per village and month"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "kind"], name="points_quota_once"),
        ]


class AwardSetting(models.Model):
    """What an award brings: a sum of money from the reward fund of the county."""

    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices, unique=True)
    amount = models.DecimalField(_("reward (yuan)"), default=0, **MONEY)

    class Meta:
        verbose_name = _("award setting")
        verbose_name_plural = _("award settings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("Open: the board selects")
    NOTICE = "notice", _("On public notice")
    FINAL = "final", _("Final")


class Evaluation(ScopedModel):
    """A village's evaluation of one month (`area_code`: the village).

    Open while the board selects; on notice for NOTICE_DAYS from `notice_from`, when
    anyone may object; final once the notice has ended and every objection is answered.
    `standings` is the month's points as computed when the month was closed.
    """

    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.OPEN,
    )
    standings = models.JSONField(_("standings"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("standings computed at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    met_on = models.DateField(_("board met on"), null=True, blank=True)
    notice_from = models.DateTimeField(_("on notice from"), null=True, blank=True)
    notice_until = models.DateTimeField(_("on notice until"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("monthly evaluation")
        verbose_name_plural = _("monthly evaluations")
        ordering = ["-month", "area_code"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "month"], name="points_evaluation_once"),
        ]


class SelectionStatus(models.TextChoices):
    SELECTED = "selected", _("Selected")
    WITHDRAWN = "withdrawn", _("Withdrawn after an objection")


class Selection(ScopedModel):
    """One award the board gave: a grid (`grid_code`), a party member or a household.
    `area_code`: the unit (or the grid) of what was selected."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.PROTECT,
        related_name="selections",
    )
    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    grid_code = models.CharField(_("grid"), max_length=18, blank=True)
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The name as the public notice shows it (张*三), kept as it was on the day.
    public_name = models.CharField(_("name on the notice"), max_length=60)
    points = models.DecimalField(_("points in the month"), **POINTS)
    reason = models.CharField(_("reason"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SelectionStatus.choices,
        default=SelectionStatus.SELECTED,
    )

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["evaluation", "kind", "-points", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(grid_code="") | Q(resident__isnull=False) | Q(household__isnull=False),
                name="points_selection_subject",
            ),
        ]


class Objection(TimeStampedModel):
    """An objection to a selection on public notice, from anyone, with a reason and a
    contact; the board answers each, and an upheld objection withdraws the selection."""

    selection = models.ForeignKey(
        Selection,
        verbose_name=_("selection"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    reason = models.TextField(_("reason"))
    contact_name = models.CharField(_("contact name"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    answer = models.TextField(_("answer"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "id"]


class Fund(ScopedModel):
    """A reward budget (`area_code`: the county or a town that holds it). `balance` moves
    by conditional UPDATEs only, so it is never negative."""

    name = models.CharField(_("name"), max_length=100)
    balance = models.DecimalField(_("balance (yuan)"), default=0, **MONEY)

    class Meta:
        verbose_name = _("reward fund")
        verbose_name_plural = _("reward funds")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_fund_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class MovementKind(models.TextChoices):
    BUDGET = "budget", _("Budget added")
    PAYMENT = "payment", _("Reward paid")


class FundMovement(ScopedModel):
    """A line of a fund's ledger: a budget added or a reward paid for a selection.
    `area_code`: the area of the selection paid, else the fund's."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    selection = models.OneToOneField(
        Selection,
        verbose_name=_("selection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    note = models.CharField(_("note"), max_length=TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fund movement")
        verbose_name_plural = _("fund movements")
        ordering = ["-created_at", "-id"]
