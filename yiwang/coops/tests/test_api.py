"""API v1 of the cooperatives: the year's distribution worked by hand through the API
(every amount as text to the fen, the lines and the reserve adding up to the surplus),
approved by the chair only and once; who reads what (list leaves out, detail 404); bad
input answered 400 with its reason and nothing changed; members' names in full for the
cooperative's keepers and board, masked for other readers; contributions idempotent on
their uuid."""

import datetime
import uuid
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from conftest import OTHER_TOWN, OTHER_UNIT, UNIT, VILLAGE
from yiwang.coops.models import (
    BoardSeat,
    Contribution,
    Cooperative,
    Distribution,
    DistributionLine,
    Member,
    Trading,
)
from yiwang.coops.services import coops, members
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import account, household

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)
SURPLUS = "1160000.00"


def _user(username, role=None, code=None):
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(
        actor=None, username=username, password="Yiwang-test-2026", full_name=username
    )
    if role:
        grant_post(actor=None, user=user, role=role, area_code=code)
    return user


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def coop(tree):
    return coops.create_cooperative(actor=None, area_code=VILLAGE, name="南村党支部领办合作社")


@pytest.fixture
def board(coop):
    return builders.board(coop, account("coop-accountant"), account("coop-chair"))


@pytest.fixture
def shares(coop):
    """The collective 60,000 shares, 王小一 10,000, 李小二 20,000 (the 20% cap), 赵小三
    10,000: 100,000 in all. Trading of 2025: 100, 200 and 400 yuan (none by the
    collective)."""
    return builders.four_members(coop, UNIT, heads=("王小一", "李小二"), other="赵小三")


def _run(user, coop, **body):
    return api(user).post(
        f"/api/v1/coops/{coop.pk}/distributions/",
        {"year": 2025, "surplus": SURPLUS, **body},
        format="json",
    )


def _state(coop):
    return (
        list(Distribution.objects.order_by("pk").values_list("pk", "status", "approved_at")),
        DistributionLine.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "shares", "household_id")),
        Contribution.objects.count(),
        Trading.objects.count(),
    )


def test_the_distribution_worked_by_hand(coop, board, shares):
    """1,160,000.00 yuan: the reserve 10% = 116,000.00; 1,044,000.00 distributable; 60% =
    626,400.00 by trading (1 : 2 : 4 of 700 yuan) and 417,600.00 by shares (60 : 10 : 20 :
    10). By trading, in fen: 8,948,571.43 / 17,897,142.86 / 35,794,285.71 rounded down
    leave 2 fen, to the largest remainders (李小二's .86, then 赵小三's .71)."""
    accountant, _chair = board
    collective, a, b, c = shares

    answer = _run(accountant, coop)

    assert answer.status_code == 201, answer.content
    run = answer.json()
    assert (run["cooperative"], run["year"], run["status"], run["mode"]) == (
        coop.pk,
        2025,
        "draft",
        "statutory",
    )
    assert run["surplus"] == "1160000.00"
    assert run["reserve"] == "116000.00"
    assert run["distributable"] == "1044000.00"
    assert run["trading_pool"] == "626400.00"
    assert run["shares_pool"] == "417600.00"
    assert run["departs_from_art44"] is False
    assert len(run["steps"]) >= 5 and "1,160,000.00" in run["steps"][0]
    lines = {line["member"]: line for line in run["lines"]}
    expected = {
        collective.pk: ("60000", "0.00", "0.00", "250560.00", "250560.00"),
        a.pk: ("10000", "100.00", "89485.71", "41760.00", "131245.71"),
        b.pk: ("20000", "200.00", "178971.43", "83520.00", "262491.43"),
        c.pk: ("10000", "400.00", "357942.86", "41760.00", "399702.86"),
    }
    for pk, (held, trading, by_trading, by_shares, total) in expected.items():
        line = lines[pk]
        assert (
            str(line["shares"]),
            line["trading"],
            line["by_trading"],
            line["by_shares"],
            line["total"],
        ) == (held, trading, by_trading, by_shares, total), pk
    # The accountant sits on the board: the names in full (access.sees_member_names).
    assert lines[a.pk]["member_name"] == "王小一"
    assert lines[c.pk]["member_name"] == "赵小三"
    assert sum(D(line["total"]) for line in run["lines"]) + D(run["reserve"]) == D(SURPLUS)
    # The same run read back: the cooperative's list and the run's own detail.
    listed = api(accountant).get(f"/api/v1/coops/{coop.pk}/distributions/").json()
    assert [(row["id"], row["status"], row["reserve"]) for row in listed] == [
        (run["id"], "draft", "116000.00")
    ]
    detail = api(accountant).get(f"/api/v1/coop-distributions/{run['id']}/").json()
    assert detail["lines"] == run["lines"] and detail["steps"] == run["steps"]


