"""Forms of volunteers and teams. They take what is typed; the services check it and say
what is wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker
from yiwang.volunteering.models import TeamKind
from yiwang.volunteering.services import volunteers as services

CONSENT_TEXT = _(
    "The person agrees that their name, area, skills and availability, the activities they "
    "sign up for, their check-in and check-out times and their hours of service are "
    "recorded, to keep their service record and issue their certificates."
)


class VolunteerForm(forms.Form):
    resident = forms.CharField(required=False, widget=forms.HiddenInput)
    user = forms.CharField(required=False, widget=forms.HiddenInput)
    area_code = forms.CharField(
        label=_("area"),
        required=False,
        max_length=18,
        widget=AreaPicker(),
        help_text=_("Where you volunteer (only when registering your own account)."),
    )
    skills = forms.CharField(label=_("skills"), required=False, max_length=services.SKILLS_MAX)
    availability = forms.CharField(
        label=_("availability"),
        required=False,
        max_length=services.SKILLS_MAX,
        help_text=_("e.g. weekends, weekday evenings."),
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    kind = forms.ChoiceField(label=_("kind"), choices=TeamKind.choices)
    area_code = forms.CharField(
        label=_("area"), max_length=18, widget=AreaPicker(levels=("county", "town", "village"))
    )


class MemberForm(forms.Form):
    volunteer = forms.ChoiceField(label=_("volunteer"))
    is_leader = forms.BooleanField(label=_("leader of the team"), required=False)
    joined_on = forms.CharField(
        label=_("joined on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, volunteers=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("joined_on", timezone.localdate().isoformat())
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [("", "—")] + [(str(v.pk), v.label) for v in volunteers]
