"""The three rates on a hand-computed example — by area, department, category and month,
from the tally (county, town) and from the cases (village) — the scope, the cases behind
each figure, the overdue list, and the tally's triggers.

The areas of the test tree open today, so the example lies in the next two months (M1, M2);
time is frozen at each step. Case by case (A–I), what the services record:

    case  where             category      reported          answered      resolved    rated
    A     UNIT  (grid 1)    sanitation    M1+9  09:00       in time       in time     satisfied
    B     UNIT  (grid 1)    sanitation    M1+11 09:00       late          late (roads) basically
    C     U3    (grid 2)    complaint     M2+1  09:00       in time       in time     dissatisfied
    D     OTHER_UNIT        sanitation    M2+4  09:00       rejected, in time
    E     UNIT  (grid 1)    help          M2+19 09:00       —
    G     U2    (grid 1)    help          M1's last day 23:30  in time (00:30)
    H     VILLAGE itself    consultation  M2's last day 23:59  —
    F     UNIT              sanitation    the day before M1     (outside the period)
    I     UNIT              sanitation    M3 00:10              (outside the period)
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import zoneinfo
from fractions import Fraction

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_TOWN, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.cases import services
from yiwang.cases.filters import CaseFilterSet
from yiwang.cases.models import Case, CaseTally
from yiwang.cases.selectors import rates

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
U2 = GRID + "002"  # the second unit of grid 1
GRID2 = VILLAGE + "002"
U3 = GRID2 + "001"  # the first unit of grid 2
tally = importlib.import_module("yiwang.cases.migrations.0004_case_tally")


def _month_after(day: datetime.date, n: int = 1) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


M1 = _month_after(timezone.localdate())
M2 = _month_after(M1)
M3 = _month_after(M2)
PERIOD = rates.Period(M1, M2)


def local(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def day(month: datetime.date, n: int) -> datetime.date:
    return month + datetime.timedelta(days=n)


def report(where: str, category: str, when: datetime.datetime) -> Case:
    place = {"unit_code": where} if len(where) == 18 else {"village_code": where}
    with time_machine.travel(when, tick=False):
        return services.record_hotline_call(
            actor=None, category=category, text="路口有垃圾", phone="13812345678", **place
        )


def act(case: Case, action: str, when: datetime.datetime, **values) -> None:
    with time_machine.travel(when, tick=False):
        services.ACTIONS[action](actor=None, case_id=case.pk, **values)


def lifecycle(case, accepted, resolved, satisfaction, **dispatch) -> None:
    act(case, "accept", accepted)
    sent = accepted + datetime.timedelta(minutes=30)
    act(case, "dispatch", sent, **(dispatch or {"area_code": case.area_code}))
    act(case, "start", sent + datetime.timedelta(minutes=30))
    act(case, "resolve", resolved, result="已处理")
    act(case, "follow_up", resolved + datetime.timedelta(hours=2), satisfaction=satisfaction)


@pytest.fixture
def example(tree):
    services.save_department(actor=None, code="roads", name="县交通运输局", area_code=COUNTY)
    cases = {}
    a = cases["A"] = report(UNIT, "sanitation", local(day(M1, 9)))
    lifecycle(a, local(day(M1, 9), 9, 30), local(day(M1, 10)), "satisfied")
    b = cases["B"] = report(UNIT, "sanitation", local(day(M1, 11)))
    # Answered at 15:00, due at 13:00; dispatched at 15:30, resolved 80 hours later (72 due).
    lifecycle(
        b,
        local(day(M1, 11), 15),
        local(day(M1, 11), 15, 30) + datetime.timedelta(hours=80),
        "basically",
        department="roads",
    )
    c = cases["C"] = report(U3, "complaint", local(day(M2, 1)))
    lifecycle(c, local(day(M2, 1), 10), local(day(M2, 2)), "dissatisfied", area_code=TOWN)
    d = cases["D"] = report(OTHER_UNIT, "sanitation", local(day(M2, 4)))
    act(d, "reject", local(day(M2, 4), 10), reason="不属于受理范围")
    cases["E"] = report(UNIT, "help", local(day(M2, 19)))
    last_of_m1 = M2 - datetime.timedelta(days=1)
    g = cases["G"] = report(U2, "help", local(last_of_m1, 23, 30))
    act(g, "accept", local(M2, 0, 30))
    cases["H"] = report(VILLAGE, "consultation", local(M3 - datetime.timedelta(days=1), 23, 59))
    cases["F"] = report(UNIT, "sanitation", local(M1 - datetime.timedelta(days=1)))
    cases["I"] = report(UNIT, "sanitation", local(M3, 0, 10))
    return cases


def figures(cases, responded, responded_on_time, resolved, resolved_on_time, rated, satisfied):
    return rates.Figures(
        cases, responded, responded_on_time, resolved, resolved_on_time, rated, satisfied
    )


def by_key(result) -> dict:
    return {row.key: row.figures for row in result.rows}


T1 = figures(6, 4, 3, 3, 2, 3, 2)
T2 = figures(1, 1, 1, 0, 0, 0, 0)
TOTAL = figures(7, 5, 4, 3, 2, 3, 2)
NOTHING = rates.Figures()


def test_it_counts_the_three_rates_of_the_county_by_town(example):
    result = rates.case_rates(Area.objects.get(code=COUNTY), "area", PERIOD)

    assert result.source == "tally"
    assert result.total == TOTAL
    assert result.total.response_rate == Fraction(4, 5)
    assert result.total.on_time_rate == Fraction(2, 3)
    assert result.total.satisfaction_rate == Fraction(2, 3)
    towns = by_key(result)
    assert towns[TOWN] == T1 and towns[OTHER_TOWN] == T2
    assert T1.response_rate == Fraction(3, 4) and T1.satisfaction_rate == Fraction(2, 3)
    assert T2.response_rate == 1 and T2.on_time_rate is None and T2.satisfaction_rate is None
    assert all(f == NOTHING for code, f in towns.items() if code not in (TOWN, OTHER_TOWN))


def test_it_counts_by_department_category_and_month(example):
    county = Area.objects.get(code=COUNTY)

    departments = rates.case_rates(county, "department", PERIOD)
    assert departments.total == TOTAL
    assert by_key(departments) == {"roads": figures(1, 1, 0, 1, 0, 1, 1)}
    roads = departments.rows[0].figures
    assert (roads.response_rate, roads.on_time_rate, roads.satisfaction_rate) == (0, 0, 1)

    categories = by_key(rates.case_rates(county, "category", PERIOD))
    assert categories["sanitation"] == figures(3, 3, 2, 2, 1, 2, 2)
    assert categories["sanitation"].response_rate == Fraction(2, 3)
    assert categories["sanitation"].on_time_rate == Fraction(1, 2)
    assert categories["complaint"] == figures(1, 1, 1, 1, 1, 1, 0)
    assert categories["help"] == figures(2, 1, 1, 0, 0, 0, 0)
    assert categories["consultation"] == figures(1, 0, 0, 0, 0, 0, 0)
    assert categories["dispute"] == NOTHING

    months = rates.case_rates(county, "month", PERIOD)
    assert [row.key for row in months.rows] == [f"{M1:%Y-%m}", f"{M2:%Y-%m}"]
    first, second = (row.figures for row in months.rows)
    assert first == figures(3, 3, 2, 2, 1, 2, 2)  # A, B and G, reported at 23:30 on the 31st
    assert second == figures(4, 2, 2, 1, 1, 1, 0)  # C, D, E and H, at 23:59 on the last day
    assert (second.response_rate, second.on_time_rate, second.satisfaction_rate) == (1, 1, 0)


def test_it_counts_a_town_by_village_from_the_tally(example):
    result = rates.case_rates(Area.objects.get(code=TOWN), "area", PERIOD)

    assert result.source == "tally"
    villages = by_key(result)
    assert villages[VILLAGE] == T1
    assert sum(f.cases for f in villages.values()) == 6
    assert [row.drill for row in result.rows if row.key == VILLAGE] == [VILLAGE]


def test_it_counts_a_village_from_the_cases(example):
    village = Area.objects.get(code=VILLAGE)

    result = rates.case_rates(village, "area", PERIOD)
    assert result.source == "cases"
    assert result.total == T1
    assert [(row.key, row.figures) for row in result.rows] == [
        (GRID, figures(4, 3, 2, 2, 1, 2, 2)),
        (GRID2, figures(1, 1, 1, 1, 1, 1, 0)),
        (VILLAGE, figures(1, 0, 0, 0, 0, 0, 0)),  # H, placed on the village itself
    ]
    assert result.rows[-1].filters["area_code"] == VILLAGE

    categories = by_key(rates.case_rates(village, "category", PERIOD))
    assert categories["sanitation"] == figures(2, 2, 1, 2, 1, 2, 2)
    assert categories["help"] == figures(2, 1, 1, 0, 0, 0, 0)
    months = rates.case_rates(village, "month", PERIOD)
    assert [row.figures for row in months.rows] == [
        figures(3, 3, 2, 2, 1, 2, 2),
        figures(3, 1, 1, 1, 1, 1, 0),
    ]
    assert by_key(rates.case_rates(village, "department", PERIOD)) == {
        "roads": figures(1, 1, 0, 1, 0, 1, 1)
    }


@pytest.mark.parametrize("code", [COUNTY, TOWN])
@pytest.mark.parametrize("group_by", list(rates.GROUP_BY))
def test_the_tally_gives_what_the_cases_give(example, code, group_by):
    area = Area.objects.get(code=code)

    from_tally = rates.case_rates(area, group_by, PERIOD)
    counted = rates.rates_from_cases(area, group_by, PERIOD)

    assert from_tally.source == "tally"
    assert from_tally.total == counted.total
    assert [(r.key, r.figures, r.filters) for r in from_tally.rows] == [
        (r.key, r.figures, r.filters) for r in counted.rows
    ]


@pytest.mark.parametrize("code", [COUNTY, VILLAGE])
@pytest.mark.parametrize("group_by", list(rates.GROUP_BY))
def test_each_figure_opens_the_cases_it_counts(example, code, group_by):
    """The case list, with a row's filters and a figure's, finds as many cases as the
    figure says."""
    result = rates.case_rates(Area.objects.get(code=code), group_by, PERIOD)

    for row in result.rows:
        for figure, expected in row.figures.as_dict().items():
            query = rates.cases_query(row.filters, figure)
            listed = CaseFilterSet(QueryDict(query), queryset=Case.objects.all()).qs.count()
            assert listed == expected, (row.key, figure, query)
        late = {
            "response": row.figures.responded - row.figures.responded_on_time,
            "resolution": row.figures.resolved - row.figures.resolved_on_time,
        }
        for name, expected in late.items():
            query = QueryDict(rates.cases_query({**row.filters, name: "late"}))
            assert CaseFilterSet(query, queryset=Case.objects.all()).qs.count() == expected


def test_it_reads_the_period_from_months():
    assert rates.parse_period("2026-03", "2026-05") == rates.Period(
        datetime.date(2026, 3, 1), datetime.date(2026, 5, 1)
    )
    assert rates.parse_period("2026-03-17", "").first == datetime.date(2026, 3, 1)
    period = rates.parse_period("", "", today=datetime.date(2026, 11, 28))
    assert period == rates.Period(datetime.date(2025, 12, 1), datetime.date(2026, 11, 1))
    assert rates.parse_period("", "2025-06", today=datetime.date(2026, 11, 28)) == rates.Period(
        datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)
    )
    with pytest.raises(ValueError) as wrong:
        rates.parse_period("2026-13", "三月")
    assert set(wrong.value.args[0]) == {"from", "to"}
    with pytest.raises(ValueError) as backwards:
        rates.parse_period("2026-05", "2026-03")
    assert set(backwards.value.args[0]) == {"to"}


# --- the pages and the API --------------------------------------------------------------


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_rates_page_renders_the_chart_data_as_json_script(example, county_admin):
    response = client_of(county_admin).get(
        reverse("cases:rates"), {"from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    found = re.search(
        r'<script id="rates-chart-data" type="application/json">(.*?)</script>', body, re.S
    )
    chart = json.loads(found.group(1))
    assert chart["kind"] == "bar" and "中都街道" in chart["labels"]
    town = chart["labels"].index("中都街道")
    assert [series["data"][town] for series in chart["series"]] == [75.0, 66.7, 66.7]
    assert chart["links"][town].startswith(reverse("cases:rates") + "?area=" + TOWN)
    # No inline script (CSP): every other script is a file of our own.
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert "/static/js/charts.js" in body
    assert 'id="total-response_rate">80.0%<' in body
    # The answered-in-time figure of the county opens its cases.
    assert "response=on_time" in body and reverse("cases:rate-cases") in body


def test_the_month_tab_draws_lines(example, county_admin):
    response = client_of(county_admin).get(
        reverse("cases:rates"), {"group_by": "month", "from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"}
    )
    chart = response.context["chart"]
    assert chart["kind"] == "line" and chart["labels"] == [f"{M1:%Y-%m}", f"{M2:%Y-%m}"]
    assert chart["series"][0]["data"] == [66.7, 100.0]


def test_the_cases_behind_a_figure_are_listed_and_said_in_words(example, county_admin):
    query = rates.cases_query(
        {"under": TOWN, **PERIOD.filters()}, "responded_on_time"
    )  # A, C and G
    response = client_of(county_admin).get(
        f"{reverse('cases:rate-cases')}?{query}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
    words = [str(word) for word in response.context["described"]]
    assert words == [
        "in 中都街道",
        f"reported {PERIOD.first} to {PERIOD.last_day}",
        "answered in time",
    ]
    body = response.content.decode()
    assert example["A"].number in body and example["B"].number not in body


def test_the_api_answers_the_rates_with_exact_counts(example, county_admin):
    response = client_of(county_admin).get(
        reverse("api:case-rates"),
        {"area": COUNTY, "group_by": "area", "from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["area"]["code"] == COUNTY and data["group_by"] == "area"
    assert (data["from"], data["to"]) == (f"{M1:%Y-%m}", f"{M2:%Y-%m}")
    assert data["total"]["response_rate"] == 0.8 and data["total"]["responded"] == 5
    assert data["total"]["on_time_rate"] == 0.6667 and data["total"]["satisfied"] == 2
    town = next(row for row in data["rows"] if row["key"] == TOWN)
    assert town["figures"]["response_rate"] == 0.75
    assert town["filters"] == {"under": TOWN, **PERIOD.filters()}
    other = next(row for row in data["rows"] if row["key"] == OTHER_TOWN)
    assert other["figures"]["on_time_rate"] is None


def test_the_api_refuses_bad_input_with_the_field(example, county_admin):
    client = client_of(county_admin)
    url = reverse("api:case-rates")

    assert set(client.get(url, {"group_by": "street"}).json()) == {"group_by"}
    assert set(client.get(url, {"from": "2026-13"}).json()) == {"from"}
    assert set(client.get(url, {"from": "2026-05", "to": "2026-03"}).json()) == {"to"}
    assert client.get(url, {"area": "370831"}).status_code == 404


def test_an_outsider_sees_none_of_another_village(example, outsider):
    client = client_of(outsider)

    for code in (VILLAGE, TOWN, COUNTY):
        assert client.get(reverse("cases:rates"), {"area": code}).status_code == 404
        assert client.get(reverse("api:case-rates"), {"area": code}).status_code == 404
        assert client.get(reverse("cases:overdue"), {"area": code}).status_code == 404
    # The outsider's own rates (their unit): only D, none of 南门社区's six cases.
    response = client.get(reverse("api:case-rates"), {"from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"})
    assert response.json()["area"]["code"] == OTHER_UNIT
    assert response.json()["total"]["cases"] == 1
    page = client.get(reverse("cases:rates"), {"from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"})
    assert page.context["rates"].total.cases == 1
    listed = client.get(reverse("cases:rate-cases"), {"under": VILLAGE})
    assert listed.context["page_obj"].paginator.count == 0
    assert "南门社区" not in listed.content.decode()


def test_posts_on_several_areas_are_each_a_way_in(example, worker):
    from yiwang.accounts.services import grant_post

    grant_post(actor=None, user=worker, role="grid_worker", area_code=OTHER_UNIT)
    response = client_of(worker).get(reverse("cases:rates"))

    assert response.context["area"].code == UNIT
    assert [area.code for area in response.context["roots"]] == [UNIT, OTHER_UNIT]
    assert f"?area={OTHER_UNIT}" in response.content.decode()


def test_the_chief_opens_on_the_village(example, chief):
    response = client_of(chief).get(
        reverse("cases:rates"), {"from": f"{M1:%Y-%m}", "to": f"{M2:%Y-%m}"}
    )
    assert response.context["area"].code == VILLAGE
    assert response.context["rates"].total == T1
    assert [crumb.code for crumb in response.context["crumbs"]] == [VILLAGE]


# --- the overdue list -------------------------------------------------------------------


def test_the_overdue_list_shows_open_cases_past_due_most_overdue_first(tree, chief):
    now = local(day(M1, 3), 12)
    oldest = report(UNIT, "sanitation", now - datetime.timedelta(hours=10))  # 4h to accept
    middle = report(U2, "dispute", now - datetime.timedelta(hours=5))  # 2h to accept
    soon = report(UNIT, "sanitation", now - datetime.timedelta(hours=1))  # not due yet
    parked = report(UNIT, "sanitation", now - datetime.timedelta(hours=20))
    act(parked, "accept", now - datetime.timedelta(hours=19))
    act(parked, "park", now - datetime.timedelta(hours=19), review_on=day(M2, 1), reason="长期")
    closed = report(UNIT, "sanitation", now - datetime.timedelta(hours=30))
    act(closed, "reject", now - datetime.timedelta(hours=29), reason="x")
    foreign = report(OTHER_UNIT, "sanitation", now - datetime.timedelta(hours=30))

    listed = list(rates.overdue(chief, now=now))
    assert listed == [oldest, middle]
    assert soon not in listed and parked not in listed and foreign not in listed
    assert list(rates.overdue(chief, GRID2, now=now)) == []

    with time_machine.travel(now, tick=False):
        page = client_of(chief).get(reverse("cases:overdue"))
        api = client_of(chief).get(reverse("api:case-overdue"))
    assert [c.pk for c in page.context["page_obj"]] == [oldest.pk, middle.pk]
    assert page.context["page_obj"][0].waiting_name == "南门社区居民委员会"
    assert [row["id"] for row in api.json()["results"]] == [oldest.pk, middle.pk]
    assert api.json()["results"][0]["time_left"] < api.json()["results"][1]["time_left"] < 0


def test_the_systems_overdue_list_reads_every_case_under_an_area(tree, chief):
    """The monthly report's read: the same list whoever may see it, under the area asked."""
    now = local(day(M1, 3), 12)
    oldest = report(UNIT, "sanitation", now - datetime.timedelta(hours=10))
    foreign = report(OTHER_UNIT, "sanitation", now - datetime.timedelta(hours=30))
    report(UNIT, "sanitation", now - datetime.timedelta(hours=1))  # not due yet

    assert list(rates.overdue_in(COUNTY, now=now)) == [foreign, oldest]
    assert list(rates.overdue_in(VILLAGE, now=now)) == [oldest]
    assert list(rates.overdue(chief, now=now)) == [oldest]
    assert list(rates.overdue_in(GRID2, now=now)) == []
    with pytest.raises(ValueError):
        rates.overdue_in("")


