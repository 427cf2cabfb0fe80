"""Duty lists (三张清单): the county's templates and each village's adopted versions.

A village adopts a list (its own version of the county's template, items changed, added
or left out) at a meeting; a later adoption supersedes it from its date. Every version is
kept, and a points entry cites the item of the version in force when it was recorded, so
changing a list never rewrites a past month.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel

POINTS = {"max_digits": 7, "decimal_places": 1}
TEXT_MAX = 300


class ListKind(models.TextChoices):
    """The three lists: the cadres' duties, the party members' red points and the
    households' civility index."""

    CADRE = "cadre", _("Village cadres' duty list")
    PARTY_MEMBER = "party_member", _("Party members' red points")
    HOUSEHOLD = "household", _("Households' civility index")


class ItemFields(models.Model):
    """What an item says, in the template and in a village's list alike.

    `points` is what the item gives (negative: a deduction). With `min_points` and
    `max_points` set, the recorder enters a value in that range instead. `monthly_cap`
    bounds the item's total for one person or household in a month.
    """

    article = models.CharField(_("article"), max_length=20)
    text = models.CharField(_("text"), max_length=TEXT_MAX)
    points = models.DecimalField(_("points"), **POINTS)
    min_points = models.DecimalField(_("lowest points"), null=True, blank=True, **POINTS)
    max_points = models.DecimalField(_("highest points"), null=True, blank=True, **POINTS)
    monthly_cap = models.DecimalField(
        _("monthly cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **POINTS,
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    @property
    def has_range(self) -> bool:
        return self.min_points is not None and self.max_points is not None

    def allows(self, points: Decimal) -> bool:
        if self.has_range:
            return self.min_points <= points <= self.max_points
        return points == self.points


class TemplateItem(ItemFields, TimeStampedModel):
    """An item of the county's template of one of the three lists."""

    kind = models.CharField(_("list"), max_length=20, choices=ListKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["kind", "order", "article", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "article"], name="points_template_article"),
        ]

    def __str__(self) -> str:
        return f"{self.article} {self.text}"


class DutyListQuerySet(models.QuerySet):
    def in_force(self, on):
        """The versions in force on a date: adopted by then and not yet superseded."""
        return self.filter(
            Q(superseded_on__isnull=True) | Q(superseded_on__gt=on), adopted_on__lte=on
        )


class DutyList(ScopedModel):
    """One version of one of a village's three lists (`area_code`: the village)."""

    kind = models.CharField(_("list"), max_length=20, choices=ListKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    adopted_on = models.DateField(_("adopted on"))
    meeting = models.ForeignKey(
        "outreach.Meeting",
        verbose_name=_("meeting that adopted it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=TEXT_MAX, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)

    objects = DutyListQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        ordering = ["area_code", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "kind", "version"], name="points_list_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Change(models.TextChoices):
    """How a village's item stands to the template's."""

    AS_TEMPLATE = "same", _("As the county's template")
    CHANGED = "changed", _("Changed by the village")
    ADDED = "added", _("Added by the village")


class ListItem(ItemFields):
    """An item of one version of a village's list: what entries cite."""

    duty_list = models.ForeignKey(
        DutyList, verbose_name=_("duty list"), on_delete=models.PROTECT, related_name="items"
    )
    template = models.ForeignKey(
        TemplateItem,
        verbose_name=_("template item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change = models.CharField(
        _("change"), max_length=10, choices=Change.choices, default=Change.AS_TEMPLATE
    )

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["duty_list", "order", "article", "id"]
        constraints = [
            models.UniqueConstraint(fields=["duty_list", "article"], name="points_item_article"),
        ]

    def __str__(self) -> str:
        return f"{self.article} {self.text}"
