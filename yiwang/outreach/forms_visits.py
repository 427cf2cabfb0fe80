"""Forms and filtersets of outreach's visits, shared by the pages and the API: the visit
form (three taps for a routine visit), editing a visit, skipping a scheduled visit, an
occurrence of a trigger, and the county admin's visit rules and triggers. What is allowed
is the services' business; these only take the input."""

from __future__ import annotations

import datetime
import uuid

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases.forms import PhotosField, category_choices
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import (
    NOTE_MAX,
    REASON_MAX,
    Occurrence,
    Outcome,
    RuleKind,
    ScheduledVisit,
    ScheduleStatus,
    Trigger,
    Visit,
)
from yiwang.registry.models import HouseholdCategory, Tag

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


def _case_category():
    return forms.ChoiceField(
        label=_("Category of the case"),
        required=False,
        help_text=_("Only when the visit raises a case: the notes become its text."),
    )


class VisitForm(forms.Form):
    """A visit as the worker records it on the phone. The page fills in the time (now), the
    outcome (all well) and a UUID made by the server, so that a routine visit is one tap
    on "submit", and a second tap (or a resend) stores nothing new."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        initial=Outcome.ALL_WELL,
    )
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTE_MAX, widget=_textarea(3)
    )
    case_category = _case_category()
    photos = PhotosField()
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=30)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=30)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("uuid", uuid.uuid4())
        kwargs["initial"].setdefault(
            "visited_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fields["case_category"].choices = category_choices()
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


class VisitEditForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTE_MAX, widget=_textarea(4)
    )
    case_category = _case_category()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_category"].choices = category_choices()


class SkipForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it will not take place"),
        max_length=REASON_MAX,
        help_text=_("For example: working away until the spring festival."),
    )


class OccurrenceForm(forms.Form):
    trigger = forms.ChoiceField(label=_("What happened"))
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = [("", "—")] + [
            (t.code, t.name) for t in Trigger.objects.filter(is_active=True)
        ]


class RuleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=RuleKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    household_category = forms.ChoiceField(
        label=_("Household category"),
        required=False,
        choices=[("", "—"), *HouseholdCategory.choices],
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    every_days = forms.IntegerField(
        label=_("A visit every (days)"),
        required=False,
        min_value=1,
        help_text=_("Periodic rules: 7 for weekly, 30 for monthly."),
    )
    trigger = forms.ChoiceField(label=_("Trigger"), required=False)
    within_days = forms.IntegerField(
        label=_("A visit within (days)"),
        required=False,
        min_value=1,
        help_text=_("Triggered rules: days after the event."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, rule=None, **kwargs):
        if rule is not None:
            kwargs["initial"] = {
                "code": rule.code,
                "name": rule.name,
                "kind": rule.kind,
                "household_category": rule.household_category,
                "tag": rule.tag.code if rule.tag_id else "",
                "every_days": rule.every_days,
                "trigger": rule.trigger.code if rule.trigger_id else "",
                "within_days": rule.within_days,
                "is_active": rule.is_active,
            }
        super().__init__(*args, **kwargs)
        if rule is not None:
            self.fields["code"].disabled = True
        self.fields["tag"].choices = [("", "—")] + [
            (t.code, t.name) for t in Tag.objects.filter(is_active=True)
        ]
        self.fields["trigger"].choices = [("", "—")] + [
            (t.code, t.name) for t in Trigger.objects.all()
        ]
        for name in ("every_days", "within_days"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class TriggerForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=50)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, trigger=None, **kwargs):
        if trigger is not None:
            kwargs["initial"] = {
                "code": trigger.code,
                "name": trigger.name,
                "is_active": trigger.is_active,
            }
        super().__init__(*args, **kwargs)
        if trigger is not None:
            self.fields["code"].disabled = True


# --- filtersets ---------------------------------------------------------------------------


def _under(queryset, name, value):
    value = (value or "").strip()
    return queryset.filter(subtree_q("area_code", value)) if value.isdigit() else queryset


class VisitFilterSet(django_filters.FilterSet):
    household = django_filters.NumberFilter(label=_("household"), field_name="household_id")
    enterprise = django_filters.NumberFilter(label=_("enterprise"), field_name="enterprise_id")
    visitor = django_filters.NumberFilter(label=_("visited by"), field_name="visitor_id")
    outcome = django_filters.ChoiceFilter(label=_("outcome"), choices=Outcome.choices)
    since = django_filters.DateFilter(
        label=_("since"), method="filter_since", help_text=_("Visits on or after this day.")
    )
    until = django_filters.DateFilter(
        label=_("until"), method="filter_until", help_text=_("Visits on or before this day.")
    )
    under = django_filters.CharFilter(
        label=_("under code"), method=_under, help_text=_("An area code.")
    )
    far = django_filters.BooleanFilter(
        label=_("far from the household"), field_name="far_from_area"
    )

    class Meta:
        model = Visit
        fields = []

    def filter_since(self, queryset, name, value):
        return queryset.filter(visited_at__gte=_midnight(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(visited_at__lt=_midnight(value + datetime.timedelta(days=1)))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class ScheduleFilterSet(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="filter_overdue",
        help_text=_("true: due before today; false: due today or later."),
    )
    due_before = django_filters.DateFilter(
        label=_("due on or before"), field_name="due_on", lookup_expr="lte"
    )
    household = django_filters.NumberFilter(label=_("household"), field_name="household_id")
    enterprise = django_filters.NumberFilter(label=_("enterprise"), field_name="enterprise_id")
    under = django_filters.CharFilter(
        label=_("under code"), method=_under, help_text=_("An area code.")
    )

    class Meta:
        model = ScheduledVisit
        fields = []

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is True:
            return queryset.filter(due_on__lt=today, status=ScheduleStatus.SCHEDULED)
        if value is False:
            return queryset.filter(due_on__gte=today)
        return queryset


class OccurrenceFilterSet(django_filters.FilterSet):
    household = django_filters.NumberFilter(label=_("household"), field_name="household_id")
    trigger = django_filters.CharFilter(label=_("trigger"), field_name="trigger__code")
    under = django_filters.CharFilter(
        label=_("under code"), method=_under, help_text=_("An area code.")
    )

    class Meta:
        model = Occurrence
        fields = []
