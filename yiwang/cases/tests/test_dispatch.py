"""Dispatch: to an area (a grid too), a department or a person by name; the unit the case's
place suggests; the notice the assignee gets at once; nothing written on bad input."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.accounts.services import create_user, grant_post
from yiwang.cases import selectors, services
from yiwang.cases.models import Case, CaseEvent, Department, NoticeKind
from yiwang.cases.tests.conftest import IN_UNIT, new_case
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db


def _village_case(**where):
    """An accepted case known only by its village (the unit not known)."""
    case = services.record_hotline_call(
        actor=None, category="sanitation", text="村口路灯坏了", village_code=VILLAGE, **where
    )
    return services.accept(actor=None, case_id=case.pk)


def _state(case):
    return (
        Case.objects.filter(pk=case.pk)
        .values("status", "version", "assignee_area_code", "assignee_user_id")
        .get(),
        Notification.objects.count(),
        CaseEvent.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
    )


def test_it_dispatches_to_a_named_worker_who_gets_a_notice_at_once(chief, worker):
    case = _village_case()
    done = services.dispatch(actor=chief, case_id=case.pk, worker=worker.pk)
    assert done.status == "dispatched"
    # The case goes to the worker's unit, now known, and to the worker by name.
    assert (done.assignee_area_code, done.area_code, done.assignee_user_id) == (
        UNIT,
        UNIT,
        worker.pk,
    )
    notice = Notification.objects.about(case).get(kind=NoticeKind.DISPATCHED)
    assert notice.recipient_id == worker.pk and notice.read_at is None
    assert case.number in notice.text
    assert list(Notification.objects.for_user(worker).unread()) == [notice]
    assert not Notification.objects.for_user(chief).filter(kind=NoticeKind.DISPATCHED).exists()
    event = CaseEvent.objects.get(case=case, kind="dispatched")
    assert event.data["worker"] == worker.pk and event.data["worker_name"] == str(worker)
    assert AuditEntry.objects.filter(action="case.dispatch", object_id=str(case.pk)).exists()


def test_a_dispatch_to_an_area_notifies_whoever_holds_a_post_there(chief, worker, outsider):
    case = new_case(stage="accepted")
    services.dispatch(actor=chief, case_id=case.pk, area_code=UNIT)
    notice = Notification.objects.about(case).get(kind=NoticeKind.DISPATCHED)
    assert (notice.area_code, notice.recipient_id) == (UNIT, None)
    assert Notification.objects.for_user(worker).unread().filter(pk=notice.pk).exists()
    assert not Notification.objects.for_user(outsider).filter(pk=notice.pk).exists()


def test_a_dispatch_to_a_department_notifies_the_department(chief, county_admin):
    department = Department.objects.create(code="water", name="水务局", area_code="370830")
    case = new_case(stage="accepted")
    services.dispatch(actor=chief, case_id=case.pk, department="water")
    notice = Notification.objects.about(case).get(kind=NoticeKind.DISPATCHED)
    assert notice.department_id == department.pk and notice.recipient_id is None


def test_it_accepts_a_grid(chief):
    case = new_case(stage="accepted")
    done = services.dispatch(actor=chief, case_id=case.pk, area_code=GRID)
    assert (done.assignee_level, done.assignee_area_code) == ("grid", GRID)


def test_it_takes_the_workers_area_within_the_area_chosen(chief, worker):
    case = _village_case()
    done = services.dispatch(actor=chief, case_id=case.pk, area_code=GRID, worker=worker.pk)
    assert (done.assignee_area_code, done.assignee_user_id) == (UNIT, worker.pk)


@pytest.mark.parametrize(
    "values",
    [
        {"worker": "outsider"},  # another village's worker: not where the case lies
        {"worker": "nobody"},  # no such person
        {"worker": "worker", "area_code": VILLAGE + "002"},  # not within the area chosen
        {"worker": "worker", "department": "water"},  # not on the department's staff
        {"worker": "retired"},  # an inactive account
        {"area_code": OTHER_UNIT},  # an area where the case does not lie
    ],
)
def test_it_refuses_a_bad_choice_and_writes_nothing(values, chief, worker, outsider):
    Department.objects.create(code="water", name="水务局", area_code="370830")
    retired = create_user(
        actor=None, username="retired", password="x-Yiwang-2026", full_name="李退"
    )
    grant_post(actor=None, user=retired, role="grid_worker", area_code=UNIT)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    people = {"outsider": outsider.pk, "worker": worker.pk, "nobody": 987654, "retired": retired.pk}
    if "worker" in values:
        values = {**values, "worker": people[values["worker"]]}
    case = _village_case()
    before = _state(case)
    with pytest.raises(ValidationError) as raised:
        services.dispatch(actor=chief, case_id=case.pk, **values)
    field = "worker" if "worker" in values else "area_code"
    assert field in raised.value.message_dict
    assert _state(case) == before


def _staff(username, *departments):
    member = create_user(
        actor=None, username=username, password="x-Yiwang-2026", full_name=f"{username}科员"
    )
    grant_post(actor=None, user=member, role="department_staff", area_code="370830")
    for department in departments:
        department.members.add(member)
    return member


def test_a_department_staff_member_takes_the_case_by_name(chief, client):
    water = Department.objects.create(code="water", name="水务局", area_code="370830")
    roads = Department.objects.create(code="roads", name="交通局", area_code="370830")
    both = _staff("zhou", water, roads)
    only_water = _staff("wu", water)

    # Chosen with the department, or alone when they serve only one of the case's.
    for values, member in [
        ({"department": "roads", "worker": both.pk}, both),
        ({"worker": only_water.pk}, only_water),
    ]:
        case = _village_case()
        done = services.dispatch(actor=chief, case_id=case.pk, **values)
        expected = roads if member is both else water
        assert (done.assignee_level, done.assignee_department_id, done.assignee_user_id) == (
            "department",
            expected.pk,
            member.pk,
        )
        notice = Notification.objects.about(case).get(kind=NoticeKind.DISPATCHED)
        assert notice.recipient_id == member.pk and notice.department_id is None

    # Serving two departments, one must be chosen; someone not on its staff is refused.
    case = _village_case()
    before = _state(case)
    for values in [{"worker": both.pk}, {"department": "roads", "worker": only_water.pk}]:
        with pytest.raises(ValidationError) as raised:
            services.dispatch(actor=chief, case_id=case.pk, **values)
        assert "worker" in raised.value.message_dict
    assert _state(case) == before

    client.force_login(chief)
    form = client.get(reverse("cases:act", args=[case.pk, "dispatch"])).content.decode()
    assert "zhou科员 · 交通局" in form and "wu科员 · 水务局" in form


def test_the_messages_are_in_chinese(chief, outsider):
    case = _village_case()
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as raised:
            services.dispatch(actor=chief, case_id=case.pk, worker=outsider.pk)
        message = raised.value.message_dict["worker"][0]
        with pytest.raises(ValidationError) as raised:
            services.dispatch(actor=chief, case_id=case.pk, area_code=OTHER_UNIT)
        area_message = raised.value.message_dict["area_code"][0]
    assert "岗位" in message
    assert "网格" in area_message and OTHER_UNIT in area_message


def test_the_people_offered_hold_a_post_where_the_case_lies(chief, worker, outsider, town_admin):
    case = _village_case()
    offered = dict(selectors.worker_choices(chief, case))
    assert worker.pk in offered and chief.pk in offered
    assert outsider.pk not in offered and town_admin.pk not in offered
    assert "第1单元" in offered[worker.pk]
    # The worker sees only the people within their own scope.
    assert set(dict(selectors.worker_choices(worker, new_case(stage="accepted")))) == {worker.pk}


def test_a_return_and_an_escalation_take_the_case_from_the_worker(chief, worker):
    case = _village_case()
    services.dispatch(actor=chief, case_id=case.pk, worker=worker.pk)
    done = services.return_case(actor=worker, case_id=case.pk, reason="不是本单元的事")
    assert done.assignee_user_id is None
    services.dispatch(actor=chief, case_id=case.pk, worker=worker.pk)
    services.escalate_overdue(now=timezone.now() + datetime.timedelta(days=60))
    case.refresh_from_db()
    assert case.escalation_level >= 1 and case.assignee_user_id is None


def test_it_suggests_the_unit_of_the_cases_place(boundaries, chief):
    case = _village_case()
    assert selectors.suggested_area(case) is None
    placed = _village_case(**IN_UNIT)
    assert selectors.suggested_area(placed).code == UNIT


def test_the_page_dispatches_to_a_named_worker_and_names_them(client, chief, worker):
    case = _village_case()
    client.force_login(chief)
    url = reverse("cases:act", args=[case.pk, "dispatch"])
    page = client.get(url).content.decode()
    assert "data-area-picker" in page and 'name="worker"' in page
    assert "worker · " in page  # the worker offered by name, with their post
    response = client.post(url, {"version": case.version, "worker": worker.pk, "area_code": ""})
    assert response.status_code == 302
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-assignee-user">worker<' in detail
    assert "第1单元" in detail
    client.force_login(worker)
    page = client.get(reverse("cases:notices")).content.decode()
    assert 'id="nav-unread-notices"' in page and case.number in page


def test_the_page_suggests_the_unit_from_the_place(client, boundaries, chief):
    case = _village_case(**IN_UNIT)
    client.force_login(chief)
    page = client.get(reverse("cases:act", args=[case.pk, "dispatch"])).content.decode()
    assert f'value="{UNIT}"' in page and "第1单元" in page


def test_the_page_names_the_field_of_a_bad_choice(client, chief, outsider):
    case = _village_case()
    client.force_login(chief)
    url = reverse("cases:act", args=[case.pk, "dispatch"])
    response = client.post(url, {"version": case.version, "worker": outsider.pk})
    # The outsider is not offered at all: the form refuses the choice before the service.
    assert response.status_code == 200
    assert response.context["form"].errors["worker"]
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_the_api_dispatches_to_a_named_worker(chief, worker, outsider):
    case = _village_case()
    api = APIClient()
    api.force_authenticate(chief)
    url = f"/api/v1/cases/{case.pk}/dispatch/"
    refused = api.post(url, {"worker": outsider.pk}, format="json")
    assert refused.status_code == 400 and "worker" in str(refused.json())
    done = api.post(url, {"worker": worker.pk}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["assignee_area_code"] == UNIT
    assert (done.json()["assignee_user"], done.json()["assignee_user_name"]) == (
        worker.pk,
        worker.full_name,
    )
    listed = api.get("/api/v1/cases/", {"limit": 500}).json()["results"]
    assert {(c["id"], c["assignee_user"]) for c in listed} >= {(case.pk, worker.pk)}
    assert all(c["assignee_user_name"] is None for c in listed if c["assignee_user"] is None)
    assert Notification.objects.for_user(worker).unread().about(case).exists()
