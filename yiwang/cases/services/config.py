"""The county's settings of cases: the departments with their staff, and the case
categories."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.cases.models import CaseKind, Category, Department, HandlingLevel
from yiwang.cases.services.common import _raise
from yiwang.core import audit, validators

# --- departments ------------------------------------------------------------------------

# The largest time limit (hours, or minutes for an urgent category) a category may set.
LIMIT_MAX = 1_000_000


@transaction.atomic
def save_department(
    *, actor, code: str, name: str, area_code: str, members=(), is_active: bool = True
) -> Department:
    """Adds or changes a department and its staff (county admins; the operator)."""
    scope.require_configure(
        actor, message=_("Only a county admin may configure departments."), recheck=True
    )
    if actor is not None:
        scope.require_in_scope(actor, area_code)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=100, required=True, errors=errors)
    if len(str(area_code)) not in (6, 9) or not Area.objects.filter(code=area_code).exists():
        errors.setdefault("area_code", []).append(_("A department belongs to a county or a town."))
    _raise(errors)
    department = Department.objects.select_for_update().filter(code=code).first()
    before = audit.snapshot(department) if department else None
    if department is None:
        department = Department(code=code)
    department.name, department.area_code, department.is_active = name, area_code, is_active
    department.save()
    department.members.set(members)
    audit.record(
        actor=actor,
        action="department.save",
        obj=department,
        before=before,
        after={
            **audit.snapshot(department),
            "members": sorted(u.pk for u in department.members.all()),
        },
    )
    return department


# --- categories -------------------------------------------------------------------------


@transaction.atomic
def save_category(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    handling_level: str,
    accept: int,
    dispatch: int,
    resolve: int,
    is_urgent: bool = False,
    parent: str = "",
    department: str = "",
    is_active: bool = True,
    order: int = 0,
) -> Category:
    """Adds or changes a category. The limits are entered in hours, or in minutes for an
    urgent category, and stored in minutes. Two levels at most: a parent is a top-level
    category of the same kind."""
    scope.require_configure(
        actor, message=_("Only a county admin may configure case categories."), recheck=True
    )
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=40, required=True, errors=errors)
    if kind not in CaseKind.values:
        errors.setdefault("kind", []).append(_("Choose patrol report or resident request."))
    if handling_level not in HandlingLevel.values:
        errors.setdefault("handling_level", []).append(
            _("Choose unit, village, town or department.")
        )
    limits = {}
    for field, value in (("accept", accept), ("dispatch", dispatch), ("resolve", resolve)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            errors.setdefault(field, []).append(_("Give a whole number greater than zero."))
        elif number > LIMIT_MAX:  # the minutes must fit their column (a 32-bit integer)
            errors.setdefault(field, []).append(
                _("Give a whole number from 1 to %(max)d.") % {"max": LIMIT_MAX}
            )
        limits[f"{field}_minutes"] = number if is_urgent else number * 60
    found_parent = None
    if parent:
        found_parent = Category.objects.filter(code=parent).first()
        if found_parent is None or found_parent.parent_id is not None or found_parent.code == code:
            errors.setdefault("parent", []).append(
                _("The parent must be a top-level category: categories have two levels.")
            )
        elif found_parent.kind != kind:
            errors.setdefault("parent", []).append(_("The parent must be of the same kind."))
    found_department = None
    if department:
        found_department = Department.objects.filter(code=department, is_active=True).first()
        if found_department is None:
            errors.setdefault("department", []).append(_("Unknown department."))
    elif handling_level == HandlingLevel.DEPARTMENT:
        errors.setdefault("department", []).append(_("Choose the department that handles it."))
    category = Category.objects.select_for_update().filter(code=code).first()
    if category is not None and found_parent is not None and category.children.exists():
        errors.setdefault("parent", []).append(
            _("This category has sub-categories: it must stay at the top level.")
        )
    _raise(errors)
    before = audit.snapshot(category) if category else None
    category = category or Category(code=code)
    category.name, category.kind, category.handling_level = name, kind, handling_level
    category.parent, category.department = found_parent, found_department
    category.is_urgent, category.is_active, category.order = is_urgent, is_active, order
    for field, minutes in limits.items():
        setattr(category, field, minutes)
    category.save()
    audit.record(
        actor=actor,
        action="case_category.save",
        obj=category,
        before=before,
        after=audit.snapshot(category),
    )
    return category
