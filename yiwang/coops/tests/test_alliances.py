"""The alliances (联合社) of a town's cooperatives: the services (create, rename, put a
cooperative in or out) with every bad input refused and nothing written, who may do what
(county admin, the town's admin, another town's admin, the village's chief, a grid
worker), the alliance's page with its cooperatives' figures checked against the rows, and
the links to it from the roll-up and a cooperative's page."""

import re
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, OTHER_TOWN, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.coops.models import (
    Alliance,
    Contribution,
    Cooperative,
    Distribution,
    Member,
)
from yiwang.coops.services import alliances as services
from yiwang.coops.services import coops as coop_services
from yiwang.coops.services import distributions
from yiwang.coops.services import members as member_services
from yiwang.coops.tests import builders
from yiwang.coops.tests.rows_coops import BAKOU, JOINED, build
from yiwang.core.audit import AuditEntry, action_label

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
def other_town_admin(tree):
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(
        actor=None, username="other-town", password="Yiwang-test-2026", full_name="外镇管理员"
    )
    grant_post(actor=None, user=user, role="town_admin", area_code=OTHER_TOWN)
    return user


@pytest.fixture
def cast(personas, other_town_admin):
    return {**personas, "other_town": other_town_admin}


def census():
    """Every alliance, every cooperative's alliance and the alliances' audit entries."""
    return (
        list(Alliance.objects.order_by("pk").values_list("pk", "area_code", "name")),
        list(Cooperative.objects.order_by("pk").values_list("pk", "alliance_id")),
        AuditEntry.objects.filter(action__contains="alliance").count(),
    )


# --- creating ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["county", "town"])
def test_it_creates_a_towns_alliance_audited(cast, who):
    actor = cast[who]
    alliance = services.create_alliance(actor=actor, area_code=TOWN, name="  中都联合社 ")
    assert (alliance.area_code, alliance.name) == (TOWN, "中都联合社")
    entry = AuditEntry.objects.get(action="coops.alliance_create")
    assert (entry.actor, entry.object_id, entry.area_code) == (actor, str(alliance.pk), TOWN)
    assert entry.after == {"name": "中都联合社"}
    assert action_label("coops.alliance_create") != "coops.alliance_create"


