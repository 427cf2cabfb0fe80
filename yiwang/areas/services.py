"""Every write to the area tree: atomic, checked against the actor's scope, audited."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.areas import codes
from yiwang.areas.geometry import check_inside, parse_boundary
from yiwang.areas.models import Area, BoundaryVersion, Level
from yiwang.core import access, audit, validators
from yiwang.core.scoping import is_area_code

NAME_MAX_LENGTH = Area._meta.get_field("name").max_length
_NAME_TOO_LONG = gettext_lazy("The name is longer than %(n)d characters.")

# Which parent level each level the pages and API may create goes under.
CREATABLE_LEVELS = {Level.GRID: Level.VILLAGE, Level.UNIT: Level.GRID}
_PLACEMENT_ERRORS = {
    Level.GRID: gettext_lazy("A grid can only be created under a village."),
    Level.UNIT: gettext_lazy("A unit can only be created under a grid."),
}

# Sent by close_area inside its transaction, the area locked, before it closes (sender
# Area, area, on): an app above areas whose rows hang on the area refuses by raising
# ValidationError (accounts: current posts on it).
area_closing = Signal()


def _locked_area(actor, code: str) -> Area:
    """The area, locked for the transaction, re-checked against the actor's posts.

    `actor=None` is the operator at the command line (imports, the demo), who may do all.
    """
    if actor is not None:
        access.recheck(actor)
        access.require_area_manager(actor, code)
    area = Area.objects.select_for_update().filter(code=code).first()
    if area is None:
        raise Http404(_("Not found."))
    return area


def _next_child_code(parent: Area) -> str:
    taken = set(Area.objects.filter(parent=parent).values_list("code", flat=True))
    for n in range(1, 1000):
        candidate = f"{parent.code}{n:03d}"
        if candidate not in taken:
            return candidate
    raise ValidationError({"code": _("This area already has 999 children.")})


def _child_code(parent: Area, code: str) -> str:
    """A full child code from a full code or a three-digit suffix, validated."""
    code = (code or "").strip()
    if not code:
        return _next_child_code(parent)
    if len(code) == codes.SUFFIX_DIGITS and is_area_code(code):
        code = parent.code + code
    try:
        code = codes.normalize(code)
    except codes.CodeError as exc:
        raise ValidationError({"code": str(exc)}) from None
    if parent.code.startswith(code):
        raise ValidationError(
            {"code": _("An area cannot be placed under itself or under one of its own sub-areas.")}
        )
    if codes.parent_code(code) != parent.code:
        raise ValidationError(
            {
                "code": _(
                    "The code %(code)s does not lie under %(parent)s: it must be the parent's code followed by three digits."
                )
                % {"code": code, "parent": parent.code}
            }
        )
    if code.endswith("000"):
        raise ValidationError({"code": _("The last three digits of a code cannot be 000.")})
    return code


@transaction.atomic
def create_area(
    *,
    actor,
    parent_code: str,
    name: str,
    level: str | None = None,
    code: str = "",
    boundary: dict | None = None,
) -> Area:
    """Creates a grid under a village or a unit under a grid."""
    name = _clean_name(name)
    parent = _locked_area(actor, parent_code)
    if not parent.is_open:
        raise ValidationError({"parent": _("The parent area is closed.")})
    level = level or parent.child_level
    if level not in CREATABLE_LEVELS:
        raise ValidationError(
            {
                "level": _(
                    "Only grids and units can be created here; counties, towns and villages come from the official division codes."
                )
            }
        )
    if parent.level != CREATABLE_LEVELS[level]:
        raise ValidationError({"parent": _PLACEMENT_ERRORS[level]})
    full_code = _child_code(parent, code)
    if Area.objects.filter(code=full_code).exists():
        raise ValidationError(
            {"code": _("The code %(code)s is already taken.") % {"code": full_code}}
        )
    area = Area(code=full_code, name=name, level=level, parent=parent)
    if boundary is not None:
        geometry = parse_boundary(boundary)
        check_inside(geometry, parent.boundary)
        area.boundary = boundary
        area.boundary_since = timezone.now()
    area.save()
    audit.record(actor=actor, action="area.create", obj=area, after=audit.snapshot(area))
    return area


# Tells update_area that the boundary is to stay as it is (None removes it).
UNCHANGED = object()


def _clean_name(name: str | None) -> str:
    name = validators.normalize_text(name)
    if not name:
        raise ValidationError({"name": _("The name cannot be empty.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": _NAME_TOO_LONG % {"n": NAME_MAX_LENGTH}})
    return name


def _check_boundary(area: Area, boundary: dict) -> None:
    """Valid, inside the parent's boundary, and holding the children that have one."""
    geometry = parse_boundary(boundary)
    if area.parent_id:
        check_inside(geometry, area.parent.boundary)
    for child_code, child_boundary in (
        Area.objects.open()
        .filter(parent=area, boundary__isnull=False)
        .values_list("code", "boundary")
    ):
        try:
            check_inside(parse_boundary(child_boundary), boundary)
        except ValidationError:
            raise ValidationError(
                {
                    "boundary": _("The new boundary leaves the sub-area %(code)s outside it.")
                    % {"code": child_code}
                }
            ) from None


