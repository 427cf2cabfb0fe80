"""Volunteers registered once with their consent, in the actor's scope; teams and their
members, by the organisers; every write audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from conftest import OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.volunteering import services
from yiwang.volunteering.models import Membership, Team, TeamKind, Volunteer

from .activity_setup import make_account, make_resident, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def messages(exc, field):
    return exc.value.message_dict[field]


def test_it_registers_a_resident_once_with_their_consent(worker):
    resident = make_resident()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.register_volunteer(worker, resident=resident.pk, skills="理发")
    assert "consent to record their service is required" in messages(exc, "consent")[0]
    assert not Volunteer.objects.exists()

    volunteer = services.register_volunteer(
        worker, resident=resident.pk, skills="理发", availability="周末", consent=True
    )
    assert (volunteer.name, volunteer.area_code, volunteer.skills) == ("李四", UNIT, "理发")
    assert volunteer.consent_at is not None and volunteer.registered_by == worker
    assert AuditEntry.objects.filter(
        action="volunteering_volunteer.register", object_id=str(volunteer.pk)
    ).exists()

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.register_volunteer(worker, resident=resident.pk, consent=True)
    assert messages(exc, "resident") == ["李四 is already registered as a volunteer."]
    assert Volunteer.objects.count() == 1


def test_it_refuses_a_resident_outside_the_scope(outsider, worker):
    resident = make_resident()
    with pytest.raises(Http404):
        services.register_volunteer(outsider, resident=resident.pk, consent=True)
    assert not Volunteer.objects.exists()


def test_it_registers_an_account_in_an_area_of_the_scope(chief):
    account = make_account()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.register_volunteer(chief, user=account.pk, area_code=OTHER_UNIT, consent=True)
    assert "outside your posts' areas" in messages(exc, "area_code")[0]
    volunteer = services.register_volunteer(chief, user=account.pk, area_code=VILLAGE, consent=True)
    assert (volunteer.user, volunteer.area_code, volunteer.name) == (account, VILLAGE, "王五")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.register_volunteer(chief, user=account.pk, area_code=VILLAGE, consent=True)
    assert messages(exc, "user") == ["The account 王五 is already registered as a volunteer."]


def test_an_account_without_a_post_registers_nobody(tree):
    account = make_account("elder", "老赵")
    resident = make_resident()
    with pytest.raises(Http404):  # no post: no scope at all
        services.register_volunteer(account, resident=resident.pk, consent=True)


def test_it_changes_and_deactivates_a_volunteer(worker, outsider):
    volunteer = make_volunteer()
    services.update_volunteer(worker, volunteer.pk, skills="电工")
    volunteer.refresh_from_db()
    assert volunteer.skills == "电工"
    with pytest.raises(Http404):
        services.update_volunteer(outsider, volunteer.pk, skills="x")
    services.deactivate_volunteer(worker, volunteer.pk)
    volunteer.refresh_from_db()
    assert not volunteer.is_active
    with pytest.raises(ValidationError):
        services.deactivate_volunteer(worker, volunteer.pk)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"volunteering_volunteer.update", "volunteering_volunteer.deactivate"} <= actions


def test_teams_are_made_by_organisers_of_the_area(chief, worker, town_admin):
    with pytest.raises(PermissionDenied):
        services.create_team(worker, name="队", kind=TeamKind.SERVICE, area_code=UNIT)
    team = services.create_team(
        chief, name="爱心妈妈", kind=TeamKind.CARING_MOTHERS, area_code=VILLAGE
    )
    assert team.area_code == VILLAGE
    with pytest.raises(ValidationError) as exc:
        services.create_team(
            chief, name="爱心妈妈", kind=TeamKind.CARING_MOTHERS, area_code=VILLAGE
        )
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_team(town_admin, name="x", kind="nonsense", area_code=TOWN)
    assert "kind" in exc.value.message_dict
    assert Team.objects.count() == 1


def test_members_are_added_once_and_ended_with_their_history(chief, worker):
    team = make_team()
    volunteer = make_volunteer()
    with pytest.raises(PermissionDenied):
        services.add_member(worker, team.pk, volunteer.pk)
    membership = services.add_member(chief, team.pk, volunteer.pk, is_leader=True)
    assert membership.is_leader
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.add_member(chief, team.pk, volunteer.pk)
    assert messages(exc, "volunteer") == ["李四 is already a member of 党员操心人志愿服务队."]
    services.end_membership(chief, membership.pk)
    membership.refresh_from_db()
    assert membership.left_on is not None
    with pytest.raises(ValidationError):
        services.end_membership(chief, membership.pk)
    assert Membership.objects.count() == 1
    assert AuditEntry.objects.filter(action="volunteering_team.end_membership").count() == 1


def test_an_account_outside_the_scope_is_not_found_like_a_missing_one(worker, county_admin):
    for account in (county_admin.pk, 10**9):
        with pytest.raises(Http404) as exc:
            services.register_volunteer(worker, user=account, area_code=UNIT, consent=True)
        assert str(exc.value) == str(Http404(translation.gettext("Not found.")))
    assert not Volunteer.objects.exists()
    # An account of the worker's unit, and the worker's own, are registered there.
    neighbour = make_account("neighbour", "周七", area_code=UNIT)
    assert services.register_volunteer(worker, user=neighbour.pk, area_code=UNIT, consent=True)
    own = services.register_volunteer(worker, user=worker.pk, area_code=UNIT, consent=True)
    assert own.user == worker and own.area_code == UNIT


def test_a_team_leader_without_posts_reaches_the_team_s_current_members(
    chief, worker, county_admin
):
    import datetime

    from django.utils import timezone

    from yiwang.volunteering.selectors.activities import volunteers_visible_to

    from .activity_setup import make_activity, new_uuid

    team = make_team()
    leader = make_volunteer(username="leader")
    member = make_volunteer(unit=OTHER_UNIT, number="201", name="钱八")
    stranger = make_volunteer(unit=OTHER_UNIT, number="202", name="孙九")
    services.add_member(chief, team.pk, leader.pk, is_leader=True)
    today = timezone.localdate()
    membership = services.add_member(
        county_admin, team.pk, member.pk, joined_on=today - datetime.timedelta(days=2)
    )
    visible = set(volunteers_visible_to(leader.user).values_list("pk", flat=True))
    assert visible == {leader.pk, member.pk}
    starts = timezone.now() - datetime.timedelta(minutes=10)
    activity = make_activity(chief, team, starts=starts)
    attendance, created = services.check_in(
        leader.user,
        uuid=new_uuid(),
        activity=activity.pk,
        code=activity.checkin_code,
        volunteer=member.pk,
    )
    assert created and attendance.volunteer == member
    with pytest.raises(Http404):
        services.check_in(
            leader.user,
            uuid=new_uuid(),
            activity=activity.pk,
            code=activity.checkin_code,
            volunteer=stranger.pk,
        )
    services.end_membership(county_admin, membership.pk, left_on=today - datetime.timedelta(days=1))
    assert set(volunteers_visible_to(leader.user).values_list("pk", flat=True)) == {leader.pk}
    # An inactive leader reaches nobody but themselves.
    services.add_member(county_admin, team.pk, member.pk)
    services.deactivate_volunteer(worker, leader.pk)
    assert set(volunteers_visible_to(leader.user).values_list("pk", flat=True)) == {leader.pk}
