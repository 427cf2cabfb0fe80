"""Forms of the accounts pages: giving a post (to a known or a new person), ending one,
making an API token, changing one's password."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import scope
from yiwang.accounts.models import POST_GRANTS, Role, User
from yiwang.areas import picker
from yiwang.areas.models import Area
from yiwang.areas.picker import AreaPicker


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GivePostForm(forms.Form):
    """A post for an existing person visible to the actor, or for a new account."""

    username = forms.CharField(
        label=_("Username of an existing person"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to create a new account below."),
    )
    new_username = forms.CharField(label=_("New username"), max_length=150, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(label=_("Role"))
    area_code = forms.CharField(
        label=_("Area"),
        max_length=18,
        widget=AreaPicker(),
        help_text=_("The area the post is held on: type its name or pinyin initials."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_input())

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        picker.limit_to(self, actor)
        self.existing_user: User | None = None
        if not self.is_bound:
            self.initial.setdefault("starts_on", timezone.localdate())
        # Only the roles some post of the actor lets them give; the service checks the
        # area too.
        if getattr(actor, "is_superuser", False):
            grantable = set(Role.values)
        else:
            grantable = set()
            for role, _code in scope.current_posts(actor):
                grantable.update(POST_GRANTS.get(role, ()))
        self.fields["role"].choices = [
            ("", _("Choose a role")),
            *((value, label) for value, label in Role.choices if value in grantable),
        ]

    def clean_area_code(self) -> str:
        code = self.cleaned_data["area_code"].strip()
        # Out of scope reads exactly like missing.
        if not Area.objects.visible_to(self.actor).filter(code=code).exists():
            raise forms.ValidationError(
                _("There is no area with the code %(code)s in your areas."),
                params={"code": code},
            )
        return code

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        new_username = (data.get("new_username") or "").strip()
        if username and new_username:
            raise forms.ValidationError(
                _("Give either an existing username or a new account, not both.")
            )
        if not username and not new_username:
            raise forms.ValidationError(
                _("Give the username of an existing person, or a new username and password.")
            )
        if username:
            self.existing_user = (
                User.objects.visible_to(self.actor).filter(username=username).first()
            )
            if self.existing_user is None:
                self.add_error(
                    "username",
                    _("There is no person with the username %(u)s in your areas.")
                    % {"u": username},
                )
        elif not data.get("password"):
            self.add_error("password", _("A new account needs an initial password."))
        return data


class EndPostForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Ends on"),
        widget=_date_input(),
        help_text=_("From this day on the post no longer holds."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("ends_on", timezone.localdate())


class NewTokenForm(forms.Form):
    """A new API token: the password again, so that an open session alone cannot make one."""

    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the old password checked through the authentication backends,
    so that guesses count towards the login throttling (axes) as a login's do."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
