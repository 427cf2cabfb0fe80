"""Duty rosters' services: a generated rotation keeps every rule; hand changes and swaps
are checked against the rules; bad input changes nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yiwang.core.models import AuditEntry
from yiwang.duty.models import Assignment, DutyRole, Shift, SwapRequest, SwapStatus
from yiwang.duty.services import rosters as services
from yiwang.duty.tests.roster_rows import make_people, make_roster
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def state():
    """Everything a refused change must leave as it was."""
    return (
        sorted(Assignment.objects.values_list("pk", "shift_id", "user_id", "role", "by_hand")),
        sorted(SwapRequest.objects.values_list("pk", "status", "to_user_id")),
        Notification.objects.count(),
    )


def test_it_generates_a_rotation_that_keeps_every_rule(tree):
    roster, pools = make_roster(days=30)
    shifts = list(Shift.objects.filter(roster=roster).order_by("starts_at"))
    assert len(shifts) == 30
    rows = list(Assignment.objects.filter(shift__roster=roster).order_by("starts_at"))
    by_shift = defaultdict(list)
    by_user = defaultdict(list)
    for row in rows:
        by_shift[row.shift_id].append(row)
        by_user[row.user_id].append(row)
    # A leader, an officer and a patrol each shift, each from their own pool.
    for shift in shifts:
        roles = sorted(a.role for a in by_shift[shift.pk])
        assert roles == ["leader", "officer", "patrol"]
        for a in by_shift[shift.pk]:
            assert a.user_id in {u.pk for u in pools[a.role]}
            assert (a.starts_at, a.ends_at, a.area_code) == (
                shift.starts_at,
                shift.ends_at,
                roster.area_code,
            )
    # Nobody twice within 24 hours; 24 hours' rest after a shift that covers the night.
    for held in by_user.values():
        for first, second in zip(held, held[1:], strict=False):
            assert second.starts_at - first.starts_at >= 24 * HOUR
            assert services.covers_night(first.starts_at, first.ends_at)  # 08:00–08:00
            assert second.starts_at >= first.ends_at + 24 * HOUR
    # Counts balanced within one in each role's pool.
    for users in pools.values():
        counts = [len(by_user[u.pk]) for u in users]
        assert max(counts) - min(counts) <= 1
        assert sum(counts) == 30
    assert services.rule_breaks(roster) == []
    assert AuditEntry.objects.filter(
        action="duty.roster.generate", object_id=str(roster.pk)
    ).exists()


def test_it_keeps_the_hand_made_places_and_fills_the_rest(tree):
    roster, pools = make_roster(days=6, generate=False)
    first = Shift.objects.filter(roster=roster).order_by("starts_at").first()
    leader = pools["leader"][2]
    services.assign(actor=None, shift_id=first.pk, user_id=leader.pk, role="leader")
    placed = services.generate(actor=None, roster_id=roster.pk)
    assert placed == 6 * 3 - 1
    assert Assignment.objects.get(shift=first, role="leader").user == leader
    assert services.rule_breaks(roster) == []
    # Generated again: the same number of places, the hand-made one still there.
    assert services.generate(actor=None, roster_id=roster.pk) == placed
    assert Assignment.objects.filter(shift=first, user=leader, by_hand=True).exists()


def test_it_refuses_a_rotation_that_cannot_keep_the_rules(tree):
    roster, pools = make_roster(days=4, leaders=1, generate=False)
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.generate(actor=None, roster_id=roster.pk)
    assert "members" in caught.value.message_dict
    assert state() == before


def test_a_shift_overlapping_another_of_the_same_person_is_refused(tree):
    roster, pools = make_roster(days=5, prefix="a")
    other, _other_pools = make_roster(days=5, prefix="b", generate=False)
    busy = Assignment.objects.filter(shift__roster=roster).order_by("starts_at").first()
    services.set_members(
        actor=None,
        roster_id=other.pk,
        members=[{"user": busy.user_id, "role": "officer"}],
    )
    same_time = Shift.objects.get(roster=other, starts_at=busy.starts_at)
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.assign(actor=None, shift_id=same_time.pk, user_id=busy.user_id, role="officer")
    message = " ".join(caught.value.message_dict["user"])
    assert roster.name in message  # names the other shift
    assert busy.starts_at.astimezone(datetime.UTC).strftime("%d") or message
    assert state() == before
    # The next day breaks the rest after the night: refused too, nothing changed.
    next_day = Shift.objects.get(roster=other, starts_at=busy.starts_at + 24 * HOUR)
    with pytest.raises(ValidationError):
        services.assign(actor=None, shift_id=next_day.pk, user_id=busy.user_id, role="officer")
    assert state() == before


def test_a_second_leader_on_a_shift_is_refused(tree):
    roster, pools = make_roster(days=3)
    shift = Shift.objects.filter(roster=roster).order_by("starts_at").last()
    free = next(
        u
        for u in pools["leader"]
        if not Assignment.objects.filter(user=u, shift__roster=roster).exists()
        or not Assignment.objects.filter(user=u, shift=shift).exists()
    )
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.assign(actor=None, shift_id=shift.pk, user_id=free.pk, role="leader")
    assert set(caught.value.message_dict) & {"role", "user"}
    assert state() == before


def test_a_swap_is_asked_approved_and_the_shift_changes_hands(tree, town_admin):
    roster, pools = make_roster(days=9, officers=4)
    mine = Assignment.objects.filter(shift__roster=roster, role="officer").order_by("starts_at")[3]
    holder = mine.user
    # Someone free around that shift: no shift of theirs within two days of it.
    to_user = next(
        u
        for u in pools["officer"]
        if u.pk != holder.pk
        and not Assignment.objects.filter(
            user=u,
            starts_at__gt=mine.starts_at - 48 * HOUR,
            starts_at__lt=mine.starts_at + 48 * HOUR,
        ).exists()
    )
    swap = services.request_swap(
        actor=holder, assignment_id=mine.pk, to_user_id=to_user.pk, reason="家中有事"
    )
    assert swap.status == SwapStatus.REQUESTED
    asked = Notification.objects.filter(kind="duty.swap_requested", object_id=swap.pk)
    assert {n.recipient_id for n in asked} == {None, to_user.pk}
    assert {n.area_code for n in asked} == {roster.area_code, ""}
    # The holder cannot decide their own swap.
    with pytest.raises((PermissionDenied, Http404)):
        services.decide_swap(actor=holder, swap_id=swap.pk, approve=True)
    services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=True, note="同意")
    mine.refresh_from_db()
    swap.refresh_from_db()
    assert mine.user == to_user and mine.by_hand
    assert swap.status == SwapStatus.APPROVED and swap.decided_by == town_admin
    told = Notification.objects.filter(kind="duty.swap_decided", object_id=swap.pk)
    assert {n.recipient_id for n in told} == {holder.pk, to_user.pk}
    assert services.rule_breaks(roster) == []
    assert AuditEntry.objects.filter(action="duty.swap.approve", object_id=str(swap.pk)).exists()
    # Decided once.
    with pytest.raises(ValidationError):
        services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=False)


def test_a_refused_swap_changes_no_shift(tree, town_admin):
    roster, pools = make_roster(days=6, patrols=4)
    mine = Assignment.objects.filter(shift__roster=roster, role="patrol").order_by("starts_at")[2]
    holder = mine.user
    to_user = next(
        u
        for u in pools["patrol"]
        if u.pk != holder.pk
        and not Assignment.objects.filter(
            user=u,
            starts_at__gt=mine.starts_at - 48 * HOUR,
            starts_at__lt=mine.starts_at + 48 * HOUR,
        ).exists()
    )
    swap = services.request_swap(
        actor=holder, assignment_id=mine.pk, to_user_id=to_user.pk, reason="出差"
    )
    services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=False, note="人手不足")
    mine.refresh_from_db()
    swap.refresh_from_db()
    assert mine.user == holder and swap.status == SwapStatus.REFUSED
    assert Notification.objects.filter(kind="duty.swap_decided", recipient=holder).exists()


def test_a_swap_that_would_break_a_rule_is_refused_at_approval(tree, town_admin):
    roster, pools = make_roster(days=6)
    rows = list(
        Assignment.objects.filter(shift__roster=roster, role="leader").order_by("starts_at")
    )
    mine, nxt = rows[0], rows[1]  # the next day's leader cannot take the day before
    before_user = mine.user
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=mine.user, assignment_id=mine.pk, to_user_id=nxt.user_id, reason="换班"
        )
    assert "to_user" in caught.value.message_dict
    mine.refresh_from_db()
    assert mine.user == before_user
    assert not SwapRequest.objects.exists()


def test_a_swap_with_someone_not_on_the_roster_is_refused(tree, worker):
    roster, pools = make_roster(days=4)
    mine = Assignment.objects.filter(shift__roster=roster).order_by("starts_at").first()
    stranger = make_people("stranger", 1)[0]
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=mine.user, assignment_id=mine.pk, to_user_id=stranger.pk, reason="有事"
        )
    assert (
        "不在本值班表" in " ".join(caught.value.message_dict["to_user"])
        or caught.value.message_dict["to_user"]
    )
    assert state() == before
    # Someone else's shift is not theirs to swap.
    other = Assignment.objects.filter(shift__roster=roster).exclude(user=mine.user).first()
    with pytest.raises((PermissionDenied, Http404)):
        services.request_swap(
            actor=mine.user, assignment_id=other.pk, to_user_id=other.user_id, reason="x"
        )
    assert state() == before


def test_bad_roster_input_is_refused_with_messages(tree, town_admin, chief):
    before = Shift.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create_roster(
            actor=town_admin,
            area_code="370830001",
            name="",
            starts_on="2026-06-10",
            ends_on="2026-06-01",
            shift_start="25:00",
            roles={"pilot": 1},
        )
    assert {"name", "ends_on", "shift_start", "roles"} <= set(caught.value.message_dict)
    assert Shift.objects.count() == before
    # A village's chief keeps the village's rosters, not the town's (out of scope: 404).
    with pytest.raises(Http404):
        services.create_roster(
            actor=chief,
            area_code="370830001",
            name="镇值班",
            starts_on="2026-06-01",
            ends_on="2026-06-02",
            shift_start="08:00",
        )


def test_the_roles_a_shift_needs_are_placed(tree):
    roster, pools = make_roster(days=3, roles={"officer": 2, "patrol": 1}, officers=6)
    for shift in Shift.objects.filter(roster=roster):
        roles = sorted(Assignment.objects.filter(shift=shift).values_list("role", flat=True))
        assert roles == ["leader", "officer", "officer", "patrol"]
    assert DutyRole.LEADER in Assignment.objects.values_list("role", flat=True)
