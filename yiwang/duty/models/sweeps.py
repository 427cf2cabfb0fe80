"""Door-to-door sweeps (敲门行动): every household of a target group (residents carrying
a ledger tag: the elderly living alone, the disabled …) in an area, each assigned to a
worker, visited, its result recorded as the outreach visit (entered once), progress by
area, the households not yet reached listed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel


class SweepStatus(models.TextChoices):
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Closed")


class Sweep(ScopedModel):
    """A sweep over the households in `area_code` with a resident tagged `tag` (current
    on `starts_on`), from `starts_on` to `ends_on`."""

    name = models.CharField(_("name"), max_length=100)
    tag = models.ForeignKey(
        "registry.Tag", verbose_name=_("target group"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=SweepStatus.choices, default=SweepStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("door-to-door sweep")
        verbose_name_plural = _("door-to-door sweeps")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="duty_sweep_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SweepResult(models.TextChoices):
    SAFE = "safe", _("Reached, safe")
    NEEDS_HELP = "needs_help", _("Reached, needs help")
    MOVED = "moved", _("Moved to safety")
    NOT_HOME = "not_home", _("Nobody at home")


# The results that count as reached.
REACHED = (SweepResult.SAFE, SweepResult.NEEDS_HELP, SweepResult.MOVED)


class SweepHousehold(models.Model):
    """A household of a sweep: whom it is assigned to, and its visit (the outreach visit's
    uuid and time: the visit is recorded once, in outreach, and read from there).
    `area_code` copies the household's unit code for the progress by area."""

    sweep = models.ForeignKey(
        Sweep, verbose_name=_("sweep"), on_delete=models.CASCADE, related_name="households"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area_code = models.CharField(_("area code"), max_length=18)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(_("result"), max_length=12, choices=SweepResult.choices, blank=True)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    visit_uuid = models.UUIDField(_("visit"), null=True, blank=True, unique=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("household of a sweep")
        verbose_name_plural = _("households of a sweep")
        ordering = ["sweep", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sweep", "household"], name="duty_sweep_household_once"
            ),
        ]
        indexes = [
            # The progress by area, read from the index alone.
            models.Index(fields=["sweep", "area_code", "result"], name="duty_sweep_progress_idx"),
            models.Index(fields=["assignee", "sweep"], name="duty_sweep_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sweep} · {self.household}"
