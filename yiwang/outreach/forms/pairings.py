"""Forms of outreach's enterprises, programmes and pairings. They only shape the input:
every check that matters is the service's, whose ValidationError goes back onto the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role, User
from yiwang.areas import picker
from yiwang.areas.picker import AreaPicker
from yiwang.outreach.models import Programme, SubjectKind
from yiwang.registry.models import HouseholdCategory, Tag


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=30,
        help_text=_("18 characters, as on the business licence."),
    )
    area_code = forms.CharField(
        label=_("area"),
        max_length=18,
        widget=AreaPicker(levels=("village", "grid", "unit")),
        help_text=_("Its village, grid or unit: type a name or pinyin initials."),
    )
    industry = forms.CharField(label=_("industry"), max_length=50, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("contact"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class EnterpriseImportForm(forms.Form):
    area = forms.CharField(
        label=_("into the area"),
        max_length=18,
        widget=AreaPicker(),
        help_text=_("An area of your scope: every row must lie under it."),
    )
    file = forms.FileField(
        label=_("file"), help_text=_("CSV or Excel (.xlsx), one enterprise a row.")
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        picker.limit_to(self, user)
        roots = scope.scope_codes(user)
        if roots and len(roots) == 1:
            self.fields["area"].initial = roots[0]

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        if not scope.in_scope(self.user, code):
            raise forms.ValidationError(_("This area is not among yours."))
        return code


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    subject_kind = forms.ChoiceField(label=_("paired with"), choices=SubjectKind.choices)
    sponsor_role = forms.ChoiceField(
        label=_("sponsors' role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=_("Everyone holding a current post of this role may be a sponsor."),
    )
    chosen_sponsors = forms.ModelMultipleChoiceField(
        label=_("chosen sponsors"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("And/or these people. Give a role, or people, or both."),
    )
    household_category = forms.ChoiceField(
        label=_("household category"),
        choices=[("", "—"), *HouseholdCategory.choices],
        required=False,
    )
    tag = forms.ChoiceField(label=_("tag"), required=False)
    visit_every_days = forms.IntegerField(
        label=_("a visit every (days)"), min_value=1, max_value=32767
    )
    order = forms.IntegerField(label=_("order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, programme: Programme | None = None, **kwargs):
        if programme is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "code": programme.code,
                "name": programme.name,
                "subject_kind": programme.subject_kind,
                "sponsor_role": programme.sponsor_role,
                "chosen_sponsors": list(programme.chosen_sponsors.all()),
                "household_category": programme.household_category,
                "tag": programme.tag.code if programme.tag_id else "",
                "visit_every_days": programme.visit_every_days,
                "order": programme.order,
                "is_active": programme.is_active,
            }
        super().__init__(*args, **kwargs)
        self.fields["chosen_sponsors"].queryset = User.objects.filter(is_active=True).order_by(
            "username"
        )
        self.fields["tag"].choices = [
            ("", "—"),
            *Tag.objects.filter(is_active=True).values_list("code", "name"),
        ]
        if programme is not None:
            self.fields["code"].disabled = True


class AssignForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("programme"), queryset=Programme.objects.filter(is_active=True)
    )
    sponsor = forms.IntegerField(
        label=_("sponsor"), widget=forms.Select, help_text=_("An eligible sponsor.")
    )
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput)
    starts_on = forms.DateField(
        label=_("starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, sponsors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].widget.choices = [("", "—"), *sponsors]


class EndForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class TransferForm(forms.Form):
    sponsor = forms.IntegerField(label=_("new sponsor"), widget=forms.Select)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args, sponsors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].widget.choices = [("", "—"), *sponsors]


class CoverageForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("programme"), queryset=Programme.objects.all())
    area = forms.CharField(label=_("area"), max_length=18, widget=AreaPicker())
