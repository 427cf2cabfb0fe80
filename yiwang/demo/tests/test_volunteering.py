"""The demo county's volunteering: volunteers, teams, a year of activities and services
with their hours, micro-wishes and the caring mothers' fund, in the county's
proportions at the town scale; written once."""

import random
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import timezone

from conftest import SHARED
from yiwang.areas.models import Area
from yiwang.demo.areas import build_demo
from yiwang.demo.outreach import _credit_code
from yiwang.demo.registry import build_demo_ledger
from yiwang.demo.volunteering import build_demo_volunteering, credit_hours
from yiwang.outreach.models import Enterprise
from yiwang.volunteering.models import (
    Activity,
    Attendance,
    Certificate,
    Donation,
    Fund,
    HoursRecord,
    Membership,
    Payout,
    SignUp,
    TargetGroup,
    Team,
    TeamKind,
    Volunteer,
    Wish,
    WishClaim,
)
from yiwang.volunteering.selectors.donations import monthly_statement

VILLAGES = 50
SHARE = 1092 / 7849  # the town scale's units of the county's


@pytest.fixture
def built(db):
    def build():
        build_demo_ledger(per_unit=5, seed=2026)
        # Outreach's enterprises (two a village), without its pairings and visits.
        rng = random.Random(2026)
        Enterprise.objects.bulk_create(
            Enterprise(
                name=f"嘉祥县示范企业{code}-{n}",
                credit_code=_credit_code(rng),
                area_id=pk,
                area_code=code,
            )
            for pk, code in Area.objects.filter(level="village").values_list("id", "code")
            for n in (1, 2)
        )
        return build_demo_volunteering(seed=2026)

    # Built once a session on the town the other demo tests share (tests/snapshots.py).
    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore("demo-volunteering", build, reload=lambda result: result)


def _near(value, county_figure, spread=0.25):
    return (1 - spread) * county_figure * SHARE <= value <= (1 + spread) * county_figure * SHARE


def test_volunteers_and_teams_in_the_county_proportions(built):
    volunteers = Volunteer.objects.all()
    assert volunteers.count() == built["volunteers"]
    assert _near(built["volunteers"], 8000, 0.05)
    assert not volunteers.filter(consent_at__isnull=True).exists()
    assert not volunteers.filter(consent_at__gt=timezone.now()).exists()
    accounts = volunteers.filter(user__isnull=False)
    assert accounts.count() == built["worker_volunteers"] >= VILLAGES
    for volunteer in volunteers.filter(resident__isnull=False).select_related("resident")[:500]:
        assert volunteer.area_code == volunteer.resident.area_code
        assert volunteer.name == volunteer.resident.name
    # One party members' team a village, of its party members, with one leader.
    villages = set(Area.objects.filter(level="village").values_list("code", flat=True))
    party = Team.objects.filter(kind=TeamKind.PARTY_MEMBERS)
    assert set(party.values_list("area_code", flat=True)) == villages
    assert all(t.name.endswith("党员操心人志愿服务队") for t in party)
    leaders = Counter(Membership.objects.filter(is_leader=True).values_list("team_id", flat=True))
    assert set(leaders) == set(Team.objects.values_list("id", flat=True))
    assert set(leaders.values()) == {1}
    for team in party:
        members = Membership.objects.filter(team=team).select_related("volunteer__resident")
        assert 8 <= members.count() <= 16
        assert all(m.volunteer.resident.is_party_member for m in members)
        assert all(m.volunteer.area_code.startswith(team.area_code) for m in members)
    assert Team.objects.filter(kind=TeamKind.SERVICE).count() >= 3
    mothers = Team.objects.get(kind=TeamKind.CARING_MOTHERS)
    assert mothers.name.endswith("爱心妈妈志愿服务队")
    assert Membership.objects.filter(team=mothers, volunteer__user__isnull=False).count() == (
        VILLAGES
    )


def test_a_year_of_activities_and_services_for_the_five_groups(built):
    now = timezone.now()
    activities = Activity.objects.all()
    assert activities.count() == built["activities"]
    assert _near(built["activities"], 2000, 0.05)
    held = activities.filter(starts_at__lt=now)
    assert not held.filter(starts_at__lt=now - timezone.timedelta(days=366)).exists()
    assert activities.filter(starts_at__gt=now).exists()  # a few coming up
    assert activities.filter(status="cancelled").exists()
    assert set(activities.values_list("target_group", flat=True)) == set(TargetGroup.values)
    for activity in activities.select_related("team")[:300]:
        assert activity.area_code.startswith(activity.team.area_code)
        assert len(activity.checkin_code) == 6 and activity.checkin_code.isdigit()
    # About 30,000 services in the county: the share, every one checked in after a sign-up.
    services = Attendance.objects.all()
    assert services.count() == built["services"]
    assert _near(built["services"], 30_000)
    assert not services.filter(activity__starts_at__gt=now).exists()
    assert not services.filter(activity__status="cancelled").exists()
    signed = set(SignUp.objects.values_list("activity_id", "volunteer_id"))
    assert set(services.values_list("activity_id", "volunteer_id")) <= signed
    villages = Counter(code[:12] for code in services.values_list("area_code", flat=True))
    assert len(villages) == VILLAGES


