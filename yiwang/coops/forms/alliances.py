"""Forms of the alliances' pages: a new alliance (its town picked by name from the user's
areas), a new name, and which alliance a cooperative is in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.areas import picker
from yiwang.areas.models import Area, Level
from yiwang.coops.models import Alliance, Cooperative

NAME_MAX = Alliance._meta.get_field("name").max_length


class AllianceNameForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=NAME_MAX)


class AllianceForm(AllianceNameForm):
    """A new alliance: its town (one of the user's areas) and its name."""

    area_code = forms.CharField(label=_("Town"), max_length=18)

    field_order = ["area_code", "name"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area_code"].widget = picker.offline_widget(
            user, Level.TOWN, blank=_("Choose a town")
        )

    def clean_area_code(self) -> str:
        code = self.cleaned_data["area_code"].strip()
        towns = Area.objects.filter(code=code, level=Level.TOWN)
        if self.user is not None:
            towns = towns.visible_to(self.user)
        if not towns.exists():
            raise forms.ValidationError(_("Choose a town of your areas."))
        return code


class CoopAllianceForm(forms.Form):
    """The alliance of the cooperative's town, or none."""

    alliance = forms.TypedChoiceField(
        label=_("alliance"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, cooperative: Cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        town = cooperative.area_code[:9]
        self.fields["alliance"].choices = [("", _("No alliance"))] + [
            (pk, name)
            for pk, name in Alliance.objects.filter(area_code=town)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ]
