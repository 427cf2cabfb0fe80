"""Hours certificates (志愿服务证明): a number, a date, the issuer and the hours, checked by
anyone through the QR code's public page."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.volunteering.models.activities import HOURS
from yiwang.volunteering.models.volunteers import Volunteer


class Certificate(ScopedModel):
    """What a certificate stated the day it was issued (`area_code`: the issuing area, a
    village committee or above): kept as issued, so that the public page shows the same
    figures as the paper. `check_code` is the secret in the QR code's address; a number
    without its code checks nothing."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    check_code = models.CharField(_("check code"), max_length=32, unique=True)
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    # As printed: the name, the masked ID number.
    volunteer_name = models.CharField(_("name"), max_length=50)
    masked_id_number = models.CharField(_("ID number (masked)"), max_length=18, blank=True)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    credit_hours = models.DecimalField(_("credit hours"), **HOURS)
    honour_hours = models.DecimalField(_("honour hours"), **HOURS)
    content = models.TextField(_("service content"))
    issuer = models.CharField(_("issuer"), max_length=100)
    handler = models.CharField(_("handler"), max_length=50)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hours certificate")
        verbose_name_plural = _("hours certificates")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number