def test_every_attendance_has_its_credit_hours_from_its_times(built):
    records = HoursRecord.objects.filter(kind="credit").select_related("attendance__activity")
    assert records.count() == Attendance.objects.count()
    statuses = Counter()
    for record in records:
        attendance = record.attendance
        activity = attendance.activity
        assert attendance.checked_out_at > attendance.checked_in_at
        hours, presence = credit_hours(
            activity, attendance.checked_in_at, attendance.checked_out_at
        )
        assert record.hours == hours <= activity.length_hours
        assert record.volunteer_id == attendance.volunteer_id
        assert record.activity_id == activity.pk
        assert record.area_code == activity.area_code
        assert record.served_on == timezone.localdate(activity.starts_at)
        assert (record.status == "declined") == (presence < 0.6)
        if attendance.closed_by_system:
            assert record.flag and attendance.checkout_uuid is None
            assert attendance.checked_out_at == activity.ends_at
        if record.status == "pending":
            assert record.decided_at is None
        else:
            assert record.decided_by_id == activity.organiser_id and record.decided_at
        statuses[record.status] += 1
        statuses["closed"] += attendance.closed_by_system
    total = sum(statuses[s] for s in ("approved", "pending", "declined"))
    assert statuses["approved"] > 0.8 * total
    assert 0 < statuses["pending"] < 0.15 * total
    assert 0 < statuses["declined"] < 0.06 * total
    assert 0 < statuses["closed"] < 0.05 * total
    assert statuses["declined"] == built["declined"]
    assert statuses["closed"] == built["closed_by_system"]
    honour = HoursRecord.objects.filter(kind="honour")
    assert honour.count() == built["honour"] > 0
    assert not honour.filter(attendance__isnull=False).exists()
    assert not honour.filter(recorded_by__isnull=True).exists()


def test_wishes_in_every_status_for_left_behind_children_and_elderly_alone(built):
    wishes = Wish.objects.all()
    assert wishes.count() == built["wishes"]
    assert _near(built["wishes"], 300)
    assert set(wishes.values_list("status", flat=True)) == {
        "open",
        "claimed",
        "fulfilled",
        "cancelled",
    }
    tags = set(wishes.values_list("recipient__tags__tag__code", flat=True))
    assert {"left_behind_child", "elderly_alone"} <= tags
    for wish in wishes.select_related("recipient"):
        assert wish.area_code == wish.recipient.area_code
        assert wish.number.startswith(f"W{timezone.localdate(wish.created_at).year}-")
        claimed = WishClaim.objects.filter(wish=wish).first()
        assert (claimed is not None) == (wish.status in ("claimed", "fulfilled"))
        if wish.status == "fulfilled":
            assert wish.fulfilled_at >= claimed.claimed_at >= wish.created_at
            assert wish.fulfilled_at <= timezone.now() and wish.confirmed_by_recipient
        if wish.raised_at:
            assert wish.status == "open"
    assert wishes.filter(status="open", raised_at__isnull=False).exists()
    kinds = set(WishClaim.objects.values_list("kind", flat=True))
    assert kinds == {"volunteer", "party_member", "enterprise", "group"}
    assert not WishClaim.objects.filter(kind="enterprise", enterprise__isnull=True).exists()
    assert not WishClaim.objects.filter(kind="party_member", volunteer__isnull=True).exists()


def test_the_caring_mothers_fund_balance_is_what_came_in_less_what_went_out(built):
    fund = Fund.objects.get()
    assert fund.name.endswith("爱心妈妈基金")
    given = Donation.objects.filter(fund=fund)
    came_in = given.filter(kind="money").aggregate(s=Sum("value"))["s"]
    assert came_in == built["donated_yuan"] == round(90_000 * SHARE, -2)
    went_out = Payout.objects.filter(fund=fund).aggregate(s=Sum("amount"))["s"]
    assert 0 < went_out == built["paid_yuan"] < came_in
    assert fund.balance == came_in - went_out
    # Never below zero, on any day of the year.
    moves = sorted(
        [(d.received_on, 0, d.value) for d in given]
        + [(p.paid_on, 1, -p.amount) for p in Payout.objects.filter(fund=fund)]
    )
    held = 0
    for _day, _order, amount in moves:
        held += amount
        assert held >= 0
    assert not given.filter(confirmed_at__isnull=True).exists()
    # The fund's public monthly statement closes on its balance, never below zero.
    statement = monthly_statement(fund, timezone.localdate().year)
    assert statement.closing == fund.balance
    assert all(month.balance >= 0 for month in statement.months)
    assert Donation.objects.filter(wish__isnull=False, kind="goods").exists()


def test_a_few_certificates_of_the_most_served(built):
    certificates = Certificate.objects.select_related("volunteer")
    assert certificates.count() == built["certificates"] > 0
    for certificate in certificates:
        assert certificate.credit_hours > 0
        assert "*" in certificate.masked_id_number
        assert certificate.issuer.endswith("委员会")


def test_a_second_build_writes_nothing(built):
    tables = (Volunteer, Team, Membership, Activity, SignUp, Attendance, HoursRecord, Wish)
    before = [model.objects.count() for model in tables]
    again = build_demo_volunteering(seed=2026)
    assert set(again.values()) == {0}
    assert [model.objects.count() for model in tables] == before
