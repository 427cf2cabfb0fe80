"""Reads of duty rosters: the rosters, shifts and swaps a user sees, their own shifts, the
swaps waiting for their decision, and who is on duty now in an area."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.scope import current_posts, in_scope
from yiwang.core import display
from yiwang.core.scoping import any_subtree_q, is_area_code, subtree_q
from yiwang.duty import access
from yiwang.duty.models import (
    Assignment,
    DutyRole,
    Roster,
    RosterMember,
    Shift,
    SwapRequest,
    SwapStatus,
)

ROLE_ORDER = {role: n for n, role in enumerate(DutyRole.values)}


def visible_rosters(user) -> QuerySet[Roster]:
    """The rosters in the user's scope, and those they are on."""
    q = access.roster_q(user)
    return Roster.objects.all() if q is None else Roster.objects.filter(q)


def visible_shifts(user) -> QuerySet[Shift]:
    return Shift.objects.filter(roster__in=visible_rosters(user).values("pk"))


def visible_assignments(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(shift__roster__in=visible_rosters(user).values("pk"))


def visible_swaps(user) -> QuerySet[SwapRequest]:
    """The swaps in the user's scope, and those they asked or were asked for."""
    q = access.scoped_q(user)
    if q is None:
        return SwapRequest.objects.all()
    if getattr(user, "is_authenticated", False):
        q |= Q(from_user=user) | Q(to_user=user)
    return SwapRequest.objects.filter(q)


def keeper_codes(user) -> tuple[str, ...] | None:
    """The areas whose rosters the user keeps (None: all)."""
    if access.is_active_superuser(user):
        return None
    return tuple(code for role, code in current_posts(user) if role in access.KEEPERS)


def swaps_to_decide(user) -> QuerySet[SwapRequest]:
    """The swaps asked in the rosters the user keeps, waiting for a decision."""
    rows = SwapRequest.objects.filter(status=SwapStatus.REQUESTED)
    codes = keeper_codes(user)
    if codes is None:
        return rows
    return rows.filter(any_subtree_q("area_code", codes)) if codes else rows.none()


def my_assignments(user, since: datetime.datetime | None = None) -> QuerySet[Assignment]:
    """The user's shifts that end after `since` (now), the first first."""
    since = since or timezone.now()
    return (
        Assignment.objects.filter(user=user, ends_at__gt=since)
        .select_related("shift__roster")
        .order_by("starts_at")
    )


def duty_phones(pairs) -> dict[tuple[int, int], str]:
    """{(roster id, user id): duty phone} of the members among the pairs (one query)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = RosterMember.objects.filter(
        roster_id__in={r for r, _u in pairs}, user_id__in={u for _r, u in pairs}
    ).exclude(phone="")
    phones: dict[tuple[int, int], str] = {}
    for roster_id, user_id, phone, active in rows.values_list(
        "roster_id", "user_id", "phone", "is_active"
    ):
        if (roster_id, user_id) in pairs and (active or (roster_id, user_id) not in phones):
            phones[(roster_id, user_id)] = phone
    return phones


def on_duty_now(user, area_code, at=None) -> list[dict]:
    """Who is on duty at `at` (now) in the area and below it, leader first in each roster:
    roster, area, place, person, role, duty phone. The area must be in the user's scope
    (else 404, as a missing one). One range read of the index duty_assignment_now_idx
    (assignments ending after `at`), the rosters' people and phones joined."""
    code = str(area_code or "").strip()
    if not is_area_code(code) or not in_scope(user, code):
        raise Http404(_("Not found."))
    at = at or timezone.now()
    rows = list(
        Assignment.objects.filter(subtree_q("area_code", code), ends_at__gt=at, starts_at__lte=at)
        .select_related("shift__roster", "user")
        .only(
            "pk",
            "role",
            "area_code",
            "starts_at",
            "ends_at",
            "user__username",
            "user__full_name",
            "shift__roster__name",
            "shift__roster__place",
        )
    )
    if not rows and not _area_exists(code):
        raise Http404(_("Not found."))
    names = display.area_names({row.area_code for row in rows})
    phones = duty_phones((row.shift.roster_id, row.user_id) for row in rows)
    labels = dict(DutyRole.choices)
    found = [
        {
            "assignment": row.pk,
            "roster": row.shift.roster_id,
            "roster_name": row.shift.roster.name,
            "area_code": row.area_code,
            "area_name": names[row.area_code].name if row.area_code in names else row.area_code,
            "place": row.shift.roster.place,
            "user": row.user_id,
            "person": str(row.user),
            "role": row.role,
            "role_label": str(labels.get(row.role, row.role)),
            "is_leader": row.role == DutyRole.LEADER,
            "phone": phones.get((row.shift.roster_id, row.user_id), ""),
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
        }
        for row in rows
    ]
    found.sort(
        key=lambda r: (r["area_code"], r["roster_name"], r["roster"], ROLE_ORDER.get(r["role"], 99))
    )
    return found


def _area_exists(code: str) -> bool:
    from yiwang.areas.models import Area

    return Area.objects.filter(code=code).exists()


def roster_grid(roster: Roster) -> dict:
    """The roster as a grid of days × places: each shift with its people by role (leader
    first), and how many shifts each member holds."""
    shifts = list(Shift.objects.filter(roster=roster).order_by("starts_at"))
    rows = (
        Assignment.objects.filter(shift__roster=roster)
        .select_related("user")
        .order_by("starts_at", "id")
    )
    by_shift: dict[int, list[Assignment]] = {}
    counts: dict[int, int] = {}
    for row in rows:
        by_shift.setdefault(row.shift_id, []).append(row)
        counts[row.user_id] = counts.get(row.user_id, 0) + 1
    roles = [DutyRole.LEADER.value, *(roster.roles or {})]
    labels = dict(DutyRole.choices)
    grid = []
    for shift in shifts:
        here = by_shift.get(shift.pk, [])
        cells = []
        for role in roles:
            people = [a for a in here if a.role == role]
            cells.append({"role": role, "people": people})
        extra = [a for a in here if a.role not in roles]
        if extra:
            cells.append({"role": "", "people": extra})
        grid.append(
            {
                "shift": shift,
                "starts": timezone.localtime(shift.starts_at),
                "ends": timezone.localtime(shift.ends_at),
                "cells": cells,
            }
        )
    return {
        "rows": grid,
        "roles": [(role, labels.get(role, role)) for role in roles],
        "counts": counts,
    }
