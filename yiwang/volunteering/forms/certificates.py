"""The forms of hours certificates: the period of a certificate, the public check by
number and check code, and the national export's area and period. Dates are read and
checked by the services (their messages say what is wrong)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker
from yiwang.volunteering.services.certificates import HANDLER_MAX

DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    first_day = forms.DateField(label=_("first day"), widget=DATE)
    last_day = forms.DateField(label=_("last day"), widget=DATE)


class IssueForm(PeriodForm):
    handler = forms.CharField(
        label=_("handler"),
        max_length=HANDLER_MAX,
        required=False,
        help_text=_("Who handles the certificate; your own name when left empty."),
    )


class ExportForm(PeriodForm):
    area = forms.CharField(label=_("area"), max_length=18, widget=AreaPicker())


class CheckForm(forms.Form):
    number = forms.CharField(label=_("certificate number"), max_length=30)
    check_code = forms.CharField(label=_("check code"), max_length=32)
