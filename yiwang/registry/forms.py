"""Forms of the ledger pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Show"), choices=[("id_number", _("ID number")), ("phone", _("Phone"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=4)
