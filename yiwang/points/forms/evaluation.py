"""Forms of the monthly evaluation's pages. Each only shapes the input: the services
validate it again, check the scope and say what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core.reporting import parse_month
from yiwang.points.models import AwardKind
from yiwang.points.services import evaluation as services

YES_NO = [
    ("", "—"),
    ("yes", gettext_lazy("Yes: withdraw the selection")),
    ("no", gettext_lazy("No")),
]


def _month_widget():
    return forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})


class OpenMonthForm(forms.Form):
    """Goes to a village's month page."""

    village = forms.ChoiceField(label=gettext_lazy("village"))
    month = forms.CharField(label=gettext_lazy("month"), max_length=10, widget=_month_widget())

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(code, name) for code, name in villages]

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"].strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class SelectForm(forms.Form):
    kind = forms.ChoiceField(choices=AwardKind.choices, widget=forms.HiddenInput)
    subject = forms.ChoiceField(label=gettext_lazy("candidate"))
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=services.TEXT_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Why the board selects them")}),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "—"), *candidates]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=gettext_lazy("minutes"),
        max_length=services.MINUTES_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    met_on = forms.DateField(
        label=gettext_lazy("board met on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("answer"),
        max_length=services.OBJECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    upheld = forms.ChoiceField(label=gettext_lazy("upheld"), choices=YES_NO)

    def clean_upheld(self):
        value = self.cleaned_data["upheld"]
        if value not in ("yes", "no"):
            raise forms.ValidationError(_("Say whether the objection is upheld."))
        return value == "yes"


class BoardMemberForm(forms.Form):
    user = forms.ChoiceField(label=gettext_lazy("member"))
    is_chair = forms.BooleanField(label=gettext_lazy("chair"), required=False)
    starts_on = forms.DateField(
        label=gettext_lazy("starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *people]


class QuotaForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("area"))
    kind = forms.ChoiceField(label=gettext_lazy("award"), choices=AwardKind.choices)
    per_village = forms.IntegerField(
        label=gettext_lazy("per village and month"), min_value=0, max_value=services.QUOTA_MAX
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = list(areas)


class AwardForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("award"), choices=AwardKind.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("reward (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )


class FundForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("held by"))
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = list(areas)


class BudgetForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)


class ObjectionForm(forms.Form):
    """An objection from anyone. `website` is a trap for robots: people never see it."""

    selection = forms.ChoiceField(label=gettext_lazy("Objection to"))
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=services.OBJECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(label=gettext_lazy("contact name"), max_length=50)
    contact_phone = forms.CharField(
        label=gettext_lazy("contact phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    website = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, selections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selection"].choices = [("", "—"), *selections]
