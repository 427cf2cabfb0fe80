"""Forms of the ledger pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas import picker
from yiwang.areas.models import Area, Level
from yiwang.areas.picker import AreaPicker
from yiwang.core import validators
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    LifeEventKind,
    Relation,
    Sex,
    Tag,
    TagCategory,
)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Show"), choices=[("id_number", _("ID number")), ("phone", _("Phone"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=4)

    def __init__(self, *args, fields=("id_number", "phone"), **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.fields["field"].choices
        self.fields["field"].choices = [c for c in choices if c[0] in fields]


class LedgerImportForm(forms.Form):
    area = forms.ChoiceField(label=_("Into"))
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel, one row per resident, with the headers of the template. You will "
            "see a preview first; nothing is written until you confirm."
        ),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.code, f"{a.name} ({a.code})") for a in areas]


# --- keeping the ledger by hand ---------------------------------------------------------


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _checkboxes():
    """Tag checkboxes, laid out by the template with Bootstrap's form-check markup."""
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _tag_choices():
    return [(t.code, t.name) for t in Tag.objects.filter(is_active=True)]


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


UNIT_CODE_HELP = _("The unit (单元网格): type its name or pinyin initials, or browse the tree.")
UNIT = ("unit",)


def visible_unit(actor, code: str) -> Area:
    """The open unit `code` in the actor's scope; a form error otherwise (outside the scope
    reads exactly like missing)."""
    unit = Area.objects.visible_to(actor).open().filter(code=code.strip()).first()
    if unit is None:
        raise forms.ValidationError(
            _("There is no open area with the code %(code)s in your areas."),
            params={"code": code},
        )
    if unit.level != Level.UNIT:
        raise forms.ValidationError(
            _("Households belong to a unit (单元网格), not to a %(level)s."),
            params={"level": unit.get_level_display()},
        )
    return unit


class HouseholdCreateForm(forms.Form):
    unit_code = forms.CharField(
        label=_("Unit"), max_length=18, widget=AreaPicker(levels=UNIT), help_text=UNIT_CODE_HELP
    )
    number = forms.CharField(label=_("Household number"), max_length=30)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    door_number = forms.CharField(label=_("Door number"), max_length=30, required=False)

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        picker.limit_to(self, actor)

    def clean_unit_code(self) -> str:
        return visible_unit(self.actor, self.cleaned_data["unit_code"]).code


class HouseholdEditForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    door_number = forms.CharField(label=_("Door number"), max_length=30, required=False)


class HouseholdCategoryForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("Derived from the members' tags")), *HouseholdCategory.choices],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_(
            "Needed when the category is set by hand, e.g. the village committee's decision."
        ),
    )


class ResidentAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        help_text=_("18 characters; sex and birth date follow from it."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=_date_input())
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=_checkboxes())
    event = forms.ChoiceField(
        label=_("How they came"),
        choices=[
            (LifeEventKind.MOVE_IN, LifeEventKind.MOVE_IN.label),
            (LifeEventKind.BIRTH, LifeEventKind.BIRTH.label),
        ],
    )
    on = forms.DateField(label=_("Date"), widget=_date_input(), validators=[_not_in_future])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = _tag_choices()
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class ResidentEditForm(forms.Form):
    """The resident's own fields. Numbers are never shown in full here: an empty number
    field keeps the number on file, a typed one replaces it."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=_date_input())
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    clear_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    relation = forms.ChoiceField(label=_("Relation to the head"))
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)

    def __init__(self, resident, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resident = resident
        if not self.is_bound:
            self.initial.update(
                name=resident.name,
                relation=resident.relation,
                ethnicity=resident.ethnicity,
                is_party_member=resident.is_party_member,
            )
            if not resident.id_number:  # else they follow from it and stay masked
                self.initial.update(sex=resident.sex, birth_date=resident.birth_date)
        keep = _("Leave empty to keep %(masked)s; type a new number to replace it.")
        if resident.id_number:
            self.fields["id_number"].help_text = keep % {"masked": resident.masked_id_number}
            # Sex and birth date follow from the ID number.
            del self.fields["sex"]
            del self.fields["birth_date"]
        else:
            self.fields["id_number"].help_text = _(
                "18 characters; sex and birth date follow from it."
            )
        if resident.phone:
            self.fields["phone"].help_text = keep % {"masked": resident.masked_phone}
        else:
            del self.fields["clear_phone"]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        if resident.relation == Relation.HEAD:
            # The head changes through "make head of household".
            del self.fields["relation"]
        else:
            self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]

    def service_values(self) -> dict:
        """The keyword arguments of `services.update_resident`: None keeps a value."""
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "ethnicity": data["ethnicity"],
            "is_party_member": data["is_party_member"],
            "relation": data.get("relation"),
            "id_number": data["id_number"] or None,
            "phone": "" if data.get("clear_phone") else (data["phone"] or None),
        }
        if "sex" in self.fields and not data["id_number"]:
            values["sex"] = data["sex"]
            values["birth_date"] = data["birth_date"] or ""
        return values


class ResidentTagsForm(forms.Form):
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=_checkboxes())
    on = forms.DateField(
        label=_("From"),
        widget=_date_input(),
        help_text=_("New tags start on this date; tags you untick end on it."),
    )

    def __init__(self, *args, current=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = _tag_choices()
        if not self.is_bound:
            self.initial.update(tags=list(current), on=timezone.localdate())


class LeaveForm(forms.Form):
    """Moving out or a death: when, and a note."""

    on = forms.DateField(label=_("Date"), widget=_date_input(), validators=[_not_in_future])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class TransferForm(forms.Form):
    """The household a resident moves to, found in the actor's scope by unit code and
    household number; `confirm` is set on the second step, after the review."""

    unit_code = forms.CharField(
        label=_("Unit"), max_length=18, widget=AreaPicker(levels=UNIT), help_text=UNIT_CODE_HELP
    )
    number = forms.CharField(label=_("Household number"), max_length=30)
    relation = forms.ChoiceField(label=_("Relation to the head there"), choices=Relation.choices)
    on = forms.DateField(label=_("Date"), widget=_date_input(), validators=[_not_in_future])
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, actor, resident, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.resident = resident
        self.target: Household | None = None
        picker.limit_to(self, actor)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())

    def clean(self):
        data = super().clean()
        unit_code = (data.get("unit_code") or "").strip()
        number = validators.normalize_code(data.get("number") or "")
        if unit_code and number:
            self.target = (
                Household.objects.visible_to(self.actor)
                .select_related("unit")
                .filter(area_code=unit_code, number=number)
                .first()
            )
            if self.target is None:
                self.add_error(
                    "number",
                    _("There is no household %(number)s in unit %(unit)s in your areas.")
                    % {"number": number, "unit": unit_code},
                )
            elif self.target.pk == self.resident.household_id:
                self.add_error("number", _("The resident already belongs to this household."))
            elif self.target.status != HouseholdStatus.ACTIVE:
                self.add_error("number", _("The household is no longer active."))
        return data


class MakeHeadForm(forms.Form):
    former_head_relation = forms.ChoiceField(
        label=_("The former head becomes"),
        choices=[c for c in Relation.choices if c[0] != Relation.HEAD],
    )


class MigrantForm(forms.Form):
    """A migrant in a unit of the actor's scope, with a host household (found by its number
    in the unit) or an address."""

    name = forms.CharField(label=_("Name"), max_length=50)
    origin = forms.CharField(label=_("Where from"), max_length=200)
    unit_code = forms.CharField(
        label=_("Unit"), max_length=18, widget=AreaPicker(levels=UNIT), help_text=UNIT_CODE_HELP
    )
    host_number = forms.CharField(
        label=_("Host household number"),
        max_length=30,
        required=False,
        help_text=_("The household of the unit the migrant lives with, if any."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Where the migrant lives, when there is no host household."),
    )
    arrived_on = forms.DateField(label=_("Arrival date"), widget=_date_input())
    expected_until = forms.DateField(
        label=_("Expected to stay until"), required=False, widget=_date_input()
    )
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.host: Household | None = None
        picker.limit_to(self, actor)
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean_unit_code(self) -> str:
        return visible_unit(self.actor, self.cleaned_data["unit_code"]).code

    def clean(self):
        data = super().clean()
        number = validators.normalize_code(data.get("host_number") or "")
        if number and data.get("unit_code"):
            self.host = (
                Household.objects.visible_to(self.actor)
                .filter(area_code=data["unit_code"], number=number)
                .first()
            )
            if self.host is None:
                self.add_error(
                    "host_number",
                    _("There is no household %(number)s in unit %(unit)s in your areas.")
                    % {"number": number, "unit": data["unit_code"]},
                )
        return data


class MigrantLeftForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("left_on", timezone.localdate())


class TagForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits, hyphens or underscores; it cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=40)
    category = forms.ChoiceField(label=_("Category"), choices=TagCategory.choices)
    makes_key_household = forms.BooleanField(
        label=_("Makes a key household"),
        required=False,
        help_text=_("Households where a living member carries it become key households."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, tag: Tag | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag
        if tag is not None:
            # A disabled field takes its value from the initial data, never from the POST.
            self.fields["code"].disabled = True
            self.initial["code"] = tag.code
            if not self.is_bound:
                self.initial.update(
                    code=tag.code,
                    name=tag.name,
                    category=tag.category,
                    makes_key_household=tag.makes_key_household,
                    is_active=tag.is_active,
                )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.tag is None and Tag.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A tag with this code already exists."))
        return code
