"""Every write of the duty lists (三张清单): atomic, checked against the actor's posts,
audited.

The county admin keeps the templates of the three lists (`save_template_item`,
`set_template_item_active`). A village adopts a version of a list (`adopt_list`): the
template's items or its current version's, changed, left out or with its own items added,
at a date and a meeting; the version before is superseded from that date. Every version is
kept; `in_force` finds the one an entry cites.

`actor=None` is the operator at the command line, who may do all.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.core import audit, validators
from yiwang.core.scoping import any_subtree_q, is_area_code
from yiwang.outreach.models import Meeting
from yiwang.points import access
from yiwang.points.models import Change, DutyList, ListItem, ListKind, TemplateItem
from yiwang.points.models.lists import TEXT_MAX

ARTICLE_MAX = 20
NOTE_MAX = 300
ITEMS_MAX = 100
# The largest number of points an item may give or take (POINTS: 7 digits, 1 decimal).
POINTS_LIMIT = Decimal("100000")
ITEM_FIELDS = (
    "article",
    "text",
    "points",
    "min_points",
    "max_points",
    "monthly_cap",
    "evidence_required",
)
VILLAGE_LENGTH = 12


def refused_templates() -> str:
    return _("Only the county admin keeps the templates of the three lists.")


# --- input ------------------------------------------------------------------------------


def read_points(value, *, field: str, errors: dict, required: bool = True) -> Decimal | None:
    """A number of points: a whole number or one decimal, e.g. 2, -5 or 1.5."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append(_("Give the number of points, e.g. 2 or -5."))
        return None
    if isinstance(value, bool):
        number = None
    else:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = None
    if (
        number is None
        or not number.is_finite()
        or abs(number) >= POINTS_LIMIT
        or number != number.quantize(Decimal("0.1"))
    ):
        errors.setdefault(field, []).append(
            _("Give the points as a number with at most one decimal, e.g. 2, -5 or 1.5.")
        )
        return None
    return number.quantize(Decimal("0.1"))


def read_day(value, *, field: str, errors: dict) -> datetime.date | None:
    day = value
    if isinstance(value, str):
        day = validators.read_date(value.strip())
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if not isinstance(day, datetime.date):
        errors.setdefault(field, []).append(_("Give a date, such as 2026-11-30."))
        return None
    return day


def _kind(value, errors: dict) -> str:
    if value not in ListKind.values:
        errors.setdefault("kind", []).append(
            _("Choose one of the three lists: cadres, party members or households.")
        )
    return value


def clean_item(values: dict, errors: dict, *, label: str = "") -> dict:
    """An item's fields, checked: errors under the field's name, `label` ("第3条: ") before
    each message of an item among several."""
    found: dict = {}

    def add(field, message):
        errors.setdefault(field, []).append(f"{label}{message}")

    local: dict = {}
    found["article"] = validators.clean_line(
        values.get("article"), field="article", limit=ARTICLE_MAX, required=True, errors=local
    )
    found["text"] = validators.clean_line(
        values.get("text"), field="text", limit=TEXT_MAX, required=True, errors=local
    )
    found["points"] = read_points(values.get("points"), field="points", errors=local)
    found["min_points"] = read_points(
        values.get("min_points"), field="min_points", errors=local, required=False
    )
    found["max_points"] = read_points(
        values.get("max_points"), field="max_points", errors=local, required=False
    )
    found["monthly_cap"] = read_points(
        values.get("monthly_cap"), field="monthly_cap", errors=local, required=False
    )
    found["evidence_required"] = bool(values.get("evidence_required"))
    for field, messages in local.items():
        for message in messages:
            add(field, message)
    low, high, points = found["min_points"], found["max_points"], found["points"]
    if (low is None) != (high is None) and "min_points" not in local and "max_points" not in local:
        add("max_points", _("Give both ends of the range, or neither."))
    elif low is not None and high is not None:
        if low > high:
            add("max_points", _("The highest points must not be below the lowest."))
        elif points is not None and not low <= points <= high:
            add("points", _("The usual points must lie within the range."))
    cap = found["monthly_cap"]
    if cap is not None and cap <= 0:
        add("monthly_cap", _("The monthly cap must be above 0, or left empty for none."))
    return found


# --- the county's templates ---------------------------------------------------------------


