"""Fixtures of the case tests: unit boundaries to locate points in, and cases driven to
any stage by the operator (actor None), so that a test starts where it means to."""

import pytest

from conftest import OTHER_UNIT, UNIT
from yiwang.cases import services
from yiwang.cases.models import Case

# A point inside UNIT and one inside OTHER_UNIT (see `boundaries`), and one in neither.
IN_UNIT = {"lat": "35.05", "lng": "116.05"}
IN_OTHER_UNIT = {"lat": "36.05", "lng": "117.05"}
NOWHERE = {"lat": "30.0", "lng": "110.0"}


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def boundaries(tree):
    from yiwang.areas.services import set_boundary

    set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.1, 35.1))
    set_boundary(actor=None, code=OTHER_UNIT, boundary=box(117.0, 36.0, 117.1, 36.1))


# The steps that lead a fresh case to each stage, taken by the operator.
PATH = {
    "reported": [],
    "accepted": [("accept", {})],
    "dispatched": [("accept", {}), ("dispatch", {})],
    "in_progress": [("accept", {}), ("dispatch", {}), ("start", {})],
    "resolved": [
        ("accept", {}),
        ("dispatch", {}),
        ("start", {}),
        ("resolve", {"result": "已处理"}),
    ],
    "followed_up": [
        ("accept", {}),
        ("dispatch", {}),
        ("start", {}),
        ("resolve", {"result": "已处理"}),
        ("follow_up", {"satisfaction": "satisfied"}),
    ],
}


def drive(case: Case, stage: str, **dispatch) -> Case:
    """Takes `case` to `stage` as the operator; `dispatch` says where it is sent."""
    for action, values in PATH[stage]:
        if action == "dispatch":
            values = dispatch or {"area_code": case.area_code}
        case = services.ACTIONS[action](actor=None, case_id=case.pk, **values)
    return Case.objects.get(pk=case.pk)


def new_case(
    unit: str = UNIT, stage: str = "reported", category: str = "sanitation", **dispatch
) -> Case:
    """A hotline call about `unit`, taken by the operator, driven to `stage`."""
    case = services.record_hotline_call(
        actor=None,
        category=category,
        text=f"{unit} 的路口有垃圾堆放",
        unit_code=unit,
        phone="13812345678",
        name="王大妈",
    )
    return drive(case, stage, **dispatch)


@pytest.fixture
def make_case(tree):
    return new_case


@pytest.fixture
def household(worker):
    from yiwang.registry.services import create_household

    return create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")


@pytest.fixture
def other_household(outsider):
    from yiwang.registry.services import create_household

    return create_household(actor=outsider, unit_code=OTHER_UNIT, number="101")