@transaction.atomic
def update_area(*, actor, code: str, name: str | None = None, boundary=UNCHANGED) -> Area:
    """Renames an area and/or redraws its boundary: everything is checked before anything
    is written. A replaced boundary is kept in the boundary history."""
    area = _locked_area(actor, code)
    new_name = _clean_name(name) if name is not None else area.name
    if boundary is not UNCHANGED and boundary is not None:
        _check_boundary(area, boundary)
    before = audit.snapshot(area)
    area.name = new_name
    if boundary is not UNCHANGED and boundary != area.boundary:
        now = timezone.now()
        if area.boundary:
            BoundaryVersion.objects.create(
                area=area,
                boundary=area.boundary,
                valid_from=area.boundary_since or area.created_at,
                valid_until=now,
            )
        area.boundary = boundary
        area.boundary_since = now if boundary is not None else None
    area.save()
    action = "area.update" if boundary is UNCHANGED else "area.set_boundary"
    audit.record(actor=actor, action=action, obj=area, before=before, after=audit.snapshot(area))
    return area


def set_boundary(*, actor, code: str, boundary: dict | None) -> Area:
    """Redraws a boundary (None removes it); the one it replaces is kept in the history."""
    return update_area(actor=actor, code=code, boundary=boundary)


@transaction.atomic
def close_area(*, actor, code: str, on: datetime.date | None = None) -> Area:
    """Closes an area that has no open sub-areas and no current posts; its history stays."""
    area = _locked_area(actor, code)
    on = on or timezone.localdate()
    if not area.is_open:
        raise ValidationError({"closed_on": _("The area is already closed.")})
    if Area.objects.open().filter(parent=area).exists():
        raise ValidationError({"closed_on": _("Close or move its sub-areas first.")})
    area_closing.send(sender=Area, area=area, on=on)
    if on < area.opened_on:
        raise ValidationError({"closed_on": _("An area cannot close before it opened.")})
    before = audit.snapshot(area)
    area.closed_on = on
    area.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor, action="area.close", obj=area, before=before, after=audit.snapshot(area)
    )
    return area


@dataclass
class RowError:
    row: int
    message: str
    code: str = ""

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportReport:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _check_import_scope(actor, code: str, within: str) -> str | None:
    if within and not code.startswith(within):
        return _("the code %(code)s does not lie under %(within)s") % {
            "code": code,
            "within": within,
        }
    if actor is None:  # a management command run by the operator
        return None
    if not access.in_scope(actor, code) or not access.can_manage_area(actor, code):
        return _("Your posts do not allow changing this area.")
    return None


# How often a long import reports its progress, in rows.
PROGRESS_EVERY = 200


