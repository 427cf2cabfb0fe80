"""Forms of the help requests: the list's filter, taking a request on the phone, the
next step, a material received, the follow-up call, revealing personal data."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.areas import picker
from yiwang.areas.models import Level
from yiwang.services.models import Channel, Satisfaction, Step


class HelpFilterForm(forms.Form):
    step = forms.ChoiceField(
        label=_("step"), required=False, choices=[("", _("Any step")), *Step.choices]
    )
    item = forms.TypedChoiceField(label=_("item"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Number"), required=False, max_length=20)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("Any item"))] + [(i.pk, i.name) for i in items]


class TakeForm(forms.Form):
    """A help request taken on the phone: the item is chosen first (its materials are the
    boxes to tick); the resident picked from the ledger, or typed."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    area_code = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=18,
        help_text=_("Where the resident lives; not needed for a resident of the ledger."),
    )
    applicant_name = forms.CharField(label=_("applicant"), max_length=50, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    matter = forms.CharField(
        label=_("the matter"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(label=_("taken"), choices=Channel.choices, initial=Channel.WORKER)
    materials = forms.MultipleChoiceField(
        label=_("Materials received"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, item=None, user=None, resident=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("uuid", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.resident_row = resident
        if item is not None:
            self.fields["materials"].choices = [(str(m.pk), m.name) for m in item.materials.all()]
        if user is not None:
            self.fields["area_code"].widget = picker.offline_widget(
                user, Level.UNIT, blank=_("Not chosen")
            )
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        if resident is not None:
            # The ledger's resident: name and area come from the ledger.
            for name in ("area_code", "applicant_name"):
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if self.resident_row is None:
            if not data.get("applicant_name"):
                self.add_error("applicant_name", _("Give the applicant's name."))
            if not data.get("area_code"):
                self.add_error("area_code", _("Choose the unit where the resident lives."))
        return data


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=Step.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class MaterialReceiveForm(forms.Form):
    material = forms.TypedChoiceField(
        label=_("material"), required=False, coerce=int, empty_value=None
    )
    name = forms.CharField(label=_("Or another material"), required=False, max_length=100)
    document_number = forms.CharField(label=_("document number"), required=False, max_length=40)

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [("", _("Not one of the item's"))] + [
            (m.pk, m.name) for m in missing
        ]
        self.fields["document_number"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        if not data.get("material") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose a material of the item or name another."))
        return data


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("about the satisfaction"), required=False, max_length=200)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Show"))
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=4)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = list(choices)
