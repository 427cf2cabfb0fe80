"""Door-to-door sweeps: the target drawn from the ledger's tags, the households assigned to
the units' workers, each visit recorded once as the outreach visit, the progress by area
adding up, the households not reached listed; the scope of every persona; bad input
refused with nothing changed."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.test import APIClient

from conftest import COUNTY, GRID, OTHER_TOWN, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.duty.models import Sweep, SweepHousehold
from yiwang.duty.selectors.sweeps import progress_total, sweep_progress, unreached
from yiwang.duty.services import sweeps as services
from yiwang.duty.tests.emerg_rows import (
    GRID_TWO,
    SPREAD,
    UNIT_THREE,
    UNIT_TWO,
    county_sweep,
    make_household,
    make_target_households,
    second_worker,
)
from yiwang.notices.models import Notification
from yiwang.outreach.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweep(county_admin, worker, outsider):
    make_target_households()
    found = county_sweep(county_admin)
    services.assign_to_unit_workers(actor=county_admin, sweep_id=found.pk)
    return found


def _row(sweep, unit, n=0) -> SweepHousehold:
    return SweepHousehold.objects.filter(sweep=sweep, area_code=unit).order_by("pk")[n]


def _visit(actor, sweep, row, result="safe", key=None, **values):
    return services.record_sweep_visit(
        actor=actor,
        sweep_id=sweep.pk,
        household_id=row.household_id,
        result=result,
        uuid=key or uuid.uuid4(),
        **values,
    )


def _state():
    return (
        list(SweepHousehold.objects.order_by("pk").values_list("assignee", "result", "visit_uuid")),
        Visit.objects.count(),
        Sweep.objects.count(),
    )


def test_it_draws_the_target_from_the_current_tags(sweep):
    rows = SweepHousehold.objects.filter(sweep=sweep)
    assert rows.count() == sum(SPREAD.values())
    numbers = set(rows.values_list("household__number", flat=True))
    assert "untagged" not in numbers and "deceased" not in numbers
    # Each row carries its household's unit code, for the progress by area.
    assert all(row.area_code == row.household.area_code for row in rows.select_related("household"))


def test_it_assigns_each_household_to_a_worker_of_its_unit(sweep, worker, outsider):
    rows = SweepHousehold.objects.filter(sweep=sweep)
    assert set(rows.filter(area_code=UNIT).values_list("assignee", flat=True)) == {worker.pk}
    assert set(rows.filter(area_code=OTHER_UNIT).values_list("assignee", flat=True)) == {
        outsider.pk
    }
    # Units without a worker stay unassigned.
    assert not rows.filter(area_code__in=[UNIT_TWO, UNIT_THREE], assignee__isnull=False).exists()
    notice = Notification.objects.get(kind="duty.sweep_assigned", recipient=worker)
    assert notice.object_id == sweep.pk
    # Twice: nothing more to assign, no second notice.
    county = sweep.created_by
    assert services.assign_to_unit_workers(actor=county, sweep_id=sweep.pk) == 0
    assert Notification.objects.filter(kind="duty.sweep_assigned", recipient=worker).count() == 1


def test_a_visit_is_recorded_once_as_the_outreach_visit(sweep, worker):
    row = _row(sweep, UNIT)
    key = uuid.uuid4()
    stored, created = _visit(worker, sweep, row, "needs_help", key, note="缺药")
    assert created and stored.result == "needs_help" and stored.visit_uuid == key
    visit = Visit.objects.get(uuid=key)
    assert visit.household_id == row.household_id and visit.visitor == worker
    assert visit.outcome == "follow_up" and visit.notes == "缺药"
    assert stored.visited_at == visit.visited_at
    again, created = _visit(worker, sweep, row, "needs_help", key, note="缺药")
    assert not created and again.pk == stored.pk
    assert Visit.objects.filter(household_id=row.household_id).count() == 1


@pytest.mark.parametrize(
    "result,outcome",
    [
        ("safe", "all_well"),
        ("needs_help", "follow_up"),
        ("moved", "follow_up"),
        ("not_home", "not_home"),
    ],
)
def test_each_result_maps_to_an_outcome(sweep, worker, result, outcome):
    row = _row(sweep, UNIT)
    stored, _created = _visit(worker, sweep, row, result)
    assert Visit.objects.get(uuid=stored.visit_uuid).outcome == outcome


def test_a_household_nobody_was_home_for_is_visited_again(sweep, worker):
    row = _row(sweep, UNIT)
    _visit(worker, sweep, row, "not_home")
    assert unreached(worker, sweep).filter(pk=row.pk).exists()
    stored, created = _visit(worker, sweep, row, "safe")
    assert created and stored.result == "safe"
    assert not unreached(worker, sweep).filter(pk=row.pk).exists()
    assert Visit.objects.filter(household_id=row.household_id).count() == 2


def test_the_progress_by_area_adds_up(sweep, worker, county_admin):
    _visit(worker, sweep, _row(sweep, UNIT, 0), "safe")
    _visit(worker, sweep, _row(sweep, UNIT, 1), "not_home")
    rows = sweep_progress(county_admin, sweep)
    by_code = {row.code: row for row in rows}
    assert set(by_code) == {TOWN, OTHER_TOWN}
    assert by_code[TOWN].name != TOWN  # names, not codes
    town = by_code[TOWN]
    assert (town.total, town.reached, town.not_home, town.pending) == (6, 1, 1, 4)
    assert town.percent == round(100 / 6, 1)
    total = progress_total(rows, COUNTY)
    assert total.total == sum(SPREAD.values()) == total.reached + total.unreached
    # Down the tree: the village's grids, then the grid's units.
    grids = {row.code: row.total for row in sweep_progress(county_admin, sweep, VILLAGE)}
    assert grids == {GRID: 5, GRID_TWO: 1}
    units = {
        row.code: (row.reached, row.not_home) for row in sweep_progress(county_admin, sweep, GRID)
    }
    assert units == {UNIT: (1, 1), UNIT_TWO: (0, 0)}
    assert [row.code for row in sweep_progress(county_admin, sweep, UNIT)] == [UNIT]
    # Unreached: never visited or nobody at home, in area order.
    left = list(unreached(county_admin, sweep))
    assert len(left) == sum(SPREAD.values()) - 1
    assert [row.area_code for row in left] == sorted(row.area_code for row in left)


def test_each_persona_sees_its_share(sweep, personas):
    expected = {
        "county": ({TOWN, OTHER_TOWN}, 8),
        "town": ({TOWN + "001"}, 6),
        "chief": ({GRID, GRID_TWO}, 6),
        "worker": ({UNIT}, 3),
        "outsider": ({OTHER_UNIT}, 2),
    }
    for key, (codes, total) in expected.items():
        rows = sweep_progress(personas[key], sweep)
        assert {row.code for row in rows} == codes, key
        assert sum(row.total for row in rows) == total, key
    # A worker's sight stops at their unit: the town above it is not theirs to read.
    with pytest.raises(Http404):
        sweep_progress(personas["outsider"], sweep, TOWN)


def test_scope_of_the_writes(sweep, personas):
    town, chief, worker, outsider = (personas[k] for k in ("town", "chief", "worker", "outsider"))
    row = _row(sweep, UNIT)
    before = _state()
    # The outsider's sight does not reach the household: as missing.
    with pytest.raises(Http404):
        _visit(outsider, sweep, row)
    # A worker does not start or assign sweeps.
    with pytest.raises(PermissionDenied):
        county_sweep(worker, area_code=UNIT)
    with pytest.raises(PermissionDenied):
        services.assign_households(
            actor=worker, sweep_id=sweep.pk, household_ids=[row.household_id], assignee_id=worker.pk
        )
    # A town admin does not close the county's sweep.
    with pytest.raises(PermissionDenied):
        services.close_sweep(actor=town, sweep_id=sweep.pk)
    assert _state() == before
    # The chief keeps the village's: a household of it to another worker of the unit.
    other = second_worker()
    assert (
        services.assign_households(
            actor=chief, sweep_id=sweep.pk, household_ids=[row.household_id], assignee_id=other.pk
        )
        == 1
    )
    # Then it is the other worker's to visit, not the worker's.
    before = _state()
    with pytest.raises(PermissionDenied):
        _visit(worker, sweep, row)
    assert _state() == before
    stored, created = _visit(other, sweep, row)
    assert created and stored.result == "safe"


def test_bad_input_changes_nothing(sweep, worker, county_admin, chief):
    row = _row(sweep, UNIT)
    before = _state()
    with pytest.raises(ValidationError) as error:
        _visit(worker, sweep, row, "fine")
    assert "result" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.record_sweep_visit(
            actor=worker,
            sweep_id=sweep.pk,
            household_id=make_household(UNIT, "new").pk,
            result="safe",
            uuid=uuid.uuid4(),
        )
    assert "household" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _visit(worker, sweep, row, key="not-a-uuid")
    assert "uuid" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.assign_households(
            actor=chief,
            sweep_id=sweep.pk,
            household_ids=[_row(sweep, UNIT_THREE).household_id],
            assignee_id=worker.pk,
        )
    assert "assignee" in error.value.message_dict  # the worker has no post over that unit
    with pytest.raises(ValidationError) as error:
        county_sweep(county_admin, name="", ends_on="2020-01-01")
    assert {"name", "ends_on"} <= set(error.value.message_dict)
    assert _state() == before
    services.close_sweep(actor=county_admin, sweep_id=sweep.pk)
    with pytest.raises(ValidationError):
        _visit(worker, sweep, row)
    assert Visit.objects.count() == before[1]


def test_the_api_records_a_visit_once(sweep, worker, outsider):
    client = APIClient()
    client.force_login(worker)
    listed = client.get("/api/v1/sweep-households/", {"sweep": sweep.pk, "assignee": worker.pk})
    assert listed.status_code == 200 and listed.json()["count"] == SPREAD[UNIT]
    row = _row(sweep, UNIT)
    body = {"uuid": str(uuid.uuid4()), "result": "safe", "note": "平安"}
    url = f"/api/v1/sweep-households/{row.pk}/visit/"
    first = client.post(url, body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["result"] == "safe"
    assert client.post(url, body, format="json").status_code == 200
    assert Visit.objects.filter(household_id=row.household_id).count() == 1
    assert (
        client.post(
            url, {**body, "uuid": str(uuid.uuid4()), "result": "fine"}, format="json"
        ).status_code
        == 400
    )
    progress = client.get(f"/api/v1/sweeps/{sweep.pk}/progress/").json()
    assert progress["rows"] == [
        {
            "code": UNIT,
            "name": progress["rows"][0]["name"],
            "total": 3,
            "reached": 1,
            "not_home": 0,
            "pending": 2,
            "percent": 33.3,
            "records_url": progress["rows"][0]["records_url"],
        }
    ]
    records = client.get(progress["rows"][0]["records_url"]).json()
    assert records["count"] == 3
    # The outsider: the household is out of sight (404), and the pending figure is theirs.
    other = APIClient()
    other.force_login(outsider)
    assert other.post(url, body, format="json").status_code == 404
    assert other.get(f"/api/v1/sweep-households/{row.pk}/").status_code == 404
    pending = other.get("/api/v1/sweep-households/", {"pending": "true"}).json()
    assert pending["count"] == SPREAD[OTHER_UNIT]


def test_the_pages(sweep, worker, county_admin, client):
    client.force_login(county_admin)
    page = client.get(f"/duty/sweeps/{sweep.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="sweep-progress"' in html and 'id="sweep-unreached"' in html
    assert client.get(f"/duty/sweeps/{sweep.pk}/?area={VILLAGE}").status_code == 200
    listed = client.get(
        "/duty/sweeps/households/", {"sweep": sweep.pk, "under": UNIT, "state": "pending"}
    )
    assert listed.status_code == 200 and listed.content.decode().count("data-household=") == 3
    client.force_login(worker)
    mine = client.get("/duty/sweeps/mine/")
    assert mine.status_code == 200 and mine.content.decode().count('href="/duty/sweeps/households/') == 3
    row = _row(sweep, UNIT)
    form = client.get(f"/duty/sweeps/households/{row.pk}/visit/")
    assert form.status_code == 200
    key = str(uuid.uuid4())
    sent = client.post(f"/duty/sweeps/households/{row.pk}/visit/", {"uuid": key, "result": "moved"})
    assert sent.status_code == 302
    assert (
        client.post(
            f"/duty/sweeps/households/{row.pk}/visit/", {"uuid": key, "result": "moved"}
        ).status_code
        == 302
    )
    assert Visit.objects.filter(uuid=key).count() == 1
    bad = client.post(
        f"/duty/sweeps/households/{row.pk}/visit/", {"uuid": str(uuid.uuid4()), "result": "x"}
    )
    assert bad.status_code == 400
    assert client.get("/duty/sweeps/new/").status_code == 403
