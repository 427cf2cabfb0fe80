"""Outreach's enterprises: a minimal registry of the enterprises pairing needs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.masking import mask_phone
from yiwang.core.models import ScopedModel
from yiwang.outreach.models.limits import NAME_MAX


class Enterprise(ScopedModel):
    """An enterprise of the county, as much as pairing needs: who it is (the unified
    social credit code, 统一社会信用代码, checked with python-stdnum), where (a village or a
    unit: `area_code`), its industry and whom to call."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)
