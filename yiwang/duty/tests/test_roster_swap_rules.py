"""The reviewer's findings on hand changes and swaps: a place goes to a member in its
role, a swap never puts two places of one person on a shift, the checks are repeated at
the approval, and a new rotation keeps the places that wait for a swap's decision."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core.models import AuditEntry
from yiwang.duty.models import Assignment, Shift, SwapRequest, SwapStatus
from yiwang.duty.services import rosters as services
from yiwang.duty.tests.roster_rows import make_roster
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def state():
    return (
        sorted(Assignment.objects.values_list("pk", "shift_id", "user_id", "role", "by_hand")),
        sorted(SwapRequest.objects.values_list("pk", "status", "to_user_id")),
        Notification.objects.count(),
    )


def add_members(roster, extra):
    """Adds [(user, role)] to the roster's present members."""
    members = [
        {"user": m.user_id, "role": m.role, "phone": m.phone}
        for m in roster.members.filter(is_active=True)
    ] + [{"user": u.pk, "role": role} for u, role in extra]
    services.set_members(actor=None, roster_id=roster.pk, members=members)


def free_of(user, row, hours=48):
    return not Assignment.objects.filter(
        user=user,
        starts_at__gt=row.starts_at - hours * HOUR,
        starts_at__lt=row.starts_at + hours * HOUR,
    ).exists()


def test_a_swap_with_the_counterpart_on_the_same_shift_is_refused(tree, town_admin):
    roster, pools = make_roster(days=4, prefix="s")
    shift = Shift.objects.filter(roster=roster).order_by("starts_at")[1]
    leader = Assignment.objects.get(shift=shift, role="leader")
    officer = Assignment.objects.get(shift=shift, role="officer")
    # Each of them is also on the roster in the other's role.
    add_members(roster, [(leader.user, "officer"), (officer.user, "leader")])
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=leader.user,
            assignment_id=leader.pk,
            to_user_id=officer.user_id,
            counterpart_id=officer.pk,
            reason="换岗",
        )
    messages = caught.value.message_dict
    assert "counterpart" in messages or "to_user" in messages
    assert state() == before
    # Without a counterpart: the officer already holds a place on the shift.
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=leader.user, assignment_id=leader.pk, to_user_id=officer.user_id, reason="换岗"
        )
    assert "to_user" in caught.value.message_dict
    assert state() == before


def test_a_duty_leader_is_a_member_in_the_leader_role(tree):
    roster, pools = make_roster(days=3, prefix="l", generate=False)
    shift = Shift.objects.filter(roster=roster).order_by("starts_at").first()
    patrol = pools["patrol"][0]
    before = state()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.assign(actor=None, shift_id=shift.pk, user_id=patrol.pk, role="leader")
    assert "不是本值班表的" in " ".join(caught.value.message_dict["user"])
    assert state() == before
    # In their own role they are placed.
    row = services.assign(actor=None, shift_id=shift.pk, user_id=patrol.pk, role="patrol")
    assert row.role == "patrol" and row.user == patrol


def test_the_one_taking_a_shift_is_a_member_in_its_role(tree, town_admin):
    roster, pools = make_roster(days=8, prefix="t", patrols=4)
    mine = Assignment.objects.filter(shift__roster=roster, role="officer").order_by("starts_at")[3]
    patrol = next(u for u in pools["patrol"] if free_of(u, mine))
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=mine.user, assignment_id=mine.pk, to_user_id=patrol.pk, reason="有事"
        )
    assert "to_user" in caught.value.message_dict
    assert state() == before


def test_in_an_exchange_the_asker_is_a_member_in_the_counterparts_role(tree):
    roster, pools = make_roster(days=8, prefix="c", generate=False)
    shifts = list(Shift.objects.filter(roster=roster).order_by("starts_at"))
    officer, patrol = pools["officer"][0], pools["patrol"][0]
    mine = services.assign(actor=None, shift_id=shifts[1].pk, user_id=officer.pk, role="officer")
    theirs = services.assign(actor=None, shift_id=shifts[5].pk, user_id=patrol.pk, role="patrol")
    add_members(roster, [(patrol, "officer")])  # the patrol may take the officer's place
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.request_swap(
            actor=mine.user,
            assignment_id=mine.pk,
            to_user_id=patrol.pk,
            counterpart_id=theirs.pk,
            reason="有事",
        )
    assert "counterpart" in caught.value.message_dict
    assert state() == before
    # On the roster as a patrol too, the exchange is asked.
    add_members(roster, [(officer, "patrol")])
    swap = services.request_swap(
        actor=mine.user,
        assignment_id=mine.pk,
        to_user_id=patrol.pk,
        counterpart_id=theirs.pk,
        reason="有事",
    )
    assert swap.counterpart == theirs


def test_the_checks_are_repeated_at_the_approval(tree, town_admin):
    roster, pools = make_roster(days=9, prefix="a", officers=4)
    rows = Assignment.objects.filter(shift__roster=roster, role="officer").order_by("starts_at")
    mine = rows[3]
    to_user = next(u for u in pools["officer"] if u.pk != mine.user_id and free_of(u, mine))
    swap = services.request_swap(
        actor=mine.user, assignment_id=mine.pk, to_user_id=to_user.pk, reason="家中有事"
    )
    # Taken off the roster's officers meanwhile: the approval is refused.
    members = [
        {"user": m.user_id, "role": m.role}
        for m in roster.members.filter(is_active=True)
        if m.user_id != to_user.pk
    ]
    services.set_members(actor=None, roster_id=roster.pk, members=members)
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=True)
    assert "to_user" in caught.value.message_dict
    assert state() == before
    swap.refresh_from_db()
    assert swap.status == SwapStatus.REQUESTED
    # Back on the roster, but the shift has begun by the time of the decision.
    members.append({"user": to_user.pk, "role": "officer"})
    services.set_members(actor=None, roster_id=roster.pk, members=members)
    with (
        time_machine.travel(mine.starts_at + HOUR, tick=False),
        pytest.raises(ValidationError) as caught,
    ):
        services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=True)
    assert "assignment" in caught.value.message_dict
    assert state() == before
    # Before it begins it is approved.
    services.decide_swap(actor=town_admin, swap_id=swap.pk, approve=True)
    mine.refresh_from_db()
    assert mine.user == to_user


def test_a_new_rotation_keeps_the_places_awaiting_a_swap(tree, town_admin):
    roster, pools = make_roster(days=9, prefix="g", officers=4)
    mine = Assignment.objects.filter(shift__roster=roster, role="officer").order_by("starts_at")[3]
    assert not mine.by_hand
    holder = mine.user
    to_user = next(u for u in pools["officer"] if u.pk != holder.pk and free_of(u, mine))
    swap = services.request_swap(
        actor=holder, assignment_id=mine.pk, to_user_id=to_user.pk, reason="出差"
    )
    services.generate(actor=None, roster_id=roster.pk)
    mine.refresh_from_db()  # still there, still the holder's
    swap.refresh_from_db()
    assert mine.user == holder and swap.status == SwapStatus.REQUESTED
    assert Assignment.objects.filter(shift=mine.shift, role="officer").count() == 1
    entry = AuditEntry.objects.filter(action="duty.roster.generate").order_by("-pk").first()
    assert "kept_for_swaps" in str(entry.after)
    assert services.rule_breaks(roster) == []
