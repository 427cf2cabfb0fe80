"""Forms of the ledger pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Show"), choices=[("id_number", _("ID number")), ("phone", _("Phone"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=4)


class LedgerImportForm(forms.Form):
    area = forms.ChoiceField(label=_("Into"))
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel, one row per resident, with the headers of the template. You will "
            "see a preview first; nothing is written until you confirm."
        ),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.code, f"{a.name} ({a.code})") for a in areas]
