"""Forms of micro-wishes. They take what is typed; the services check it and say what is
wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.volunteering.models import ClaimerKind
from yiwang.volunteering.services import wishes as services


class WishForm(forms.Form):
    recipient = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("wish"),
        max_length=services.TITLE_MAX,
        help_text=_(
            "Public: shown on the wish wall with the village. What is wished for, e.g. a "
            "study desk; never the person's name, school or family."
        ),
    )
    description = forms.CharField(
        label=_("description"),
        required=False,
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen only by those who work in the area, never on the wish wall."),
    )
    value = forms.CharField(label=_("estimated value (yuan)"), required=False, max_length=14)


class ClaimForm(forms.Form):
    """A claim: its kind, and by kind the registered volunteer (a volunteer's or a party
    member's claim), the enterprise (outreach's, an enterprise's claim) or the group's
    members. The volunteer and the enterprise are ids the page's searches chose (GET `vq`,
    `eq`); the service finds them in the actor's scope."""

    uuid = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("claimed by"), choices=ClaimerKind.choices)
    claimer_name = forms.CharField(
        label=_("claimer"),
        required=False,
        max_length=services.CLAIMER_MAX,
        help_text=_(
            "The person, enterprise or group who fulfils the wish; a volunteer's or an "
            "enterprise's name when left empty."
        ),
    )
    volunteer = forms.CharField(label=_("volunteer"), required=False, widget=forms.HiddenInput)
    enterprise = forms.CharField(label=_("enterprise"), required=False, widget=forms.HiddenInput)
    group_members = forms.CharField(
        label=_("group members"),
        required=False,
        max_length=services.MEMBERS_MAX,
        help_text=_("A group's claim: name its members."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("uuid", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)


class FulfilForm(forms.Form):
    confirmed_by = forms.CharField(
        label=_("confirmed by (recipient or guardian)"),
        max_length=services.CONFIRMER_MAX,
        help_text=_("The recipient, or their guardian, confirms on this phone: their name."),
    )


class StoryForm(forms.Form):
    story = forms.CharField(
        label=_("follow-up story"),
        max_length=services.STORY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), required=False, max_length=200)
