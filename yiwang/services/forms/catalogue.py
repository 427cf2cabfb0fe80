"""Forms of the catalogue: the filter of the list, an item and its materials (the county
admin's). The services (services/catalogue.py) check what they save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.services.models import ServiceMode

ITEM_FIELDS = (
    "code",
    "name",
    "mode",
    "is_cross_province",
    "department",
    "authority",
    "time_limit_days",
    "fee",
    "fee_note",
    "where",
    "basis",
    "notes",
    "is_active",
)


class CatalogueFilterForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("mode"), required=False, choices=[("", _("Any mode")), *ServiceMode.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=50)


def _textarea(rows: int):
    return forms.Textarea(attrs={"rows": rows})


class ItemForm(forms.Form):
    """An item's fields as save_item takes them (`department`: a department's id)."""

    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    mode = forms.ChoiceField(label=_("mode"), choices=ServiceMode.choices)
    is_cross_province = forms.BooleanField(label=_("across provinces (跨省通办)"), required=False)
    department = forms.TypedChoiceField(
        label=_("deciding department"), required=False, coerce=int, empty_value=None
    )
    authority = forms.CharField(
        label=_("deciding office"),
        required=False,
        max_length=100,
        help_text=_("An office outside the county, when no department of the county decides."),
    )
    time_limit_days = forms.IntegerField(label=_("time limit (working days)"), min_value=1)
    fee = forms.DecimalField(label=_("fee (yuan)"), min_value=0, max_digits=9, decimal_places=2)
    fee_note = forms.CharField(label=_("about the fee"), required=False, max_length=200)
    where = forms.CharField(label=_("where it can be done"), widget=_textarea(3))
    basis = forms.CharField(label=_("legal basis"), required=False, max_length=200)
    notes = forms.CharField(label=_("notes"), required=False, widget=_textarea(3))
    is_active = forms.BooleanField(label=_("offered"), required=False, initial=True)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("None (an office outside the county)"))] + [
            (d.pk, d.name) for d in departments
        ]
        self.fields["time_limit_days"].widget.attrs["inputmode"] = "numeric"
        self.fields["fee"].widget.attrs["inputmode"] = "decimal"


class MaterialForm(forms.Form):
    name = forms.CharField(label=_("material"), max_length=100, required=False)
    is_original = forms.BooleanField(label=_("original"), required=False)
    copies = forms.IntegerField(label=_("copies"), min_value=1, initial=1, required=False)
    is_required = forms.BooleanField(label=_("required"), required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


MaterialFormSet = forms.formset_factory(MaterialForm, extra=2, max_num=50)


def materials_of(formset) -> list[dict]:
    """The materials of a valid formset, in their order; rows without a name are left out."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not (data.get("name") or "").strip():
            continue
        rows.append(
            {
                "name": data["name"].strip(),
                "is_original": bool(data.get("is_original")),
                "copies": data.get("copies") or 1,
                "is_required": bool(data.get("is_required")),
                "note": data.get("note") or "",
            }
        )
    return rows
