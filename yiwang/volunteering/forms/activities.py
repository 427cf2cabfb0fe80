"""Forms of activities, check-in and hours. They take what is typed; the services check it
and say what is wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.volunteering.models import TargetGroup
from yiwang.volunteering.services import activities as services
from yiwang.volunteering.services import hours as hours_services

LOCAL_TIME = {"type": "datetime-local"}


class ActivityForm(forms.Form):
    team = forms.ChoiceField(label=_("team"))
    title = forms.CharField(label=_("title"), max_length=services.TITLE_MAX)
    target_group = forms.ChoiceField(label=_("target group"), choices=TargetGroup.choices)
    place = forms.CharField(label=_("place"), max_length=services.PLACE_MAX)
    starts_at = forms.CharField(label=_("starts at"), widget=forms.DateTimeInput(LOCAL_TIME))
    ends_at = forms.CharField(label=_("ends at"), widget=forms.DateTimeInput(LOCAL_TIME))
    places = forms.CharField(
        label=_("places needed"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    description = forms.CharField(
        label=_("description"),
        required=False,
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "—")] + [(str(t.pk), t.name) for t in teams]


class CheckForm(forms.Form):
    """A check-in or check-out typed on the phone: the code shown at the place. `uuid` is
    made with the page; `at` is filled by js/offline.js when the form waits offline."""

    uuid = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("check-in code"),
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autocomplete": "one-time-code",
                "class": "form-control form-control-lg text-center checkin-code-field",
            }
        ),
        help_text=_("The six digits shown by the organiser at the place."),
    )
    at = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-offline-now": ""}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("uuid", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)


class HonourForm(forms.Form):
    volunteer = forms.ChoiceField(label=_("volunteer"))
    hours = forms.CharField(
        label=_("hours"), max_length=8, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=hours_services.NOTE_MAX)

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [("", "—")] + [(str(v.pk), v.label) for v in volunteers]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), required=False, max_length=hours_services.REASON_MAX
    )
