"""The cooperatives' pages for every persona: the roll-up by town and by village (figures
checked against the rows, each a link to its records, names not codes, a bounded number
of queries), a cooperative with its charter and its board's history, and the keepers'
forms (a new cooperative, the charter, a seat, the end of a seat) with their errors shown
on the fields and nothing changed on bad input; 403 and 404 where they must be."""

import re
from decimal import Decimal
from functools import partial

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, GRID, OTHER_TOWN, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.coops.models import BoardSeat, Cooperative
from yiwang.coops.services import coops as coop_services
from yiwang.coops.services import distributions
from yiwang.coops.services import members as member_services
from yiwang.coops.tests import builders
from yiwang.coops.tests.rows_coops import BAKOU, DAY, account, build
from yiwang.core import indicators
from yiwang.core.audit import AuditEntry

pytestmark = pytest.mark.django_db

# Pages asked for in English unless a test asks for Chinese (`language=`).
client_of = partial(builders.client_of, language="en")

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english():
    """Assertions on the figures and the markup, not on the wording."""
    with translation.override("en"):
        yield


@pytest.fixture
def rows(tree):
    return build()


def figures(body: str, row: str) -> dict:
    """{figure: text} of the roll-up's row `data-row="row"` (or the total)."""
    if row == "total":
        match = re.search(r'<tr class="fw-semibold" id="coops-total">(.*?)</tr>', body, re.S)
    else:
        match = re.search(rf'<tr data-row="{row}">(.*?)</tr>', body, re.S)
    assert match, f"no row {row}"
    found = {}
    for figure, text in re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', match.group(1), re.S):
        found[figure] = text.strip().replace(",", "")
    return found


