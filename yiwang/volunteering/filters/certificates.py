"""The filterset of hours certificates, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.volunteering.models import Certificate


class CertificateFilterSet(FilterSet):
    volunteer = IdFilter(label=_("volunteer"), field_name="volunteer_id")
    under = AreaCodeFilter(
        label=_("issuing area"),
        method=under,
        help_text=_("The issuing area and the areas under it."),
    )
    issued_from = django_filters.DateFilter(
        label=_("issued from"), field_name="issued_on", lookup_expr="gte"
    )
    issued_to = django_filters.DateFilter(
        label=_("issued to"), field_name="issued_on", lookup_expr="lte"
    )

    class Meta:
        model = Certificate
        fields = []