def test_all_by_shares_departs_from_art44(chief, coop, board, shares):
    accountant, _chair = board
    changed = api(chief).patch(
        f"/api/v1/coops/{coop.pk}/", {"mode": "by_shares", "reserve_rate": "0.05"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["mode"] == "by_shares" and changed.json()["reserve_rate"] == "0.050"

    run = _run(accountant, coop).json()

    assert run["departs_from_art44"] is True
    assert (run["reserve"], run["trading_pool"], run["shares_pool"]) == (
        "58000.00",
        "0.00",
        "1102000.00",
    )
    assert {line["by_trading"] for line in run["lines"]} == {"0.00"}
    assert sum(D(line["total"]) for line in run["lines"]) + D(run["reserve"]) == D(SURPLUS)


def test_the_chair_approves_once_and_no_one_else(coop, board, shares):
    accountant, chair = board
    run = _run(accountant, coop).json()
    url = f"/api/v1/coop-distributions/{run['id']}/approve/"

    refused = api(accountant).post(url)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the cooperative's chair approves the distribution."
    assert Distribution.objects.get(pk=run["id"]).status == "draft"

    approved = api(chair).post(url)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "final" and approved.json()["approved_by"] == chair.pk
    assert approved.json()["lines"] == run["lines"]

    before = _state(coop)
    again = api(chair).post(url)
    assert again.status_code == 400
    assert again.json() == {"status": ["This distribution is already approved."]}
    # A final year is not run again either.
    rerun = _run(accountant, coop)
    assert rerun.status_code == 400 and "year" in rerun.json()
    assert _state(coop) == before


def test_only_the_accountant_runs_it(chief, coop, board, shares):
    before = _state(coop)
    answer = _run(chief, coop)
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Only the cooperative's accountant runs the distribution."
    assert _state(coop) == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"surplus": 1160000.0}, "surplus", "Give the surplus in yuan as text, to the fen."),
        ({"surplus": 1160000}, "surplus", "Give the surplus in yuan as text, to the fen."),
        ({"surplus": "-1.00"}, "surplus", "The number cannot be negative."),
        ({"surplus": "1160000.005"}, "surplus", "The surplus must be given in yuan to the fen."),
        ({"surplus": "abc"}, "surplus", "Enter a number."),
        ({"year": 2024}, "members", "No trading with the cooperative is recorded for the year"),
        ({"year": 1999}, "year", None),
        (
            {"surplus": "1000000000000.00"},
            "surplus",
            "The surplus is at most 999,999,999,999.99 yuan.",
        ),
        (
            {"surplus": "-1,000,000,000,000"},
            "surplus",
            None,
        ),
    ],
)
def test_a_bad_run_is_refused_and_nothing_is_written(coop, board, shares, body, field, message):
    accountant, _chair = board
    before = _state(coop)

    answer = _run(accountant, coop, **body)

    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    if message:
        assert answer.json()[field][0].startswith(message)
    assert _state(coop) == before


def test_a_household_of_another_village_is_not_a_member(chief, coop):
    foreign = household(OTHER_UNIT, "外001", "王五")
    before = _state(coop)

    answer = api(chief).post(
        "/api/v1/coop-members/",
        {
            "cooperative": coop.pk,
            "kind": "household",
            "household": foreign.pk,
            "joined_on": "2025-03-01",
        },
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json() == {"household_id": ["Not a household of this village."]}
    assert _state(coop) == before


@pytest.fixture
def other_town_admin(tree):
    return _user("other-town", "town_admin", OTHER_TOWN)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("county_admin", True),
        ("town_admin", True),
        ("chief", True),
        ("accountant", True),
        ("chair", True),
        ("other_town_admin", False),
        ("worker", False),
    ],
)
def test_who_reads_the_cooperative(request, coop, board, shares, persona, sees):
    accountant, chair = board
    run = _run(accountant, coop).json()
    user = {"accountant": accountant, "chair": chair}.get(persona) or request.getfixturevalue(
        persona
    )
    client = api(user)

    lists = {
        "/api/v1/coops/": coop.pk,
        "/api/v1/coop-members/": shares[1].pk,
        "/api/v1/coop-contributions/": Contribution.objects.filter(cooperative=coop).first().pk,
        "/api/v1/coop-trading/": Trading.objects.filter(cooperative=coop).first().pk,
        "/api/v1/coop-distributions/": run["id"],
    }
    for url, pk in lists.items():
        listed = client.get(url)
        assert listed.status_code == 200
        assert (pk in [row["id"] for row in listed.json()["results"]]) is sees, url
        assert client.get(f"{url}{pk}/").status_code == (200 if sees else 404), url
    for url in (
        f"/api/v1/coops/{coop.pk}/board/",
        f"/api/v1/coops/{coop.pk}/distributions/",
    ):
        assert client.get(url).status_code == (200 if sees else 404), url
    if not sees:
        before = _state(coop)
        assert client.post(f"/api/v1/coop-distributions/{run['id']}/approve/").status_code == 404
        assert _run(user, coop).status_code == 404
        assert _state(coop) == before


