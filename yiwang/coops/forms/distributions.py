"""The form of the year's distribution: the year and the surplus, both passed as typed to
services.distributions.run_distribution, which checks them (a year, a surplus in yuan to
the fen, not negative) and names the field at fault."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

# What a distribution's amounts hold (14 digits, 2 of them decimals).
LARGEST = Decimal("999999999999.99")

# Thousands separators and spaces people type in an amount ("1,180,000.00", "1 180 000").
_SEPARATORS = str.maketrans("", "", ",，  \u3000")


class RunForm(forms.Form):
    year = forms.CharField(
        label=_("year"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    surplus = forms.CharField(
        label=_("surplus (yuan)"),
        max_length=24,
        help_text=_("The year's surplus in yuan, to the fen, for example 1180000.00."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_year(self) -> str:
        return self.cleaned_data["year"].strip()

    def clean_surplus(self) -> str:
        text = self.cleaned_data["surplus"].translate(_SEPARATORS)
        if text.endswith("元"):
            text = text[:-1]
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text  # the service says "Enter a number."
        if number.is_finite() and abs(number) > LARGEST:
            raise forms.ValidationError(
                _("The surplus is at most 999,999,999,999.99 yuan."), code="max_value"
            )
        return text
