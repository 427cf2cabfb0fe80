"""Who sees and moves which help requests, for every persona: the county admin all of the
county's, the town admin their town's, the grid chief their village's, the grid worker
their unit's, the outsider (a worker of another town) only theirs, a department's staff
those of the items their department decides (wherever they lie) and no other."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.test import APIClient

from conftest import OTHER_UNIT
from yiwang.services.models import HelpRequest
from yiwang.services.selectors.help import visible_help_requests
from yiwang.services.services import help as services
from yiwang.services.tests.rows import MARRIAGE, department_staff, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(worker, outsider):
    """The worker's request and the outsider's, both of ID reissue (the police's item),
    and a marriage registration in the worker's unit (another office's)."""
    police, _department = department_staff()
    return {
        "own": take(worker),
        "foreign": take(outsider, area_code=OTHER_UNIT),
        "marriage": take(worker, code=MARRIAGE),
        "police": police,
    }


def seen(user) -> set[str]:
    return set(visible_help_requests(user).values_list("number", flat=True))


def names(rows, *keys) -> set[str]:
    return {rows[key].number for key in keys}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("county_admin", ("own", "foreign", "marriage")),
        ("town_admin", ("own", "marriage")),
        ("chief", ("own", "marriage")),
        ("worker", ("own", "marriage")),
        ("outsider", ("foreign",)),
        ("police", ("own", "foreign")),
    ],
)
def test_each_persona_sees_its_share(request, rows, persona, sees):
    user = rows["police"] if persona == "police" else request.getfixturevalue(persona)
    assert seen(user) == names(rows, *sees)
    api = APIClient()
    api.force_authenticate(user)
    listed = api.get("/api/v1/help-requests/?limit=100").json()["results"]
    assert {r["number"] for r in listed} == names(rows, *sees)
    for key in ("own", "foreign", "marriage"):
        code = api.get(f"/api/v1/help-requests/{rows[key].pk}/").status_code
        assert code == (200 if key in sees else 404), (persona, key)


def test_a_user_without_posts_sees_none(rows):
    from yiwang.accounts.services import create_user

    nobody = create_user(actor=None, username="nobody", password="Strong-pass-2026")
    assert seen(nobody) == set()
    from django.contrib.auth.models import AnonymousUser

    assert seen(AnonymousUser()) == set()
    assert seen(None) == names(rows, "own", "foreign", "marriage")


@pytest.mark.parametrize("persona", ["county_admin", "town_admin", "chief", "worker"])
def test_the_takers_over_the_area_move_the_request(request, rows, persona):
    user = request.getfixturevalue(persona)
    row = services.advance(actor=user, request_id=rows["own"].pk, step="accepted")
    assert row.step == "accepted"
    assert row.steps.get(step="accepted").actor == user


def test_the_outsider_and_the_other_department_cannot(rows, outsider):
    with pytest.raises(Http404):
        services.advance(actor=outsider, request_id=rows["own"].pk, step="accepted")
    with pytest.raises(Http404):  # not the police's item: out of their sight
        services.advance(actor=rows["police"], request_id=rows["marriage"].pk, step="accepted")
    with pytest.raises(PermissionDenied):  # their item, not their step
        services.advance(actor=rows["police"], request_id=rows["foreign"].pk, step="accepted")
    assert set(HelpRequest.objects.values_list("step", flat=True)) == {"entrusted"}


def test_the_department_handles_and_delivers_wherever_the_request_lies(rows, outsider):
    row = services.advance(actor=outsider, request_id=rows["foreign"].pk, step="accepted")
    for step in ("processing", "delivered"):
        row = services.advance(actor=rows["police"], request_id=row.pk, step=step)
    assert row.step == "delivered"
    value = services.reveal(
        actor=rows["police"], request_id=row.pk, field="id_number", reason="核对户籍信息"
    )
    assert value == row.id_number
