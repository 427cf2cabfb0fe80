"""Every write of door-to-door sweeps (敲门行动): starting one over the households of a
target group in an area, assigning them to workers, recording each visit once (as the
outreach visit: `yiwang.outreach.services.visits.record_visit`, read back by its uuid),
closing it.

Who: the admins of an area (county, town, village: `access.can_keep`) start, assign
and close the sweeps of their area; the worker a household is assigned to records its
visit, and so may a keeper of its area. Sweeps are started and visited by people:
`actor` is required.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.accounts import scope
from yiwang.accounts.models import Post, Role, User
from yiwang.core import audit, validators
from yiwang.core.scoping import any_subtree_q
from yiwang.duty import access
from yiwang.duty.models import Sweep, SweepHousehold, SweepResult, SweepStatus
from yiwang.duty.selectors.sweeps import visible_sweeps
from yiwang.duty.services.incidents import _moment, _read_pk, _read_uuid
from yiwang.notices.models import Notification
from yiwang.registry.models import Household, HouseholdStatus, ResidentTag, Tag

NOTICE_ASSIGNED = "duty.sweep_assigned"
NAME_MAX = 100
REASON_MAX = 200
NOTE_MAX = 300
BATCH = 2000

# The outreach visit's outcome of each result of a sweep's visit.
OUTCOMES = {
    SweepResult.SAFE: "all_well",
    SweepResult.NEEDS_HELP: "follow_up",
    SweepResult.MOVED: "follow_up",
    SweepResult.NOT_HOME: "not_home",
}


def _require_actor(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValueError("A sweep is started and visited by someone: the service needs an actor.")
    scope.recheck(actor)


def _sweep(actor, sweep_id, *, lock: bool = True) -> Sweep:
    """The sweep in the actor's sight (its area in scope, or a household of it assigned
    to them), else 404."""
    pk = _read_pk(sweep_id)
    rows = Sweep.objects.filter(pk=pk)
    if lock:
        rows = rows.select_for_update()
    found = rows.first()
    if found is None or not visible_sweeps(actor).filter(pk=pk).exists():
        raise Http404(_("Not found."))
    return found


def _require_keeper(actor, code: str) -> None:
    if not access.can_keep(actor, code):
        raise PermissionDenied(
            _("The admins of the area (county, town or village) start and assign its sweeps.")
        )


def _require_open(sweep: Sweep) -> None:
    if sweep.status != SweepStatus.OPEN:
        raise ValidationError({"sweep": [_("The sweep is closed.")]})


@transaction.atomic
def start_sweep(*, actor, area_code, tag_id, name, starts_on, ends_on, reason="") -> Sweep:
    """A sweep over every active household in the area with a living resident carrying
    the tag on `starts_on` (the ledger's tags), written in bulk."""
    _require_actor(actor)
    errors: dict = {}
    code = str(area_code or "").strip()
    from yiwang.areas.models import Area

    if not code or not Area.objects.filter(code=code).exists() or not scope.in_scope(actor, code):
        errors["area_code"] = [_("Choose the area of the sweep from the list.")]
    elif not access.can_keep(actor, code):
        raise PermissionDenied(
            _("The admins of the area (county, town or village) start and assign its sweeps.")
        )
    tag = None
    tag_pk = validators.read_id(getattr(tag_id, "pk", tag_id))
    if tag_pk is not None:
        tag = Tag.objects.filter(pk=tag_pk, is_active=True).first()
    if tag is None:
        errors["tag"] = [_("Choose the target group from the list of tags.")]
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=False, errors=errors
    )
    days = {}
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        try:
            days[field] = validators.clean_date(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            continue
        if days[field] is None:
            errors.setdefault(field, []).append(_("Give the date, e.g. 2026-03-05."))
    if days.get("starts_on") and days.get("ends_on") and days["ends_on"] < days["starts_on"]:
        errors.setdefault("ends_on", []).append(_("The sweep cannot end before it starts."))
    if errors:
        raise ValidationError(errors)
    households = list(
        Household.objects.filter(
            status=HouseholdStatus.ACTIVE,
            pk__in=ResidentTag.objects.current(days["starts_on"])
            .filter(tag=tag, resident_living=True, area_code__startswith=code)
            .values("resident__household_id"),
        )
        .order_by("area_code", "pk")
        .values_list("pk", "area_code")
    )
    if not households:
        raise ValidationError(
            {"tag": [_("No household of the area has a living resident in this target group.")]}
        )
    sweep = Sweep.objects.create(
        area_code=code,
        name=name,
        tag=tag,
        reason=reason,
        starts_on=days["starts_on"],
        ends_on=days["ends_on"],
        created_by=actor,
    )
    SweepHousehold.objects.bulk_create(
        (SweepHousehold(sweep=sweep, household_id=pk, area_code=unit) for pk, unit in households),
        batch_size=BATCH,
    )
    audit.record(
        actor=actor,
        action="duty_sweep.start",
        obj=sweep,
        after={**audit.snapshot(sweep), "households": len(households)},
    )
    return sweep


def _reaches(user, code: str) -> bool:
    """Whether `user`'s scope takes in the area `code` (they may visit its households)."""
    return access.is_active_superuser(user) or scope.in_scope(user, code)


def _assign(actor, sweep: Sweep, rows: list[SweepHousehold], assignee: User) -> int:
    changed = [row for row in rows if row.assignee_id != assignee.pk]
    if not changed:
        return 0
    SweepHousehold.objects.filter(pk__in=[row.pk for row in changed]).update(assignee=assignee)
    Notification.objects.create(
        kind=NOTICE_ASSIGNED,
        object_type=sweep._meta.label_lower,
        object_id=sweep.pk,
        recipient=assignee,
        text=ngettext(
            "Sweep %(name)s: %(n)d household was assigned to you to visit.",
            "Sweep %(name)s: %(n)d households were assigned to you to visit.",
            len(changed),
        )
        % {"name": sweep.name, "n": len(changed)},
    )
    audit.record(
        actor=actor,
        action="duty_sweep.assign",
        obj=sweep,
        after={"assignee": assignee.pk, "households": sorted(row.household_id for row in changed)},
    )
    return len(changed)


@transaction.atomic
def assign_households(*, actor, sweep_id, household_ids, assignee_id) -> int:
    """Assigns households of the sweep (Household ids) to a worker whose posts take them
    in. Answers how many changed hands."""
    _require_actor(actor)
    sweep = _sweep(actor, sweep_id)
    _require_open(sweep)
    ids = []
    for value in household_ids or ():
        pk = validators.read_id(getattr(value, "pk", value))
        if pk is None:
            raise ValidationError({"households": [_("Choose the households from the list.")]})
        ids.append(pk)
    if not ids:
        raise ValidationError({"households": [_("Choose the households from the list.")]})
    rows = list(
        SweepHousehold.objects.select_for_update()
        .filter(sweep=sweep, household_id__in=set(ids))
        .order_by("pk")
    )
    if len(rows) != len(set(ids)):
        raise ValidationError({"households": [_("A household chosen is not in this sweep.")]})
    for row in rows:
        if not scope.in_scope(actor, row.area_code):
            raise ValidationError({"households": [_("A household chosen is not in this sweep.")]})
        _require_keeper(actor, row.area_code)
    pk = validators.read_id(getattr(assignee_id, "pk", assignee_id))
    assignee = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if assignee is None or not User.objects.visible_to(actor).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": [_("Choose the worker from the list.")]})
    outside = [row for row in rows if not _reaches(assignee, row.area_code)]
    if outside:
        raise ValidationError(
            {
                "assignee": [
                    _(
                        "%(name)s has no post over every household chosen: choose a worker of their area."
                    )
                    % {"name": assignee.full_name or assignee.username}
                ]
            }
        )
    return _assign(actor, sweep, rows, assignee)


@transaction.atomic
def assign_to_unit_workers(*, actor, sweep_id) -> int:
    """Each unassigned household (of the areas the actor keeps) to a grid worker of its
    unit, the one with the fewest households of the sweep first. Households of a unit
    without a worker stay unassigned. Answers how many were assigned."""
    _require_actor(actor)
    sweep = _sweep(actor, sweep_id)
    _require_open(sweep)
    if not access.keeps_somewhere(actor):
        _require_keeper(actor, sweep.area_code)
    rows = SweepHousehold.objects.select_for_update().filter(sweep=sweep, assignee__isnull=True)
    codes = scope.scope_codes(actor)
    if codes is not None:
        rows = rows.filter(any_subtree_q("area_code", codes))
    rows = [
        row for row in rows.order_by("area_code", "pk") if access.can_keep(actor, row.area_code)
    ]
    if not rows:
        return 0
    today = timezone.localdate()
    workers: dict[str, list[int]] = defaultdict(list)
    for user_id, unit in (
        Post.objects.current(today)
        .filter(
            role=Role.GRID_WORKER,
            area_code__in={row.area_code for row in rows},
            user__is_active=True,
        )
        .order_by("area_code", "user_id")
        .values_list("user_id", "area_code")
    ):
        workers[unit].append(user_id)
    load = defaultdict(int)
    for user_id, n in (
        SweepHousehold.objects.filter(sweep=sweep, assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("pk"))
    ):
        load[user_id] = n
    chosen: dict[int, list[SweepHousehold]] = defaultdict(list)
    for row in rows:
        candidates = workers.get(row.area_code)
        if not candidates:
            continue
        user_id = min(candidates, key=lambda pk: (load[pk], pk))
        load[user_id] += 1
        chosen[user_id].append(row)
    people = User.objects.in_bulk(list(chosen))
    return sum(_assign(actor, sweep, chosen[pk], people[pk]) for pk in sorted(chosen))


def _visit_at(value, errors: dict) -> datetime.datetime:
    if value in (None, ""):
        return timezone.now()
    return _moment(value, "visited_at", errors)


@transaction.atomic
def record_sweep_visit(
    *,
    actor,
    sweep_id,
    household_id,
    result,
    note="",
    uuid,
    visited_at=None,
    latitude=None,
    longitude=None,
    source="web",
) -> tuple[SweepHousehold, bool]:
    """Records the visit of a household of the sweep, once: as the outreach visit
    (`record_visit` with the client's `uuid`, the result as its outcome) whose uuid, time
    and result the sweep's row keeps. The same uuid again answers (the row, False) and
    stores nothing. A later visit (one nobody was home for, visited again) takes the
    row's place; an earlier one sent late is kept in outreach only."""
    from yiwang.outreach.services.visits import record_visit

    _require_actor(actor)
    key = _read_uuid(uuid)
    if result not in SweepResult.values:
        raise ValidationError({"result": [_("Choose the result of the visit from the list.")]})
    errors: dict = {}
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    moment = _visit_at(visited_at, errors)
    if errors:
        raise ValidationError(errors)
    sweep = _sweep(actor, sweep_id, lock=False)
    pk = validators.read_id(getattr(household_id, "pk", household_id))
    row = (
        SweepHousehold.objects.select_for_update().filter(sweep=sweep, household_id=pk).first()
        if pk is not None
        else None
    )
    if row is None:
        raise ValidationError({"household": [_("The household is not in this sweep.")]})
    if row.visit_uuid == key:
        return row, False
    if not (row.assignee_id == actor.pk or access.can_keep(actor, row.area_code)):
        if not _reaches(actor, row.area_code):
            raise Http404(_("Not found."))
        if row.assignee_id is not None:
            raise PermissionDenied(
                _("This household is assigned to another worker: they record its visit.")
            )
        raise PermissionDenied(_("Ask the admins of the area to assign you the household first."))
    _require_open(sweep)
    visit, created = record_visit(
        actor=actor,
        uuid=key,
        household_id=row.household_id,
        visited_at=moment,
        outcome=OUTCOMES[result],
        notes=note,
        latitude=latitude,
        longitude=longitude,
        source=source,
    )
    if visit.household_id != row.household_id:
        raise ValidationError(
            {"uuid": [_("This UUID belongs to another visit: make a new one for this visit.")]}
        )
    if row.visited_at is not None and visit.visited_at < row.visited_at:
        return row, created  # an earlier visit sent late: the row keeps the latest
    before = {"result": row.result, "visited_at": row.visited_at, "visit_uuid": row.visit_uuid}
    row.result = result
    row.visited_at = visit.visited_at
    row.visit_uuid = visit.uuid
    row.note = note
    row.save(update_fields=["result", "visited_at", "visit_uuid", "note"])
    audit.record(
        actor=actor,
        action="duty_sweep.visit",
        obj=row,
        before=before,
        after={"result": result, "visited_at": row.visited_at, "visit_uuid": row.visit_uuid},
    )
    return row, True


@transaction.atomic
def close_sweep(*, actor, sweep_id) -> Sweep:
    """Closes the sweep (a keeper of its area): no visit is recorded in it after."""
    _require_actor(actor)
    sweep = _sweep(actor, sweep_id)
    _require_keeper(actor, sweep.area_code)
    _require_open(sweep)
    audit.save_changes(
        actor=actor, obj=sweep, values={"status": SweepStatus.CLOSED}, action="duty_sweep.close"
    )
    return sweep


def sweep_links(user, ids) -> dict:
    """{sweep id: (URL, name)} of the sweeps among `ids` the user follows (the inbox)."""
    from django.urls import reverse

    rows = visible_sweeps(user).filter(pk__in=list(ids)).values_list("pk", "name")
    return {pk: (reverse("duty:sweep", args=[pk]), name) for pk, name in rows}