@transaction.atomic
def import_areas(
    *,
    actor,
    rows: list[tuple[int, str, str]],
    within: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Imports (row number, code, name) rows: new areas are created, renamed ones updated.

    Every row is checked before anything is written; a file with a bad row changes
    nothing. Importing the same rows again changes nothing. `within` restricts the rows to
    one subtree; `progress(done, total)` hears of the checking every PROGRESS_EVERY rows.
    """
    if actor is not None:
        access.recheck(actor)
    report = ImportReport()
    wanted: dict[str, tuple[int, str]] = {}
    for done, (row, raw_code, raw_name) in enumerate(rows, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        try:
            code = codes.normalize(raw_code)
        except codes.CodeError as exc:
            report.errors.append(
                RowError(
                    row,
                    _("malformed code %(code)r: %(reason)s") % {"code": raw_code, "reason": exc},
                    str(raw_code),
                )
            )
            continue
        name = validators.normalize_text(raw_name)
        if not name:
            report.errors.append(RowError(row, _("the name is empty"), code))
            continue
        if len(name) > NAME_MAX_LENGTH:
            report.errors.append(
                RowError(
                    row,
                    _("the name is longer than %(n)d characters") % {"n": NAME_MAX_LENGTH},
                    code,
                )
            )
            continue
        if code in wanted:
            first_row, first_name = wanted[code]
            if first_name != name:
                report.errors.append(
                    RowError(
                        row,
                        _(
                            "the code %(code)s is given twice with different names (row %(first)d: %(a)s; here: %(b)s)"
                        )
                        % {"code": code, "first": first_row, "a": first_name, "b": name},
                        code,
                    )
                )
            continue
        problem = _check_import_scope(actor, code, within)
        if problem:
            report.errors.append(RowError(row, problem, code))
            continue
        wanted[code] = (row, name)

    existing = {
        a.code: a
        for a in Area.objects.select_for_update().filter(
            code__in=list(wanted) + [p for p in (codes.parent_code(c) for c in wanted) if p]
        )
    }
    for code, (row, _name) in wanted.items():
        parent = codes.parent_code(code)
        if parent and parent not in wanted and parent not in existing:
            report.errors.append(
                RowError(
                    row,
                    _("its parent %(parent)s is neither in the file nor in the database")
                    % {"parent": parent},
                    code,
                )
            )
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        transaction.set_rollback(True)
        return report

    now = timezone.now()
    entries = []
    renamed = []
    # Parents before children: codes sorted by length.
    for code in sorted(wanted, key=lambda c: (len(c), c)):
        row, name = wanted[code]
        area = existing.get(code)
        if area is None:
            parent_code = codes.parent_code(code)
            area = Area(
                code=code,
                name=name,
                level=codes.level_of(code),
                parent=existing.get(parent_code) if parent_code else None,
                created_at=now,
            )
            existing[code] = area
            report.created += 1
        elif area.name != name:
            before = audit.snapshot(area)
            area.name = name
            area.updated_at = now
            renamed.append(area)
            entries.append(
                audit.build_entry(
                    actor=actor,
                    action="area.rename",
                    obj=area,
                    before=before,
                    after=audit.snapshot(area),
                )
            )
            report.renamed += 1
        else:
            report.unchanged += 1
    new = [existing[c] for c in sorted(wanted, key=lambda c: (len(c), c)) if existing[c].pk is None]
    # One bulk insert per level, so that each level's parents have their ids.
    for length in sorted(codes.LEVEL_BY_LENGTH):
        batch = [a for a in new if len(a.code) == length]
        for a in batch:
            if a.parent is not None:
                a.parent_id = a.parent.pk
        Area.objects.bulk_create(batch, batch_size=1000)
    if renamed:
        Area.objects.bulk_update(renamed, ["name", "updated_at"], batch_size=1000)
    entries.extend(
        audit.build_entry(actor=actor, action="area.create", obj=a, after=audit.snapshot(a))
        for a in new
    )
    audit.record_many(entries)
    if progress:
        progress(len(rows), len(rows))
    return report
