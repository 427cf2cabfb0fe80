"""The area picker: what a user may pick (a name, pinyin initials, a code, or a walk down
the tree, always within their scope), and the form widget every page uses to choose an
area. The form still posts the area's code, so the services keep their own checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.db.models.functions import Length
from django.urls import reverse

from yiwang.areas import codes as area_codes
from yiwang.areas.models import Area, Level
from yiwang.areas.selectors import crumbs
from yiwang.core import access, validators
from yiwang.core.pinyin import initials
from yiwang.core.scoping import get_in_scope, minimal_prefixes

# Results shown for a text: enough to recognise the one meant, few enough for a phone.
LIMIT = 20
_LETTERS = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Choice:
    """One area as the picker shows it."""

    code: str
    name: str
    level: str
    parent_name: str = ""
    has_children: bool = False
    pickable: bool = True

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "level_label": self.level_label,
            "parent_name": self.parent_name,
            "has_children": self.has_children,
            "pickable": self.pickable,
        }


def parse_levels(raw) -> tuple[str, ...]:
    """The levels that may be picked, from "unit,grid" (unknown names dropped); () for all."""
    if not raw:
        return ()
    wanted = {part.strip() for part in str(raw).split(",")}
    return tuple(level for level in Level.values if level in wanted)


def _choices(areas: list[Area], levels: tuple[str, ...]) -> list[Choice]:
    """Choices for `areas`, with whether each has open areas below it (one query)."""
    with_children = set(
        Area.objects.open()
        .filter(parent__in=[area.pk for area in areas if area.level != Level.UNIT])
        .values_list("parent_id", flat=True)
        .distinct()
    )
    return [
        Choice(
            code=area.code,
            name=area.name,
            level=area.level,
            parent_name=area.parent.name if area.parent_id else "",
            has_children=area.pk in with_children,
            pickable=not levels or area.level in levels,
        )
        for area in areas
    ]


def _visible(user):
    return Area.objects.visible_to(user).open().select_related("parent")


def roots(user, levels: tuple[str, ...] = ()) -> list[Choice]:
    """Where a walk starts: the areas of the user's posts (the top of the tree for a
    superuser)."""
    codes = access.scope_codes(user)
    areas = Area.objects.open().select_related("parent")
    if codes is None:
        areas = areas.filter(parent__isnull=True)
    else:
        areas = areas.filter(code__in=minimal_prefixes(codes))
    return _choices(list(areas.order_by("code")), levels)


def children(user, code: str, levels: tuple[str, ...] = ()) -> tuple[list[Area], list[Choice]]:
    """The path down to the area `code` (the areas above it that the user sees, and it) and
    its open children. 404 outside the user's scope, as for an area that does not exist."""
    area = get_in_scope(Area.objects.select_related("parent"), user, code=code.strip())
    below = list(Area.objects.open().filter(parent=area).select_related("parent").order_by("code"))
    return crumbs(user, area), _choices(below, levels)


def search(user, text: str, levels: tuple[str, ...] = (), limit: int = LIMIT) -> list[Choice]:
    """The open areas within the user's scope that match `text`: the start of a code
    (digits), the start of the pinyin initials of the name (letters: jx → 嘉祥), or a part
    of the name. Higher levels first; only the levels that may be picked."""
    text = validators.normalize_text(text)
    if not text:
        return []
    areas = _visible(user)
    if levels:
        areas = areas.filter(level__in=levels)
    areas = areas.alias(depth=Length("code")).order_by("depth", "code")
    compact = text.replace(" ", "").lower()
    if _DIGITS.match(compact):
        found = list(areas.filter(code__startswith=compact)[:limit])
    elif _LETTERS.match(compact):
        # Initials are not stored: the names of one scope (a county's ten thousand areas
        # at most) are few, and each character's initial is looked up once.
        matched = []
        for pk, name in areas.values_list("pk", "name"):
            if initials(name).startswith(compact) or compact in name.lower():
                matched.append(pk)
                if len(matched) >= limit:
                    break
        found = list(areas.filter(pk__in=matched))
    else:
        found = list(areas.filter(name__contains=text)[:limit])
    return _choices(found, levels)


def describe(user, code: str) -> Choice | None:
    """The area `code` as the picker shows it, if the user sees it; None otherwise (a code
    outside the scope is shown as typed, and nothing of it)."""
    code = (code or "").strip()
    if not code or not _DIGITS.match(code) or len(code) not in area_codes.LEVEL_BY_LENGTH:
        return None
    areas = Area.objects.select_related("parent").filter(code=code)
    if user is not None:
        areas = areas.visible_to(user)
    area = areas.first()
    if area is None:
        return None
    return Choice(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_name=area.parent.name if area.parent_id else "",
    )


class AreaPicker(forms.Widget):
    """Chooses an area by name, pinyin initials or a walk down the tree; posts its code.

    `levels` limits what may be picked (the walk still goes through the levels above);
    `user` limits what the chosen code is shown as (set it with `limit_to`)."""

    template_name = "areas/widgets/area_picker.html"

    def __init__(self, attrs=None, *, levels: tuple[str, ...] = (), user=None):
        super().__init__({"class": "form-control", **(attrs or {})})
        self.levels = tuple(levels)
        self.user = user

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        code = "" if value is None else str(value)
        context["widget"].update(
            {
                "code": code,
                "chosen": describe(self.user, code) if self.user is not None else None,
                "levels": ",".join(self.levels),
                "url": reverse("areas:picker"),
            }
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


# A scope with at most this many areas of a level lists them in a plain <select>: it works
# on a page kept for use without signal, where the picker cannot ask the server.
OFFLINE_LIST_LIMIT = 60


def offline_widget(user, level: str, *, blank: str) -> forms.Widget:
    """The widget that chooses an area of `level` for a form that must work offline: the
    user's own areas of that level in a list (a grid worker's units, a chief's), named
    with the area above each; the picker when the scope holds more of them (a town's, a
    county's staff at a desk). Both post the area's code."""
    areas = list(_visible(user).filter(level=level).order_by("code")[: OFFLINE_LIST_LIMIT + 1])
    if len(areas) > OFFLINE_LIST_LIMIT:
        return AreaPicker(levels=(level,), user=user)
    choices = [("", blank)] + [
        (area.code, f"{area.parent.name} · {area.name}" if area.parent_id else area.name)
        for area in areas
    ]
    return forms.Select(choices=choices, attrs={"class": "form-select"})


def limit_to(form, user) -> None:
    """Shows the chosen areas of `form`'s pickers as `user` may see them."""
    for field in form.fields.values():
        if isinstance(field.widget, AreaPicker):
            field.widget.user = user


class PickerFilterSet:
    """A filterset mixin: its area pickers show the chosen area as the request's user may
    see it (a filterset builds its form when first asked)."""

    @property
    def form(self):
        form = super().form
        limit_to(form, getattr(getattr(self, "request", None), "user", None))
        return form
