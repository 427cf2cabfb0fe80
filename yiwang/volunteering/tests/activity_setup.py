"""Rows the tests of volunteers, activities and hours share: a village team, a volunteer
from the ledger with an account of their own (no post), an activity relative to now."""

import datetime
import uuid

from django.utils import timezone

from conftest import PASSWORD, UNIT, VILLAGE
from yiwang.registry.services import add_resident, create_household
from yiwang.volunteering import services
from yiwang.volunteering.models import TargetGroup, TeamKind

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def make_resident(unit=UNIT, number="101", name="李四"):
    household = create_household(actor=None, unit_code=unit, number=number)
    return add_resident(
        actor=None, household_id=household.pk, name=name, relation="head", birth_date="19700101"
    )


def make_account(username="volunteer", full_name="王五", area_code=UNIT):
    """An account without a post, belonging to `area_code` (in the scope of its area's
    workers and those above them)."""
    from yiwang.accounts.services import create_user

    return create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        full_name=full_name,
        area_code=area_code,
    )


def make_volunteer(unit=UNIT, number="101", name="李四", username=None):
    """A volunteer of the ledger, with an account (no post) when `username` is given."""
    resident = make_resident(unit, number, name)
    user = make_account(username, name) if username else None
    return services.register_volunteer(None, resident=resident, user=user, consent=True)


def make_team(area=VILLAGE, name="党员操心人志愿服务队"):
    """The area's team of that name, made once."""
    from yiwang.volunteering.models import Team

    found = Team.objects.filter(area_code=area, name=name).first()
    if found is not None:
        return found
    return services.create_team(None, name=name, kind=TeamKind.PARTY_MEMBERS, area_code=area)


def make_activity(organiser, team=None, *, starts=None, length=2 * HOUR, places=10, **more):
    starts = starts or timezone.now() - HOUR
    return services.create_activity(
        organiser,
        team=team or make_team(),
        title="清扫村道",
        description="",
        target_group=TargetGroup.PUBLIC,
        place="村委会门口",
        starts_at=starts,
        ends_at=starts + length,
        places=places,
        **more,
    )


def new_uuid() -> str:
    return str(uuid.uuid4())
