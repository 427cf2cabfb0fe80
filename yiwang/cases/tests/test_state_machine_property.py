"""Random sequences of actions by random personas, with time passing and the deadline
sweep running, never reach an invalid state and never lose a case (hypothesis stateful).

The tree and the personas are made once, by the fixtures of the one test; each example
runs in a transaction of its own that is rolled back at its end, under frozen time."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.cases import services, states
from yiwang.cases.models import CASE_OBJECT_TYPE, Case, CaseEvent, Status
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = datetime.datetime.combine(
    timezone.localdate() + datetime.timedelta(days=1), datetime.time(9), tzinfo=SHANGHAI
)
# Those of the village and its unit twice: most cases lie there.
PERSONAS = ("county", "town", "chief", "chief", "worker", "worker", "outsider")
MAX_CASES = 3
# The actions that take a case on towards closing: drawn more often than the others.
FORWARD = {"accept", "dispatch", "start", "resolve", "follow_up", "close"}
# Events that do not change the case itself: every other one raised its version by one.
NOT_A_CHANGE = {"reported", "merged_in", "reminded", "attached"}
REFUSED = (services.Conflict, PermissionDenied, Http404, ValidationError)
# What each action may be given: good values and bad ones.
NOTE = st.sampled_from(["", "已核实"])
REASON = st.sampled_from(["不属于网格事项", ""])
PARAMETERS = {
    "accept": st.fixed_dictionaries({"note": NOTE}),
    "reject": st.fixed_dictionaries({"reason": REASON}),
    "merge": st.fixed_dictionaries({}),  # the target is drawn among the cases
    "dispatch": st.fixed_dictionaries(
        {"area_code": st.sampled_from(["", UNIT, VILLAGE, TOWN, OTHER_UNIT, "999"])}
    ),
    "start": st.fixed_dictionaries({}),
    "return": st.fixed_dictionaries({"reason": REASON}),
    "resolve": st.fixed_dictionaries({"result": st.sampled_from(["已清理", ""])}),
    "extend": st.fixed_dictionaries(
        {"hours": st.sampled_from([0, 6, 48]), "reason": st.just("等材料")}
    ),
    "approve_extension": st.fixed_dictionaries({"approve": st.booleans()}),
    "supervise": st.fixed_dictionaries({}),
    "park": st.fixed_dictionaries(
        {"review_days": st.sampled_from([0, 30]), "reason": st.just("长期整治")}
    ),
    "unpark": st.fixed_dictionaries({}),
    "follow_up": st.fixed_dictionaries(
        {"satisfaction": st.sampled_from(["satisfied", "basically", "dissatisfied", "angry"])}
    ),
    "reopen": st.fixed_dictionaries({"reason": REASON}),
    "close": st.fixed_dictionaries({}),
}
FIELDS = [f.attname for f in Case._meta.concrete_fields if f.attname != "updated_at"]


def snapshot(case_id: int) -> tuple:
    return (
        Case.objects.filter(pk=case_id).values_list(*FIELDS).get(),
        CaseEvent.objects.filter(case_id=case_id).count(),
        Notification.objects.filter(object_type=CASE_OBJECT_TYPE, object_id=case_id).count(),
    )


def make_machine(personas):
    class CaseLife(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.travel = time_machine.travel(START, tick=False)
            self.traveller = self.travel.start()
            self.example = transaction.atomic()
            self.example.__enter__()
            self.cases: list[int] = []
            self.finished: dict[int, tuple] = {}

        def teardown(self):
            transaction.set_rollback(True)
            self.example.__exit__(None, None, None)
            self.travel.stop()

        # --- rules ---------------------------------------------------------------------

        @initialize(unit=st.sampled_from([UNIT, "370830001001001002"]))
        def first_case(self, unit):
            self.report(unit=unit, category="sanitation")

        @precondition(lambda self: len(self.cases) < MAX_CASES)
        @rule(
            unit=st.sampled_from([UNIT, "370830001001001002", OTHER_UNIT]),
            category=st.sampled_from(["sanitation", "safety_hazard", "instability"]),
        )
        def report(self, unit, category):
            case = services.record_hotline_call(
                actor=None, category=category, text="路口有垃圾", unit_code=unit
            )
            assert case.status == Status.REPORTED and case.version == 1
            self.cases.append(case.pk)

        # Twice as likely as the other rules: two rules take an action.
        @precondition(lambda self: self.cases)
        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def act(self, data, stale):
            self.take_an_action(data, stale)

        @precondition(lambda self: self.cases)
        @rule(data=st.data())
        def act_again(self, data):
            self.take_an_action(data, stale=False)

        def take_an_action(self, data, stale):
            case_id = data.draw(st.sampled_from(self.cases), label="case")
            case = Case.objects.get(pk=case_id)
            # Mostly an action the case's state allows, by someone who may take it (else
            # few would ever happen, and no case would go far), but anything by anyone too.
            valid = [a for a in states.TRANSITIONS if states.can_happen(a, case)]
            # First: hypothesis leans towards the start of a list.
            valid = [a for a in valid if a in FORWARD] * 3 + valid
            everything = sorted(services.ACTIONS)
            action = data.draw(
                st.sampled_from(valid or everything) | st.sampled_from(everything), label="action"
            )
            allowed = [
                name
                for name in PERSONAS
                if Case.objects.visible_to(personas[name]).filter(pk=case_id).exists()
                and states.may(personas[name], action, case)
            ]
            persona = data.draw(
                st.sampled_from(allowed or PERSONAS) | st.sampled_from(PERSONAS), label="persona"
            )
            values = dict(data.draw(PARAMETERS[action], label="values"))
            if action == "merge":
                values["into_id"] = data.draw(st.sampled_from([*self.cases, 0]), label="into")
            if action == "park":
                days = values.pop("review_days")
                values["review_on"] = timezone.localdate() + datetime.timedelta(days=days)
            before = Case.objects.get(pk=case_id)
            if stale:
                values["version"] = before.version - 1
            others = {pk: snapshot(pk) for pk in self.cases}
            audit = AuditEntry.objects.count()
            try:
                done = services.ACTIONS[action](actor=personas[persona], case_id=case_id, **values)
            except REFUSED:
                # Refused: nothing changed anywhere.
                assert {pk: snapshot(pk) for pk in self.cases} == others, (action, persona)
                assert AuditEntry.objects.count() == audit
                return
            assert not stale, f"{action} took a stale version"
            after = Case.objects.get(pk=case_id)
            assert done.pk == case_id and after.version == before.version + 1
            target = states.TRANSITIONS[action].target or before.status
            if action == "follow_up" and after.status == Status.DISPATCHED:
                target = Status.DISPATCHED  # dissatisfied, with a reopen left
                assert after.reopen_count == before.reopen_count + 1
            assert after.status == target, (action, before.status, after.status)
            assert AuditEntry.objects.filter(action=f"case.{action}").count() >= 1
            for pk in self.cases:  # no other case changes, but a merge's target
                if pk != case_id and not (action == "merge" and pk == values["into_id"]):
                    assert snapshot(pk) == others[pk], (action, pk)

        @rule(hours=st.sampled_from([1, 3, 9, 30, 80]))
        def time_passes(self, hours):
            self.traveller.shift(datetime.timedelta(hours=hours))
            levels = dict(Case.objects.values_list("pk", "escalation_level"))
            parked = set(Case.objects.filter(parked=True).values_list("pk", flat=True))
            services.escalate_overdue()
            assert services.escalate_overdue() == {"escalated": 0, "reminded": 0}
            for pk, level in Case.objects.values_list("pk", "escalation_level"):
                assert level - levels[pk] in ((0,) if pk in parked else (0, 1))

        # --- invariants ----------------------------------------------------------------

        @invariant()
        def no_case_is_lost(self):
            assert Case.objects.count() == len(self.cases)
            assert sorted(
                Case.objects.visible_to(personas["county"]).values_list("pk", flat=True)
            ) == sorted(self.cases)

        @invariant()
        def every_case_is_valid(self):
            for case in Case.objects.filter(pk__in=self.cases):
                check_case(case)
                if case.status in states.TERMINAL:
                    state = snapshot(case.pk)
                    assert self.finished.setdefault(case.pk, state) == state, (
                        f"finished case {case.pk} changed"
                    )

    return CaseLife


def check_case(case: Case) -> None:
    status = case.status
    assert status in Status.values
    assert (status == Status.MERGED) == (case.merged_into_id is not None)
    assert case.merged_into_id != case.pk
    if status in (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED):
        assert case.resolved_at is not None and case.result
    if status not in (Status.REPORTED, Status.REJECTED, Status.MERGED):
        assert case.accepted_at is not None
    if status in (Status.DISPATCHED, Status.IN_PROGRESS):
        assert case.dispatched_at is not None
    if status in states.TERMINAL or status == Status.FOLLOWED_UP:
        assert case.due_at is None
    else:
        assert case.due_at is not None
    if case.parked:
        assert status in states.PARKABLE and case.review_on is not None
    if case.extension_until is not None:
        assert status in states.HANDLING
    assert case.reopen_count <= states.reopen_limit()
    # The dispatcher and the handler lie on the case's line up the tree.
    assert case.area_code.startswith(case.dispatcher_area_code)
    if case.assignee_department_id is None:
        assert case.area_code.startswith(case.assignee_area_code)
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "id"))
    assert events[0].kind == "reported" and events[0].to_status == Status.REPORTED
    moves = [e for e in events if e.to_status]
    assert moves[-1].to_status == status, (moves[-1].kind, status)
    for earlier, later in zip(moves, moves[1:], strict=False):
        assert later.from_status == earlier.to_status
    assert case.version == 1 + sum(e.kind not in NOT_A_CHANGE for e in events)
    assert case.escalation_level == sum(e.kind == "escalated" for e in events)


@pytest.mark.django_db
def test_random_actions_never_reach_an_invalid_state_nor_lose_a_case(personas, tree):
    run_state_machine_as_test(
        make_machine(personas),
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,  # nothing written into the checkout
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
