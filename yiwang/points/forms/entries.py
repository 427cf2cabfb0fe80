"""Forms of the points ledger's pages: an entry recorded on a phone (the subject and the
item chosen among the village's), a rejection's or a correction's reason. What is allowed
is the services' business; these only take the input."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import IdField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class EntryForm(forms.Form):
    subject = forms.ChoiceField(label=_("Household or party member"))
    item = forms.ChoiceField(label=_("Item"))
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Such as 2026-11."),
    )
    points = forms.CharField(
        label=_("Points"),
        required=False,
        max_length=12,
        help_text=_("Only for an item with a range; otherwise the item's points."),
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("Photos"), required=False)
    visit = IdField(label=_("Visit number"), required=False)
    case = IdField(label=_("Case number"), required=False)

    def __init__(self, *args, subjects=(), items=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("month", timezone.localdate().strftime("%Y-%m"))
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "—"), *subjects]
        self.fields["item"].choices = [("", "—"), *items]

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        kind, _sep, pk = data.pop("subject").partition(":")
        return {
            "household": pk if kind == "h" else None,
            "resident": pk if kind == "r" else None,
            **data,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
