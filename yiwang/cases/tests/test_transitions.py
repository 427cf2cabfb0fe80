"""The state machine: every transition allowed and refused for each persona, the timeline
and the audit log, the due times, and the rules each transition keeps."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.cases import selectors, services, states
from yiwang.cases.models import Case, CaseEvent, Department, Status
from yiwang.core.models import AuditEntry

from .conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# Worked out when a test runs, not at import (the day may have turned since).
def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def nine_tomorrow() -> datetime.datetime:
    # Frozen time lies ahead: the areas of the test tree open today.
    return datetime.datetime.combine(tomorrow(), datetime.time(9), tzinfo=SHANGHAI)


def outcome(call) -> str:
    try:
        call()
    except PermissionDenied:
        return "refused"
    except Http404:
        return "not found"
    except services.Conflict:
        return "conflict"
    return "done"


# For each action: the stage it starts from, what it needs, and who may take it on a case
# of the worker's unit (dispatched to that unit) among county, town, chief, worker and
# outsider (another town: the case does not exist for them).
DISPATCHERS = {"county": "done", "town": "done", "chief": "done", "worker": "refused"}
HANDLERS = {"county": "done", "town": "done", "chief": "done", "worker": "done"}
TOWN_ONLY = {"county": "done", "town": "done", "chief": "refused", "worker": "refused"}
COUNTY_ONLY = {"county": "done", "town": "refused", "chief": "refused", "worker": "refused"}
MATRIX = {
    "accept": ("reported", {}, DISPATCHERS),
    "reject": ("reported", {"reason": "不属于网格事项"}, DISPATCHERS),
    "merge": ("reported", {"into_id": "other"}, DISPATCHERS),
    "dispatch": ("accepted", {"area_code": UNIT}, DISPATCHERS),
    "start": ("dispatched", {}, HANDLERS),
    "return": ("dispatched", {"reason": "不是本单元的事"}, HANDLERS),
    "resolve": ("in_progress", {"result": "已清理完毕"}, HANDLERS),
    "extend": ("in_progress", {"hours": 24, "reason": "等待环卫车"}, HANDLERS),
    "approve_extension": ("extension", {}, DISPATCHERS),
    "supervise": ("reported", {}, COUNTY_ONLY),
    "park": ("accepted", {"review_on": tomorrow, "reason": "需长期整治"}, TOWN_ONLY),
    "unpark": ("parked", {}, TOWN_ONLY),
    "follow_up": ("resolved", {"satisfaction": "satisfied"}, DISPATCHERS),
    "reopen": ("followed_up", {"reason": "问题复发"}, DISPATCHERS),
    "close": ("followed_up", {}, DISPATCHERS),
}


def _prepared(stage: str) -> Case:
    if stage == "extension":
        case = new_case(stage="in_progress")
        return services.request_extension(actor=None, case_id=case.pk, hours=24, reason="等待")
    if stage == "parked":
        case = new_case(stage="accepted")
        return services.park(actor=None, case_id=case.pk, review_on=tomorrow(), reason="长期")
    return new_case(stage=stage)


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_each_transition_is_allowed_and_refused_by_persona(action, personas):
    stage, values, expected = MATRIX[action]
    values = {key: value() if callable(value) else value for key, value in values.items()}
    results = {}
    for name, user in personas.items():
        case = _prepared(stage)
        before = (case.status, case.version, CaseEvent.objects.filter(case=case).count())
        if values.get("into_id") == "other":
            values = {**values, "into_id": new_case().pk}
        results[name] = outcome(
            lambda user=user, case=case, values=values: services.ACTIONS[action](
                actor=user, case_id=case.pk, **values
            )
        )
        case.refresh_from_db()
        after = (case.status, case.version, CaseEvent.objects.filter(case=case).count())
        if results[name] != "done":
            assert after == before, f"{action} by {name} changed the case"
        else:
            assert case.version == before[1] + 1

    assert results == {**expected, "outsider": "not found"}


def test_a_case_handled_by_the_village_refuses_the_unit_worker(chief, worker, tree):
    case = new_case(stage="dispatched", area_code=VILLAGE)

    assert outcome(lambda: services.start(actor=worker, case_id=case.pk)) == "refused"
    assert outcome(lambda: services.start(actor=chief, case_id=case.pk)) == "done"


def test_more_time_for_the_village_is_the_towns_to_give_not_the_villages(chief, town_admin, tree):
    case = new_case(stage="in_progress", area_code=VILLAGE)
    services.request_extension(actor=chief, case_id=case.pk, hours=12, reason="等待协调")

    assert outcome(lambda: services.approve_extension(actor=chief, case_id=case.pk)) == "refused"
    assert outcome(lambda: services.approve_extension(actor=town_admin, case_id=case.pk)) == "done"


def test_a_case_sent_to_a_department_is_its_staffs_to_handle(chief, county_admin, tree):
    from yiwang.accounts.services import create_user, grant_post

    clerk = create_user(actor=None, username="clerk", password="Strong-pass-2026")
    grant_post(actor=None, user=clerk, role="department_staff", area_code=COUNTY)
    roads = services.save_department(
        actor=county_admin, code="roads", name="县交通运输局", area_code=COUNTY, members=[clerk]
    )
    case = new_case(stage="dispatched", department=roads.code)

    assert Case.objects.visible_to(clerk).filter(pk=case.pk).exists()
    assert outcome(lambda: services.start(actor=chief, case_id=case.pk)) == "refused"
    assert outcome(lambda: services.start(actor=clerk, case_id=case.pk)) == "done"
    assert [c.pk for c in selectors.inbox(clerk)] == [case.pk]
    # Returned, it leaves the department, and the department's staff no longer see it.
    services.return_case(actor=clerk, case_id=case.pk, reason="属于乡镇职责")
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert not Case.objects.visible_to(clerk).filter(pk=case.pk).exists()


def test_a_department_member_without_a_department_post_sees_nothing(tree):
    from yiwang.accounts.services import create_user

    idle = create_user(actor=None, username="idle", password="Strong-pass-2026")
    roads = Department.objects.create(code="roads", name="县交通运输局", area_code=COUNTY)
    roads.members.add(idle)
    new_case(stage="dispatched", department="roads")

    assert not Case.objects.visible_to(idle).exists()


def test_an_action_on_a_finished_case_is_a_conflict_with_its_status(chief, tree):
    case = new_case()
    services.reject(actor=chief, case_id=case.pk, reason="测试数据")

    with pytest.raises(services.Conflict) as raised:
        services.accept(actor=chief, case_id=case.pk)

    assert raised.value.status == Status.REJECTED


# --- the timeline, the audit log and the due times -----------------------------------


def test_the_whole_life_of_a_case_is_in_its_timeline_and_the_audit_log(chief, worker, boundaries):
    nine = nine_tomorrow()
    with time_machine.travel(nine, tick=False) as clock:
        case = services.report_case(
            actor=worker, category="sanitation", text="河道有垃圾", lat="35.05", lng="116.05"
        )
        # 环境卫生: accept in 4 h, dispatch in 8 h, resolve in 72 h.
        assert case.due_at == nine + datetime.timedelta(hours=4)
        clock.shift(datetime.timedelta(hours=1))
        case = services.accept(actor=chief, case_id=case.pk, note="收到")
        assert case.responded_on_time is True
        assert case.due_at == nine + datetime.timedelta(hours=9)
        case = services.dispatch(actor=chief, case_id=case.pk, area_code=UNIT)
        assert case.due_at == nine + datetime.timedelta(hours=73)
        case = services.start(actor=worker, case_id=case.pk)
        assert case.due_at == nine + datetime.timedelta(hours=73)
        clock.shift(datetime.timedelta(hours=80))
        case = services.resolve(actor=worker, case_id=case.pk, result="已清理")
        assert case.resolved_on_time is False
        case = services.follow_up(actor=chief, case_id=case.pk, satisfaction="basically")
        case = services.close(actor=chief, case_id=case.pk)

    events = list(case.events.order_by("at", "id"))
    assert [(e.kind, e.from_status, e.to_status, e.actor_name) for e in events] == [
        ("reported", "", "reported", "worker"),
        ("accepted", "reported", "accepted", "chief"),
        ("dispatched", "accepted", "dispatched", "chief"),
        ("started", "dispatched", "in_progress", "worker"),
        ("resolved", "in_progress", "resolved", "worker"),
        ("followed_up", "resolved", "followed_up", "chief"),
        ("closed", "followed_up", "closed", "chief"),
    ]
    assert events[1].note == "收到" and events[2].data["area_code"] == UNIT
    entries = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
    assert sorted(entries.values_list("action", flat=True)) == sorted(
        [
            "case.create",
            "case.accept",
            "case.dispatch",
            "case.start",
            "case.resolve",
            "case.follow_up",
            "case.close",
        ]
    )
    accepted = entries.get(action="case.accept")
    assert accepted.before["status"] == "reported" and accepted.after["status"] == "accepted"
    assert accepted.area_code == UNIT and accepted.actor_username == "chief"
    assert case.version == 7 and case.status == Status.CLOSED and case.due_at is None


def test_the_reporters_phone_is_masked_in_the_audit_log(chief, tree):
    case = new_case()
    entry = AuditEntry.objects.get(action="case.create", object_id=str(case.pk))

    assert entry.after["phone"] == "138****5678"


def test_a_dissatisfied_follow_up_reopens_the_case_once(chief, worker, tree):
    case = new_case(stage="resolved")

    case = services.follow_up(actor=chief, case_id=case.pk, satisfaction="dissatisfied")
    assert (case.status, case.reopen_count) == (Status.DISPATCHED, 1)
    assert case.assignee_area_code == UNIT  # back to the one who resolved it

    services.start(actor=worker, case_id=case.pk)
    services.resolve(actor=worker, case_id=case.pk, result="再次处理")
    case = services.follow_up(actor=chief, case_id=case.pk, satisfaction="dissatisfied")
    assert (case.status, case.reopen_count) == (Status.FOLLOWED_UP, 1)
    assert "reopen" not in states.allowed_actions(chief, case)
    with pytest.raises(services.Conflict):
        services.reopen(actor=chief, case_id=case.pk, reason="再试一次")


def test_a_return_goes_back_to_the_dispatching_village_with_a_fresh_dispatch_time(
    chief, worker, tree
):
    nine = nine_tomorrow()
    with time_machine.travel(nine, tick=False):
        case = new_case(stage="in_progress")
        case = services.return_case(actor=worker, case_id=case.pk, reason="不是本单元的")

    assert (case.status, case.assignee_level, case.assignee_area_code) == (
        Status.ACCEPTED,
        "village",
        VILLAGE,
    )
    assert case.due_at == nine + datetime.timedelta(hours=8)
    assert case.events.last().data["from_area_code"] == UNIT


def test_more_time_moves_the_due_time_only_once_granted(chief, worker, tree):
    case = new_case(stage="in_progress")
    due = case.due_at

    case = services.request_extension(actor=worker, case_id=case.pk, hours=24, reason="等配件")
    assert case.due_at == due and case.extension_until == due + datetime.timedelta(hours=24)
    assert selectors.waiting_for(chief, case) == "approve_extension"
    case = services.approve_extension(actor=chief, case_id=case.pk)
    assert case.due_at == due + datetime.timedelta(hours=24) and case.extension_until is None

    services.request_extension(actor=worker, case_id=case.pk, hours=48, reason="还要等")
    case = services.approve_extension(actor=chief, case_id=case.pk, approve=False, note="不行")
    assert case.due_at == due + datetime.timedelta(hours=24)
    assert case.events.last().kind == "extension_refused"


def test_a_parked_case_leaves_the_inbox_until_its_review_date(chief, town_admin, tree):
    nine = nine_tomorrow()
    case = new_case(stage="accepted")
    services.park(actor=town_admin, case_id=case.pk, review_on=nine.date(), reason="需规划")

    assert list(selectors.inbox(chief)) == []
    with time_machine.travel(nine):
        assert [c.pk for c in selectors.inbox(chief)] == [case.pk]
        case = services.unpark(actor=town_admin, case_id=case.pk)
    assert not case.parked and case.review_on is None


def test_a_review_date_must_lie_ahead(town_admin, tree):
    case = new_case(stage="accepted")

    with pytest.raises(ValidationError) as raised:
        services.park(actor=town_admin, case_id=case.pk, review_on=timezone.localdate(), reason="x")
    assert "review_on" in raised.value.message_dict


def test_supervision_is_once(county_admin, tree):
    case = new_case()
    services.supervise(actor=county_admin, case_id=case.pk, note="限期办结")

    with pytest.raises(services.Conflict):
        services.supervise(actor=county_admin, case_id=case.pk)


# --- what each transition checks --------------------------------------------------------


def test_a_reason_is_needed_to_reject_or_return(chief, tree):
    case = new_case()

    with pytest.raises(ValidationError) as raised:
        services.reject(actor=chief, case_id=case.pk, reason="  ")
    assert "reason" in raised.value.message_dict
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_merge_goes_into_an_open_case_of_the_scope_and_shows_on_both(chief, outsider, tree):
    first, second = new_case(), new_case()
    foreign = new_case(unit=OTHER_UNIT)
    closed = new_case(stage="followed_up")
    services.close(actor=None, case_id=closed.pk)

    for into, why in [(second.pk, None), (foreign.pk, "no such"), (closed.pk, "closed")]:
        if why is None:
            continue
        with pytest.raises(ValidationError) as raised:
            services.merge(actor=chief, case_id=first.pk, into_id=into)
        assert "into" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.merge(actor=chief, case_id=first.pk, into_id=first.pk)

    merged = services.merge(actor=chief, case_id=first.pk, into_number=second.number)

    assert (merged.status, merged.merged_into_id) == (Status.MERGED, second.pk)
    assert second.events.last().kind == "merged_in"
    assert second.events.last().data["number"] == first.number


def test_dispatch_goes_by_the_category_unless_told(chief, tree):
    # 投诉 is the town's to handle.
    complaint = new_case(category="complaint", stage="accepted")
    complaint = services.dispatch(actor=chief, case_id=complaint.pk)
    assert (complaint.assignee_level, complaint.assignee_area_code) == ("town", TOWN)

    sanitation = new_case(stage="accepted")
    sanitation = services.dispatch(actor=chief, case_id=sanitation.pk)
    assert (sanitation.assignee_level, sanitation.assignee_area_code) == ("village", VILLAGE)


def test_a_case_known_by_its_village_becomes_its_units_when_sent_there(chief, tree):
    case = services.record_hotline_call(
        actor=chief, category="sanitation", text="垃圾", village_code=VILLAGE
    )
    services.accept(actor=chief, case_id=case.pk)

    case = services.dispatch(actor=chief, case_id=case.pk, area_code=UNIT)

    assert case.area_code == UNIT and case.unit.code == UNIT


def test_dispatch_refuses_an_area_off_the_cases_line_or_a_foreign_department(chief, tree):
    case = new_case(stage="accepted")
    Department.objects.create(code="other_town", name="汶上街道办", area_code=OTHER_UNIT[:9])

    for values, field in [
        ({"area_code": OTHER_UNIT}, "area_code"),
        ({"area_code": "370830001001002001"}, "area_code"),  # a unit of another grid
        ({"area_code": COUNTY}, "area_code"),
        ({"department": "other_town"}, "department"),
        ({"department": "nope"}, "department"),
    ]:
        with pytest.raises(ValidationError) as raised:
            services.dispatch(actor=chief, case_id=case.pk, **values)
        assert field in raised.value.message_dict, values
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_every_action_has_a_service_and_a_rule():
    assert set(services.ACTIONS) == set(states.TRANSITIONS)
    targets = {t.target for t in states.TRANSITIONS.values()} - {None}
    assert targets <= set(Status.values)


# --- categories and departments --------------------------------------------------------


def test_the_default_categories_are_there(db):
    from yiwang.cases.models import Category

    names = dict(Category.objects.values_list("code", "name"))
    assert len(names) == 13
    assert names["safety_hazard"] == "安全隐患" and names["praise"] == "表扬"
    assert Category.objects.filter(kind="patrol").count() == 8


def test_category_limits_are_entered_in_hours_or_minutes_when_urgent(county_admin, chief, tree):
    fire = services.save_category(
        actor=county_admin,
        code="fire",
        name="消防隐患",
        kind="patrol",
        handling_level="village",
        parent="safety_hazard",
        is_urgent=True,
        accept=15,
        dispatch=15,
        resolve=120,
    )
    assert (fire.accept_minutes, fire.resolve_minutes) == (15, 120)
    slow = services.save_category(
        actor=county_admin,
        code="slow",
        name="慢事",
        kind="request",
        handling_level="town",
        accept=24,
        dispatch=24,
        resolve=240,
    )
    assert slow.resolve_minutes == 240 * 60

    with pytest.raises(ValidationError) as raised:
        services.save_category(
            actor=county_admin,
            code="deeper",
            name="三级",
            kind="patrol",
            handling_level="village",
            parent="fire",
            accept=1,
            dispatch=1,
            resolve=1,
        )
    assert "parent" in raised.value.message_dict
    with pytest.raises(PermissionDenied):
        services.save_category(
            actor=chief,
            code="x",
            name="x",
            kind="patrol",
            handling_level="village",
            accept=1,
            dispatch=1,
            resolve=1,
        )


def test_an_inactive_superuser_configures_nothing(tree):
    """The county's settings are the county admin's (accounts.scope.require_configure): a
    superuser passes only while active, in the services as on the pages (the services
    used to let any superuser through)."""
    from yiwang.accounts.models import User

    inactive = User.objects.create_user("root", password="x", is_superuser=True, is_active=False)
    active = User.objects.create_user("root2", password="x", is_superuser=True)
    category = {
        "code": "fire",
        "name": "消防隐患",
        "kind": "patrol",
        "handling_level": "village",
        "accept": 1,
        "dispatch": 1,
        "resolve": 1,
    }
    with pytest.raises(PermissionDenied):
        services.save_category(actor=inactive, **category)
    with pytest.raises(PermissionDenied):
        services.save_department(actor=inactive, code="roads", name="交通运输局", area_code=COUNTY)
    assert services.save_category(actor=active, **category).code == "fire"
    assert (
        services.save_department(
            actor=active, code="roads", name="交通运输局", area_code=COUNTY
        ).code
        == "roads"
    )
    assert not Department.objects.exclude(code="roads").filter(name="交通运输局").exists()
