"""Outreach's pairing programmes and the pairings of a sponsor with a household, a
resident or an enterprise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.accounts.models import Role
from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.core.scoping import ScopedQuerySet
from yiwang.outreach.models.enterprises import Enterprise
from yiwang.outreach.models.limits import NAME_MAX, REASON_MAX


class SubjectKind(models.TextChoices):
    """What a programme pairs its sponsors with."""

    HOUSEHOLD = "household", pgettext_lazy("paired with", "Households")
    RESIDENT = "resident", pgettext_lazy("paired with", "Residents")
    ENTERPRISE = "enterprise", pgettext_lazy("paired with", "Enterprises")


class Programme(TimeStampedModel):
    """A pairing programme (结对), configured by a county admin: who may sponsor (holders of
    a role, or the people chosen), what is paired (households of a category or with a tag,
    residents with a tag, enterprises) and how often a paired household or enterprise is
    due a visit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    # Who may be a sponsor: anyone holding a current post of this role, and/or the chosen.
    sponsor_role = models.CharField(
        _("sponsors' role"), max_length=20, choices=Role.choices, blank=True
    )
    chosen_sponsors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen sponsors"),
        blank=True,
        related_name="+",
    )
    subject_kind = models.CharField(_("paired with"), max_length=10, choices=SubjectKind.choices)
    # Which households or residents: of a category (key, ordinary), with a tag, or both.
    household_category = models.CharField(
        _("household category"),
        max_length=10,
        blank=True,
        choices=[("key", _("Key household")), ("ordinary", _("Ordinary household"))],
    )
    tag = models.ForeignKey(
        "registry.Tag",
        verbose_name=_("tag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visit_every_days = models.PositiveSmallIntegerField(_("a visit every (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pairing programme")
        verbose_name_plural = _("pairing programmes")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_every_days__gte=1), name="programme_visit_rhythm"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PairingQuerySet(ScopedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class Pairing(ScopedModel):
    """A sponsor answering, under a programme, for one household, resident or enterprise
    (`area_code`: the subject's). Current from `starts_on` until the day before `ends_on`;
    a transfer ends it and starts another that names it in `transferred_from`, so the
    history stays."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="pairings"
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=REASON_MAX, blank=True)
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["area_code", "id"]
        constraints = [
            # Exactly one subject. A resident's pairing also names the resident's household
            # (whose visit fulfils it).
            models.CheckConstraint(
                condition=(
                    Q(household__isnull=False, enterprise__isnull=True)
                    | Q(household__isnull=True, resident__isnull=True, enterprise__isnull=False)
                ),
                name="pairing_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_ends_after_start",
            ),
            # One open pairing of a subject in a programme.
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(ends_on__isnull=True, resident__isnull=True, household__isnull=False),
                name="pairing_open_household",
            ),
            models.UniqueConstraint(
                fields=["programme", "resident"],
                condition=Q(ends_on__isnull=True, resident__isnull=False),
                name="pairing_open_resident",
            ),
            models.UniqueConstraint(
                fields=["programme", "enterprise"],
                condition=Q(ends_on__isnull=True, enterprise__isnull=False),
                name="pairing_open_enterprise",
            ),
        ]
        indexes = [
            # A sponsor's current pairings (the "today" page, the load).
            models.Index(fields=["sponsor", "ends_on"], name="pairing_sponsor_idx"),
            # Coverage rolled up the tree: the open pairings of a programme by area.
            models.Index(
                fields=["programme", "area_code"],
                condition=Q(ends_on__isnull=True),
                name="pairing_open_area_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.sponsor} · {self.subject}"

    @property
    def subject(self):
        return self.resident or self.household or self.enterprise

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)
