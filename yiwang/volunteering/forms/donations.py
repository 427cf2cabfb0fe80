"""Forms of funds, donations and pay-outs. They take what is typed; the services check it
and say what is wrong."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker
from yiwang.volunteering.models import DonationKind
from yiwang.volunteering.services import donations as services


def _today():
    return timezone.localdate().isoformat()


class FundForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    area_code = forms.CharField(
        label=_("kept by"), max_length=18, widget=AreaPicker(levels=("county", "town", "village"))
    )


class DonationForm(forms.Form):
    uuid = forms.CharField(widget=forms.HiddenInput)
    donor = forms.CharField(label=_("donor"), max_length=services.DONOR_MAX)
    kind = forms.ChoiceField(label=_("kind"), choices=DonationKind.choices)
    description = forms.CharField(label=_("what was given"), max_length=services.DESCRIPTION_MAX)
    value = forms.CharField(label=_("value (yuan)"), max_length=14)
    received_on = forms.CharField(
        label=_("received on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("uuid", str(uuid.uuid4()))
        initial.setdefault("received_on", _today())
        super().__init__(*args, **kwargs)


class PayoutForm(forms.Form):
    uuid = forms.CharField(widget=forms.HiddenInput)
    recipient = forms.CharField(label=_("paid to"), max_length=services.RECIPIENT_MAX)
    purpose = forms.CharField(label=_("purpose"), max_length=services.PURPOSE_MAX)
    amount = forms.CharField(label=_("amount (yuan)"), max_length=14)
    paid_on = forms.CharField(label=_("paid on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("uuid", str(uuid.uuid4()))
        initial.setdefault("paid_on", _today())
        super().__init__(*args, **kwargs)
