"""Forms of the members' pages: the list's filter, adding a member, a contribution, a
withdrawal, the register's filter, the trading year and the trading import."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.coops.models import ContributionKind, MemberKind

# The kinds' labels, as these pages show them (the models' labels are translated here,
# in this topic's context).
MEMBER_KIND_CHOICES = [
    (MemberKind.COLLECTIVE.value, pgettext_lazy("coop members", "The village collective")),
    (MemberKind.HOUSEHOLD.value, pgettext_lazy("coop members", "A household of the village")),
    (MemberKind.OTHER.value, pgettext_lazy("coop members", "Another member")),
]
CONTRIBUTION_KIND_CHOICES = [
    (ContributionKind.MONEY.value, pgettext_lazy("coop members", "Money")),
    (ContributionKind.LAND.value, pgettext_lazy("coop members", "Land")),
    (ContributionKind.LABOUR.value, pgettext_lazy("coop members", "Labour")),
    (
        ContributionKind.ASSETS.value,
        pgettext_lazy("coop members", "Collective funds, assets and resources"),
    ),
]
MEMBER_KINDS = dict(MEMBER_KIND_CHOICES)
CONTRIBUTION_KINDS = dict(CONTRIBUTION_KIND_CHOICES)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.Form):
    """A new member: the village collective, a household of the village picked from the
    ledger (`household`, set by the search's link), or another member by name."""

    kind = forms.ChoiceField(label=_("kind"), choices=MEMBER_KIND_CHOICES)
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=pgettext_lazy(
            "coop members",
            "Needed for another member; a household is named after its head, the "
            "collective after the village, unless you enter a name.",
        ),
    )
    joined_on = forms.DateField(label=_("joined on"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("joined_on", timezone.localdate())
        super().__init__(*args, **kwargs)


# Bounds of a contribution, so that a huge number is a form error, not a failed write.
MAX_AMOUNT = Decimal("999999999999.99")
MAX_MU = Decimal(10**6)
MAX_DAYS = 36500


class ContributionForm(forms.Form):
    """What the member puts in, by kind: money or the collective's assets in yuan, land in
    mu, labour in days. Reviewed (the shares it is worth) before it is recorded."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("kind"), choices=CONTRIBUTION_KIND_CHOICES)
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        max_value=MAX_AMOUNT,
    )
    area_mu = forms.DecimalField(
        label=pgettext_lazy("coop members", "land (mu)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        max_value=MAX_MU,
    )
    days = forms.IntegerField(
        label=pgettext_lazy("coop members", "days of labour"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
    )
    on = forms.DateField(label=pgettext_lazy("coop members", "on"), widget=_date_input())
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("uuid", str(uuid.uuid4()))
        initial.setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    shares = forms.IntegerField(label=pgettext_lazy("coop members", "shares"), min_value=1)
    on = forms.DateField(label=pgettext_lazy("coop members", "on"), widget=_date_input())
    reason = forms.CharField(label=_("reason"), max_length=200)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class LeaveForm(forms.Form):
    """A member leaving: the day and why (the remaining shares are handed back)."""

    on = forms.DateField(label=pgettext_lazy("coop members", "on"), widget=_date_input())
    reason = forms.CharField(label=_("reason"), max_length=150)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class RegisterFilterForm(forms.Form):
    """The register's filter: a member found by their number, their household's number
    or their name (a text field: a cooperative may have thousands of members)."""

    member = forms.CharField(
        label=_("member"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": pgettext_lazy("coop members", "Number or name"),
            }
        ),
    )
    since = forms.DateField(label=_("from"), required=False, widget=_date_input())
    until = forms.DateField(label=_("to"), required=False, widget=_date_input())


class TradingImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=pgettext_lazy(
            "coop members",
            "Excel (.xlsx), one row a member and year, with the headers of the template. "
            "Every row is checked; if one is wrong, nothing is saved.",
        ),
    )
