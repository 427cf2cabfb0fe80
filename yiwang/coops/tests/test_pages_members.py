"""The members' pages: who reads and who keeps them (keepers, the board, the unrelated),
adding members from the village's ledger, contributions turned into shares (the holding
cap refusing one and changing nothing), withdrawals behind a confirmation, the register's
dated history, the public notice with masked names, the trading by year and its XLSX
import (all or nothing)."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.services import create_user
from yiwang.coops import trading_xlsx
from yiwang.coops.models import Contribution, Member, ShareChange, Trading
from yiwang.coops.services import coops, members
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import client_of
from yiwang.coops.tests.member_rows import DAY, cooperative, household, state, with_members

pytestmark = pytest.mark.django_db


def num(value) -> str:
    """A number as the Chinese page shows it (grouped or not, as the locale says)."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    with translation.override("zh-hans"):
        return intcomma(value)


def zh(text, **values) -> str:
    """A message as the Chinese page shows it."""
    with translation.override("zh-hans"):
        message = translation.gettext(text)
    return message % values if values else message


@pytest.fixture
def coop(tree):
    return cooperative(VILLAGE)


@pytest.fixture
def rows(coop):
    return with_members(coop, UNIT)


@pytest.fixture
def board_member(coop):
    """The cooperative's accountant: on its board, holding no post of the grid."""
    user = create_user(
        actor=None, username="coop-accountant", password="Yiwang-test-2026", full_name="李会计"
    )
    coops.appoint(
        actor=None,
        cooperative_id=coop.pk,
        role="accountant",
        name="李会计",
        user_id=user.pk,
        on=DAY,
    )
    return user


READ_PAGES = ("members", "register", "published", "trading")
KEEP_PAGES = ("member-new", "trading-import")
MEMBER_READ = ("member",)
MEMBER_KEEP = ("contribute", "withdraw")


def _urls(coop, member):
    return {
        **{name: reverse(f"coops:{name}", args=[coop.pk]) for name in READ_PAGES + KEEP_PAGES},
        **{name: reverse(f"coops:{name}", args=[member.pk]) for name in MEMBER_READ + MEMBER_KEEP},
    }


def test_keepers_read_and_keep_the_board_reads_the_unrelated_find_nothing(
    personas, coop, rows, board_member
):
    _collective, a, _b, _c = rows
    urls = _urls(coop, a)
    keep = set(KEEP_PAGES + MEMBER_KEEP)
    for who in ("county", "town", "chief"):
        client = client_of(personas[who])
        for name, url in urls.items():
            assert client.get(url).status_code == 200, (who, name)
    client = client_of(board_member)
    for name, url in urls.items():
        assert client.get(url).status_code == (403 if name in keep else 200), name
    for who in ("worker", "outsider"):
        client = client_of(personas[who])
        for name, url in urls.items():
            assert client.get(url).status_code == 404, (who, name)
    # A board member may not write either: 403, nothing changed.
    before = state(coop)
    response = client_of(board_member).post(
        urls["contribute"],
        {"uuid": "5d2b1c52-4f7e-4d39-8d0a-0c5a1b2c3d4e", "kind": "money", "amount": "10"}
        | {"on": "2025-04-01", "confirm": "1"},
    )
    assert response.status_code == 403 and state(coop) == before


def test_members_with_their_share_of_all_shares_filtered_and_searched(chief, coop, rows):
    collective, a, b, c = rows
    client = client_of(chief)
    url = reverse("coops:members", args=[coop.pk])
    body = client.get(url).content.decode()
    # 60,000 + 10,000 + 20,000 + 10,000 = 100,000 shares.
    for member, percent in ((collective, "60.00%"), (a, "10.00%"), (b, "20.00%"), (c, "10.00%")):
        row = body.split(f'id="member-{member.pk}"')[1].split("</tr>")[0]
        assert percent in row and reverse("coops:member", args=[member.pk]) in row
    assert "王建国" in body and "李秀英" in body  # full names for who reads the cooperative
    body = client.get(url, {"kind": "household"}).content.decode()
    assert f'id="member-{a.pk}"' in body and f'id="member-{b.pk}"' in body
    assert f'id="member-{c.pk}"' not in body and f'id="member-{collective.pk}"' not in body
    body = client.get(url, {"search": "德山"}).content.decode()
    assert f'id="member-{c.pk}"' in body and f'id="member-{a.pk}"' not in body
    # The page reads the API's filterset: a filter it cannot read is refused, not dropped.
    refused = client.get(url, {"kind": "elder"})
    assert refused.status_code == 400 and "elder" in refused.content.decode()


