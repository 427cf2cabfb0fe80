"""Forms of the site and of the command post: a day's progress typed on a phone, a problem
raised to a department and its answer, a year of the working calendar, a milestone type's
thresholds. The services check what matters and say what is wrong."""

from __future__ import annotations

import datetime
import re
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.projects.models import DelayCause

DATE = {"type": "date"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Photos taken on the phone: the camera opens first (capture), several at once."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/*", "capture": "environment", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProgressForm(forms.Form):
    """The day's progress from the site. `uuid` is made with the page: the same page sent
    twice records one entry."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    day = forms.DateField(
        label=_("day"),
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
        help_text=_("Today, or an earlier day not yet recorded."),
    )
    text = forms.CharField(
        label=_("progress"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    problems = forms.CharField(
        label=_("the day's problems"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(label=_("site photos"), required=False)

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("uuid", str(uuid.uuid4()))
        initial.setdefault("day", today)
        super().__init__(*args, **kwargs)
        self.fields["day"].widget.attrs["max"] = today.isoformat()

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A day's progress cannot be recorded in advance."))
        return day


class ProblemForm(forms.Form):
    department = forms.ChoiceField(label=_("department"))
    cause = forms.ChoiceField(label=_("cause"), choices=[("", "—"), *DelayCause.choices])
    text = forms.CharField(
        label=_("problem"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    milestone = forms.ChoiceField(label=_("milestone"), required=False)
    due_on = forms.DateField(
        label=_("due on"),
        required=False,
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
        help_text=_("Left empty: the usual number of working days from today."),
    )

    def __init__(self, *args, departments=(), milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(str(d.pk), d.name) for d in departments]
        self.fields["milestone"].choices = [("", "—")] + [(str(m.pk), m.name) for m in milestones]


class ResolveForm(forms.Form):
    answer = forms.CharField(
        label=_("answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class DatesField(forms.CharField):
    """Dates typed one a line or separated by commas, as 2026-10-01."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.setdefault("help_text", _("One date a line, or separated by commas, as 2026-10-01."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value) or ""
        days, wrong = [], []
        for part in DATE_SEPARATORS.split(text.strip()):
            if not part:
                continue
            try:
                days.append(datetime.date.fromisoformat(part.replace("/", "-")))
            except ValueError:
                wrong.append(part)
        if wrong:
            raise forms.ValidationError(
                _("These are not dates written as 2026-10-01: %(wrong)s.")
                % {"wrong": "、".join(wrong)}
            )
        doubled = sorted({d for d in days if days.count(d) > 1})
        if doubled:
            raise forms.ValidationError(
                _("These dates are listed twice: %(days)s.")
                % {"days": "、".join(d.isoformat() for d in doubled)}
            )
        return sorted(days)


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    source = forms.CharField(
        label=_("source"),
        max_length=200,
        help_text=_("The State Council notice it comes from, as 国办发明电〔2026〕N号."),
    )
    holidays = DatesField(label=_("holidays on weekdays"))
    workdays = DatesField(label=_("weekends worked (调休)"))

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year is None:
            return data
        for name in ("holidays", "workdays"):
            outside = [d for d in data.get(name) or () if d.year != year]
            if outside:
                self.add_error(
                    name,
                    _("These dates are not in %(year)s: %(days)s.")
                    % {"year": year, "days": "、".join(d.isoformat() for d in outside)},
                )
        return data


class MilestoneTypeForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=40)
    yellow_from = forms.IntegerField(
        label=_("yellow from (working days late)"), min_value=1, max_value=999
    )
    red_from = forms.IntegerField(
        label=_("red from (working days late)"), min_value=1, max_value=999
    )
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, initial=0)
