"""Rows of the incidents' and sweeps' tests (and of the route walk, the cockpit's test and
the browser test): households of the elderly living alone on both sides of the county,
a second grid worker in the worker's unit, and a county-wide sweep over them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from conftest import OTHER_UNIT, UNIT, VILLAGE

GRID_TWO = VILLAGE + "002"
# The units of the tree with households of the target group, and how many each.
UNIT_TWO = UNIT[:-3] + "002"
UNIT_THREE = GRID_TWO + "001"
SPREAD = {UNIT: 3, UNIT_TWO: 2, UNIT_THREE: 1, OTHER_UNIT: 2}


def make_household(unit: str, number: str, tags=("elderly_alone",), living=True):
    from yiwang.registry.services import add_resident, create_household

    household = create_household(actor=None, unit_code=unit, number=number, address=f"{number}号")
    resident = add_resident(
        actor=None, household_id=household.pk, name="张大娘", relation="head", tags=list(tags)
    )
    if not living:
        from yiwang.registry.models import Resident

        Resident.objects.filter(pk=resident.pk).update(status="deceased")
    return household


def make_target_households() -> dict:
    """SPREAD households of the elderly living alone, one without the tag and one whose
    tagged resident died (neither in a sweep)."""
    made = {}
    for unit, n in SPREAD.items():
        for i in range(n):
            number = f"{unit[-6:]}-{i + 1}"
            made[number] = make_household(unit, number)
    made["untagged"] = make_household(UNIT, "untagged", tags=())
    made["deceased"] = make_household(UNIT, "deceased", living=False)
    return made


def second_worker():
    """Another grid worker of the worker's unit."""
    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_user, grant_post

    found = User.objects.filter(username="worker2").first()
    if found is not None:
        return found
    user = create_user(
        actor=None, username="worker2", password="Yiwang-test-2026", full_name="李网格"
    )
    grant_post(actor=None, user=user, role="grid_worker", area_code=UNIT)
    return user


def county_sweep(actor, **values):
    from yiwang.duty.services import sweeps
    from yiwang.registry.models import Tag

    today = timezone.localdate()
    return sweeps.start_sweep(
        actor=actor,
        area_code=values.pop("area_code", actor.posts.first().area_code),
        tag_id=Tag.objects.get(code="elderly_alone").pk,
        name=values.pop("name", "汛期独居老人敲门行动"),
        starts_on=values.pop("starts_on", today),
        ends_on=values.pop("ends_on", today + datetime.timedelta(days=3)),
        **values,
    )
