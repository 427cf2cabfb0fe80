"""The form of an announcement: the areas of the writer's posts and the areas below them
(down two levels: a county's towns and villages, a town's villages and grids, a village's
grids and units), the roles, the priority, the times and the attachments. The service
checks everything again; the form only offers what may be chosen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Role
from yiwang.notices.models import Priority
from yiwang.notices.services.announcements import AUDIENCE_ROLES, writer_posts

AREA_CHOICES_MAX = 600
DEPTH = 2


def area_choices(user) -> list[tuple[str, str]]:
    from yiwang.areas.models import Area

    roots = sorted({code for _role, code in writer_posts(user)})
    choices: list[tuple[str, str]] = []
    for root in roots:
        top = Area.objects.filter(code=root).values_list("code", "name", "level").first()
        if top is None:
            continue
        choices.append((top[0], str(top[1])))
        parents = [top[0]]
        for depth in range(1, DEPTH + 1):
            rows = list(
                Area.objects.open()
                .filter(parent__code__in=parents)
                .order_by("code")
                .values_list("code", "name", "parent__name")[:AREA_CHOICES_MAX]
            )
            indent = "\u3000" * depth
            for code, name, parent_name in rows:
                label = f"{indent}{name}" if depth == 1 else f"{indent}{parent_name} · {name}"
                choices.append((code, label))
            parents = [row[0] for row in rows]
            if len(choices) >= AREA_CHOICES_MAX:
                break
    seen, unique = set(), []
    for code, label in choices:
        if code not in seen:
            seen.add(code)
            unique.append((code, label))
    # Sorted by code keeps each area under its parent.
    return sorted(unique)[:AREA_CHOICES_MAX]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    areas = forms.MultipleChoiceField(
        label=_("To the areas"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Each area with the areas below it. Hold Ctrl to choose several."),
    )
    roles = forms.MultipleChoiceField(
        label=_("To the roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(role, Role(role).label) for role in AUDIENCE_ROLES],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.ROUTINE
    )
    ack_by = forms.DateTimeField(
        label=_("Acknowledge by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty when no acknowledgement is needed."),
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to send now."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, Word, Excel, JPEG or PNG; at most 5 files of 10 MB each."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = area_choices(user)
        self.fields["roles"].initial = [Role.GRID_WORKER]
