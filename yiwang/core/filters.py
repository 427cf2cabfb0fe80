"""The audit-log filterset, shared by the audit page and the API; the yes/no filter
widget every filterset uses."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import AuditEntry, AuditSource
from yiwang.core.scoping import subtree_q


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "all" rather than Django's "unknown"
    (a filter "overdue: unknown" says nothing). The values are Django's own, so that
    what a page or an API client sends is read as before."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]


class YesNoField(forms.NullBooleanField):
    widget = AnyYesNoSelect


class AuditEntryFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("action"), lookup_expr="startswith")
    source = django_filters.ChoiceFilter(label=_("source"), choices=AuditSource.choices)
    object_type = django_filters.CharFilter(label=_("object type"))
    object_id = django_filters.CharFilter(label=_("object id"))
    actor = django_filters.CharFilter(label=_("actor"), field_name="actor_username")
    under = django_filters.CharFilter(label=_("under code"), method="filter_under")
    since = django_filters.DateFilter(label=_("from"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("to"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = [
            "action",
            "source",
            "object_type",
            "object_id",
            "actor",
            "under",
            "since",
            "until",
        ]

    def filter_under(self, queryset, name, value):
        return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset
