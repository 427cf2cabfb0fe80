"""Rows for the tests of hours, certificates and the export, made directly with the ORM
(the check-in and hours services are another topic's): a team, activities for target
groups, volunteers (a resident with an ID number, a staff member without one), and
hours records of either kind in any status."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from conftest import OTHER_UNIT, UNIT, VILLAGE  # noqa: F401  (OTHER_UNIT for the tests)
from yiwang.registry.services import add_resident, create_household
from yiwang.registry.tests.conftest import make_id
from yiwang.volunteering.models import (
    Activity,
    Attendance,
    HoursKind,
    HoursRecord,
    HoursStatus,
    TargetGroup,
    Team,
    Volunteer,
)

# An ID number whose check digit is a digit, so that the export writes it as text.
ID_NUMBER = make_id("19800101", "123", region="370830")


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def resident_volunteer(actor, name="李明华", id_number=ID_NUMBER, unit=UNIT, number="V01"):
    household = create_household(actor=None, unit_code=unit, number=number)
    resident = add_resident(
        actor=None, household_id=household.pk, name=name, relation="head", id_number=id_number
    )
    return Volunteer.objects.create(
        area_code=unit,
        resident=resident,
        name=name,
        consent_at=timezone.now(),
        registered_by=actor,
    )


def staff_volunteer(user, area_code=VILLAGE, name="王干部"):
    return Volunteer.objects.create(
        area_code=area_code, user=user, name=name, consent_at=timezone.now()
    )


def team(area_code=VILLAGE, name="党员操心人志愿服务队"):
    return Team.objects.create(area_code=area_code, name=name, kind="party_members")


def activity(organiser, the_team, title, group=TargetGroup.ELDERLY, day=None, area_code=None):
    day = day or days_ago(10)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    return Activity.objects.create(
        area_code=area_code or the_team.area_code,
        team=the_team,
        title=title,
        target_group=group,
        place="村委会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        places=10,
        checkin_code="123456",
        organiser=organiser,
    )


def hours(volunteer, the_activity, amount, *, kind=HoursKind.CREDIT, status=HoursStatus.APPROVED):
    """An hours record of `volunteer` at `the_activity` (credit hours with an attendance
    checked in at the start and out after `amount` hours)."""
    amount = Decimal(str(amount))
    attendance = None
    if kind == HoursKind.CREDIT:
        attendance = Attendance.objects.create(
            area_code=the_activity.area_code,
            activity=the_activity,
            volunteer=volunteer,
            checked_in_at=the_activity.starts_at,
            checked_out_at=the_activity.starts_at + datetime.timedelta(hours=float(amount)),
        )
    return HoursRecord.objects.create(
        area_code=the_activity.area_code,
        volunteer=volunteer,
        activity=the_activity,
        attendance=attendance,
        kind=kind,
        hours=amount,
        status=status,
        served_on=timezone.localtime(the_activity.starts_at).date(),
    )
