"""Forms of the area pages: a new grid under a village, a new unit under a grid."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class AreaCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=18,
        required=False,
        validators=[RegexValidator(r"^\d+$", _("The code must be digits only."))],
        help_text=_("Three digits, e.g. 003. Leave empty to take the next free number."),
    )
    # The level of the new area; the service refuses one that cannot go under the parent.
    level = forms.CharField(required=False, widget=forms.HiddenInput)


class AreaImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel with the columns code,name (or code,urban-rural class,name). "
            "Grids and units can be created in bulk the same way. A file with any bad row "
            "changes nothing."
        ),
    )
