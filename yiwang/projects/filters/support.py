"""Filtersets of enterprise requests, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, under
from yiwang.projects.models import EnterpriseRequest, RequestKind, RequestStatus
from yiwang.projects.selectors.projects import departments
from yiwang.projects.selectors.support import overdue_q


class EnterpriseRequestFilterSet(FilterSet):
    """The requests' filters; `under` and `open` are also what the cockpit's figures of
    enterprise requests link with."""

    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=RequestKind.choices)
    open = django_filters.BooleanFilter(label=_("open"), method="is_open")
    overdue = django_filters.BooleanFilter(
        label=_("overdue"), method="is_overdue", help_text=_("Its current stage is past due.")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("department"), queryset=lambda request: departments()
    )

    class Meta:
        model = EnterpriseRequest
        fields = []

    def is_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = ~Q(status=RequestStatus.RESOLVED)
        return queryset.filter(q) if value else queryset.exclude(q)

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)
