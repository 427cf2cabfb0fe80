"""Forms of the duty lists' pages: a template item, a village's adoption of a new version
(its items are rows of inputs read by `read_item_rows`), the proposal rules and the link
of a party member to a user account. What is allowed is the services' business; these
only take the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.points.models import ListKind, ProposalSource, TemplateItem
from yiwang.points.services.lists import ITEM_FIELDS
from yiwang.points.services.proposals import IN_USE, SOURCE_KINDS

# The blank rows an adoption page offers for the village's own items.
EXTRA_ROWS = 3


def _points_field(label, required=False, help_text=""):
    return forms.CharField(label=label, required=required, max_length=12, help_text=help_text)


class TemplateItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=ListKind.choices)
    article = forms.CharField(label=_("Article"), max_length=20)
    text = forms.CharField(label=_("Text"), max_length=300)
    points = _points_field(_("Points"), True, _("Negative for a deduction, e.g. -5."))
    min_points = _points_field(_("Lowest points"), help_text=_("With a range only."))
    max_points = _points_field(_("Highest points"), help_text=_("With a range only."))
    monthly_cap = _points_field(_("Monthly cap"), help_text=_("Empty: no cap."))
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, item: TemplateItem | None = None, **kwargs):
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    f: getattr(item, f)
                    for f in (*ITEM_FIELDS, "kind", "order", "is_active")
                    if getattr(item, f) is not None
                },
            )
        super().__init__(*args, **kwargs)


class AdoptForm(forms.Form):
    adopted_on = forms.DateField(
        label=_("Adopted on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    meeting = forms.ChoiceField(label=_("Meeting that adopted it"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "—")] + [
            (m.pk, f"{m.routine} · {m.held_at:%Y-%m-%d}") for m in meetings
        ]


def read_item_rows(data, count: int) -> list[dict]:
    """The items of an adoption page: rows item-<n>-<field> kept when their "keep" box is
    ticked (a blank new row is kept when it has an article or a text)."""
    items = []
    for n in range(count):
        prefix = f"item-{n}-"
        values = {f: data.get(prefix + f, "") for f in ITEM_FIELDS}
        values["evidence_required"] = bool(data.get(prefix + "evidence_required"))
        values["template"] = data.get(prefix + "template") or None
        is_new = data.get(prefix + "new")
        if is_new and not (values["article"].strip() or values["text"].strip()):
            continue
        if not is_new and not data.get(prefix + "keep"):
            continue
        items.append(values)
    return items


class RulesForm(forms.Form):
    """One choice per source with records: the template item it proposes, or none."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for source in IN_USE:
            items = TemplateItem.objects.filter(is_active=True, kind__in=SOURCE_KINDS[source])
            self.fields[source] = forms.ChoiceField(
                label=ProposalSource(source).label,
                required=False,
                choices=[("", _("None: propose nothing"))]
                + [(i.pk, f"{i.get_kind_display()} {i.article} {i.text}") for i in items],
                initial=current.get(source, ""),
            )


class MemberForm(forms.Form):
    resident = forms.ChoiceField(label=_("Party member"))
    username = forms.CharField(label=_("User name"), max_length=150)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [(r.pk, r.name) for r in members]
