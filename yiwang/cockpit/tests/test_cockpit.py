"""The cockpit page, the big screen and the figures behind them: this month against last
month and a year ago, drill-down, scope, and the cache that never answers another scope."""

import datetime

import pytest
from django.utils import timezone

from conftest import COUNTY, GRID, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.cockpit import figures, snapshots
from yiwang.cockpit.models import Snapshot
from yiwang.core.reporting import add_months
from yiwang.registry.services import create_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(tree):
    for number in ("001", "002", "003"):
        create_household(actor=None, unit_code=UNIT, number=number)


def test_the_page_shows_the_areas_figures_and_its_children(client, county_admin, households):
    client.force_login(county_admin)
    page = client.get("/cockpit/", {"area": TOWN})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="figure-registry-households"' in html
    village = Area.objects.get(code=VILLAGE)
    # One level down: the town's villages, by name, each a link one level down.
    assert f'data-area="{VILLAGE}"' in html and village.name in html
    assert f"/cockpit/?area={VILLAGE}" in html
    # The figure opens its records: the ledger's list under the town.
    assert f"under={TOWN}" in html
    # Down to a unit, and the breadcrumb goes back up.
    unit = client.get("/cockpit/", {"area": UNIT}).content.decode()
    assert f"/cockpit/?area={GRID}" in unit and f"/cockpit/?area={COUNTY}" in unit


def test_figures_this_month_against_last_month_and_a_year_ago(county_admin, households):
    county = Area.objects.get(code=COUNTY)
    this = timezone.localdate().replace(day=1)
    last, year = add_months(this, -1), add_months(this, -12)
    # The state at the end of last month (two households then), and a year ago (one).
    for month, value in ((last, 2), (year, 1)):
        Snapshot.objects.create(
            key="registry.households",
            area_code=COUNTY,
            month=month,
            value=value,
            taken_at=timezone.now(),
        )
    data = figures.cockpit(county_admin, county)
    households = data.figure("registry.households")
    assert (households.value, households.last_month, households.year_ago) == (3, 2, 1)
    assert households.change == 1
    assert households.series[0] == (f"{year:%Y-%m}", 1)
    assert households.series[-2:] == [(f"{last:%Y-%m}", 2), (f"{this:%Y-%m}", 3)]
    assert len(households.series) == figures.MONTHS
    # A month gone by: the state as its snapshot kept it, with no list behind it.
    past = figures.cockpit(county_admin, county, last).figure("registry.households")
    assert (past.value, past.records_url) == (2, None)


def test_the_snapshots_of_a_month_hold_every_level(county_admin, households):
    county = Area.objects.get(code=COUNTY)
    last = add_months(timezone.localdate().replace(day=1), -1)
    written = snapshots.take(last, county)
    assert written == Snapshot.objects.filter(month=last).count() > 0
    kept = dict(
        Snapshot.objects.filter(key="registry.households", month=last).values_list(
            "area_code", "value"
        )
    )
    assert kept[COUNTY] == kept[TOWN] == kept[VILLAGE] == kept[GRID] == kept[UNIT] == 3
    # Taken again, a state keeps the month's end; the flows are counted again, not doubled.
    create_household(actor=None, unit_code=UNIT, number="009")
    assert 0 < snapshots.take(last, county) < written
    assert Snapshot.objects.filter(month=last).count() == written
    again = Snapshot.objects.get(key="registry.households", month=last, area_code=COUNTY)
    assert again.value == 3
    # The API reads a state's month gone by from the snapshots.
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(county_admin)
    body = api.get(
        "/api/v1/indicators/registry.households/", {"area": TOWN, "period": f"{last:%Y-%m}"}
    ).json()
    assert body["value"] == 3 and body["records_url"] is None and body["period"] == f"{last:%Y-%m}"
    future = add_months(timezone.localdate().replace(day=1), 1)
    refused = api.get("/api/v1/indicators/registry.households/", {"period": f"{future:%Y-%m}"})
    assert refused.status_code == 400 and "period" in refused.json()


def test_a_cache_filled_for_the_county_never_answers_the_chief(
    client, county_admin, chief, households
):
    village = Area.objects.get(code=VILLAGE)
    filled = figures.cockpit(county_admin, village)
    assert filled.figure("registry.households").value == 3
    # Another scope has another key: the chief's cockpit is computed for the chief.
    assert figures.scope_key(county_admin) != figures.scope_key(chief)
    create_household(actor=None, unit_code=UNIT, number="004")
    assert figures.cockpit(county_admin, village).figure("registry.households").value == 3
    assert figures.cockpit(chief, village).figure("registry.households").value == 4
    # The chief's cockpit stops at their village.
    client.force_login(chief)
    assert client.get("/cockpit/", {"area": TOWN}).status_code == 404
    assert client.get("/cockpit/screen/", {"area": COUNTY}).status_code == 404
    own = client.get("/cockpit/")
    assert own.status_code == 200 and f'data-area="{GRID}"' in own.content.decode()


