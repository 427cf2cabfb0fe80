"""Forms of the public pages (no account): a resident's request with its flood challenge,
the tracking-code lookup and the rating. What a case may be is the services' business;
these take the input, check the challenge and that the point lies in the chosen village.

The challenge: the page carries a signed, time-stamped token (Django's signing, salted for
this form) that names a small sum the resident answers, and a one-time nonce. A POST is
refused when the token is missing, forged or older than CHALLENGE_MAX_AGE; when it comes
back sooner than CASES_PUBLIC_MIN_FILL_SECONDS (3 by default) after the page was served
(no person writes a request that fast); when the sum is wrong; when the hidden honeypot
field is filled in; or when the nonce was used before (the cache remembers it for the
token's life). No outside captcha service: county intranets have no internet.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import shapely
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from yiwang.areas.models import Area, Level
from yiwang.cases.forms.cases import PhotosField
from yiwang.cases.models import NAME_MAX, NOTE_MAX, TEXT_MAX, CaseKind, Category, Satisfaction
from yiwang.cases.services import clean_tracking_code
from yiwang.core.validators import normalize_code

_SALT = "yiwang.cases.public.request"
CHALLENGE_MAX_AGE = 2 * 3600  # seconds: a resident may take their time to write


def _min_seconds() -> int:
    return getattr(settings, "CASES_PUBLIC_MIN_FILL_SECONDS", 3)


@dataclass(frozen=True)
class Challenge:
    token: str
    a: int
    b: int


def issue_challenge(issued_at: float | None = None) -> Challenge:
    """A fresh question for the page; `issued_at` (seconds since the epoch) is for tests."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    payload = {
        "a": a,
        "b": b,
        "n": secrets.token_urlsafe(12),
        "t": int(time.time() if issued_at is None else issued_at),
    }
    return Challenge(signing.dumps(payload, salt=_SALT), a, b)


# Why a challenge failed. Forged, expired and a filled honeypot get the same message, so
# that a script learns nothing about which check it tripped.
_CHALLENGE_ERRORS = {
    "invalid": _(
        "This form has expired or was changed. Please answer the new question and send it again."
    ),
    "too_fast": _(
        "The form was sent too quickly. Please check what you wrote, answer the new question "
        "and send it again."
    ),
    "wrong": _("The answer is not right. Please answer the new question."),
    "used": _("This form has already been sent. To send another request, fill in the form again."),
}


