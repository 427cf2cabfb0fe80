"""Volunteer hours propose points (enter once): an approved credit-hours record of a
party member proposes a red-points entry on the item 带头参加志愿服务, once; pending or
declined hours, honour hours and a volunteer who is not a party member propose nothing on
the party members' list; a rule on a household's list proposes for the household."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import UNIT, VILLAGE
from yiwang.points.models import Entry, EntryStatus, ProposalRule, TemplateItem
from yiwang.points.services import proposals
from yiwang.points.services.entries import month_start
from yiwang.points.tests.test_lists import adopt_defaults, make_household
from yiwang.volunteering.models import Activity, Attendance, HoursRecord, Team, Volunteer

pytestmark = pytest.mark.django_db


def _served(volunteer, activity, status="approved", kind="credit"):
    attendance = None
    if kind == "credit":
        attendance = Attendance.objects.create(
            activity=activity,
            volunteer=volunteer,
            checked_in_at=activity.starts_at,
            checked_out_at=activity.ends_at,
            area_code=activity.area_code,
        )
    return HoursRecord.objects.create(
        volunteer=volunteer,
        activity=activity,
        attendance=attendance,
        kind=kind,
        hours=Decimal("2.00"),
        status=status,
        served_on=timezone.localdate(activity.starts_at),
        area_code=activity.area_code,
    )


@pytest.fixture
def served(chief, worker):
    team = Team.objects.create(name="党员志愿服务队", kind="party_members", area_code=VILLAGE)
    starts = timezone.now() - datetime.timedelta(hours=3)
    activities = [
        Activity.objects.create(
            team=team,
            title=title,
            target_group="elderly",
            place="村委会",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            places=20,
            checkin_code="654321",
            organiser=chief,
            area_code=VILLAGE,
        )
        for title in ("看望独居老人", "清扫街巷", "义务理发")
    ]
    volunteers = {}
    for number, member in (("401", True), ("402", False)):
        _home, resident = make_household(worker, number, party_member=member)
        volunteers[member] = Volunteer.objects.create(
            resident=resident, name=resident.name, area_code=UNIT, consent_at=timezone.now()
        )
    approved = _served(volunteers[True], activities[0])
    _served(volunteers[True], activities[1], status="pending")
    _served(volunteers[True], activities[2], kind="honour")
    _served(volunteers[False], activities[0])
    return approved, volunteers


def test_approved_hours_of_a_party_member_propose_red_points_once(chief, served):
    approved, volunteers = served
    adopt_defaults(chief)
    month = month_start(timezone.localdate(approved.activity.starts_at))
    assert proposals.propose(month)["made"] == 1
    entry = Entry.objects.get()
    assert entry.proposal_key == f"hours:{approved.pk}"
    assert entry.resident == volunteers[True].resident and entry.household is None
    assert entry.status == EntryStatus.PENDING and entry.recorded_by is None
    assert entry.item.text == "带头参加志愿服务"
    assert "看望独居老人" in entry.evidence and "2.00" in entry.evidence
    assert proposals.propose(month).get("made", 0) == 0  # once
    assert Entry.objects.count() == 1


def test_a_rule_on_the_households_list_proposes_for_each_volunteers_household(chief, served):
    approved, volunteers = served
    adopt_defaults(chief)
    ProposalRule.objects.filter(source="volunteer_hours").update(
        template=TemplateItem.objects.get(kind="household", article="2")
    )
    assert proposals.propose(timezone.localdate(approved.activity.starts_at))["made"] == 2
    households = {entry.household_id for entry in Entry.objects.all()}
    assert households == {v.resident.household_id for v in volunteers.values()}
    assert not Entry.objects.filter(resident__isnull=False).exists()