def test_the_big_screen_and_bad_months(client, county_admin, households):
    client.force_login(county_admin)
    screen = client.get("/cockpit/screen/", {"area": COUNTY})
    assert screen.status_code == 200
    html = screen.content.decode()
    assert 'http-equiv="refresh"' in html and 'id="figure-cases-open"' in html
    for bad in ("2026-13", "next month", f"{timezone.localdate().year + 1}-01"):
        page = client.get("/cockpit/", {"area": COUNTY, "month": bad})
        assert page.status_code == 200
        assert 'id="cockpit-month-error"' in page.content.decode()
    assert client.get("/cockpit/", {"area": "999999"}).status_code == 404


def test_a_flow_of_a_month_gone_by_is_counted_from_its_records(county_admin, tree):
    from yiwang.cases.models import Case
    from yiwang.cases.tests.conftest import new_case

    county = Area.objects.get(code=COUNTY)
    last = add_months(timezone.localdate().replace(day=1), -1)
    case = new_case(UNIT)
    Case.objects.filter(pk=case.pk).update(
        reported_at=timezone.make_aware(datetime.datetime.combine(last, datetime.time(10)))
    )
    new_case(UNIT)
    data = figures.cockpit(county_admin, county)
    reported = data.figure("cases.reported")
    assert (reported.value, reported.last_month) == (1, 1)


def test_months_out_of_range_get_a_message_not_an_error(client, county_admin, tree):
    client.force_login(county_admin)
    for bad in ("0001-06", "9999-12"):
        page = client.get("/cockpit/", {"area": COUNTY, "month": bad})
        assert page.status_code == 200 and 'id="cockpit-month-error"' in page.content.decode()
        api = client.get("/api/v1/indicators/cases.reported/", {"period": bad})
        assert api.status_code == 400
    # The map's drill-down names the month `period`: the cockpit shows that month.
    last = add_months(timezone.localdate().replace(day=1), -1)
    page = client.get("/cockpit/", {"area": TOWN, "period": f"{last:%Y-%m}"}).content.decode()
    assert f'value="{last:%Y-%m}"' in page


def test_a_snapshot_keeps_each_level_apart_from_the_rows_above_it(county_admin, tree):
    """Cases placed on the village itself count for the village, not for its grids, and a
    rate's row on the parent itself is the parent's alone."""
    from yiwang.cases.tests.conftest import new_case

    county = Area.objects.get(code=COUNTY)
    from yiwang.cases.models import Case

    new_case(UNIT)
    new_case(UNIT)
    placed = new_case(UNIT)
    Case.objects.filter(pk=placed.pk).update(area_code=VILLAGE)  # a resident's, by village
    this = timezone.localdate().replace(day=1)
    snapshots.take(this, county, keys=["cases.open", "cases.reported"])
    kept = dict(
        Snapshot.objects.filter(key="cases.open", month=this).values_list("area_code", "value")
    )
    assert (kept[COUNTY], kept[TOWN], kept[VILLAGE], kept[GRID], kept[UNIT]) == (3, 3, 3, 2, 2)


def test_this_month_is_read_from_the_refresh_while_it_is_fresh(county_admin, households):
    from yiwang.areas.services import set_boundary

    ring = [[116.0, 35.0], [116.1, 35.0], [116.1, 35.1], [116.0, 35.1], [116.0, 35.0]]
    set_boundary(actor=None, code=VILLAGE, boundary={"type": "Polygon", "coordinates": [ring]})
    county = Area.objects.get(code=COUNTY)
    this = timezone.localdate().replace(day=1)
    assert snapshots.refresh()[COUNTY] > 0
    taken = Snapshot.objects.get(key="registry.households", area_code=COUNTY, month=this)
    create_household(actor=None, unit_code=UNIT, number="004")
    data = figures.cockpit(county_admin, county, cached=False)
    # The refreshed count, said to be as old as it is.
    assert data.figure("registry.households").value == 3
    assert data.as_of <= taken.taken_at
    assert data.figure("registry.households").records_url  # still opens today's list
    # The map reads the refresh too; the indicators' API counts its list now.
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(county_admin)
    mapped = api.get("/api/v1/indicators/registry.households/map/", {"area": TOWN}).json()
    shown = {f["properties"]["code"]: f["properties"]["value"] for f in mapped["features"]}
    assert shown[VILLAGE] == 3
    live = api.get("/api/v1/indicators/registry.households/", {"area": TOWN}).json()
    assert live["value"] == 4
    # Refreshed again, the state is replaced (the month has not ended).
    snapshots.refresh()
    assert (
        figures.cockpit(county_admin, county, cached=False).figure("registry.households").value == 4
    )
    # Too old (the task stopped): counted on the request.
    Snapshot.objects.filter(month=this).update(
        taken_at=timezone.now() - datetime.timedelta(hours=2)
    )
    create_household(actor=None, unit_code=UNIT, number="005")
    assert (
        figures.cockpit(county_admin, county, cached=False).figure("registry.households").value == 5
    )
