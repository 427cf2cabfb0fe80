"""Tags: a resident's current tags, and the county's taxonomy (which tags make a key
household)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.core import audit, validators
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
    TagCategory,
)
from yiwang.registry.services.households import recompute_category
from yiwang.registry.services.lookups import _resident


def _tags(codes: Iterable[str]) -> list[Tag]:
    codes = list(dict.fromkeys(codes))
    tags = {t.code: t for t in Tag.objects.filter(code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in tags]
    if unknown:
        raise ValidationError({"tags": _("Unknown tags: %(tags)s.") % {"tags": "、".join(unknown)}})
    return [tags[c] for c in codes]


@transaction.atomic
def set_tags(
    *, actor, resident_id: int, tags: Iterable[str], on: datetime.date | None = None
) -> Resident:
    """The resident's current tags become `tags`: missing ones end today, new ones start."""
    resident = _resident(actor, resident_id)
    wanted = {t.code: t for t in _tags(tags)}
    on = on or timezone.localdate()
    current = {rt.tag.code: rt for rt in resident.tags.current(on).select_related("tag")}
    before = sorted(current)
    ended = [rt.pk for code, rt in current.items() if code not in wanted]
    ResidentTag.objects.filter(pk__in=ended).update(ends_on=on)
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(resident=resident, tag=t, starts_on=on)
            for c, t in wanted.items()
            if c not in current
        ]
    )
    recompute_category(resident.household)
    audit.record(
        actor=actor,
        action="resident.set_tags",
        obj=resident,
        before={"tags": before},
        after={"tags": sorted(wanted)},
    )
    return resident


def _county_admin_code(actor) -> str:
    """The county where the actor holds a county-admin post ("" for the operator at the
    command line and for a superuser): the tag's audit entry is filed under it."""
    if actor is None or getattr(actor, "is_superuser", False):
        return ""
    counties = sorted(
        code for role, code in scope.current_posts(actor) if role == Role.COUNTY_ADMIN
    )
    return counties[0] if counties else ""


def _recompute_categories_of(tag: Tag) -> None:
    """After a tag starts or stops making key households: the derived category of every
    household where a living member carries it now, in two UPDATEs, not one per household."""
    carriers = (
        ResidentTag.objects.current()
        .filter(tag=tag, resident__status=ResidentStatus.LIVING)
        .values("resident__household_id")
    )
    key = Exists(
        ResidentTag.objects.current().filter(
            resident__household=OuterRef("pk"),
            resident__status=ResidentStatus.LIVING,
            tag__makes_key_household=True,
            tag__is_active=True,
        )
    )
    derived = Household.objects.filter(pk__in=carriers, category_override="")
    now = timezone.now()
    derived.filter(key).exclude(category=HouseholdCategory.KEY).update(
        category=HouseholdCategory.KEY, updated_at=now
    )
    derived.filter(~key).exclude(category=HouseholdCategory.ORDINARY).update(
        category=HouseholdCategory.ORDINARY, updated_at=now
    )


@transaction.atomic
def save_tag(
    *,
    actor,
    code: str,
    name: str,
    category: str,
    makes_key_household: bool = False,
    is_active: bool = True,
) -> Tag:
    """Creates the tag `code`, or changes it. Only a county admin (or a superuser) configures
    the taxonomy; when a tag starts or stops making key households, the households whose
    members carry it change category with it."""
    scope.require_configure(
        actor, message=_("Only a county admin may configure the tags."), recheck=True
    )
    county = _county_admin_code(actor)
    code = validators.normalize_code(code)
    name = validators.normalize_text(name)
    errors: dict[str, str] = {}
    try:
        validate_slug(code)
    except ValidationError:
        errors["code"] = _("The code must be letters, digits, hyphens or underscores.")
    if len(code) > 40:
        errors["code"] = _("The code can have at most 40 characters.")
    if not name:
        errors["name"] = _("The name cannot be empty.")
    elif len(name) > 40:
        errors["name"] = _("The name can have at most 40 characters.")
    elif Tag.objects.filter(name=name).exclude(code=code).exists():
        errors["name"] = _("Another tag is already called %(name)s.") % {"name": name}
    if category not in TagCategory.values:
        errors["category"] = _("Unknown tag category.")
    if errors:
        raise ValidationError(errors)
    tag = Tag.objects.select_for_update().filter(code=code).first()
    before = audit.snapshot(tag) if tag is not None else None
    # A tag that starts or stops making key households, or is switched on or off while it
    # does, changes the derived category of the households that carry it.
    key_changed = tag is not None and (
        tag.makes_key_household != makes_key_household
        or (tag.is_active != is_active and (tag.makes_key_household or makes_key_household))
    )
    if tag is None:
        tag = Tag(code=code, order=(Tag.objects.aggregate(m=Max("order"))["m"] or 0) + 1)
    tag.name = name
    tag.category = category
    tag.makes_key_household = makes_key_household
    tag.is_active = is_active
    tag.save()
    if key_changed:
        _recompute_categories_of(tag)
    audit.record(
        actor=actor,
        action="tag.update" if before else "tag.create",
        obj=tag,
        area_code=county,
        before=before,
        after=audit.snapshot(tag),
    )
    return tag
