"""What every filterset shares (the base class that refuses a bad filter, the area-code
and id filters, the yes/no widget, the API's filter backend) and the audit-log filterset,
shared by the audit page and the API."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import BadRequest
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from yiwang.core.models import AuditEntry, AuditSource
from yiwang.core.scoping import MAX_CODE_LENGTH, subtree_q
from yiwang.core.validators import MAX_ID

AREA_CODE_PATTERN = rf"^[0-9]{{1,{MAX_CODE_LENGTH}}}$"

area_code_validator = RegexValidator(
    AREA_CODE_PATTERN,
    _("An area code is 1 to 18 digits 0-9, e.g. 370829111."),
    code="area_code",
)


class AreaCodeField(forms.CharField):
    """An area code typed or sent as a filter: ASCII digits only (core.scoping)."""

    default_validators = [area_code_validator]


@extend_schema_field({"type": "string", "pattern": AREA_CODE_PATTERN, "maxLength": MAX_CODE_LENGTH})
class AreaCodeFilter(django_filters.CharFilter):
    """A filter on an area code; `under` filters with `method=` as before."""

    field_class = AreaCodeField


def under(queryset, name, value):
    """An `under` filter's method: the rows whose `area_code` lies in the area typed or
    under it (every row when nothing is typed)."""
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


class IdField(forms.IntegerField):
    """A row's id in a filter: a whole number from 1 to the largest key stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter on a row's id (`household=12`): never a number the database cannot hold."""

    field_class = IdField


class FilterSet(django_filters.FilterSet):
    """The base of every filterset. A page's list with a filter it cannot read answers 400
    with the reason (django-filter would drop the filter and list everything); the API
    answers the same through DjangoFilterBackend, before it reads `qs`."""

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            raise BadRequest(_describe(self.form))
        return super().qs


def _describe(form) -> str:
    """The form's errors in one line, each after its field's label."""
    parts = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None and field.label else name
        parts.append(f"{label}: {' '.join(messages)}")
    return " ".join(parts)


class FilterBackend(DjangoFilterBackend):
    """The API's filters: besides what each filterset checks, a filter sent empty
    (`?until=`) and a yes/no filter other than true or false are refused with 400. The
    pages' forms keep sending empty fields and "unknown" (all), which their lists read as
    no filter."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, declared in filterset.filters.items():
            for value in request.query_params.getlist(name):
                if value == "":
                    errors[name] = [_("Give a value, or leave the filter out.")]
                elif isinstance(declared, django_filters.BooleanFilter) and value not in (
                    "true",
                    "false",
                ):
                    errors[name] = [_("Give true or false.")]
        if errors:
            raise ValidationError(errors)
        return filterset


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "all" rather than Django's "unknown"
    (a filter "overdue: unknown" says nothing). The values are Django's own, so that
    what a page or an API client sends is read as before."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]


class YesNoField(forms.NullBooleanField):
    widget = AnyYesNoSelect


class AuditEntryFilterSet(FilterSet):
    action = django_filters.CharFilter(label=_("action"), lookup_expr="startswith")
    source = django_filters.ChoiceFilter(label=_("source"), choices=AuditSource.choices)
    object_type = django_filters.CharFilter(label=_("object type"))
    object_id = django_filters.CharFilter(label=_("object id"))
    actor = django_filters.CharFilter(label=_("actor"), field_name="actor_username")
    under = AreaCodeFilter(label=_("under code"), method="filter_under")
    # Local midnights, not `at__date`: a range on the column itself, which the index serves
    # and which, on PostgreSQL, reads only the months' partitions (yiwang.core.partitions).
    since = django_filters.DateFilter(label=_("from"), method="filter_since")
    until = django_filters.DateFilter(label=_("to"), method="filter_until")

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

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=local_midnight(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=local_midnight(value + datetime.timedelta(days=1)))


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in TIME_ZONE."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