# --- the tally --------------------------------------------------------------------------


def _recount() -> set[tuple]:
    """The tally as it should be, from the cases: (key, counts) of the non-empty rows."""
    rows: dict[tuple, list[int]] = {}
    for case in Case.objects.all():
        month = case.reported_at.astimezone(SHANGHAI).date().replace(day=1)
        counts = [
            1,
            case.responded_on_time is not None,
            case.responded_on_time is True,
            case.resolved_on_time is not None,
            case.resolved_on_time is True,
            case.satisfaction != "",
            case.satisfaction in ("satisfied", "basically"),
        ]
        keys = [
            (case.area_code[:9], month, case.category_id, case.assignee_department_id or 0),
            (case.area_code[:12], month, 0, 0),
        ]
        for key in keys:
            totals = rows.setdefault(key, [0] * 7)
            for i, n in enumerate(counts):
                totals[i] += int(n)
    return {(key, tuple(counts)) for key, counts in rows.items()}


def _tally() -> set[tuple]:
    return {
        (
            (row.area_code, row.month, row.category_pk, row.department_pk),
            tuple(getattr(row, name) for name in rates.COUNTS),
        )
        for row in CaseTally.objects.filter(cases__gt=0)
    }


def test_the_triggers_keep_the_tally_whoever_writes(example):
    assert _tally() == _recount()
    a, b = example["A"], example["B"]

    Case.objects.filter(pk=a.pk).update(area_code=OTHER_UNIT, satisfaction="dissatisfied")
    Case.objects.filter(pk=b.pk).update(
        category_id=Case.objects.get(pk=example["C"].pk).category_id,
        assignee_department=None,
        reported_at=local(day(M2, 2)),
    )
    Case.objects.filter(area_code=UNIT).update(resolved_on_time=False)
    assert _tally() == _recount()

    Case.objects.filter(pk=example["E"].pk).delete()
    assert _tally() == _recount()
    assert rates.case_rates(Area.objects.get(code=COUNTY), "area", PERIOD).total.cases == 6


@pytest.mark.parametrize("name", tally.trigger_names())
def test_the_tally_triggers_are_there(db, name):
    """A migration that rebuilds cases_case on SQLite drops them: see 0004_case_tally."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = 'cases_case'::regclass",
                [name],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s "
                "AND tbl_name = 'cases_case'",
                [name],
            )
        assert cursor.fetchone() is not None, f"the trigger {name} is missing"


def test_a_recount_gives_the_tally_the_triggers_keep(example):
    before = _tally()
    with connection.cursor() as cursor:
        for sql in tally._recount(connection.vendor):  # what the migration runs first
            cursor.execute(sql)
    assert _tally() == before == _recount()