def test_a_household_is_picked_from_the_village_ledger(chief, coop):
    home = household(UNIT, "017", "孙桂芝")
    client = client_of(chief)
    url = reverse("coops:member-new", args=[coop.pk])
    body = client.get(url, {"q": "桂芝"}).content.decode()
    assert f'id="hit-{home.pk}"' in body and f"household={home.pk}" in body
    assert f'id="hit-{home.pk}"' in client.get(url, {"q": "017"}).content.decode()
    page = client.get(url, {"household": home.pk})
    assert page.context["form"]["household"].value() == home.pk
    response = client.post(
        url, {"kind": "household", "household": home.pk, "joined_on": "2025-05-01"}
    )
    assert response.status_code == 302
    member = Member.objects.get(cooperative=coop, household=home)
    assert response["Location"] == reverse("coops:member", args=[member.pk])
    assert member.name == "孙桂芝" and member.joined_on == datetime.date(2025, 5, 1)
    # Once a member, the search says so and offers no link to pick it again.
    body = client.get(url, {"q": "017"}).content.decode()
    assert f"household={home.pk}" not in body
    # Another member by name, and the collective.
    client.post(url, {"kind": "other", "name": "周大伟", "joined_on": "2025-05-02"})
    client.post(url, {"kind": "collective", "joined_on": "2025-05-02"})
    assert set(coop.members.values_list("kind", flat=True)) == {"household", "other", "collective"}


def test_a_household_of_another_village_is_refused_with_the_reason(county_admin, coop):
    foreign = household(OTHER_UNIT, "外001", "王美兰")
    client = client_of(county_admin)  # sees both villages
    response = client.post(
        reverse("coops:member-new", args=[coop.pk]),
        {"kind": "household", "household": foreign.pk, "joined_on": "2025-05-01"},
    )
    assert response.status_code == 400
    assert zh("Not a household of this village.") in response.content.decode()
    assert not Member.objects.filter(cooperative=coop).exists()
    # Not found by the village's search either.
    body = client.get(reverse("coops:member-new", args=[coop.pk]), {"q": "外001"}).content.decode()
    assert f'id="hit-{foreign.pk}"' not in body


def test_land_is_turned_into_shares_at_the_charters_rate(chief, coop, rows):
    _collective, a, _b, _c = rows
    client = client_of(chief)
    url = reverse("coops:contribute", args=[a.pk])
    page = client.get(url)
    rates = page.content.decode().split('id="rate-land"')[1].split("</li>")[0]
    assert num(8000) in rates
    data = {
        "uuid": page.context["form"]["uuid"].value(),
        "kind": "land",
        "area_mu": "0.5",
        "on": "2025-06-01",
        "note": "东坡地",
    }
    before = state(coop)
    review = client.post(url, data)
    assert review.status_code == 200
    assert 'data-shares="4000"' in review.content.decode()  # 0.5 mu × 8,000
    assert state(coop) == before  # the review changes nothing
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("coops:member", args=[a.pk])
    land = Contribution.objects.get(member=a, kind="land")
    assert (land.area_mu, land.shares, land.on) == (D("0.50"), 4000, datetime.date(2025, 6, 1))
    assert Member.objects.get(pk=a.pk).shares == 14000
    # The same form sent twice (its uuid) records it once.
    client.post(url, {**data, "confirm": "1"})
    assert Contribution.objects.filter(member=a, kind="land").count() == 1
    body = client.get(response["Location"]).content.decode()
    assert f'id="contribution-{land.pk}"' in body and num(14000) in body


