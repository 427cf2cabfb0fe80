"""The working calendar as the county enters it: a year's arrangement of the State
Council's notice (法定节假日 and the 调休 weekends worked), for a year the
`chinese-calendar` package does not know yet, or to correct one it does
(yiwang.projects.workdays reads both)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import TimeStampedModel


class CalendarYear(TimeStampedModel):
    """A year of the working calendar entered by a county admin. Its days off that are
    weekdays and its weekends that are worked are listed in `CalendarDay`; every other
    weekday is worked and every other weekend day is off. A year entered replaces the
    package's whole year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    # Where the arrangement comes from: the notice's number (国办发明电〔2026〕N号).
    source = models.CharField(_("source"), max_length=200)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="projects_calendar_year"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that breaks the weekly rule in its year: a weekday off (a holiday) or a
    weekend day worked (调休)."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(_("worked"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()
