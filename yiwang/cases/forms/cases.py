"""Forms of the case pages: the staff intake form, one form per action, and the county
admin's forms of the categories and departments. What is allowed and what the text may be
is the services' business; these only take the input."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.accounts.models import Post, Role, User
from yiwang.areas import picker
from yiwang.areas.models import Area, Level
from yiwang.areas.picker import AreaPicker
from yiwang.cases import selectors
from yiwang.cases.models import (
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    CaseKind,
    Category,
    Department,
    HandlingLevel,
    Satisfaction,
    Source,
)
from yiwang.cases.services.dispatch import DISPATCH_LEVELS


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


def _note(label=None, required: bool = False):
    return forms.CharField(
        label=label or _("Note"), required=required, max_length=NOTE_MAX, widget=_textarea(2)
    )


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to 9 photos chosen at once (or taken with the phone's camera). The field only
    collects the files: the views read them with core.photos.read_photos once the rest of
    the form is valid, and put its refusals back on this field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("required", False)
        # Read by their bytes and refused with a message naming the file, an empty one too.
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault("help_text", _("JPEG, PNG or WebP, at most 9, 10 MB each."))
        # On a phone the input opens the camera (the back one): a worker on the spot takes
        # the photo. Types other than JPEG, PNG and WebP are refused by core.photos.
        kwargs.setdefault(
            "widget", PhotosInput(attrs={"accept": "image/*", "capture": "environment"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        return [one(f, initial) for f in (data if isinstance(data, list | tuple) else [data]) if f]


def category_choices():
    """Active categories, grouped by kind (patrol reports, residents' requests)."""
    groups: dict[str, list] = {}
    labels = {}
    for category in Category.objects.filter(is_active=True).select_related("parent"):
        labels[category.kind] = category.get_kind_display()
        groups.setdefault(category.kind, []).append((category.code, str(category)))
    return [("", "—")] + [(labels[kind], choices) for kind, choices in groups.items()]


class CaseCreateForm(forms.Form):
    """A case entered by staff: a grid worker's patrol report or a hotline call."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(Source.PATROL, _("My patrol report")), (Source.HOTLINE, _("A hotline call"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=Source.PATROL,
    )
    category = forms.ChoiceField(label=_("Category"))
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=TITLE_MAX,
        help_text=_("Left empty, the start of the text is the title."),
    )
    text = forms.CharField(label=_("What happened"), max_length=TEXT_MAX, widget=_textarea(5))
    # Kept for use without signal (static/js/offline.js): the user's own units and villages
    # are listed in the page (`picker.offline_widget`); a larger scope gets the picker.
    unit_code = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=18,
        help_text=_("Not needed with a point inside a unit, or a household."),
    )
    village_code = forms.CharField(
        label=_("Village"),
        required=False,
        max_length=12,
        help_text=_("For a call when the unit is not known."),
    )
    lat = forms.DecimalField(label=_("Latitude"), required=False, max_digits=12, decimal_places=8)
    lng = forms.DecimalField(label=_("Longitude"), required=False, max_digits=12, decimal_places=8)
    address = forms.CharField(label=_("Address or place"), required=False, max_length=200)
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Caller's name"), required=False, max_length=50)
    phone = forms.CharField(label=_("Caller's phone"), required=False, max_length=30)
    photos = PhotosField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if user is not None:
            self.fields["unit_code"].widget = picker.offline_widget(
                user, Level.UNIT, blank=_("Found from the point or the household")
            )
            self.fields["village_code"].widget = picker.offline_widget(
                user, Level.VILLAGE, blank=_("Not chosen")
            )
        else:
            for name in ("unit_code", "village_code"):
                self.fields[name].widget.attrs["inputmode"] = "numeric"
        for name in ("lat", "lng"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.fields["phone"].widget.attrs["inputmode"] = "tel"


class ActionForm(forms.Form):
    """The base of every action's form: the version of the case the user saw, so that an
    action on a case that changed meanwhile is refused instead of applied to the new state."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class NoteForm(ActionForm):
    note = _note()


class ReasonForm(ActionForm):
    reason = _note(pgettext_lazy("case action", "Reason"), required=True)


class MergeForm(ActionForm):
    into_number = forms.CharField(
        label=_("Number of the case it duplicates"),
        max_length=20,
        help_text=_("An open case of your area, e.g. 20260301-000042."),
    )
    note = _note()


class DispatchForm(ActionForm):
    """Where the case goes: an area picked by name (the unit its place suggests, at
    first), a person by name, or a department. The services check the choice."""

    area_code = forms.CharField(
        label=_("To the area"),
        required=False,
        max_length=18,
        widget=AreaPicker(levels=DISPATCH_LEVELS),
        help_text=_(
            "A unit, grid, village or town where the case lies; empty for the category's "
            "handling level."
        ),
    )
    worker = forms.TypedChoiceField(
        label=_("Or to a person by name"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Someone holding a post where the case lies (the case goes to their area), or a "
            "department's staff member (to their department)."
        ),
    )
    department = forms.ChoiceField(label=_("Or to the department"), required=False)
    note = _note()

    def __init__(self, *args, case=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        picker.limit_to(self, user)
        departments = Department.objects.filter(is_active=True)
        self.suggested = None
        if case is not None:
            departments = selectors.case_departments(case)
            self.suggested = selectors.suggested_area(case)
            staff = [
                (member.pk, f"{member} · {found.name}")
                for found, member in selectors.department_staff(case)
            ]
            self.fields["worker"].choices = [
                ("", "—"),
                (_("Where the case lies"), selectors.worker_choices(user, case)),
                *([(_("Department staff"), staff)] if staff else []),
            ]
        if self.suggested is not None and not self.is_bound:
            self.initial.setdefault("area_code", self.suggested.code)
            self.fields["area_code"].help_text = _(
                "Suggested from the case's place: %(name)s. Change it, or clear it for the "
                "category's handling level."
            ) % {"name": self.suggested.name}
        self.fields["department"].choices = [("", "—")] + [(d.code, d.name) for d in departments]


class ResolveForm(ActionForm):
    result = forms.CharField(label=_("What was done"), max_length=TEXT_MAX, widget=_textarea(4))


class ExtendForm(ActionForm):
    hours = forms.IntegerField(label=_("More hours"), min_value=1)
    reason = _note(pgettext_lazy("case action", "Reason"), required=True)


class ApproveExtensionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Grant the time asked for")), ("0", _("Refuse"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="1",
    )
    note = _note()


class ParkForm(ActionForm):
    review_on = forms.DateField(
        label=_("Review on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = _note(pgettext_lazy("case action", "Reason"), required=True)


class FollowUpForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("The reporter is"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = _note()


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": NoteForm,
    "reject": ReasonForm,
    "merge": MergeForm,
    "dispatch": DispatchForm,
    "start": NoteForm,
    "return": ReasonForm,
    "resolve": ResolveForm,
    "extend": ExtendForm,
    "approve_extension": ApproveExtensionForm,
    "supervise": NoteForm,
    "park": ParkForm,
    "unpark": NoteForm,
    "follow_up": FollowUpForm,
    "reopen": ReasonForm,
    "close": NoteForm,
}


# --- the county's configuration: categories and departments ---------------------------

# The largest time limit a form takes (hours, or minutes for an urgent category).
LIMIT_MAX = 99999
CODE_HELP = _("Letters, digits, hyphens or underscores; it cannot change later.")


def _limit(label):
    return forms.IntegerField(
        label=label,
        max_value=LIMIT_MAX,
        help_text=_("In hours, or in minutes for an urgent category."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _fixed_code(form: forms.Form, code: str) -> None:
    """Editing keeps the code: a disabled field takes its value from the initial data,
    never from the POST."""
    form.fields["code"].disabled = True
    form.initial["code"] = code


class CategoryForm(forms.Form):
    """A case category; its fields are save_category's arguments."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    parent = forms.ChoiceField(
        label=_("Parent category"),
        required=False,
        help_text=_("Empty for a top-level category; a sub-category has its parent's kind."),
    )
    handling_level = forms.ChoiceField(label=_("Handled by"), choices=HandlingLevel.choices)
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        help_text=_("Needed when a department handles it."),
    )
    is_urgent = forms.BooleanField(
        label=_("Urgent"),
        required=False,
        help_text=_("The time limits of an urgent category are in minutes."),
    )
    accept = _limit(_("Time to accept"))
    dispatch = _limit(_("Time to dispatch"))
    resolve = _limit(_("Time to resolve"))
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("Smaller numbers come first."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        parents: dict[str, list] = {}
        for top in Category.objects.filter(parent__isnull=True).exclude(
            pk=getattr(category, "pk", None)
        ):
            parents.setdefault(top.get_kind_display(), []).append((top.code, top.name))
        self.fields["parent"].choices = [("", "—"), *parents.items()]
        self.fields["department"].choices = [("", "—")] + [
            (d.code, d.name) for d in Department.objects.filter(is_active=True)
        ]
        if category is not None:
            _fixed_code(self, category.code)
            if not self.is_bound:
                unit = 1 if category.is_urgent else 60
                self.initial.update(
                    name=category.name,
                    kind=category.kind,
                    parent=category.parent.code if category.parent_id else "",
                    handling_level=category.handling_level,
                    department=category.department.code if category.department_id else "",
                    is_urgent=category.is_urgent,
                    accept=category.accept_minutes // unit,
                    dispatch=category.dispatch_minutes // unit,
                    resolve=category.resolve_minutes // unit,
                    order=category.order,
                    is_active=category.is_active,
                )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.category is None and Category.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A category with this code already exists."))
        return code


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name} · {user.username}" if user.full_name else user.username


class DepartmentForm(forms.Form):
    """A department and its staff; its fields are save_department's arguments."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=100)
    area_code = forms.ChoiceField(
        label=_("Belongs to"),
        help_text=_("The county, or a town for a town's own office."),
    )
    members = MemberChoiceField(
        label=_("Staff"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("People with a department-staff post; they handle the cases sent here."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        # The open county and towns of the user's scope; the department's own area too.
        areas = Area.objects.visible_to(user).filter(level__in=[Level.COUNTY, Level.TOWN])
        shown = Q(pk__in=areas.open().values("pk"))
        if department is not None:
            shown |= Q(code=department.area_code)
        self.fields["area_code"].choices = [
            (area.code, f"{area.name} · {area.code}")
            for area in areas.filter(shown).order_by("code")
        ]
        staff = Post.objects.visible_to(user).current().filter(role=Role.DEPARTMENT_STAFF)
        members = Q(pk__in=staff.values("user_id"), is_active=True)
        if department is not None:
            members |= Q(pk__in=department.members.values("pk"))
        self.fields["members"].queryset = User.objects.filter(members).order_by("username")
        if department is not None:
            _fixed_code(self, department.code)
            if not self.is_bound:
                self.initial.update(
                    name=department.name,
                    area_code=department.area_code,
                    members=list(department.members.values_list("pk", flat=True)),
                    is_active=department.is_active,
                )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.department is None and Department.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A department with this code already exists."))
        return code
