"""Forms of outreach's visits (their filtersets are in filters.py): the visit
form (three taps for a routine visit), editing a visit, skipping a scheduled visit, an
occurrence of a trigger, and the county admin's visit rules and triggers. What is allowed
is the services' business; these only take the input."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases.forms import PhotosField, category_choices
from yiwang.outreach.models import (
    NOTE_MAX,
    REASON_MAX,
    Outcome,
    RuleKind,
    Trigger,
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