@pytest.mark.parametrize(
    ("persona", "full"),
    [
        ("chief", True),  # keeps the village's cooperative
        ("town_admin", True),  # keeps it too
        ("accountant", True),  # its board
        ("chair", True),
        ("cadre", False),  # reads the village's cooperative, neither keeps it nor sits on it
    ],
)
def test_names_follow_one_rule_members_and_distribution_lines(
    request, coop, board, shares, persona, full
):
    """access.sees_member_names: in full for the cooperative's keepers and board, masked
    (王*一) for every other reader; the members, their search and the distribution's
    lines alike."""
    accountant, chair = board
    run = _run(accountant, coop).json()
    if persona == "cadre":
        user = _user("coop-cadre", "cadre", VILLAGE)
    else:
        user = {"accountant": accountant, "chair": chair}.get(persona) or (
            request.getfixturevalue(persona)
        )
    client = api(user)
    a, c = shares[1], shares[3]
    expected = ("王小一", "赵小三") if full else ("王*一", "赵*三")

    member = client.get(f"/api/v1/coop-members/{a.pk}/")
    assert member.status_code == 200
    assert member.json()["name"] == expected[0]
    listed = client.get("/api/v1/coop-members/", {"cooperative": coop.pk}).json()["results"]
    names = {row["id"]: row["name"] for row in listed}
    assert (names[a.pk], names[c.pk]) == expected
    # The search finds a name only where it is read in full; a number, for every reader.
    listed = client.get("/api/v1/coop-members/", {"search": "小一"}).json()["results"]
    assert [row["id"] for row in listed] == ([a.pk] if full else [])
    listed = client.get("/api/v1/coop-members/", {"search": str(c.pk)}).json()["results"]
    assert [row["id"] for row in listed] == [c.pk]
    listed = client.get("/api/v1/coop-members/", {"search": "001"}).json()["results"]
    assert [row["id"] for row in listed] == [a.pk]
    listed = client.get("/api/v1/coop-members/", {"search": "①"})  # a digit, not a number
    assert listed.status_code == 200 and listed.json()["results"] == []
    detail = client.get(f"/api/v1/coop-distributions/{run['id']}/")
    assert detail.status_code == 200
    lines = {line["member"]: line["member_name"] for line in detail.json()["lines"]}
    assert (lines[a.pk], lines[c.pk]) == expected


def test_the_chairs_approval_answers_the_names_by_the_same_rule(coop, board, shares):
    accountant, chair = board
    run = _run(accountant, coop).json()
    approved = api(chair).post(f"/api/v1/coop-distributions/{run['id']}/approve/")
    assert approved.status_code == 200
    names = {line["member"]: line["member_name"] for line in approved.json()["lines"]}
    assert names[shares[1].pk] == "王小一"


def test_the_largest_surplus_is_accepted(coop, board, shares):
    accountant, _chair = board
    answer = _run(accountant, coop, surplus="999999999999.99")
    assert answer.status_code == 201, answer.content
    assert answer.json()["surplus"] == "999999999999.99"


