"""Reads of duty rosters: the rosters, shifts and swaps a user sees, their own shifts, the
swaps waiting for their decision, and who is on duty now in an area."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.scope import current_posts, in_scope
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


def on_duty_now(user, area_code, at=None) -> list[dict]:
    """Who is on duty at `at` (now) in the area and below it, leader first in each roster:
    roster, area, place, person, role, duty phone. The area must be in the user's scope
    (else 404, as a missing one). One query: a range read of the index
    duty_assignment_now_idx (assignments ending after `at`) within the subtree, the
    shift's roster and the person joined, the area's name and the member's duty phone
    each a correlated look-up by a unique key."""
    from yiwang.areas.models import Area

    code = str(area_code or "").strip()
    if not is_area_code(code) or not in_scope(user, code):
        raise Http404(_("Not found."))
    at = at or timezone.now()
    # The duty phone stays in full here, unlike on the roster's page and the members API
    # (masked there): it is the number to call of the people on duty at this moment.
    phone = (
        RosterMember.objects.filter(
            roster_id=OuterRef("shift__roster_id"), user_id=OuterRef("user_id"), is_active=True
        )
        .exclude(phone="")
        .order_by("role")
        .values("phone")[:1]
    )
    area_name = Area.objects.filter(code=OuterRef("area_code")).values("name")[:1]
    rows = list(
        Assignment.objects.filter(subtree_q("area_code", code), ends_at__gt=at, starts_at__lte=at)
        .annotate(duty_phone=Subquery(phone), area_name=Subquery(area_name))
        .values_list(
            "pk",
            "shift__roster_id",
            "shift__roster__name",
            "shift__roster__place",
            "area_code",
            "area_name",
            "user_id",
            "user__full_name",
            "user__username",
            "role",
            "duty_phone",
            "starts_at",
            "ends_at",
        )
    )
    if not rows and not _area_exists(code):
        raise Http404(_("Not found."))
    labels = dict(DutyRole.choices)
    found = [
        {
            "assignment": pk,
            "roster": roster_id,
            "roster_name": roster_name,
            "area_code": row_code,
            "area_name": name or row_code,
            "place": place,
            "user": user_id,
            "person": full_name or username,
            "role": role,
            "role_label": str(labels.get(role, role)),
            "is_leader": role == DutyRole.LEADER,
            "phone": duty_phone or "",
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        for (
            pk,
            roster_id,
            roster_name,
            place,
            row_code,
            name,
            user_id,
            full_name,
            username,
            role,
            duty_phone,
            starts_at,
            ends_at,
        ) in rows
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
