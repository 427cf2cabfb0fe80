"""Rows the roster tests share: people of a town's roster and a roster over the weeks to
come (dated from today, so that the tests pass on any day)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from conftest import TOWN, UNIT
from yiwang.duty.services import rosters as services


def make_people(prefix: str, n: int, code: str = UNIT, role: str = "grid_worker") -> list:
    from yiwang.accounts.services import create_user, grant_post

    people = []
    for i in range(n):
        user = create_user(
            actor=None,
            username=f"{prefix}{i}",
            password="x-Yiwang-2026",
            full_name=f"{prefix}{i}号",
        )
        grant_post(actor=None, user=user, role=role, area_code=code)
        people.append(user)
    return people


def make_roster(
    *,
    days: int = 14,
    leaders: int = 3,
    officers: int = 3,
    patrols: int = 3,
    code: str = TOWN,
    start_in_days: int = 2,
    prefix: str = "r",
    generate: bool = True,
    **options,
):
    """A town roster of 08:00–08:00 shifts with a leader, an officer and a patrol a shift,
    its members given; generated unless told. Returns (roster, {role: [users]})."""
    today = timezone.localdate()
    roster = services.create_roster(
        actor=None,
        area_code=code,
        name=f"{prefix}防汛值班表",
        place="镇政府值班室",
        starts_on=today + datetime.timedelta(days=start_in_days),
        ends_on=today + datetime.timedelta(days=start_in_days + days - 1),
        shift_start=datetime.time(8, 0),
        roles=options.pop("roles", {"officer": 1, "patrol": 1}),
        **options,
    )
    pools = {
        "leader": make_people(f"{prefix}lead", leaders),
        "officer": make_people(f"{prefix}off", officers),
        "patrol": make_people(f"{prefix}pat", patrols),
    }
    services.set_members(
        actor=None,
        roster_id=roster.pk,
        members=[
            {"user": u.pk, "role": role, "phone": f"1391234{n:04d}"}
            for role, users in pools.items()
            for n, u in enumerate(users)
        ],
    )
    if generate:
        services.generate(actor=None, roster_id=roster.pk)
    return roster, pools
