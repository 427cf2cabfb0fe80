"""Forms of the cooperatives' pages: a new cooperative (its village picked by name from the
user's areas), the charter's terms (rates as percentages, stored as shares of 1), a seat
on the board, the end of a seat."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.accounts.models import User
from yiwang.areas import picker
from yiwang.areas.models import Area, Level
from yiwang.coops import access
from yiwang.coops.models import Alliance, BoardRole, Cooperative, DistributionMode
from yiwang.core import access as core_access
from yiwang.core.scoping import any_subtree_q

HUNDRED = Decimal(100)
# The charter's rates are stored with three decimals (0.105): one decimal of a percentage.
PERCENT = {"max_digits": 4, "decimal_places": 1}
MAX_SHARES_PER_UNIT = 10**8


# The board's roles as a cooperative names them (理事长, 理事, 监事, 会计).
ROLE_LABELS = {
    BoardRole.CHAIR: pgettext_lazy("cooperative board", "Chair"),
    BoardRole.BOARD: pgettext_lazy("cooperative board", "Board member"),
    BoardRole.SUPERVISOR: pgettext_lazy("cooperative board", "Supervisor"),
    BoardRole.ACCOUNTANT: pgettext_lazy("cooperative board", "Accountant"),
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def percent(value) -> Decimal | None:
    """A stored rate (0.105) as the percentage the forms show (10.5)."""
    if value is None:
        return None
    return (value * HUNDRED).quantize(Decimal("0.1"))


class CharterForm(forms.Form):
    """The charter's key terms; rates entered as percentages."""

    reserve_rate = forms.DecimalField(
        label=_("Reserve rate (%)"),
        **PERCENT,
        help_text=_("Taken from the year's surplus into the reserve fund first: 0 to 99.9."),
    )
    holding_cap = forms.DecimalField(
        label=_("Cap on one member's holding (%)"),
        required=False,
        **PERCENT,
        help_text=_("No member may hold more than this share of all shares; empty for no cap."),
    )
    mode = forms.ChoiceField(
        label=_("distribution mode"), choices=DistributionMode.choices, widget=forms.RadioSelect
    )
    trading_share = forms.DecimalField(
        label=_("Returned by trading (%)"),
        **PERCENT,
        help_text=_(
            "Statutory mode: the share of the distributable surplus returned by trading, 60 to 100."
        ),
    )
    # Whole shares, 1 to 100,000,000: a larger number is a form error (the column holds
    # at most 2**31 - 1), never a failed save.
    shares_per_yuan = forms.IntegerField(
        label=_("shares a yuan"), min_value=1, max_value=MAX_SHARES_PER_UNIT
    )
    shares_per_mu = forms.IntegerField(
        label=_("shares a mu of land"), min_value=1, max_value=MAX_SHARES_PER_UNIT
    )
    shares_per_labour_day = forms.IntegerField(
        label=_("shares a day of labour"), min_value=1, max_value=MAX_SHARES_PER_UNIT
    )

    TERMS = (
        "reserve_rate",
        "holding_cap",
        "mode",
        "trading_share",
        "shares_per_yuan",
        "shares_per_mu",
        "shares_per_labour_day",
    )

    @classmethod
    def initial_of(cls, coop: Cooperative | None = None) -> dict:
        coop = coop or Cooperative()
        return {
            "reserve_rate": percent(coop.reserve_rate),
            "holding_cap": percent(coop.holding_cap),
            "mode": coop.mode,
            "trading_share": percent(coop.trading_share),
            "shares_per_yuan": coop.shares_per_yuan,
            "shares_per_mu": coop.shares_per_mu,
            "shares_per_labour_day": coop.shares_per_labour_day,
        }

    def clean_reserve_rate(self):
        value = self.cleaned_data["reserve_rate"]
        if value is not None and not (0 <= value < HUNDRED):
            raise forms.ValidationError(
                _("The reserve rate is a percentage of the surplus: at least 0 and below 100.")
            )
        return value

    def clean_holding_cap(self):
        value = self.cleaned_data["holding_cap"]
        if value is not None and not (0 < value <= HUNDRED):
            raise forms.ValidationError(
                _(
                    "The cap on one member's holding is a percentage of all shares: above 0 "
                    "and at most 100, or empty for no cap."
                )
            )
        return value

    def clean_trading_share(self):
        value = self.cleaned_data["trading_share"]
        if value is not None and not (60 <= value <= HUNDRED):
            raise forms.ValidationError(
                _(
                    "At least 60% of the distributable surplus is returned by trading "
                    "(Art. 44): enter 60 to 100."
                )
            )
        return value

    def terms(self) -> dict:
        """The cleaned terms as the services take them (rates as shares of 1)."""
        data = self.cleaned_data
        out = {name: data[name] for name in self.TERMS}
        for name in ("reserve_rate", "holding_cap", "trading_share"):
            if out[name] is not None:
                out[name] = (out[name] / HUNDRED).quantize(Decimal("0.001"))
        return out


