"""Forms of the benefit passes' pages: issuing a month's passes, revoking one, the card
sheet of a grid, a benefit, a verifier device."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker
from yiwang.core.reporting import parse_month
from yiwang.core.scoping import is_area_code
from yiwang.points.models import AwardKind, Benefit, Pass
from yiwang.points.models.passes import Verifier


def _month_widget():
    return forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})


def clean_month(text: str):
    try:
        return parse_month((text or "").strip())
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None


class IssueForm(forms.Form):
    month = forms.CharField(
        label=_("month of the evaluation"),
        max_length=10,
        widget=_month_widget(),
        help_text=_("The passes are valid the month after it."),
    )

    def clean_month(self):
        return clean_month(self.cleaned_data["month"])


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for revoking"),
        max_length=Pass._meta.get_field("revoke_reason").max_length,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the household moved away")}),
    )


class CardsForm(forms.Form):
    grid = forms.CharField(label=_("grid"), max_length=18, widget=AreaPicker(levels=("grid",)))
    month = forms.CharField(label=_("valid in the month"), max_length=10, widget=_month_widget())

    def clean_grid(self):
        code = self.cleaned_data["grid"].strip()
        if not is_area_code(code):
            raise forms.ValidationError(_("Choose an area from the list."))
        return code

    def clean_month(self):
        return clean_month(self.cleaned_data["month"])


class SettlementForm(forms.Form):
    month = forms.CharField(label=_("month"), max_length=10, required=False, widget=_month_widget())

    def clean_month(self):
        text = self.cleaned_data["month"]
        return clean_month(text) if text.strip() else None


class BenefitForm(forms.Form):
    code = forms.SlugField(
        label=_("code"),
        max_length=40,
        help_text=_("Letters, digits, - or _; it is written into every pass and cannot change."),
    )
    name = forms.CharField(label=_("name"), max_length=100)
    operator = forms.CharField(
        label=_("operator"),
        max_length=100,
        help_text=_(
            "Whose conductors or gate keepers check the passes; the settlement is per operator."
        ),
    )
    award = forms.ChoiceField(label=_("for the award"), choices=AwardKind.choices)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, benefit: Benefit | None = None, **kwargs):
        if benefit is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": benefit.code,
                    "name": benefit.name,
                    "operator": benefit.operator,
                    "award": benefit.award,
                    "is_active": benefit.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if benefit is not None:
            self.fields["code"].disabled = True


class VerifierForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=Verifier._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. bus line 1, device 1")}),
    )
    operator = forms.CharField(label=_("operator"), max_length=100)
    place = forms.CharField(
        label=_("place"),
        max_length=100,
        required=False,
        help_text=_("Where it is used (a bus line, a gate); the device may change it."),
    )
