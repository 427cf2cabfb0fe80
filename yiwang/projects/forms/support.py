"""Forms of enterprise support. They take what is typed; the services check it and say
what is wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.projects.models import RequestKind, Satisfaction
from yiwang.projects.selectors import support as selectors
from yiwang.projects.services import support as services


class RequestForm(forms.Form):
    uuid = forms.CharField(required=False, widget=forms.HiddenInput)
    enterprise = forms.CharField(
        label=_("enterprise"),
        max_length=selectors.ENTERPRISE_SEARCH_MAX,
        help_text=_("Its full name or its unified social credit code."),
        widget=forms.TextInput(attrs={"list": "request-enterprises", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=RequestKind.choices)
    text = forms.CharField(
        label=_("request"), max_length=services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    department = forms.ChoiceField(label=_("department"))
    received_on = forms.CharField(
        label=_("received on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, enterprises=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = list(enterprises)  # the suggestions (a datalist)
        self.fields["department"].choices = [("", "—")] + [(str(d.pk), d.name) for d in departments]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("reply"), max_length=services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("reason for the extension"), max_length=services.REASON_MAX)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("resolution"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("satisfaction"), choices=Satisfaction.choices)
    note = forms.CharField(
        label=_("about the satisfaction"), required=False, max_length=services.REASON_MAX
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    bank = forms.CharField(label=_("bank"), max_length=services.NAME_MAX)
    leader = forms.ChoiceField(label=_("team leader"), required=False)
    members = forms.MultipleChoiceField(
        label=_("members"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), str(p)) for p in people]
        self.fields["leader"].choices = [("", "—"), *choices]
        self.fields["members"].choices = choices