@transaction.atomic
def save_template_item(
    *,
    actor,
    kind: str,
    article,
    text,
    points,
    item_id: int | None = None,
    min_points=None,
    max_points=None,
    monthly_cap=None,
    evidence_required: bool = False,
    order=0,
    is_active: bool = True,
) -> TemplateItem:
    """Adds an item to the template of list `kind`, or changes the item `item_id` (the
    county admin). Items are retired, never deleted: villages' lists refer to them."""
    scope.require_configure(actor, message=refused_templates(), recheck=True)
    errors: dict = {}
    kind = _kind(kind, errors)
    values = clean_item(
        {
            "article": article,
            "text": text,
            "points": points,
            "min_points": min_points,
            "max_points": max_points,
            "monthly_cap": monthly_cap,
            "evidence_required": evidence_required,
        },
        errors,
    )
    try:
        order = int(order or 0)
    except (TypeError, ValueError):
        order = -1
    if not 0 <= order <= 32767:
        errors.setdefault("order", []).append(_("Give a whole number from 0 to 32767."))
    item = None
    if item_id is not None:
        item = TemplateItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise Http404(_("Not found."))
    clash = TemplateItem.objects.filter(kind=kind, article=values["article"])
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if values["article"] and clash.exists():
        errors.setdefault("article", []).append(
            _("This list already has an item numbered %(article)s: give another number.")
            % {"article": values["article"]}
        )
    if errors:
        raise ValidationError(errors)
    values.update(kind=kind, order=order, is_active=bool(is_active))
    if item is None:
        item = TemplateItem.objects.create(**values)
        audit.record(
            actor=actor, action="points_template.create", obj=item, after=audit.snapshot(item)
        )
        return item
    audit.save_changes(actor=actor, obj=item, values=values, action="points_template.update")
    return item


@transaction.atomic
def set_template_item_active(*, actor, item_id: int, is_active: bool) -> TemplateItem:
    """Retires a template item (villages adopting a new version no longer start from it;
    their versions in force keep it), or takes it back."""
    scope.require_configure(actor, message=refused_templates(), recheck=True)
    item = TemplateItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Not found."))
    audit.save_changes(
        actor=actor,
        obj=item,
        values={"is_active": bool(is_active)},
        action="points_template.update",
    )
    return item


# --- a village's lists ------------------------------------------------------------------


def in_force(village_code: str, kind: str, on: datetime.date) -> DutyList | None:
    """The version of the village's list `kind` in force on `on`, or None."""
    return (
        DutyList.objects.filter(area_code=village_code, kind=kind)
        .in_force(on)
        .order_by("-version")
        .first()
    )


def village_of(code: str) -> str:
    """The village of an area code (a unit's, a household's)."""
    return code[:VILLAGE_LENGTH]


def village_seen_by(user, code) -> Area:
    """The village `code` when the user works in it or above it (a grid worker reads the
    lists of the village of their grid); 404 otherwise, like a missing one."""
    code = str(code or "").strip()
    if not is_area_code(code) or len(code) != VILLAGE_LENGTH:
        raise Http404(_("Not found."))
    codes = scope.scope_codes(user) if user is not None else None
    if codes is not None and not any(c.startswith(code) or code.startswith(c) for c in codes):
        raise Http404(_("Not found."))
    area = Area.objects.filter(level=Level.VILLAGE, code=code).first()
    if area is None:
        raise Http404(_("Not found."))
    return area


def villages_seen_by(user):
    """The villages the user works in or above, in code order."""
    villages = Area.objects.filter(level=Level.VILLAGE)
    codes = scope.scope_codes(user) if user is not None else None
    if codes is None:
        return villages.order_by("code")
    q = any_subtree_q("code", codes)
    for code in codes:
        if len(code) > VILLAGE_LENGTH:
            q |= Q(code=code[:VILLAGE_LENGTH])
    return villages.filter(q).order_by("code")


def _meeting(meeting, village_code: str, errors: dict) -> Meeting | None:
    if meeting in (None, ""):
        return None
    pk = validators.read_id(getattr(meeting, "pk", meeting))
    found = Meeting.objects.filter(pk=pk).first() if pk is not None else None
    if found is None or not found.area_code.startswith(village_code):
        errors.setdefault("meeting", []).append(
            _("Choose a meeting held by this village (or one of its grids), or none.")
        )
        return None
    return found


def _template_of(value, kind: str, templates: dict, errors: dict, label: str):
    if value in (None, ""):
        return None
    pk = validators.read_id(getattr(value, "pk", value))
    found = templates.get(pk)
    if found is None:
        errors.setdefault("items", []).append(
            label + _("no item of the county's template of this list has this number.")
        )
    return found


def change_of(values: dict, template: TemplateItem | None) -> str:
    if template is None:
        return Change.ADDED
    for field in ITEM_FIELDS:
        if getattr(template, field) != values[field]:
            return Change.CHANGED
    return Change.AS_TEMPLATE


