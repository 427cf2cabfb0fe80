"""Forms of the routines pages: the county's event types and routines, an event, a meeting
with a fixed number of decision rows, a decision raised as a case, the compliance week.
What is allowed is the services' business; these only take the input. People are named
by their user names (a county has thousands: no list to choose from)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import User
from yiwang.areas.picker import AreaPicker
from yiwang.cases.forms import category_choices
from yiwang.outreach.models import NAME_MAX, EventType, Rhythm, Routine

# A meeting's form has this many decision rows; the empty ones are ignored.
DECISION_ROWS = 5
CODE_HELP = _("Letters, digits, hyphens or underscores; it cannot change later.")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _datetime_field(label):
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Not in the future."),
    )


def _order_field():
    return forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("Smaller numbers come first."),
    )


def _fixed_code(form: forms.Form, code: str) -> None:
    """Editing keeps the code: a disabled field takes its value from the initial data."""
    form.fields["code"].disabled = True
    form.initial["code"] = code


class PeopleField(forms.CharField):
    """User names, separated by spaces or commas → the users' ids, in the order given.
    An unknown name is refused here, naming it; who may attend is the service's check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("User names, separated by spaces or commas."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        names = [name for name in _SEPARATORS.split(text or "") if name]
        found = dict(
            User.objects.filter(username__in=names, is_active=True).values_list("username", "pk")
        )
        unknown = [name for name in names if name not in found]
        if unknown:
            raise forms.ValidationError(
                _("No such user: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return list(dict.fromkeys(found[name] for name in names))


class EventTypeForm(forms.Form):
    """A must-attend event type; its fields are save_event_type's arguments."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=50)
    order = _order_field()
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, event_type: EventType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_type = event_type
        if event_type is not None:
            _fixed_code(self, event_type.code)
            if not self.is_bound:
                self.initial.update(
                    name=event_type.name, order=event_type.order, is_active=event_type.is_active
                )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.event_type is None and EventType.objects.filter(code=code).exists():
            raise forms.ValidationError(_("An event type with this code already exists."))
        return code


class RoutineForm(forms.Form):
    """A routine; its fields are save_routine's arguments."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    # Not required here: the service names a missing rhythm in its own words.
    rhythm = forms.ChoiceField(
        label=_("Rhythm"), choices=[("", "—"), *Rhythm.choices], required=False
    )
    times = forms.IntegerField(
        label=_("Times each period"),
        required=False,
        initial=1,
        help_text=_("How many times a day, a week, a month or a quarter: at least 1."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    order = _order_field()
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, routine: Routine | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.routine = routine
        if routine is not None:
            _fixed_code(self, routine.code)
            if not self.is_bound:
                self.initial.update(
                    name=routine.name,
                    rhythm=routine.rhythm,
                    times=routine.times,
                    order=routine.order,
                    is_active=routine.is_active,
                )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.routine is None and Routine.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A routine with this code already exists."))
        return code


class EventForm(forms.Form):
    """A must-attend event; its fields are record_event's arguments (see `values`)."""

    event_type_code = forms.ChoiceField(label=_("Type"))
    title = forms.CharField(label=_("Title"), max_length=NAME_MAX)
    happened_at = _datetime_field(_("When"))
    area_code = forms.CharField(
        label=_("Area"),
        max_length=18,
        help_text=_("Where it happened: an area of your scope."),
        widget=AreaPicker(),
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    household_id = forms.IntegerField(
        label=_("Household id"),
        required=False,
        help_text=_("Optional: a household of the area it concerns."),
    )
    attendee_ids = PeopleField(label=_("Attended"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type_code"].choices = [("", "—")] + [
            (t.code, t.name) for t in EventType.objects.filter(is_active=True)
        ]


class MeetingForm(forms.Form):
    """A meeting with DECISION_ROWS decision rows (text, owner's user name, due date); the
    rows left empty are ignored. `decisions()` gives record_meeting's rows."""

    routine_code = forms.ChoiceField(label=_("Routine"))
    area_code = forms.CharField(
        label=_("Area"),
        max_length=18,
        help_text=_("The village, grid or unit that held it."),
        widget=AreaPicker(levels=("village", "grid", "unit")),
    )
    held_at = _datetime_field(_("Held at"))
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    attendee_ids = PeopleField(label=_("Attended"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["routine_code"].choices = [("", "—")] + [
            (r.code, r.name) for r in Routine.objects.filter(is_active=True)
        ]
        for n in range(1, DECISION_ROWS + 1):
            self.fields[f"decision_{n}_text"] = forms.CharField(
                label=_("Decision %(n)d") % {"n": n}, required=False, max_length=500
            )
            self.fields[f"decision_{n}_owner"] = PeopleField(
                label=_("Owner"), required=False, help_text=_("A user name.")
            )
            self.fields[f"decision_{n}_due_on"] = forms.DateField(
                label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )

    def clean(self):
        data = super().clean()
        for n in range(1, DECISION_ROWS + 1):
            owners = data.get(f"decision_{n}_owner") or []
            if len(owners) > 1:
                self.add_error(f"decision_{n}_owner", _("One owner for a decision."))
        return data

    def decision_rows(self):
        """(number, text field, owner field, due field) of each row, for the template."""
        return [
            (
                n,
                self[f"decision_{n}_text"],
                self[f"decision_{n}_owner"],
                self[f"decision_{n}_due_on"],
            )
            for n in range(1, DECISION_ROWS + 1)
        ]

    def decisions(self) -> list[dict]:
        rows = []
        for n in range(1, DECISION_ROWS + 1):
            text = self.cleaned_data.get(f"decision_{n}_text", "")
            owners = self.cleaned_data.get(f"decision_{n}_owner") or []
            due_on = self.cleaned_data.get(f"decision_{n}_due_on")
            if text or owners or due_on:
                owner_id = owners[0] if owners else None
                rows.append({"text": text, "owner_id": owner_id, "due_on": due_on, "row": n})
        return rows

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "routine_code": data["routine_code"],
            "area_code": data["area_code"],
            "held_at": data["held_at"],
            "minutes": data["minutes"],
            "attendee_ids": data["attendee_ids"],
            "decisions": self.decisions(),
        }


class ToCaseForm(forms.Form):
    """A decision raised as a case: its category, and the unit when the meeting's area is
    larger than one."""

    category_code = forms.ChoiceField(label=_("Category"))
    unit_code = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=18,
        help_text=_("A unit inside the meeting's area; not needed for a unit's meeting."),
        widget=AreaPicker(levels=("unit",)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = category_choices()


class ComplianceForm(forms.Form):
    """The week and the area of the compliance page (GET)."""

    week = forms.CharField(
        label=_("Week"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"type": "week"}),
        help_text=_("An ISO week such as 2026-W48; this week when empty."),
    )
    area = forms.CharField(
        label=_("Area"),
        required=False,
        max_length=18,
        widget=AreaPicker(),
    )
