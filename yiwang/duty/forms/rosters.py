"""Forms of duty rosters. They take what is typed; the services check it and say what is
wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.duty.models import DutyRole
from yiwang.duty.services import rosters as services

# The roles a shift may need besides its leader, each a number on the roster's form.
EXTRA_ROLES = [role for role in DutyRole if role != DutyRole.LEADER]


class RosterForm(forms.Form):
    area_code = forms.ChoiceField(label=_("area"))
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    place = forms.CharField(
        label=_("place"),
        max_length=services.NAME_MAX,
        required=False,
        help_text=_("A checkpoint or a duty room, if any."),
    )
    starts_on = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    shift_start = forms.TimeField(
        label=_("shifts start at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    shift_hours = forms.IntegerField(label=_("hours a shift"), min_value=1, max_value=48)
    min_gap_hours = forms.IntegerField(
        label=_("hours between two shifts' starts, at least"),
        min_value=0,
        max_value=services.MAX_RULE_HOURS,
    )
    night_rest_hours = forms.IntegerField(
        label=_("rest after a night (hours)"), min_value=0, max_value=services.MAX_RULE_HOURS
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, a.name) for a in areas]
        for role in EXTRA_ROLES:
            self.fields[f"role_{role.value}"] = forms.IntegerField(
                label=role.label,
                min_value=0,
                max_value=services.MAX_PER_ROLE,
                required=False,
                help_text=_("People of this role a shift needs."),
            )

    def role_fields(self):
        return [self[f"role_{role.value}"] for role in EXTRA_ROLES]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        roles = {}
        for role in EXTRA_ROLES:
            count = data.pop(f"role_{role.value}", None)
            if count:
                roles[role.value] = count
        data["roles"] = roles
        return data


class MemberForm(forms.Form):
    user = forms.ChoiceField(label=_("person"))
    role = forms.ChoiceField(label=_("role"), choices=DutyRole.choices)
    phone = forms.CharField(label=_("duty phone"), max_length=20, required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—")] + [(str(p.pk), str(p)) for p in people]


class AssignForm(forms.Form):
    shift = forms.ChoiceField(label=_("shift"))
    user = forms.ChoiceField(label=_("person"))
    role = forms.ChoiceField(label=_("role"), choices=DutyRole.choices)

    def __init__(self, *args, shifts=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [(str(pk), label) for pk, label in shifts]
        self.fields["user"].choices = [("", "—")] + [(str(p.pk), str(p)) for p in people]


class SwapForm(forms.Form):
    to_user = forms.ChoiceField(label=_("swap with"))
    reason = forms.CharField(label=_("reason"), max_length=services.REASON_MAX)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = [("", "—")] + [(str(p.pk), str(p)) for p in people]


class DecideForm(forms.Form):
    note = forms.CharField(
        label=_("about the decision"), max_length=services.REASON_MAX, required=False
    )