def error_of(response, field: str) -> str:
    """The message shown under the field (as the person reads it)."""
    match = re.search(rf'id="id_{field}_errors">(.*?)</div>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def hrefs(body: str, row: str) -> dict:
    match = re.search(rf'<tr data-row="{row}">(.*?)</tr>', body, re.S)
    return dict(
        (figure, href.replace("&amp;", "&"))
        for href, figure in re.findall(r'<a href="([^"]+)" data-figure="(\w+)"', match.group(1))
    )


# --- the roll-up ------------------------------------------------------------------------------


def test_the_county_sees_towns_with_figures_from_the_rows(county_admin, rows):
    response = client_of(county_admin).get(reverse("coops:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-level="towns"' in body
    # 中都街道: 南门合作社 (3 members, 80,000 shares, 70,000 yuan of money and assets, 2025's
    # 90,000 paid out), 南门二社 (nothing), 坝口合作社 (1, 5,000, 5,000, 2025's 9,500).
    assert figures(body, TOWN) == {
        "name": "中都街道",
        "cooperatives": "3",
        "members": "4",
        "shares": "85000",
        "capital": "75000.00",
        "payouts": "99500.00",
    }
    assert figures(body, OTHER_TOWN) == {
        "name": "汶上街道",
        "cooperatives": "1",
        "members": "1",
        "shares": "7000",
        "capital": "7000.00",
        "payouts": "—",
    }
    total = figures(body, "total")
    assert total["cooperatives"] == "4" and total["members"] == "5"
    assert total["shares"] == "92000" and total["payouts"] == "99500.00"
    # The payouts are 2025's, the latest year paid out; named in the column's heading.
    assert 'id="coops-payout-year" data-year="2025"' in body
    # Every figure of a town opens the index narrowed to that town (the payouts: to that
    # year's); names, not codes.
    links = hrefs(body, TOWN)
    town_url = reverse("coops:index") + f"?town={TOWN}"
    assert links.pop("payouts") == town_url + "&year=2025"
    assert set(links.values()) == {town_url}
    assert set(links) == {"name", "cooperatives", "members", "shares", "capital"}
    assert f">{TOWN}<" not in body


def test_a_town_lands_on_its_villages_and_never_sees_another_town(town_admin, rows):
    client = client_of(town_admin)
    body = client.get(reverse("coops:index")).content.decode()
    assert 'data-level="villages"' in body
    assert figures(body, VILLAGE) == {
        "name": "南门社区居民委员会",
        "cooperatives": "2",
        "members": "3",
        "shares": "80000",
        "capital": "70000.00",
        "payouts": "90000.00",
    }
    # Two cooperatives: the figures open the village's list; one: its records.
    village_url = reverse("coops:index") + f"?village={VILLAGE}"
    assert set(hrefs(body, VILLAGE).values()) == {village_url, village_url + "&year=2025"}
    bakou = rows["bakou"]
    links = hrefs(body, BAKOU)
    assert links["cooperatives"] == reverse("coops:coop", args=[bakou.pk])
    assert links["members"] == reverse("coops:members", args=[bakou.pk])
    assert links["shares"] == reverse("coops:register", args=[bakou.pk])
    final = bakou.distributions.get(status="final")
    assert links["payouts"] == reverse("coops:distribution", args=[final.pk])
    assert figures(body, BAKOU)["payouts"] == "9500.00"
    # A village without a cooperative is listed, with nothing to open.
    assert figures(body, "370830001005")["cooperatives"] == "0"
    assert "外镇合作社" not in body and "汶上街道" not in body
    assert client.get(reverse("coops:index"), {"town": OTHER_TOWN}).status_code == 404
    assert client.get(reverse("coops:index"), {"village": OTHER_VILLAGE}).status_code == 404
    assert client.get(reverse("coops:index"), {"village": "x"}).status_code == 404
    # The village's cooperatives, each with its own links.
    body = client.get(reverse("coops:index"), {"village": VILLAGE}).content.decode()
    nanmen = rows["nanmen"]
    assert figures(body, str(nanmen.pk))["members"] == "3"
    links = hrefs(body, str(nanmen.pk))
    assert links["name"] == reverse("coops:coop", args=[nanmen.pk])
    assert links["payouts"] == reverse("coops:distribution", args=[rows["latest"].pk])
    assert figures(body, str(rows["second"].pk))["members"] == "0"


def test_the_payouts_are_of_one_named_year(county_admin, rows):
    """Never the latest of each cooperative added up across years: 2025's by default (the
    latest paid out in the area), any other year on asking."""
    foreign = rows["foreign"]
    member_services.record_trading(
        actor=None,
        cooperative_id=foreign.pk,
        member_id=rows["foreign_member"].pk,
        year=2024,
        produce_sold="100",
        services_bought="0",
    )
    distributions.approve_distribution(
        actor=None,
        distribution_id=distributions.run_distribution(
            actor=None, cooperative_id=foreign.pk, year=2024, surplus="1000.00"
        ).pk,
    )
    client = client_of(county_admin)
    body = client.get(reverse("coops:index")).content.decode()
    assert 'data-year="2025"' in body
    # 外镇合作社 paid out in 2024 only: nothing for its town in 2025.
    assert figures(body, OTHER_TOWN)["payouts"] == "—"
    assert figures(body, TOWN)["payouts"] == "99500.00"
    assert '<option value="2024">' in body and '<option value="2025" selected>' in body
    body = client.get(reverse("coops:index"), {"year": "2024"}).content.decode()
    assert 'data-year="2024"' in body
    # 南门合作社's 2024 (50,000 less a reserve of 10%) and 外镇合作社's (1,000 less 10%).
    assert figures(body, TOWN)["payouts"] == "45000.00"
    assert figures(body, OTHER_TOWN)["payouts"] == "900.00"
    assert figures(body, "total")["payouts"] == "45900.00"
    assert hrefs(body, TOWN)["payouts"].endswith(f"?town={TOWN}&year=2024")
    # A village's latest year is its own; a year asked for is kept while drilling down.
    body = client.get(reverse("coops:index"), {"town": OTHER_TOWN}).content.decode()
    assert 'data-year="2024"' in body
    body = client.get(reverse("coops:index"), {"town": TOWN, "year": "2023"}).content.decode()
    assert 'data-year="2023"' in body and figures(body, VILLAGE)["payouts"] == "—"
    # Anything but a year: the latest.
    body = client.get(reverse("coops:index"), {"year": "x²"}).content.decode()
    assert 'data-year="2025"' in body


def test_money_and_assets_contributed_stay_when_shares_are_withdrawn(town_admin, rows):
    """The yuan figure is what was contributed (labelled so); the shares are today's."""
    zhao = rows["nanmen"].members.get(name="赵三")
    member_services.withdraw(actor=None, member_id=zhao.pk, shares=4000, on=DAY, reason="退股")
    client = client_of(town_admin)
    row = figures(client.get(reverse("coops:index")).content.decode(), VILLAGE)
    assert row["shares"] == "76000" and row["capital"] == "70000.00"
    body = client.get(reverse("coops:coop", args=[rows["nanmen"].pk])).content.decode()
    assert 'data-figure="capital">70000.00<' in body.replace(",", "")
    assert f'href="{reverse("coops:register", args=[rows["nanmen"].pk])}">76,000<' in body


def test_under_opens_any_level_of_the_scope(county_admin, town_admin, rows):
    """?under= (the cockpit's indicators) opens the towns, villages or cooperatives under
    an area; the indicators' own filters are ignored."""
    client = client_of(county_admin)
    url = reverse("coops:index")
    for code, level in ((COUNTY, "towns"), (TOWN, "villages"), (VILLAGE, "coops")):
        response = client.get(url, {"under": code, "status": "draft", "is_active": "true"})
        assert response.status_code == 200
        assert f'data-level="{level}"' in response.content.decode(), code
    body = client.get(url, {"under": VILLAGE}).content.decode()
    assert figures(body, str(rows["nanmen"].pk))["members"] == "3"
    assert "坝口合作社" not in body
    # A grid of the village: the cooperatives under it (none: they sit on the village).
    body = client.get(url, {"under": GRID, "current": "true"}).content.decode()
    assert 'data-level="coops"' in body and 'id="coops-none"' in body
    crumbs = body.split('id="coops-crumbs"')[1].split("</ol>")[0]
    assert f"?town={TOWN}" in crumbs and f"?village={VILLAGE}" in crumbs
    town = client_of(town_admin)
    assert town.get(url, {"under": TOWN}).status_code == 200
    for bad in (OTHER_TOWN, OTHER_VILLAGE, "37083000100", "x", "370830001999"):
        assert town.get(url, {"under": bad}).status_code == 404, bad


@pytest.mark.parametrize("key", ["coops.cooperatives", "coops.members", "coops.drafts"])
def test_the_cockpit_indicators_open_the_index(county_admin, rows, key):
    indicator = indicators.get(key)
    client = client_of(county_admin)
    for code in (COUNTY, TOWN, VILLAGE, GRID, UNIT):
        page = indicator.page_url(code)
        assert page.startswith(reverse("coops:index") + "?") and f"under={code}" in page
        response = client.get(page)
        assert response.status_code == 200, (key, code)
    body = client.get(indicator.page_url(TOWN)).content.decode()
    assert figures(body, VILLAGE)["cooperatives"] == "2"


def test_a_chief_lands_on_the_village_cooperatives(chief, rows):
    client = client_of(chief)
    body = client.get(reverse("coops:index")).content.decode()
    assert 'data-level="coops"' in body
    assert "南门合作社" in body and "南门二社" in body and "坝口合作社" not in body
    # Above the chief's village: their town, with their village alone.
    body = client.get(reverse("coops:index"), {"town": TOWN}).content.decode()
    assert f'data-row="{VILLAGE}"' in body and f'data-row="{BAKOU}"' not in body
    assert client.get(reverse("coops:index"), {"village": BAKOU}).status_code == 404


def test_a_board_accountant_sees_only_their_cooperative(rows):
    accountant = rows["accountant"]
    client = client_of(accountant)
    body = client.get(reverse("coops:index")).content.decode()
    assert 'data-level="coops"' in body
    assert "南门合作社" in body and "南门二社" not in body
    nanmen = rows["nanmen"]
    assert client.get(reverse("coops:coop", args=[nanmen.pk])).status_code == 200
    assert client.get(reverse("coops:coop", args=[rows["second"].pk])).status_code == 404
    # They read it; they do not keep it.
    assert client.get(reverse("coops:charter", args=[nanmen.pk])).status_code == 403
    assert client.get(reverse("coops:appoint", args=[nanmen.pk])).status_code == 403
    assert client.get(reverse("coops:coop-new")).status_code == 403
    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="coops.index"' in home and 'data-menu-item="coops.new"' not in home


@pytest.mark.parametrize("who", ["worker", "outsider"])
def test_grid_workers_have_no_cooperatives(request, rows, who):
    client = client_of(request.getfixturevalue(who))
    assert client.get(reverse("coops:index")).status_code == 403
    for coop in ("nanmen", "foreign"):
        assert client.get(reverse("coops:coop", args=[rows[coop].pk])).status_code == 404
    assert client.get(reverse("coops:coop-new")).status_code == 403
    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="coops.index"' not in home and 'data-menu-item="coops.new"' not in home


def test_keepers_find_the_pages_in_the_menu(county_admin, town_admin, chief):
    for user in (county_admin, town_admin, chief):
        home = client_of(user).get(reverse("accounts:home"), follow=True).content.decode()
        assert f'href="{reverse("coops:index")}" data-menu-item="coops.index"' in home
        assert 'data-menu-item="coops.new"' in home


MAX_QUERIES = 16


def own_queries(context) -> int:
    return sum(
        1 for q in context.captured_queries if "coops_" in q["sql"] or "areas_area" in q["sql"]
    )


def test_the_index_takes_a_bounded_number_of_queries(
    county_admin, rows, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(county_admin)
    client.get(reverse("coops:index"))  # the session and the menu's caches warm
    pages = ({}, {"town": TOWN}, {"village": VILLAGE})
    before = {}
    for params in pages:
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("coops:index"), params).status_code == 200
        before[str(params)] = own_queries(few)
    # Ten more cooperatives in as many villages, each with members and a distribution.
    villages = ["370830001005", "370830001006", "370830001008", "370830001009", "370830001010"]
    for n, village in enumerate(villages * 2):
        coop = coop_services.create_cooperative(
            actor=None, area_code=village, name=f"第{n}社", holding_cap=None, mode="by_shares"
        )
        member = member_services.add_member(
            actor=None, cooperative_id=coop.pk, kind="other", name=f"社员{n}", joined_on=DAY
        )
        member_services.contribute(
            actor=None,
            cooperative_id=coop.pk,
            member_id=member.pk,
            kind="money",
            amount="100",
            on=DAY,
        )
        distributions.approve_distribution(
            actor=None,
            distribution_id=distributions.run_distribution(
                actor=None, cooperative_id=coop.pk, year=2025, surplus="100.00"
            ).pk,
        )
    for params in pages:
        # The page's own queries (cooperatives, areas) do not grow with the rows; the
        # whole page stays under a fixed bound (the menu's badges are cached).
        with (
            django_assert_max_num_queries(MAX_QUERIES),
            CaptureQueriesContext(connection) as many,
        ):
            body = client.get(reverse("coops:index"), params).content.decode()
        assert own_queries(many) == before[str(params)], params
    body = client.get(reverse("coops:index")).content.decode()
    assert figures(body, TOWN)["cooperatives"] == "13"
    assert figures(body, TOWN)["payouts"] == "100400.00"


# --- a cooperative ----------------------------------------------------------------------------


def test_a_cooperative_shows_its_charter_board_and_records(chief, rows):
    nanmen = rows["nanmen"]
    coop_services.end_seat(actor=None, seat_id=rows["chair_seat"].pk, on=DAY, reason="换届")
    coop_services.appoint(
        actor=None, cooperative_id=nanmen.pk, role="chair", name="王新", on="2025-04-01"
    )
    body = client_of(chief).get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert 'id="coop-reserve">10%<' in body and 'id="coop-cap">20%<' in body
    assert 'id="coop-trading-share">60%<' in body
    assert 'id="coop-art44"' not in body
    current = body.split('id="board-current"')[1].split("</ul>")[0]
    assert "王新" in current and "李会计" in current and "张书记" not in current
    assert current.index("王新") < current.index("李会计")  # the chair first
    past = body.split('id="board-past"')[1]
    assert "张书记" in past and "换届" in past and "2025-03-01" in past
    assert reverse("coops:charter", args=[nanmen.pk]) in body
    assert reverse("coops:appoint", args=[nanmen.pk]) in body
    bakou = client_of(chief).get(reverse("coops:coop", args=[rows["bakou"].pk]))
    assert bakou.status_code == 404  # another village's, for the chief


def test_keepers_are_told_when_nobody_can_run_or_approve(chief, rows):
    nanmen, second = rows["nanmen"], rows["second"]
    client = client_of(chief)
    body = client.get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert "data-unstaffed" not in body  # an accountant and a chair with accounts
    body = client.get(reverse("coops:coop", args=[second.pk])).content.decode()
    assert 'data-unstaffed="accountant"' in body and 'data-unstaffed="chair"' in body
    # An accountant without an account runs nothing: still told.
    coop_services.appoint(
        actor=None, cooperative_id=second.pk, role="accountant", name="无账号", on=DAY
    )
    coop_services.appoint(
        actor=None,
        cooperative_id=second.pk,
        role="chair",
        name="有账号",
        user_id=account("second-chair").pk,
        on=DAY,
    )
    body = client.get(reverse("coops:coop", args=[second.pk])).content.decode()
    assert 'data-unstaffed="accountant"' in body and 'data-unstaffed="chair"' not in body
    # The accountant's seat of 南门合作社 ends: its keepers are told; its board is not.
    seat = nanmen.board.get(role="accountant")
    coop_services.end_seat(actor=None, seat_id=seat.pk, on=DAY, reason="调离")
    body = client.get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert 'data-unstaffed="accountant"' in body and 'data-unstaffed="chair"' not in body
    chair = client_of(rows["chair"])
    body = chair.get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert "data-unstaffed" not in body
    zh = client_of(chief, language="zh-hans").get(reverse("coops:coop", args=[nanmen.pk]))
    notice = zh.content.decode().split('data-unstaffed="accountant">')[1].split("</div>")[0]
    assert CJK.search(notice)


def test_by_shares_shows_the_art44_warning(town_admin, rows):
    body = client_of(town_admin).get(reverse("coops:coop", args=[rows["bakou"].pk]))
    body = body.content.decode()
    assert 'id="coop-art44"' in body and 'data-mode="by_shares"' in body
    assert 'id="coop-cap">' in body and 'id="coop-reserve">5%<' in body
    # In Chinese, as the county reads it (the template's "60%" included).
    zh = client_of(town_admin, language="zh-hans").get(
        reverse("coops:coop", args=[rows["bakou"].pk])
    )
    warning = zh.content.decode().split('id="coop-art44">')[1].split("</div>")[0]
    assert "第四十四条" in warning and "60%" in warning and "60%%" not in warning


# --- the keepers' forms -----------------------------------------------------------------------


TERMS = {
    "reserve_rate": "10",
    "holding_cap": "20",
    "mode": "statutory",
    "trading_share": "60",
    "shares_per_yuan": "1",
    "shares_per_mu": "8000",
    "shares_per_labour_day": "100",
}


def test_a_town_creates_a_cooperative(town_admin, tree):
    client = client_of(town_admin)
    url = reverse("coops:coop-new")
    assert client.get(url).status_code == 200
    data = {**TERMS, "area_code": "370830001005", "name": "路街合作社", "reserve_rate": "7.5"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    coop = Cooperative.objects.get(name="路街合作社")
    assert response["Location"] == reverse("coops:coop", args=[coop.pk])
    assert coop.area_code == "370830001005" and coop.reserve_rate == Decimal("0.075")
    assert coop.holding_cap == Decimal("0.2") and coop.trading_share == Decimal("0.6")
    assert AuditEntry.objects.filter(action="coops.create", actor=town_admin).count() == 1
    # The same name again in the village: the service's message on the name, in Chinese.
    zh = client_of(town_admin, language="zh-hans")
    response = zh.post(url, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["name"]
    assert CJK.search(error_of(response, "name"))
    assert Cooperative.objects.filter(name="路街合作社").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"holding_cap": "150"}, "holding_cap"),
        ({"reserve_rate": "100"}, "reserve_rate"),
        ({"trading_share": "50"}, "trading_share"),
        ({"area_code": OTHER_VILLAGE}, "area_code"),
        ({"area_code": TOWN}, "area_code"),
        ({"name": ""}, "name"),
        ({"credit_code": "123"}, "credit_code"),
        ({"shares_per_yuan": "100000001"}, "shares_per_yuan"),
        ({"shares_per_mu": "99999999999999999999"}, "shares_per_mu"),
        ({"shares_per_labour_day": "0"}, "shares_per_labour_day"),
    ],
)
def test_bad_input_on_create_is_shown_and_nothing_is_saved(town_admin, tree, change, field):
    client = client_of(town_admin, language="zh-hans")
    data = {**TERMS, "area_code": "370830001005", "name": "路街合作社", **change}
    response = client.post(reverse("coops:coop-new"), data)
    assert response.status_code == 400
    assert CJK.search(error_of(response, field)), response.context["form"].errors
    # What was typed is still there.
    assert response.context["form"]["name"].value() == data["name"]
    assert not Cooperative.objects.exists()


def test_a_chief_creates_only_in_their_village(chief, tree):
    client = client_of(chief)
    page = client.get(reverse("coops:coop-new")).content.decode()
    assert f'value="{VILLAGE}"' in page and f'value="{BAKOU}"' not in page
    response = client.post(
        reverse("coops:coop-new"), {**TERMS, "area_code": BAKOU, "name": "越界社"}
    )
    assert response.status_code == 400 and not Cooperative.objects.exists()
    response = client.post(
        reverse("coops:coop-new"), {**TERMS, "area_code": VILLAGE, "name": "南门新社"}
    )
    assert response.status_code == 302
    assert Cooperative.objects.get().area_code == VILLAGE


def test_the_charter_is_changed_through_its_page(chief, rows):
    nanmen = rows["nanmen"]
    client = client_of(chief)
    url = reverse("coops:charter", args=[nanmen.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["reserve_rate"].value() == Decimal("10.0")
    response = client.post(
        url, {**TERMS, "holding_cap": "150", "mode": "by_shares", "reserve_rate": "5"}
    )
    assert response.status_code == 400
    assert "holding_cap" in response.context["form"].errors
    nanmen.refresh_from_db()
    assert nanmen.mode == "statutory" and nanmen.reserve_rate == Decimal("0.100")
    assert response.context["form"]["mode"].value() == "by_shares"  # nothing lost
    response = client.post(
        url, {**TERMS, "holding_cap": "", "mode": "by_shares", "reserve_rate": "5"}
    )
    assert response.status_code == 302
    nanmen.refresh_from_db()
    assert nanmen.mode == "by_shares" and nanmen.reserve_rate == Decimal("0.050")
    assert nanmen.holding_cap is None
    # A huge number of shares a unit: the field's error, nothing saved.
    for field in ("shares_per_yuan", "shares_per_mu", "shares_per_labour_day"):
        response = client.post(url, {**TERMS, field: str(10**8 + 1)})
        assert response.status_code == 400 and field in response.context["form"].errors
    saved = {**TERMS, "holding_cap": "", "mode": "by_shares", "reserve_rate": "5"}
    response = client.post(url, {**saved, "shares_per_mu": str(10**8)})
    assert response.status_code == 302
    nanmen.refresh_from_db()
    assert nanmen.shares_per_mu == 10**8 and nanmen.shares_per_yuan == 1
    entries = AuditEntry.objects.filter(action="coops.charter")
    assert entries.count() == 2 and {entry.actor for entry in entries} == {chief}
    body = client.get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert 'id="coop-art44"' in body and 'id="coop-reserve">5%<' in body
    # Another town's cooperative: not found, unchanged.
    foreign = rows["foreign"]
    assert client.post(reverse("coops:charter", args=[foreign.pk]), TERMS).status_code == 404


def test_the_board_through_its_pages(chief, rows):
    nanmen = rows["nanmen"]
    client = client_of(chief, language="zh-hans")
    url = reverse("coops:appoint", args=[nanmen.pk])
    assert client.get(url).status_code == 200
    before = BoardSeat.objects.count()
    # A second chair: the service's message on the role, nothing written.
    response = client.post(url, {"role": "chair", "name": "李四", "on": "2025-05-01"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["role"]
    assert CJK.search(error_of(response, "role"))
    assert response.context["form"]["name"].value() == "李四"
    # An account outside the chief's areas is not found.
    response = client.post(
        url, {"role": "board", "name": "王五", "username": "outsider", "on": "2025-05-01"}
    )
    assert response.status_code == 400 and "username" in response.context["form"].errors
    assert BoardSeat.objects.count() == before
    supervisor = account("coop-supervisor")
    response = client.post(
        url,
        {
            "role": "supervisor",
            "name": "赵监事",
            "username": supervisor.username,
            "on": "2025-05-01",
        },
    )
    assert response.status_code == 302
    seat = BoardSeat.objects.get(name="赵监事")
    assert seat.user == supervisor and seat.role == "supervisor" and seat.left_on is None
    # Ending it: a confirmation page, a date before the seat began refused, then ended.
    end = reverse("coops:seat-end", args=[seat.pk])
    page = client.get(end).content.decode()
    assert "data-confirm=" in page and 'id="seat-end-form"' in page
    response = client.post(end, {"on": "2025-04-01", "reason": "辞职"})
    assert response.status_code == 400 and "on" in response.context["form"].errors
    seat.refresh_from_db()
    assert seat.left_on is None
    response = client.post(end, {"on": "2025-06-01", "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    response = client.post(end, {"on": "2025-06-01", "reason": "辞职"})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert str(seat.left_on) == "2025-06-01" and seat.left_reason == "辞职"
    # Once ended, not again.
    response = client.post(end, {"on": "2025-07-01", "reason": "再次"})
    assert response.status_code == 400
    seat.refresh_from_db()
    assert seat.left_reason == "辞职"
    body = client.get(reverse("coops:coop", args=[nanmen.pk])).content.decode()
    assert "赵监事" in body.split('id="board-past"')[1]


def test_seats_of_another_town_are_not_found(chief, rows):
    foreign = rows["foreign"]
    seat = coop_services.appoint(
        actor=None, cooperative_id=foreign.pk, role="chair", name="外镇理事长", on=DAY
    )
    client = client_of(chief)
    end = reverse("coops:seat-end", args=[seat.pk])
    assert client.get(end).status_code == 404
    assert client.post(end, {"on": "2025-06-01", "reason": "x"}).status_code == 404
    url = reverse("coops:appoint", args=[foreign.pk])
    assert client.post(url, {"role": "board", "name": "x", "on": "2025-06-01"}).status_code == 404
    seat.refresh_from_db()
    assert seat.left_on is None and BoardSeat.objects.filter(cooperative=foreign).count() == 1