def test_the_holding_cap_refuses_a_contribution_and_nothing_changes(chief, coop, rows):
    _collective, _a, b, _c = rows  # B holds exactly the cap: 20,000 of 100,000
    before = state(coop)
    response = client_of(chief).post(
        reverse("coops:contribute", args=[b.pk]),
        {
            "uuid": "2f0a9c1e-8b5d-4f3a-9e7c-1d2b3c4d5e6f",
            "kind": "money",
            "amount": "100",
            "on": "2025-06-01",
            "confirm": "1",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    expected = zh(
        "No member may hold more than %(cap)s%% of all shares (the charter's cap): "
        "after this, %(name)s would hold %(shares)d of %(total)d shares, at most "
        "%(most)d allowed.",
        cap="20",
        name="李秀英",
        shares=20100,
        total=100100,
        most=20020,
    )
    assert expected in body and 'class="alert alert-danger"' in body
    assert state(coop) == before


def test_a_withdrawal_is_confirmed_before_it_is_recorded(chief, coop, rows):
    _collective, a, _b, _c = rows
    client = client_of(chief)
    url = reverse("coops:withdraw", args=[a.pk])
    data = {"shares": "4500", "on": "2025-07-01", "reason": "退出部分股金"}
    before = state(coop)
    review = client.post(url, data)
    assert review.status_code == 200 and 'id="withdraw-confirm-form"' in review.content.decode()
    assert state(coop) == before
    assert client.post(url, {**data, "shares": "10001", "confirm": "1"}).status_code == 400
    assert state(coop) == before
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    change = ShareChange.objects.filter(member=a).latest("pk")
    assert (change.delta, change.balance, change.reason) == (-4500, 5500, "退出部分股金")
    assert Member.objects.get(pk=a.pk).shares == 5500


def test_a_member_leaving_is_confirmed_then_hands_back_the_shares(chief, coop, rows):
    collective, a, _b, _c = rows
    client = client_of(chief)
    page = client.get(reverse("coops:member", args=[a.pk])).content.decode()
    assert reverse("coops:member-leave", args=[a.pk]) in page
    collective_page = client.get(reverse("coops:member", args=[collective.pk])).content.decode()
    assert 'id="member-leave"' not in collective_page
    url = reverse("coops:member-leave", args=[a.pk])
    data = {"on": "2025-07-01", "reason": "迁出本村"}
    before = state(coop)
    review = client.post(url, data)
    assert review.status_code == 200 and 'id="leave-confirm-form"' in review.content.decode()
    assert state(coop) == before
    # A day before the member's latest register entry: the service's message, nothing kept.
    early = client.post(url, {**data, "on": "2024-01-01", "confirm": "1"})
    assert early.status_code == 400 and state(coop) == before
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    member = Member.objects.get(pk=a.pk)
    assert (member.left_on, member.shares) == (datetime.date(2025, 7, 1), 0)
    change = ShareChange.objects.filter(member=a).latest("pk")
    assert (change.delta, change.balance) == (-10000, 0)
    # Once left, the page sends the keeper back to the member.
    assert client.get(url).status_code == 302


def test_the_register_shows_every_change_dated_in_order(chief, coop, rows):
    _collective, a, b, _c = rows
    later = DAY + datetime.timedelta(days=30)
    builders.contribute(coop, a, "money", actor=chief, amount="2500", on=later)
    members.withdraw(
        actor=chief,
        member_id=a.pk,
        shares=4500,
        on=later + datetime.timedelta(days=1),
        reason="退股",
    )
    client = client_of(chief)
    url = reverse("coops:register", args=[coop.pk])
    response = client.get(url, {"member": a.pk})  # by the member's number
    assert response.status_code == 200
    shown = [(r.on, r.delta, r.balance) for r in response.context["rows"]]
    # In the order they happened (the date first), each with its balance then.
    assert shown == [
        (DAY, 10000, 10000),
        (later, 2500, 12500),
        (later + datetime.timedelta(days=1), -4500, 8000),
    ]
    body = response.content.decode()
    dates = [d.isoformat() for d, _delta, _balance in shown]
    positions = [body.index(f'data-on="{d}"') for d in dates]
    assert positions == sorted(positions)
    assert "退股" in body and "chief" in body  # the reason and who recorded it
    # Another member's lines are filtered out.
    assert reverse("coops:member", args=[b.pk]) not in body
    # By date: only the later changes.
    since = client.get(url, {"since": later.isoformat()}).context["rows"]
    assert {r.on for r in since} == {later, later + datetime.timedelta(days=1)}


def test_the_public_notice_masks_the_names(chief, board_member, coop, rows):
    _collective, a, _b, c = rows
    for user in (chief, board_member):
        response = client_of(user).get(reverse("coops:published", args=[coop.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        for name in ("王建国", "李秀英", "赵德山"):
            assert name not in body
        assert "王*国" in body and "赵*山" in body
        assert "data-print" in body
        row = body.split(f'id="published-{a.pk}"')[1].split("</tr>")[0]
        assert num(10000) in row and "10.00%" in row


def test_the_trading_of_the_latest_year_with_totals(chief, coop, rows):
    _collective, a, _b, _c = rows
    members.record_trading(
        actor=chief,
        cooperative_id=coop.pk,
        member_id=a.pk,
        year=2024,
        produce_sold="55",
        services_bought="5",
    )
    client = client_of(chief)
    url = reverse("coops:trading", args=[coop.pk])
    response = client.get(url)
    assert response.context["year"] == 2025
    totals = response.context["totals"]
    assert (totals["produce"], totals["services"], totals["total"]) == (
        D("700"),
        D("0"),
        D("700"),
    )
    response = client.get(url, {"year": "2024"})
    assert response.context["totals"]["total"] == D("60")
    assert [r.member_id for r in response.context["rows"]] == [a.pk]


def _workbook(rows, header=None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header or list(trading_xlsx.HEADERS.values()))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "trading.xlsx"
    return out


def test_the_template_downloads_and_opens(chief, coop):
    response = client_of(chief).get(
        reverse("coops:trading-import", args=[coop.pk]), {"download": "template"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == trading_xlsx.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == list(trading_xlsx.HEADERS.values())


def test_a_good_file_imports_every_row(chief, coop, rows):
    _collective, a, b, c = rows
    upload = _workbook(
        [
            ["001", "", "1200.50", "300", 2026],  # the household number
            [str(c.pk), "", "800", "0", 2026],  # the member's number
            ["", "李秀英", 900, 100, 2026],  # the name alone
        ]
    )
    client = client_of(chief)
    response = client.post(reverse("coops:trading-import", args=[coop.pk]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].endswith("?year=2026")
    got = dict(
        Trading.objects.filter(cooperative=coop, year=2026).values_list("member_id", "produce_sold")
    )
    assert got == {a.pk: D("1200.50"), c.pk: D("800.00"), b.pk: D("900.00")}
    page = client.get(response["Location"])
    assert page.context["totals"]["total"] == D("3300.50")


def test_a_bad_file_saves_nothing_and_lists_each_rows_problem(chief, coop, rows):
    upload = _workbook(
        [
            ["001", "", "100", "0", 2026],  # good
            ["X999", "", "100", "0", 2026],  # no such member
            ["002", "", "一百", "0", 2026],  # not a number
            ["", "", "", "", ""],  # blank between filled rows
            ["", "赵德山", "50", "0", 1800],  # not a year
        ]
    )
    before = state(coop)
    response = client_of(chief).post(
        reverse("coops:trading-import", args=[coop.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert state(coop) == before
    errors = response.context["errors"]
    assert len(errors) == 4
    problems = [
        zh("no member of household number %(n)s", n="X999"),
        "销售农产品（元）：" + zh("Enter a number."),
        zh("give the household number or the member's name"),
        "年度：" + zh("Enter a year."),
    ]
    for error, row, problem in zip(errors, (3, 4, 5, 6), problems, strict=True):
        assert error == zh("Row %(row)d: %(problem)s", row=row, problem=problem)
    body = response.content.decode()
    assert 'id="import-errors"' in body and errors[0] in body


def test_a_file_without_the_header_or_not_a_workbook_is_refused(chief, coop, rows):
    client = client_of(chief)
    url = reverse("coops:trading-import", args=[coop.pk])
    before = state(coop)
    response = client.post(url, {"file": _workbook([["001", 100]], header=["甲", "乙"])})
    assert response.status_code == 400 and len(response.context["errors"]) == 1
    junk = io.BytesIO(b"not a workbook")
    junk.name = "trading.xlsx"
    response = client.post(url, {"file": junk})
    assert response.status_code == 400 and response.context["errors"]
    assert state(coop) == before


def test_a_board_member_may_not_import(board_member, coop, rows):
    before = state(coop)
    response = client_of(board_member).post(
        reverse("coops:trading-import", args=[coop.pk]),
        {"file": _workbook([["001", "", "1", "0", 2026]])},
    )
    assert response.status_code == 403 and state(coop) == before


def test_another_towns_cooperative_is_not_found(chief, tree):
    foreign = cooperative(OTHER_VILLAGE, name="外村合作社")
    client = client_of(chief)
    for name in READ_PAGES + KEEP_PAGES:
        assert client.get(reverse(f"coops:{name}", args=[foreign.pk])).status_code == 404


def test_the_register_finds_a_member_by_number_or_name_in_a_text_field(chief, coop, rows):
    _collective, a, b, _c = rows
    client = client_of(chief)
    url = reverse("coops:register", args=[coop.pk])
    page = client.get(url).content.decode()
    assert '<select name="member"' not in page and 'name="member"' in page
    for text in ("秀英", "002", str(b.pk)):
        found = {r.member_id for r in client.get(url, {"member": text}).context["rows"]}
        assert found == {b.pk}, text
    assert not client.get(url, {"member": "无此人"}).context["rows"]


def cadre(code=VILLAGE):
    from yiwang.accounts.services import grant_post

    user = create_user(
        actor=None, username="coop-cadre", password="Yiwang-test-2026", full_name="干部"
    )
    grant_post(actor=None, user=user, role="cadre", area_code=code)
    return user


def test_a_reader_who_neither_keeps_nor_sits_on_the_board_reads_masked_names(
    chief, board_member, coop, rows
):
    _collective, a, b, _c = rows
    reader = client_of(cadre())
    pages = [
        reverse("coops:members", args=[coop.pk]),
        reverse("coops:member", args=[a.pk]),
        reverse("coops:register", args=[coop.pk]),
        reverse("coops:trading", args=[coop.pk]),
    ]
    for url in pages:
        response = reader.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "王建国" not in body and "王*国" in body, url
    # Nor does the name search find what the reader may not read.
    members_url, register_url = pages[0], pages[2]
    assert not reader.get(members_url, {"search": "秀英"}).context["rows"]
    assert not reader.get(register_url, {"member": "秀英"}).context["rows"]
    assert [m.pk for m in reader.get(members_url, {"search": "002"}).context["rows"]] == [b.pk]
    # The keeper and the board read them in full.
    for user in (chief, board_member):
        for url in pages:
            assert "王建国" in client_of(user).get(url).content.decode(), url


@pytest.mark.parametrize(
    "field,value",
    [
        ("amount", "1000000000000"),
        ("amount", "99999999999999999999999"),
        ("area_mu", "1000000.01"),
        ("area_mu", "1e30"),
        ("days", "36501"),
        ("days", "99999999999999999999"),
    ],
)
def test_a_huge_contribution_is_a_form_error(chief, coop, rows, field, value):
    _collective, a, _b, _c = rows
    kind = {"amount": "money", "area_mu": "land", "days": "labour"}[field]
    before = state(coop)
    response = client_of(chief).post(
        reverse("coops:contribute", args=[a.pk]),
        {
            "uuid": "0b6f3d4e-1a2b-4c3d-8e9f-112233445566",
            "kind": kind,
            field: value,
            "on": "2025-06-01",
            "confirm": "1",
        },
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert state(coop) == before


def test_a_member_number_imports_one_of_two_households_sharing_a_number(chief, coop):
    """Two households numbered 008 in two units of the village, both members: the file
    names each by its member's number, and each gets its own trading."""
    unit2 = "370830001001001002"
    first = builders.join(
        coop, "household", household_id=household(UNIT, "008", "刘一户").pk, on=DAY
    )
    second = builders.join(
        coop, "household", household_id=household(unit2, "008", "刘二户").pk, on=DAY
    )
    upload = _workbook(
        [[str(first.pk), "", "100", "0", 2026], [str(second.pk), "", "200", "0", 2026]]
    )
    response = client_of(chief).post(
        reverse("coops:trading-import", args=[coop.pk]), {"file": upload}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    got = dict(
        Trading.objects.filter(cooperative=coop, year=2026).values_list("member_id", "produce_sold")
    )
    assert got == {first.pk: D("100.00"), second.pk: D("200.00")}
    # The shared household number alone stays ambiguous: refused, nothing saved.
    before = state(coop)
    response = client_of(chief).post(
        reverse("coops:trading-import", args=[coop.pk]),
        {"file": _workbook([["008", "", "1", "0", 2027]])},
    )
    assert response.status_code == 400 and state(coop) == before


def _final_distribution(mode):
    from yiwang.coops.services import distributions
    from yiwang.coops.tests import distribution_rows

    found = distribution_rows.cooperative(prefix=f"pub-{mode}", mode=mode)
    run = distributions.run_distribution(
        actor=found["accountant"],
        cooperative_id=found["coop"].pk,
        year=distribution_rows.YEAR,
        surplus=distribution_rows.SURPLUS,
    )
    distributions.approve_distribution(actor=found["chair"], distribution_id=run.pk)
    run.refresh_from_db()
    return found, run


@pytest.mark.parametrize("mode", ["statutory", "by_shares"])
def test_the_public_notice_shows_the_whole_final_distribution(chief, tree, mode):
    found, run = _final_distribution(mode)
    coop, (_collective, a, b, _c) = found["coop"], found["members"]
    # After the run: A's holding grows, a new member joins (no line).
    builders.contribute(coop, a, "money", amount="5000", on=DAY)
    late = builders.join(coop, "other", name="孙后来", on=DAY)
    builders.contribute(coop, late, "money", amount="700", on=DAY)
    with translation.override("en"):
        response = client_of(found["accountant"]).get(reverse("coops:published", args=[coop.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-year="{run.year}"' in body
    assert "1,180,000.00" in body and 'id="published-reserve">118,000.00' in body
    assert 'id="published-distributable">1,062,000.00' in body
    assert "10%" in body  # the reserve's rate
    assert all(step in body for step in run.step_texts[:1])
    assert ('id="art44-warning"' in body) == (mode == "by_shares")
    assert ('id="published-trading-pool"' in body) == (mode == "statutory")
    line = run.lines.get(member=a)
    row = body.split(f'id="published-{a.pk}"')[1].split("</tr>")[0]
    assert f'data-shares="{line.shares}"' in body.split(f'id="published-{a.pk}"')[1][:40]
    assert line.shares == 10000 and num(15000) not in row and num(10000) in row
    assert row.count("<td") == (7 if mode == "statutory" else 6)
    late_row = body.split(f'id="published-{late.pk}"')[1]
    assert late_row.startswith(' data-shares="700" data-current="1"')
    # Names always masked, even for the board.
    assert "王一" not in body and "王*" in body and "孙*来" in body
    assert run.lines.get(member=b).shares == 20000


@pytest.fixture
def many(coop, rows):
    """Thirty more members, each with shares, trading and register lines."""
    for n in range(30):
        member = builders.join(coop, "other", name=f"成员{n}", on=DAY)
        builders.contribute(coop, member, "money", amount="10", on=DAY)
        builders.trade(coop, member, 2025, "1")
    return rows


@pytest.mark.parametrize("name", ["members", "register", "trading", "published"])
def test_the_pages_queries_do_not_grow_with_the_rows(
    django_assert_max_num_queries, board_member, coop, many, name
):
    client = client_of(board_member)
    url = reverse(f"coops:{name}", args=[coop.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
