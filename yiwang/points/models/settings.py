"""The county's switches for points (one row)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointsSettings(models.Model):
    """`show_rankings`: whether standings are shown beyond the board and the person
    concerned. Off by default (the 2023 rules on formalism in government apps)."""

    show_rankings = models.BooleanField(_("show rankings"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")

    def __str__(self) -> str:
        return "points settings"

    @classmethod
    def current(cls) -> "PointsSettings":
        found = cls.objects.filter(pk=1).first()
        return found or cls(pk=1)