def check_challenge(token: str, answer, honeypot: str) -> str | None:
    """None when the challenge is passed, else the reason (a key of _CHALLENGE_ERRORS).
    A passed challenge is spent: its nonce is never accepted again."""
    if honeypot:
        return "invalid"
    try:
        payload = signing.loads(token or "", salt=_SALT, max_age=CHALLENGE_MAX_AGE)
        a, b, nonce = int(payload["a"]), int(payload["b"]), str(payload["n"])
        issued = float(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "invalid"
    age = time.time() - issued
    if age > CHALLENGE_MAX_AGE:
        return "invalid"
    if age < _min_seconds():
        return "too_fast"
    if answer != a + b:
        return "wrong"
    if not cache.add(f"cases:public:nonce:{nonce}", 1, CHALLENGE_MAX_AGE):
        return "used"
    return None


def request_category_choices():
    """Active categories of residents' requests; sub-categories under their parent's name."""
    groups: dict[str, list] = {}
    for category in (
        Category.objects.filter(is_active=True, kind=CaseKind.REQUEST)
        .exclude(children__is_active=True)  # a parent with sub-categories is their group
        .select_related("parent")
        .order_by("order", "code")
    ):
        group = category.parent.name if category.parent_id else ""
        groups.setdefault(group, []).append((category.code, category.name))
    choices: list = [("", "—")]
    for group, items in groups.items():
        if group:
            choices.append((group, items))
        else:
            choices.extend(items)
    return choices


def village_choices() -> tuple[list, list]:
    """(towns, villages grouped by town): the open ones of the county, in code order."""
    areas = Area.objects.open().filter(level__in=[Level.TOWN, Level.VILLAGE]).order_by("code")
    towns = {}
    villages: dict[str, list] = {}
    for code, name, level in areas.values_list("code", "name", "level"):
        if level == Level.TOWN:
            towns[code] = name
        elif code[:9] in towns:
            villages.setdefault(code[:9], []).append((code, name))
    town_choices = [("", "—")] + [(c, n) for c, n in towns.items() if c in villages]
    village_groups = [("", "—")] + [(towns[t], items) for t, items in villages.items()]
    return town_choices, village_groups


class PublicRequestForm(forms.Form):
    """A resident's request. The challenge fields are rendered by the template (a fresh
    question on every page), and checked here."""

    category = forms.ChoiceField(label=_("What kind of request"))
    text = forms.CharField(
        label=_("What happened, and what you ask for"),
        # The service counts the real limit with its own message; this stops a huge body.
        max_length=TEXT_MAX * 2,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village or community"))
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Where exactly"),
        required=False,
        max_length=200,
        help_text=_("A street, a house number, a landmark."),
    )
    photos = PhotosField()
    name = forms.CharField(label=_("Your name"), required=False, max_length=NAME_MAX)
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=30,
        help_text=_("Only the staff handling your request see it, to call you back."),
    )
    # The challenge (see the module's docstring).
    challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    answer = forms.CharField(required=False, max_length=10)
    # Hidden from people (and from screen readers); scripts that fill every field fill it.
    homepage = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = request_category_choices()
        towns, villages = village_choices()
        self.fields["town"].choices = towns
        self.fields["village"].choices = villages
        self.fields["text"].widget.attrs["maxlength"] = TEXT_MAX
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean(self):
        data = super().clean()
        answer = normalize_code(data.get("answer"))  # full-width digits typed on a phone
        reason = check_challenge(
            self.data.get("challenge", ""),
            int(answer) if answer.isascii() and answer.isdigit() and len(answer) < 10 else None,
            self.data.get("homepage", ""),
        )
        if reason == "wrong":
            self.add_error("answer", _CHALLENGE_ERRORS[reason])
        elif reason:
            self.add_error(None, _CHALLENGE_ERRORS[reason])
        self._check_point(data)
        return data

    def _check_point(self, data) -> None:
        """The point, when given, must lie in the chosen village (when its boundary is
        known): the map sets both, so a mismatch is a slip to correct, not a guess to make."""
        lat, lng, village = data.get("lat"), data.get("lng"), data.get("village")
        if not (lat or lng):
            return
        try:
            point = shapely.Point(float(lng), float(lat))
        except (TypeError, ValueError):
            self.add_error(None, _("The point on the map could not be read: set it again."))
            return
        boundary = (
            Area.objects.filter(code=village).values_list("boundary", flat=True).first()
            if village
            else None
        )
        if boundary and not shape(boundary).covers(point):
            self.add_error(
                "village",
                _(
                    "The point on the map lies outside this village: choose the village "
                    "where it is, or move the point."
                ),
            )

    def service_values(self) -> dict:
        """The arguments of services.submit_request, but for the photos (the page reads
        them once the form is valid)."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "text": data["text"],
            "phone": data["phone"],
            "name": data["name"],
            "lat": data["lat"] or None,
            "lng": data["lng"] or None,
            "village_code": data["village"],
            "address": data["address"],
        }


class TrackForm(forms.Form):
    """The tracking code as typed: with or without the space, in any case, full-width
    too. A code that cannot be one (its length, a letter that no code has) is told apart
    from one that finds no request, without a query."""

    code = forms.CharField(
        label=_("Tracking code"),
        max_length=64,
        help_text=_(
            "The code you were given when you sent the request: 8 letters and digits, "
            "such as K7M4 Q9XP."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )

    def clean_code(self) -> str:
        code = clean_tracking_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _(
                    "This is not a tracking code: a tracking code has 8 letters and digits, "
                    "such as K7M4 Q9XP, and never the look-alikes 0, O, 1, I or L. Check the "
                    "code you were given and type it again."
                ),
                code="tracking_code_format",
            )
        return code


class RatingForm(forms.Form):
    code = forms.CharField(max_length=64, widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with how your request was handled?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