def test_members_contributions_and_trading_through_the_api(chief, coop, board):
    accountant, _chair = board
    client = api(chief)
    collective = client.post(
        "/api/v1/coop-members/",
        {"cooperative": coop.pk, "kind": "collective", "joined_on": "2025-03-01"},
        format="json",
    )
    assert collective.status_code == 201, collective.content
    member = collective.json()["id"]
    body = {
        "uuid": str(uuid.uuid4()),
        "cooperative": coop.pk,
        "member": member,
        "kind": "assets",
        "amount": "60000.00",
        "on": "2025-03-01",
    }
    first = client.post("/api/v1/coop-contributions/", body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["shares"] == 60000 and first.json()["amount"] == "60000.00"
    again = client.post("/api/v1/coop-contributions/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Member.objects.get(pk=member).shares == 60000  # counted once
    trading = {
        "cooperative": coop.pk,
        "member": member,
        "year": 2025,
        "produce_sold": "1200.50",
        "services_bought": "0",
    }
    assert client.post("/api/v1/coop-trading/", trading, format="json").status_code == 201
    replaced = client.post(
        "/api/v1/coop-trading/", {**trading, "services_bought": "99.50"}, format="json"
    )
    assert replaced.status_code == 200
    assert (replaced.json()["produce_sold"], replaced.json()["services_bought"]) == (
        "1200.50",
        "99.50",
    )
    # Filters of the lists.
    assert client.get("/api/v1/coop-members/", {"kind": "household"}).json()["count"] == 0
    assert client.get("/api/v1/coop-members/", {"cooperative": coop.pk}).json()["count"] == 1
    assert client.get("/api/v1/coop-trading/", {"year": 2024}).json()["count"] == 0
    assert client.get("/api/v1/coop-members/", {"kind": "elder"}).status_code == 400
    # The accountant does not keep the register.
    before = _state(coop)
    refused = api(accountant).post(
        "/api/v1/coop-members/",
        {"cooperative": coop.pk, "kind": "other", "name": "赵六", "joined_on": "2025-03-01"},
        format="json",
    )
    assert refused.status_code == 403
    assert _state(coop) == before


def test_cooperatives_created_and_their_board_kept(chief, worker, other_town_admin):
    body = {"area_code": VILLAGE, "name": "南门果蔬合作社", "reserve_rate": "0.080"}
    for outsider in (worker, other_town_admin):
        assert api(outsider).post("/api/v1/coops/", body, format="json").status_code == 404
    assert not Cooperative.objects.exists()

    created = api(chief).post("/api/v1/coops/", body, format="json")

    assert created.status_code == 201, created.content
    coop = created.json()
    assert (coop["area_code"], coop["reserve_rate"], coop["holding_cap"]) == (
        VILLAGE,
        "0.080",
        "0.200",
    )
    assert coop["board"] == []
    bad = api(chief).patch(
        f"/api/v1/coops/{coop['id']}/", {"trading_share": "0.500"}, format="json"
    )
    assert bad.status_code == 400 and "trading_share" in bad.json()
    url = f"/api/v1/coops/{coop['id']}/"
    seat = api(chief).post(
        url + "appoint/", {"role": "chair", "name": "张书记", "on": "2025-01-01"}, format="json"
    )
    assert seat.status_code == 201, seat.content
    second = api(chief).post(
        url + "appoint/", {"role": "chair", "name": "李书记", "on": "2025-01-02"}, format="json"
    )
    assert second.status_code == 400 and "role" in second.json()
    ended = api(chief).post(
        url + "end-seat/",
        {"seat": seat.json()["id"], "on": "2025-06-30", "reason": "换届"},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["left_on"] == "2025-06-30"
    assert api(chief).get(url).json()["board"] == []
    history = api(chief).get(url + "board/").json()
    assert [(s["name"], s["left_reason"]) for s in history] == [("张书记", "换届")]
    assert BoardSeat.objects.count() == 1


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/coops/",
        "/api/v1/coop-members/",
        "/api/v1/coop-contributions/",
        "/api/v1/coop-trading/",
        "/api/v1/coop-distributions/",
    ],
)
def test_a_list_takes_as_many_queries_for_more_rows(chief, coop, board, shares, url):
    accountant, _chair = board
    _run(accountant, coop)
    _queries(api(chief), url)  # the viewer's posts read once (cached)
    few = _queries(api(chief), url)
    more = coops.create_cooperative(actor=None, area_code=VILLAGE, name="第二合作社")
    coops.appoint(
        actor=None,
        cooperative_id=more.pk,
        role="accountant",
        name="会计",
        user_id=accountant.pk,
        on=DAY,
    )
    collective = builders.join(more, "collective", on=DAY)
    other = builders.join(more, "other", name="钱七", on=DAY)
    for member, amount in ((collective, "5000"), (other, "500")):
        builders.contribute(more, member, "money", amount=amount, on=DAY)
        builders.trade(more, member, 2025, "10")
    _run(accountant, more)

    assert _queries(api(chief), url) == few


def test_the_cockpit_counts_the_drafts_and_the_members(county_admin, coop, board, shares):
    from conftest import COUNTY
    from yiwang.core import indicators

    accountant, chair = board
    run = _run(accountant, coop).json()

    def value(key):
        return indicators.get(key).value(county_admin, COUNTY)

    assert (value("coops.cooperatives"), value("coops.members"), value("coops.drafts")) == (1, 4, 1)
    api(chair).post(f"/api/v1/coop-distributions/{run['id']}/approve/")
    members.withdraw(actor=None, member_id=shares[3].pk, shares=10000, on=DAY, reason="退社")
    Member.objects.filter(pk=shares[3].pk).update(left_on=DAY)
    assert (value("coops.members"), value("coops.drafts")) == (3, 0)
    listed = api(county_admin).get(indicators.get("coops.members").records_url(COUNTY)).json()
    assert listed["count"] == 3