@pytest.mark.parametrize(
    "who, refusal",
    [
        ("other_town", Http404),  # a town outside their areas: as if it did not exist
        ("chief", PermissionDenied),  # keeps the village's cooperative, not the town's alliance
        ("worker", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_only_the_county_and_the_towns_admins_create_it(cast, who, refusal):
    before = census()
    with pytest.raises(refusal):
        services.create_alliance(actor=cast[who], area_code=TOWN, name="中都联合社")
    assert census() == before


@pytest.mark.parametrize("code", [VILLAGE, COUNTY, UNIT, "370830999", "", None, "x"])
def test_it_belongs_to_a_town(county_admin, code):
    before = census()
    with pytest.raises(ValidationError) as raised:
        services.create_alliance(actor=county_admin, area_code=code, name="某联合社")
    assert set(raised.value.message_dict) == {"area_code"}
    assert census() == before


@pytest.mark.parametrize("name", ["", "   ", None, "联" * 101])
def test_it_needs_a_name_of_at_most_100_characters(county_admin, name):
    before = census()
    with pytest.raises(ValidationError) as raised:
        services.create_alliance(actor=county_admin, area_code=TOWN, name=name)
    assert set(raised.value.message_dict) == {"name"}
    assert census() == before
    assert services.create_alliance(actor=county_admin, area_code=TOWN, name="联" * 100)


def test_a_town_has_one_alliance_and_a_name_is_taken_once(county_admin):
    services.create_alliance(actor=county_admin, area_code=TOWN, name="中都联合社")
    before = census()
    with pytest.raises(ValidationError) as raised:
        services.create_alliance(actor=county_admin, area_code=TOWN, name="中都第二联合社")
    assert set(raised.value.message_dict) == {"area_code"}
    with pytest.raises(ValidationError) as raised:
        services.create_alliance(actor=county_admin, area_code=OTHER_TOWN, name="中都联合社")
    assert set(raised.value.message_dict) == {"name"}
    assert census() == before


def test_the_database_holds_one_alliance_a_town_too(county_admin):
    """A write that bypasses the service still cannot give a town a second alliance."""
    services.create_alliance(actor=county_admin, area_code=TOWN, name="中都联合社")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alliance.objects.create(area_code=TOWN, name="中都第二联合社")
    assert Alliance.objects.filter(area_code=TOWN).count() == 1


def test_the_refusals_are_said_in_chinese(county_admin, chief):
    with translation.override("zh-hans"):
        for kwargs, actor in (
            ({"area_code": VILLAGE, "name": "某联合社"}, county_admin),
            ({"area_code": TOWN, "name": ""}, county_admin),
            ({"area_code": TOWN, "name": "联" * 101}, county_admin),
            ({"area_code": TOWN, "name": "中都联合社"}, chief),
        ):
            with pytest.raises((ValidationError, PermissionDenied)) as raised:
                services.create_alliance(actor=actor, **kwargs)
            error = raised.value
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            assert CJK.search(text), text


# --- renaming ---------------------------------------------------------------------------------


@pytest.fixture
def rows(tree):
    return build()


@pytest.fixture
def alliance(rows):
    """中都街道's alliance with 南门合作社 in it (so the village's chief reads it)."""
    found = services.create_alliance(actor=None, area_code=TOWN, name="中都联合社")
    services.set_alliance(actor=None, cooperative_id=rows["nanmen"].pk, alliance_id=found.pk)
    return found


def test_it_renames_the_alliance_audited(town_admin, alliance):
    services.rename_alliance(actor=town_admin, alliance_id=alliance.pk, name="中都街道联合社")
    alliance.refresh_from_db()
    assert alliance.name == "中都街道联合社"
    entry = AuditEntry.objects.get(action="coops.alliance_rename")
    assert entry.before == {"name": "中都联合社"} and entry.after == {"name": "中都街道联合社"}
    # The same name again: nothing written.
    services.rename_alliance(actor=town_admin, alliance_id=alliance.pk, name="中都街道联合社")
    assert AuditEntry.objects.filter(action="coops.alliance_rename").count() == 1


@pytest.mark.parametrize("name", ["", "  ", "联" * 101, "汶上联合社"])
def test_a_bad_new_name_changes_nothing(county_admin, alliance, name):
    services.create_alliance(actor=None, area_code=OTHER_TOWN, name="汶上联合社")
    before = census()
    with pytest.raises(ValidationError) as raised:
        services.rename_alliance(actor=county_admin, alliance_id=alliance.pk, name=name)
    assert set(raised.value.message_dict) == {"name"}
    assert census() == before


@pytest.mark.parametrize(
    "who, outcome",
    [
        ("county", None),
        ("town", None),
        ("other_town", Http404),
        ("chief", PermissionDenied),  # reads it through the village's cooperative
        ("worker", Http404),  # reads no cooperative in it
        ("outsider", Http404),
    ],
)
def test_who_renames_it(cast, alliance, who, outcome):
    before = census()
    if outcome is None:
        services.rename_alliance(actor=cast[who], alliance_id=alliance.pk, name="新名联合社")
        assert Alliance.objects.get(pk=alliance.pk).name == "新名联合社"
        return
    with pytest.raises(outcome):
        services.rename_alliance(actor=cast[who], alliance_id=alliance.pk, name="新名联合社")
    assert census() == before


def test_an_unknown_alliance_is_not_found(county_admin, alliance):
    for alliance_id in (alliance.pk + 1000, "x", None):
        with pytest.raises(Http404):
            services.rename_alliance(actor=county_admin, alliance_id=alliance_id, name="新名")


# --- a cooperative's alliance -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, outcome",
    [
        ("county", None),
        ("town", None),
        ("chief", None),  # keeps the village's cooperative
        ("other_town", Http404),
        ("worker", Http404),
        ("outsider", Http404),
    ],
)
def test_who_puts_a_cooperative_in_its_towns_alliance(cast, rows, alliance, who, outcome):
    second = rows["second"]
    before = census()
    if outcome is None:
        services.set_alliance(actor=cast[who], cooperative_id=second.pk, alliance_id=alliance.pk)
        assert Cooperative.objects.get(pk=second.pk).alliance_id == alliance.pk
        entry = AuditEntry.objects.filter(action="coops.set_alliance").latest("pk")
        assert entry.object_id == str(second.pk)
        assert entry.before == {"alliance": None} and entry.after == {"alliance": "中都联合社"}
        return
    with pytest.raises(outcome):
        services.set_alliance(actor=cast[who], cooperative_id=second.pk, alliance_id=alliance.pk)
    assert census() == before


def test_a_cooperative_joins_only_its_own_towns_alliance_and_leaves_it(chief, rows, alliance):
    foreign = services.create_alliance(actor=None, area_code=OTHER_TOWN, name="汶上联合社")
    nanmen = rows["nanmen"]
    before = census()
    for alliance_id in (foreign.pk, alliance.pk + 1000, "x"):
        with pytest.raises(ValidationError) as raised:
            services.set_alliance(actor=chief, cooperative_id=nanmen.pk, alliance_id=alliance_id)
        assert set(raised.value.message_dict) == {"alliance_id"}
    # Already in it: nothing written.
    services.set_alliance(actor=chief, cooperative_id=nanmen.pk, alliance_id=alliance.pk)
    assert census() == before
    services.set_alliance(actor=chief, cooperative_id=nanmen.pk, alliance_id=None)
    assert Cooperative.objects.get(pk=nanmen.pk).alliance_id is None
    entry = AuditEntry.objects.filter(action="coops.set_alliance").latest("pk")
    assert entry.before == {"alliance": "中都联合社"} and entry.after == {"alliance": None}


# --- the alliance's page ----------------------------------------------------------------------


def coop_rows(body: str) -> dict:
    """{cooperative id: {figure: text}} of the page's table, and "total"."""
    found = {}
    for key, cells in re.findall(r'<tr data-coop="(\d+)">(.*?)</tr>', body, re.S):
        found[int(key)] = _cells(cells)
    total = re.search(r'<tr class="fw-semibold" id="alliance-total">(.*?)</tr>', body, re.S)
    if total:
        found["total"] = _cells(total.group(1))
    return found


def _cells(html: str) -> dict:
    """{figure: the text of the element that names it}."""
    out = {}
    pattern = r'data-figure="(\w+)"[^>]*>(.*?)</(?:td|th|a|div|span)>'
    for figure, inner in re.findall(pattern, html, re.S):
        out[figure] = re.sub(r"<[^>]+>", "", inner).strip().replace(",", "")
    return out


def expected(coop) -> dict:
    """A cooperative's figures worked out here from its rows, one by one."""
    members = [m for m in Member.objects.filter(cooperative=coop) if m.left_on is None]
    capital = sum(
        (
            c.amount
            for c in Contribution.objects.filter(cooperative=coop)
            if c.kind in ("money", "assets")
        ),
        Decimal("0"),
    )
    finals = [d for d in Distribution.objects.filter(cooperative=coop) if d.status == "final"]
    latest = max(finals, key=lambda d: d.year) if finals else None
    return {
        "members": len(members),
        "shares": sum(m.shares for m in members),
        "capital": capital,
        "year": latest.year if latest else None,
        "payout": latest.distributable if latest else None,
    }


@pytest.fixture
def whole(rows, alliance):
    """The alliance with 南门合作社, 南门二社 (no member) and 坝口合作社."""
    for key in ("second", "bakou"):
        services.set_alliance(actor=None, cooperative_id=rows[key].pk, alliance_id=alliance.pk)
    return alliance


def test_the_page_shows_each_cooperatives_figures_and_their_total(town_admin, rows, whole):
    response = client_of(town_admin).get(reverse("coops:alliance", args=[whole.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    shown = coop_rows(body)
    coops = [rows["nanmen"], rows["second"], rows["bakou"]]
    assert set(shown) == {c.pk for c in coops} | {"total"}
    villages = dict(Area.objects.filter(code__in=[VILLAGE, BAKOU]).values_list("code", "name"))
    for coop in coops:
        want, row = expected(coop), shown[coop.pk]
        assert row["name"] == coop.name
        assert row["village"] == villages[coop.area_code]
        assert int(row["members"]) == want["members"]
        assert int(row["shares"]) == want["shares"]
        assert Decimal(row["capital"]) == want["capital"]
        if want["year"] is None:
            assert row["year"] == row["payout"] == "—"
        else:
            assert int(row["year"]) == want["year"]
            assert Decimal(row["payout"]) == want["payout"]
    # The same figures as the rows say (rows_coops): 南门合作社 3 members, 80,000 shares,
    # 70,000 yuan, 2025's 90,000; 坝口合作社 1, 5,000, 5,000, 2025's 9,500.
    assert shown[rows["nanmen"].pk]["payout"] == "90000.00"
    total = shown["total"]
    assert re.match(r"3\D", total.pop("cooperatives"))
    assert total == {
        "members": "4",
        "shares": "85000",
        "capital": "75000.00",
        "year": "2025",
        "payout": "99500.00",
    }
    # Each name opens the cooperative, each payout its distribution; names, not codes.
    assert f'href="{reverse("coops:coop", args=[rows["nanmen"].pk])}"' in body
    assert f'href="{reverse("coops:distribution", args=[rows["latest"].pk])}"' in body
    assert f">{VILLAGE}<" not in body and f">{TOWN}<" not in body
    assert 'class="table-responsive"' in body
    assert 'id="alliance-rename"' in body


def test_a_board_member_without_a_post_reads_it_and_its_links_open(rows, whole):
    """南门合作社's accountant holds no post: the alliance's page opens through the seat,
    with their cooperative alone in it, and every roll-up it links to opens for them."""
    accountant = client_of(rows["accountant"])
    response = accountant.get(reverse("coops:alliance", args=[whole.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert set(coop_rows(body)) == {rows["nanmen"].pk, "total"}
    links = set(re.findall(r'href="(/coops/\?town=[^"]*)"', body))
    assert links == {f"/coops/?town={TOWN}"}
    for link in links:
        assert accountant.get(link.replace("&amp;", "&")).status_code == 200


def test_payouts_of_different_years_are_not_added_up(town_admin, rows, whole):
    """南门二社's only distribution is 2024's: no total of 2024's and 2025's."""
    second = rows["second"]
    collective = member_services.add_member(
        actor=None, cooperative_id=second.pk, kind="collective", joined_on=JOINED
    )
    member_services.contribute(
        actor=None,
        cooperative_id=second.pk,
        member_id=collective.pk,
        kind="assets",
        amount="1000",
        on=JOINED,
    )
    member_services.record_trading(
        actor=None,
        cooperative_id=second.pk,
        member_id=collective.pk,
        year=2024,
        produce_sold="100",
        services_bought="0",
    )
    distributions.approve_distribution(
        actor=None,
        distribution_id=distributions.run_distribution(
            actor=None, cooperative_id=second.pk, year=2024, surplus="2000.00"
        ).pk,
    )
    body = client_of(town_admin).get(reverse("coops:alliance", args=[whole.pk])).content.decode()
    shown = coop_rows(body)
    assert shown[second.pk]["year"] == "2024" and shown[second.pk]["payout"] == "1800.00"
    assert shown["total"]["payout"] == "—" and shown["total"]["year"] == "—"
    assert 'id="alliance-years"' in body


def test_the_villages_chief_sees_their_own_villages_cooperatives_alone(chief, rows, whole):
    body = client_of(chief).get(reverse("coops:alliance", args=[whole.pk])).content.decode()
    shown = coop_rows(body)
    assert set(shown) == {rows["nanmen"].pk, rows["second"].pk, "total"}
    assert shown["total"]["members"] == "3"
    assert 'id="alliance-rename"' not in body


@pytest.mark.parametrize("who", ["other_town", "worker", "outsider"])
def test_the_page_is_not_found_outside_the_scope(cast, whole, who):
    client = client_of(cast[who])
    assert client.get(reverse("coops:alliance", args=[whole.pk])).status_code == 404
    before = census()
    url = reverse("coops:alliance-rename", args=[whole.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "越权"}).status_code == 404
    assert census() == before


def test_the_page_takes_as_many_queries_for_many_cooperatives(
    town_admin, rows, whole, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(town_admin)
    url = reverse("coops:alliance", args=[whole.pk])
    client.get(url)  # the session and the menu's caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n, village in enumerate(["370830001005", "370830001006", "370830001008"] * 2):
        coop = coop_services.create_cooperative(
            actor=None,
            area_code=village,
            name=f"第{n}社",
            alliance_id=whole.pk,
            holding_cap=None,
        )
        member = member_services.add_member(
            actor=None, cooperative_id=coop.pk, kind="other", name=f"社员{n}", joined_on=JOINED
        )
        member_services.contribute(
            actor=None,
            cooperative_id=coop.pk,
            member_id=member.pk,
            kind="money",
            amount="100",
            on=JOINED,
        )
    with (
        django_assert_max_num_queries(len(few.captured_queries)),
        CaptureQueriesContext(connection) as many,
    ):
        body = client.get(url).content.decode()
    assert len(coop_rows(body)) == 3 + 6 + 1
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the forms ---------------------------------------------------------------------------------


def test_a_town_admin_creates_the_towns_alliance_from_the_form(town_admin, rows):
    client = client_of(town_admin)
    url = reverse("coops:alliance-new")
    assert client.get(url, {"town": TOWN}).status_code == 200
    before = census()
    response = client.post(url, {"area_code": TOWN, "name": ""})
    assert response.status_code == 400 and 'id="id_name_errors"' in response.content.decode()
    response = client.post(url, {"area_code": OTHER_TOWN, "name": "越界联合社"})
    assert response.status_code == 400 and 'id="id_area_code_errors"' in response.content.decode()
    assert census() == before
    response = client.post(url, {"area_code": TOWN, "name": "中都联合社"}, follow=True)
    created = Alliance.objects.get(area_code=TOWN)
    assert response.redirect_chain == [(reverse("coops:alliance", args=[created.pk]), 302)]
    assert created.name == "中都联合社"
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    # A second one for the town: the error on the town, nothing written.
    before = census()
    response = client.post(url, {"area_code": TOWN, "name": "又一个联合社"})
    assert response.status_code == 400 and 'id="id_area_code_errors"' in response.content.decode()
    assert census() == before


@pytest.mark.parametrize("who", ["chief", "worker", "outsider"])
def test_the_form_is_forbidden_to_who_keeps_no_alliance(cast, who):
    client = client_of(cast[who])
    url = reverse("coops:alliance-new")
    before = census()
    assert client.get(url).status_code == 403
    assert client.post(url, {"area_code": TOWN, "name": "中都联合社"}).status_code == 403
    assert census() == before


def test_the_rename_form(town_admin, chief, alliance):
    url = reverse("coops:alliance-rename", args=[alliance.pk])
    assert client_of(chief).get(url).status_code == 403
    client = client_of(town_admin)
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": " "})
    assert response.status_code == 400
    assert Alliance.objects.get(pk=alliance.pk).name == "中都联合社"
    response = client.post(url, {"name": "中都街道联合社"})
    assert response.status_code == 302
    assert response["Location"] == reverse("coops:alliance", args=[alliance.pk])
    assert Alliance.objects.get(pk=alliance.pk).name == "中都街道联合社"


def test_the_chief_puts_the_villages_cooperative_in_the_alliance(chief, rows, alliance):
    second = rows["second"]
    client = client_of(chief)
    url = reverse("coops:coop-alliance", args=[second.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"alliance": alliance.pk})
    assert response.status_code == 302
    assert Cooperative.objects.get(pk=second.pk).alliance_id == alliance.pk
    response = client.post(url, {"alliance": ""})
    assert response.status_code == 302
    assert Cooperative.objects.get(pk=second.pk).alliance_id is None


# --- the ways in -------------------------------------------------------------------------------


def test_the_roll_up_and_the_cooperative_link_to_the_alliance(
    county_admin, town_admin, chief, rows, alliance
):
    url = reverse("coops:alliance", args=[alliance.pk])
    # The county's towns: the town's row.
    body = client_of(county_admin).get(reverse("coops:index")).content.decode()
    row = re.search(rf'<tr data-row="{TOWN}">(.*?)</tr>', body, re.S).group(1)
    assert f'href="{url}"' in row
    other = re.search(rf'<tr data-row="{OTHER_TOWN}">(.*?)</tr>', body, re.S).group(1)
    assert "data-alliance" not in other
    # A town's villages: over them.
    body = client_of(town_admin).get(reverse("coops:index")).content.decode()
    assert f'id="coops-alliance" data-alliance="{alliance.pk}"' in body
    assert f'href="{url}"' in body
    # The chief opens the town from the village.
    body = client_of(chief).get(reverse("coops:index"), {"town": TOWN}).content.decode()
    assert f'href="{url}"' in body
    # A cooperative in it links to it; one outside it does not.
    body = client_of(chief).get(reverse("coops:coop", args=[rows["nanmen"].pk])).content.decode()
    assert f'<a href="{url}" data-alliance="{alliance.pk}"' in body
    assert 'id="coop-alliance-edit"' in body
    body = client_of(chief).get(reverse("coops:coop", args=[rows["second"].pk])).content.decode()
    assert "data-alliance" not in body


def test_a_town_without_an_alliance_offers_one_to_its_keepers(town_admin, chief, rows):
    body = client_of(town_admin).get(reverse("coops:index")).content.decode()
    new_url = reverse("coops:alliance-new") + f"?town={TOWN}"
    assert f'href="{new_url}" id="coops-alliance-new"' in body
    home = client_of(town_admin).get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="coops.alliance_new"' in home
    body = client_of(chief).get(reverse("coops:index"), {"town": TOWN}).content.decode()
    assert 'id="coops-alliance-new"' not in body
    home = client_of(chief).get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="coops.alliance_new"' not in home


def test_the_other_towns_alliance_stays_out_of_the_roll_up(town_admin, rows, alliance):
    services.create_alliance(actor=None, area_code=OTHER_TOWN, name="汶上联合社")
    body = client_of(town_admin).get(reverse("coops:index")).content.decode()
    assert "汶上联合社" not in body and OTHER_VILLAGE not in body
