"""Forms of the project pages: the list's filters, a project made or changed by a manager,
and the project page's actions (its stage, a permit, a milestone added or done, a month's
target, the special team). They take what is typed; the services check it and say what
is wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.projects.models import (
    MONEY,
    Batch,
    DelayCause,
    PermitKind,
    PermitState,
    ProjectKind,
    Stage,
)

DATE = {"type": "date"}
MONEY_DIGITS = MONEY["max_digits"]
MONEY_PLACES = MONEY["decimal_places"]


def _empty(choices):
    return [("", "—"), *choices]


def money_field(label, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ProjectFilterForm(forms.Form):
    """The list's filters: by town, stage, type and batch."""

    town = forms.ChoiceField(label=_("Town"), required=False)
    stage = forms.ChoiceField(label=_("stage"), required=False, choices=_empty(Stage.choices))
    kind = forms.ChoiceField(label=_("type"), required=False, choices=_empty(ProjectKind.choices))
    batch = forms.ChoiceField(label=_("batch"), required=False, choices=_empty(Batch.choices))

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = _empty((a.code, a.name) for a in towns)


class ProjectForm(forms.Form):
    """A project as its manager types it: the town among the manager's, the enterprise
    among those in scope, the leader among the people the manager sees."""

    area_code = forms.ChoiceField(label=_("Town"))
    number = forms.CharField(label=_("number"), max_length=20)
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("type"), choices=_empty(ProjectKind.choices))
    batch = forms.ChoiceField(label=_("batch (四个一批)"), choices=_empty(Batch.choices))
    park = forms.CharField(label=_("park"), max_length=60, required=False)
    enterprise = forms.ChoiceField(label=_("enterprise"), required=False)
    leader = forms.ChoiceField(label=_("leader in charge"), required=False)
    team_name = forms.CharField(label=_("special team"), max_length=60, required=False)
    starts_on = forms.DateField(
        label=_("starts on"), widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    investment_planned = money_field(_("investment planned (10k yuan)"))
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, towns=(), enterprises=(), leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = _empty((a.code, a.name) for a in towns)
        self.fields["enterprise"].choices = _empty((str(e.pk), e.name) for e in enterprises)
        self.fields["leader"].choices = _empty((str(u.pk), person(u)) for u in leaders)


def person(user) -> str:
    """A person by their name (the username when they have none)."""
    return getattr(user, "full_name", "") or user.get_username()


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=_empty(Stage.choices))
    reached_on = forms.DateField(
        label=_("reached on"), widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=200,
        help_text=_("Needed when the project goes back to an earlier stage."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("reached_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class PermitForm(forms.Form):
    kind = forms.ChoiceField(label=_("permit"), choices=_empty(PermitKind.choices))
    state = forms.ChoiceField(label=_("state"), choices=PermitState.choices)
    state_on = forms.DateField(
        label=_("state since"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    number = forms.CharField(label=_("permit number"), max_length=60, required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class MilestoneForm(forms.Form):
    milestone_type = forms.ChoiceField(label=_("type"))
    name = forms.CharField(label=_("name"), max_length=100)
    due_on = forms.DateField(label=_("due on"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    owner = forms.ChoiceField(label=_("owner"), required=False)

    def __init__(self, *args, types=(), owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone_type"].choices = _empty((str(t.pk), t.name) for t in types)
        self.fields["owner"].choices = _empty((str(u.pk), person(u)) for u in owners)


class CompleteForm(forms.Form):
    done_on = forms.DateField(label=_("done on"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    delay_cause = forms.ChoiceField(
        label=_("cause of delay"),
        required=False,
        choices=_empty(DelayCause.choices),
        help_text=_("Needed when the milestone is done late."),
    )
    delay_note = forms.CharField(label=_("about the delay"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("done_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class DelayForm(forms.Form):
    """The cause of an open milestone's delay, tagged while it is late."""

    delay_cause = forms.ChoiceField(label=_("cause of delay"), choices=_empty(DelayCause.choices))
    delay_note = forms.CharField(label=_("about the delay"), max_length=200, required=False)


class MonthField(forms.CharField):
    """A month typed as 2026-11 (the browser's month input): its first day."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        kwargs.setdefault("help_text", _("Such as 2026-11."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return datetime.datetime.strptime(text.strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Type the month as 2026-11.")) from None


class TargetForm(forms.Form):
    month = MonthField(label=_("month"))
    investment_planned = money_field(_("investment planned (10k yuan)"))
    progress_planned = forms.IntegerField(
        label=_("progress planned (%)"), min_value=0, max_value=100
    )
    investment_done = money_field(_("investment done (10k yuan)"), required=False)
    progress_done = forms.IntegerField(
        label=_("progress done (%)"), min_value=0, max_value=100, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("month", timezone.localdate().strftime("%Y-%m"))
        super().__init__(*args, **kwargs)


class MembersForm(forms.Form):
    """The special team, a member a line: "username, duty"; a star before the username
    marks the head of the team."""

    members = forms.CharField(
        label=_("members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One member a line: the username, a comma, the duty. "
            "A star (*) before the username marks the head of the team."
        ),
    )

    def __init__(self, *args, people=None, **kwargs):
        self.people = people  # a function: usernames → {username: user}
        super().__init__(*args, **kwargs)

    def clean_members(self):
        lines = []
        for line in self.cleaned_data["members"].splitlines():
            line = line.strip()
            if not line:
                continue
            is_head = line.startswith("*")
            username, _sep, duty = line.lstrip("*").replace("，", ",").partition(",")
            lines.append((username.strip(), duty.strip()[:60], is_head))
        found = self.people([u for u, _duty, _head in lines]) if self.people else {}
        unknown = [u for u, _duty, _head in lines if u not in found]
        if unknown:
            raise forms.ValidationError(
                _("No one you may choose has the username %(names)s.")
                % {"names": "、".join(unknown)}
            )
        return [(found[u], duty, is_head) for u, duty, is_head in lines]


def members_text(members) -> str:
    """The team as the members form shows it."""
    return "\n".join(
        f"{'*' if m.is_head else ''}{m.user.get_username()}, {m.duty}".rstrip(", ") for m in members
    )
