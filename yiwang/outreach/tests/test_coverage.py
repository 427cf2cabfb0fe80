"""Coverage of a programme rolled up the tree, on a hand-computed example."""

import pytest

from conftest import COUNTY, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.outreach.models import Programme
from yiwang.outreach.selectors import coverage
from yiwang.outreach.services import pairings as services
from yiwang.outreach.tests.test_pairings import (
    GRID,
    GRID2,
    GRID2_UNIT,
    UNIT2,
    make_households,
    make_key,
    make_worker,
)


@pytest.fixture
def example(db, chief, worker):
    """党员联农户 in 南门社区: grid 1 has 7 + 3 ordinary households and one key household,
    grid 2 has 2 ordinary households; two workers in grid 1's first unit; the outsider's
    village has 4 households. Grid 1 is paired (5 + 5), grid 2 is not."""
    members = Programme.objects.get(code="member_households")
    make_households(UNIT, 7)
    make_households(UNIT2, 3)
    make_key(make_households(UNIT, 1, start=90)[0])
    make_households(GRID2_UNIT, 2)
    make_households(OTHER_UNIT, 4)
    make_worker("worker-2", UNIT)
    services.auto_assign(actor=chief, programme_id=members.pk, area_code=GRID)
    return members


def test_it_rolls_a_village_up_to_its_grids(example):
    result = coverage(example, Area.objects.get(code=VILLAGE))
    total = result.total
    assert (total.eligible, total.paired, total.unpaired, total.sponsors) == (12, 10, 2, 2)
    rows = {r.code: (r.eligible, r.paired, r.unpaired, r.sponsors) for r in result.rows}
    assert rows == {GRID: (10, 10, 0, 2), GRID2: (2, 0, 2, 0)}
    assert result.loads == {"min": 5, "avg": 5.0, "max": 5}
    assert sorted((s.name, s.load, s.here) for s in result.sponsors) == [
        ("worker", 5, 5),
        ("worker-2", 5, 5),
    ]


def test_it_rolls_a_grid_up_to_its_units(example):
    result = coverage(example, Area.objects.get(code=GRID))
    rows = {r.code: (r.eligible, r.paired, r.unpaired) for r in result.rows}
    assert rows == {UNIT: (7, 7, 0), UNIT2: (3, 3, 0)}


def test_it_rolls_the_county_up_to_its_towns(example):
    result = coverage(example, Area.objects.get(code=COUNTY))
    by_code = {r.code: (r.eligible, r.unpaired) for r in result.rows if r.eligible}
    assert by_code == {TOWN: (12, 2), "370830002": (4, 4)}
    assert (result.total.eligible, result.total.paired) == (16, 10)
    # Every town of the county has a row, the empty ones too.
    assert len(result.rows) == Area.objects.filter(parent__code=COUNTY).count()


def test_it_counts_sponsors_without_pairings(example):
    make_worker("worker-3", "370830001001002002")
    result = coverage(example, Area.objects.get(code=VILLAGE))
    assert result.loads == {"min": 0, "avg": 3.3, "max": 5}
    assert result.sponsors[0].name == "worker-3"
    rows = {r.code: r.sponsors for r in result.rows}
    assert rows == {GRID: 2, GRID2: 1}


def test_it_reads_coverage_in_few_queries(example, django_assert_max_num_queries):
    area = Area.objects.get(code=COUNTY)
    with django_assert_max_num_queries(8):
        coverage(example, area)


# --- pages ------------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_the_coverage_page_shows_the_figures_and_their_links(client, example, chief):
    response = _client(client, chief).get(
        f"/outreach/coverage/?programme={example.pk}&area={VILLAGE}"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/outreach/coverage/unpaired/?programme={example.pk}&amp;area={GRID2}" in page
    assert "auto-assign-form" in page
    unpaired = client.get(f"/outreach/coverage/unpaired/?programme={example.pk}&area={GRID2}")
    assert unpaired.status_code == 200
    assert unpaired.context["page_obj"].paginator.count == 2


def test_the_coverage_page_answers_404_outside_the_scope(client, example, outsider):
    response = _client(client, outsider).get(
        f"/outreach/coverage/?programme={example.pk}&area={VILLAGE}"
    )
    assert response.status_code == 404


def test_a_worker_sees_the_coverage_without_the_button(client, example, worker):
    response = _client(client, worker).get(
        f"/outreach/coverage/?programme={example.pk}&area={UNIT}"
    )
    assert response.status_code == 200
    assert "auto-assign-form" not in response.content.decode()
    response = client.post(
        "/outreach/coverage/auto-assign/", {"programme": example.pk, "area": UNIT}
    )
    assert response.status_code == 403


def test_the_auto_assign_button_pairs_the_rest(client, example, chief):
    response = _client(client, chief).post(
        "/outreach/coverage/auto-assign/", {"programme": example.pk, "area": VILLAGE}
    )
    assert response.status_code == 302
    assert coverage(example, Area.objects.get(code=VILLAGE)).total.unpaired == 0


def test_the_pairing_pages_work(client, example, chief, worker):
    from yiwang.outreach.models import Pairing

    pairing = Pairing.objects.filter(sponsor=worker).first()
    _client(client, chief)
    assert client.get("/outreach/pairings/").status_code == 200
    response = client.get(f"/outreach/pairings/{pairing.pk}/")
    assert response.status_code == 200
    assert "pairing-transfer-form" in response.content.decode()
    response = client.post(f"/outreach/pairings/{pairing.pk}/end/", {"reason": "迁出"})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.ends_on is not None
    response = client.get(f"/outreach/pairings/new/?household={pairing.household_id}")
    assert response.status_code == 200
    response = client.post(
        "/outreach/pairings/new/",
        {"programme": example.pk, "sponsor": worker.pk, "household": pairing.household_id},
    )
    assert response.status_code == 302, response.context["form"].errors


@pytest.mark.parametrize(
    "persona, expected", [("county_admin", 200), ("town_admin", 403), ("worker", 403)]
)
def test_only_the_county_admin_opens_the_programme_settings(request, db, client, persona, expected):
    user = request.getfixturevalue(persona)
    _client(client, user)
    assert client.get("/outreach/programmes/").status_code == expected
    assert client.get("/outreach/programmes/member_households/edit/").status_code == expected


def test_the_programme_form_shows_the_services_errors(client, county_admin):
    _client(client, county_admin)
    response = client.post(
        "/outreach/programmes/new/",
        {
            "code": "p1",
            "name": "新项目",
            "subject_kind": "household",
            "visit_every_days": 7,
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert "sponsor_role" in response.context["form"].errors
    response = client.post(
        "/outreach/programmes/new/",
        {
            "code": "p1",
            "name": "新项目",
            "subject_kind": "household",
            "sponsor_role": "grid_worker",
            "visit_every_days": 7,
            "order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Programme.objects.filter(code="p1").exists()
