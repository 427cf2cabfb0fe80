"""Every write of outreach's visit rules and triggers, the county admin's settings:
atomic, checked against the actor's posts, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import validators
from yiwang.outreach.models import RuleKind, Trigger, VisitRule
from yiwang.outreach.services import settings
from yiwang.registry.models import HouseholdCategory, Tag

# --- the county's settings: visit rules and triggers -------------------------------------


def _code_and_name(code, name, *, model, errors: dict) -> tuple[str, str]:
    code = validators.normalize_code(str(code or ""))
    name = validators.normalize_text(str(name or ""))
    try:
        validate_slug(code)
    except ValidationError:
        errors.setdefault("code", []).append(
            _("The code must be letters, digits, hyphens or underscores.")
        )
    if len(code) > 40:
        errors.setdefault("code", []).append(_("The code can have at most 40 characters."))
    limit = model._meta.get_field("name").max_length
    if not name:
        errors.setdefault("name", []).append(_("The name cannot be empty."))
    elif len(name) > limit:
        errors.setdefault("name", []).append(
            _("At most %(limit)d characters; this has %(n)d.") % {"limit": limit, "n": len(name)}
        )
    elif model.objects.filter(name=name).exclude(code=code).exists():
        errors.setdefault("name", []).append(
            _("Another one is already called %(name)s.") % {"name": name}
        )
    return code, name


def _days(value, *, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 3660:
        errors.setdefault(field, []).append(_("A number of days from 1 to 3660."))
        return None
    return days


@transaction.atomic
def save_rule(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    household_category: str = "",
    tag: str = "",
    every_days=None,
    trigger: str = "",
    within_days=None,
    is_active: bool = True,
) -> VisitRule:
    """Creates the visit rule `code`, or changes it (the county admin). Periodic: the
    households of a category and/or with a resident of a tag, every `every_days`.
    Triggered: a visit within `within_days` of an occurrence of `trigger`. A rule always
    has its rhythm: one without is refused here, before the database's constraint."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    errors: dict = {}
    code, name = _code_and_name(code, name, model=VisitRule, errors=errors)
    if kind not in RuleKind.values:
        errors.setdefault("kind", []).append(_("Choose periodic or triggered."))
    values = {"name": name, "kind": kind, "is_active": bool(is_active)}
    if kind == RuleKind.PERIODIC:
        every = _days(every_days, field="every_days", errors=errors)
        if every is None and "every_days" not in errors:
            errors["every_days"] = [
                _("A periodic rule needs its rhythm: a visit every how many days (1 or more).")
            ]
        if household_category and household_category not in HouseholdCategory.values:
            errors.setdefault("household_category", []).append(_("Unknown household category."))
        found_tag = None
        if tag:
            found_tag = Tag.objects.filter(code=str(tag).strip()).first()
            if found_tag is None:
                errors.setdefault("tag", []).append(_("Unknown tag."))
        elif not household_category:
            errors.setdefault("household_category", []).append(
                _("Say which households the rule is for: a category, a tag, or both.")
            )
        values.update(
            household_category=household_category or "",
            tag=found_tag,
            every_days=every,
            trigger=None,
            within_days=None,
        )
    elif kind == RuleKind.TRIGGERED:
        found_trigger = (
            Trigger.objects.filter(code=str(trigger).strip()).first() if trigger else None
        )
        if found_trigger is None:
            errors.setdefault("trigger", []).append(
                _("A triggered rule needs its trigger: choose one of the list.")
            )
        within = _days(within_days, field="within_days", errors=errors)
        if within is None and "within_days" not in errors:
            errors["within_days"] = [
                _("A triggered rule needs its rhythm: a visit within how many days (1 or more).")
            ]
        values.update(
            household_category="",
            tag=None,
            every_days=None,
            trigger=found_trigger,
            within_days=within,
        )
    if errors:
        raise ValidationError(errors)
    return settings.save_setting(
        VisitRule,
        actor=actor,
        code=code,
        values=values,
        actions=("visit_rule.create", "visit_rule.update"),
    )


@transaction.atomic
def save_trigger(*, actor, code: str, name: str, is_active: bool = True) -> Trigger:
    """Creates the trigger `code`, or changes it (the county admin)."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    errors: dict = {}
    code, name = _code_and_name(code, name, model=Trigger, errors=errors)
    if errors:
        raise ValidationError(errors)
    return settings.save_setting(
        Trigger,
        actor=actor,
        code=code,
        values={"name": name, "is_active": bool(is_active)},
        actions=("visit_trigger.create", "visit_trigger.update"),
    )