@transaction.atomic
def adopt_list(
    actor,
    village_code: str,
    kind: str,
    adopted_on,
    items: list[dict],
    meeting=None,
    note: str = "",
) -> DutyList:
    """The village adopts a new version of its list `kind` from `adopted_on` (at
    `meeting`, an outreach meeting of the village, optional): version n+1 with `items`,
    each a dict of the item's fields (article, text, points, min_points, max_points,
    monthly_cap, evidence_required) and `template` (the template item it is adopted from,
    or none for the village's own). The version in force until then is superseded from
    that date. Refused: a date before the version in force, or in the future."""
    if actor is not None:
        scope.recheck(actor)
    village = village_seen_by(actor, village_code)
    if not access.can_adopt(actor, village.code):
        raise PermissionDenied(
            _("Only the village's grid chief or cadres, or the town or county, adopt its lists.")
        )
    errors: dict = {}
    kind = _kind(kind, errors)
    day = read_day(adopted_on, field="adopted_on", errors=errors)
    if day is not None and day > timezone.localdate():
        errors.setdefault("adopted_on", []).append(
            _("The date is in the future: record the list once the village has adopted it.")
        )
    found_meeting = _meeting(meeting, village.code, errors)
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    items = list(items or [])
    if not items:
        errors.setdefault("items", []).append(_("A list needs at least one item."))
    if len(items) > ITEMS_MAX:
        errors.setdefault("items", []).append(
            _("A list has at most %(n)d items.") % {"n": ITEMS_MAX}
        )
        items = []
    templates = TemplateItem.objects.in_bulk(
        [
            pk
            for pk in (
                validators.read_id(getattr(i.get("template"), "pk", i.get("template")))
                for i in items
            )
            if pk is not None
        ]
    )
    templates = {pk: t for pk, t in templates.items() if t.kind == kind}
    rows: list[dict] = []
    articles: set[str] = set()
    for number, values in enumerate(items, start=1):
        label = _("Item %(n)d: ") % {"n": number}
        local: dict = {}
        clean = clean_item(values, local, label=label)
        template = _template_of(values.get("template"), kind, templates, local, label)
        for messages in local.values():
            errors.setdefault("items", []).extend(messages)
        if clean["article"] in articles:
            errors.setdefault("items", []).append(
                label
                + _("the number %(article)s is used twice: give each item its own number.")
                % {"article": clean["article"]}
            )
        articles.add(clean["article"])
        clean["template"] = template
        clean["order"] = number
        rows.append(clean)
    if errors:
        raise ValidationError(errors)
    # The village's versions of this list, locked: two adoptions at once number in turn.
    versions = DutyList.objects.select_for_update().filter(area_code=village.code, kind=kind)
    last = versions.order_by("-version").first()
    current = in_force(village.code, kind, timezone.localdate())
    latest_date = versions.aggregate(d=Max("adopted_on"))["d"]
    if latest_date is not None and day < latest_date:
        raise ValidationError(
            {
                "adopted_on": [
                    _(
                        "The version in force was adopted on %(date)s: a new version must "
                        "be dated on or after it."
                    )
                    % {"date": latest_date.isoformat()}
                ]
            }
        )
    duty_list = DutyList.objects.create(
        area_code=village.code,
        kind=kind,
        version=(last.version + 1) if last else 1,
        adopted_on=day,
        meeting=found_meeting,
        note=note,
        adopted_by=actor if actor is not None else _operator(),
    )
    made = [
        ListItem(duty_list=duty_list, change=change_of(row, row["template"]), **row) for row in rows
    ]
    ListItem.objects.bulk_create(made)
    superseded = versions.exclude(pk=duty_list.pk).filter(superseded_on__isnull=True)
    superseded_ids = list(superseded.values_list("pk", flat=True))
    superseded.update(superseded_on=day)
    audit.record(
        actor=actor,
        action="duty_list.adopt",
        obj=duty_list,
        after={
            **audit.snapshot(duty_list),
            "items": [
                {f: row[f] for f in ITEM_FIELDS} | {"change": item.change}
                for row, item in zip(rows, made, strict=True)
            ],
            "supersedes": superseded_ids,
            "was_in_force": current.pk if current else None,
        },
    )
    return duty_list


def _operator():
    """Who a list adopted at the command line is recorded as: the first superuser."""
    from yiwang.accounts.models import User

    found = User.objects.filter(is_superuser=True).order_by("pk").first()
    if found is None:
        raise ValidationError(
            _("A list adopted at the command line needs a superuser to be recorded as.")
        )
    return found


def items_from(source: str, village_code: str, kind: str) -> list[dict]:
    """The items a new version starts from: the county's template ("template": its active
    items) or the village's current version ("current"; the template when there is
    none)."""
    if source == "current":
        current = in_force(village_code, kind, timezone.localdate())
        if current is not None:
            return [
                {f: getattr(item, f) for f in ITEM_FIELDS} | {"template": item.template_id}
                for item in current.items.all()
            ]
    return [
        {f: getattr(item, f) for f in ITEM_FIELDS} | {"template": item.pk}
        for item in TemplateItem.objects.filter(kind=kind, is_active=True)
    ]