def alliances_for(user):
    """The alliances a user may put a cooperative in: those of the towns in their scope
    and of the towns above it."""
    rows = Alliance.objects.order_by("area_code", "name")
    codes = core_access.scope_codes(user)
    if codes is None:
        return rows
    above = {code[:9] for code in codes if len(code) >= 9}
    return rows.filter(any_subtree_q("area_code", codes) | Q(area_code__in=above))


class CooperativeForm(CharterForm):
    """A new cooperative: its village (one the user keeps), name, credit code, alliance and
    the charter's terms."""

    area_code = forms.CharField(label=_("Village"), max_length=18)
    name = forms.CharField(label=_("name"), max_length=100)
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=18, required=False
    )
    alliance = forms.TypedChoiceField(
        label=_("alliance"), required=False, coerce=int, empty_value=None
    )

    field_order = ["area_code", "name", "credit_code", "alliance", *CharterForm.TERMS]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area_code"].widget = picker.offline_widget(
            user, Level.VILLAGE, blank=_("Choose a village")
        )
        self.fields["alliance"].choices = [("", _("No alliance"))] + [
            (row.pk, row.name) for row in alliances_for(user)
        ]

    def clean_area_code(self) -> str:
        code = self.cleaned_data["area_code"].strip()
        areas = Area.objects.filter(code=code, level=Level.VILLAGE)
        if self.user is not None:
            areas = areas.visible_to(self.user)
        if not areas.exists():
            raise forms.ValidationError(_("Choose a village of your areas."))
        if not access.can_keep(self.user, code):
            raise forms.ValidationError(
                _("Only the county, the town or the village keeps this cooperative.")
            )
        return code


class AppointForm(forms.Form):
    role = forms.ChoiceField(
        label=pgettext_lazy("cooperative board", "Role"), choices=list(ROLE_LABELS.items())
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    username = forms.CharField(
        label=_("Account (username)"),
        max_length=150,
        required=False,
        help_text=_(
            "The accountant needs an account to run the distribution, the chair to approve "
            "it; optional for the others."
        ),
    )
    on = forms.DateField(label=_("appointed on"), widget=_date_input())

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.account: User | None = None
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())
        self.fields["username"].widget.attrs.update({"autocomplete": "off"})

    def clean_username(self) -> str:
        username = (self.cleaned_data.get("username") or "").strip()
        if username:
            users = User.objects.filter(username=username, is_active=True)
            if self.actor is not None:
                users = users.visible_to(self.actor)
            self.account = users.first()
            if self.account is None:
                raise forms.ValidationError(
                    _("There is no person with the username %(u)s in your areas.") % {"u": username}
                )
        return username


class EndSeatForm(forms.Form):
    on = forms.DateField(label=pgettext_lazy("cooperative board", "left on"), widget=_date_input())
    reason = forms.CharField(label=_("why they left"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())
