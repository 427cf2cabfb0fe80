"""Scope checks of the cooperatives' API routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS).

The world's viewer, the grid chief of 南门社区, keeps the village's cooperative (own) and
does not see the cooperative of a village of another town (foreign): the foreign one, its
members, contributions, trading, board and distributions are not found (404) by a detail
or any action, and nothing changes; the lists show the own rows only.
"""

from __future__ import annotations

import datetime
import json

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.coops.models import (
    BoardSeat,
    Contribution,
    Cooperative,
    Distribution,
    Member,
    Trading,
)
from yiwang.coops.services import coops, distributions
from yiwang.coops.tests import builders

JSON = "application/json"
DAY = datetime.date(2025, 3, 1)


def seed(w) -> dict:
    """The own and the foreign cooperative, each with a member, a contribution, the
    year's trading, a chair's seat and a draft distribution; once a test."""
    if "coops" in w:
        return w["coops"]
    rows = {}
    for side, village in (("own", VILLAGE), ("foreign", OTHER_VILLAGE)):
        coop = coops.create_cooperative(actor=None, area_code=village, name=f"{side}合作社")
        seat = coops.appoint(
            actor=None, cooperative_id=coop.pk, role="chair", name=f"{side}社长", on=DAY
        )
        member = builders.join(coop, "collective", on=DAY)
        contribution, _created = builders.contribute(coop, member, "assets", amount="1000", on=DAY)
        trading = builders.trade(coop, member, 2025, "100")
        run = distributions.run_distribution(
            actor=None, cooperative_id=coop.pk, year=2025, surplus="1000.00"
        )
        rows[side] = {
            "coop": coop,
            "seat": seat,
            "member": member,
            "contribution": contribution,
            "trading": trading,
            "run": run,
        }
    w["coops"] = rows
    return rows


def unchanged(w):
    return (
        list(
            Cooperative.objects.order_by("id").values_list(
                "id", "name", "reserve_rate", "mode", "area_code"
            )
        ),
        list(BoardSeat.objects.order_by("id").values_list("id", "role", "left_on")),
        list(Member.objects.order_by("id").values_list("id", "shares", "left_on")),
        list(Contribution.objects.order_by("id").values_list("id", "shares")),
        list(Trading.objects.order_by("id").values_list("id", "produce_sold")),
        list(Distribution.objects.order_by("id").values_list("id", "status", "surplus")),
    )


def listing(url, key):
    """The list shows the own row and not the foreign one."""

    def check(w):
        rows = seed(w)
        answer = w["client"].get(url)
        assert answer.status_code == 200
        listed = {row["id"] for row in answer.json()["results"]}
        assert rows["own"][key].pk in listed
        assert rows["foreign"][key].pk not in listed
        assert OTHER_VILLAGE not in answer.content.decode()

    return check


def detail(url, key):
    """The own row opens, the foreign one is not found."""

    def check(w):
        rows = seed(w)
        assert w["client"].get(url.format(rows["own"][key].pk)).status_code == 200
        assert w["client"].get(url.format(rows["foreign"][key].pk)).status_code == 404

    return check


def write(url, key, body, method="post"):
    """A write aimed at the foreign cooperative (`url` of its row, or a body naming it)
    answers 404 and changes nothing."""

    def check(w):
        rows = seed(w)
        foreign = rows["foreign"]
        before = unchanged(w)
        target = url.format(foreign[key].pk) if key else url
        data = body(foreign) if callable(body) else body
        send = getattr(w["client"], method)
        answer = send(target, json.dumps(data), content_type=JSON)
        assert answer.status_code == 404, (target, answer.status_code, answer.content[:300])
        assert unchanged(w) == before

    return check


COOPS = "/api/v1/coops/"
COOP = "/api/v1/coops/{}/"

CHECKS = {
    "api:coop-cooperative-list GET": listing(COOPS, "coop"),
    "api:coop-cooperative-list POST": write(
        COOPS, None, {"area_code": OTHER_VILLAGE, "name": "混入合作社"}
    ),
    "api:coop-cooperative-detail GET": detail(COOP, "coop"),
    "api:coop-cooperative-detail PATCH": write(
        COOP, "coop", {"reserve_rate": "0.050"}, method="patch"
    ),
    "api:coop-cooperative-board GET": detail(COOP + "board/", "coop"),
    "api:coop-cooperative-appoint POST": write(
        COOP + "appoint/", "coop", {"role": "board", "name": "混入", "on": "2025-03-01"}
    ),
    "api:coop-cooperative-end-seat POST": lambda w: (
        write(
            COOP + "end-seat/",
            "coop",
            lambda foreign: {"seat": foreign["seat"].pk, "on": "2025-06-30", "reason": "x"},
        )(w),
        # Nor the foreign seat through the own cooperative.
        write(
            COOP.format(seed(w)["own"]["coop"].pk) + "end-seat/",
            None,
            lambda foreign: {"seat": foreign["seat"].pk, "on": "2025-06-30", "reason": "x"},
        )(w),
    ),
    "api:coop-cooperative-distributions GET": detail(COOP + "distributions/", "coop"),
    "api:coop-cooperative-distributions POST": write(
        COOP + "distributions/", "coop", {"year": 2025, "surplus": "1000.00"}
    ),
    "api:coop-member-list GET": listing("/api/v1/coop-members/", "member"),
    "api:coop-member-list POST": write(
        "/api/v1/coop-members/",
        None,
        lambda foreign: {
            "cooperative": foreign["coop"].pk,
            "kind": "other",
            "name": "混入",
            "joined_on": "2025-03-01",
        },
    ),
    "api:coop-member-detail GET": detail("/api/v1/coop-members/{}/", "member"),
    "api:coop-contribution-list GET": listing("/api/v1/coop-contributions/", "contribution"),
    "api:coop-contribution-list POST": write(
        "/api/v1/coop-contributions/",
        None,
        lambda foreign: {
            "cooperative": foreign["coop"].pk,
            "member": foreign["member"].pk,
            "kind": "assets",
            "amount": "10.00",
            "on": "2025-03-01",
        },
    ),
    "api:coop-contribution-detail GET": detail("/api/v1/coop-contributions/{}/", "contribution"),
    "api:coop-trading-list GET": listing("/api/v1/coop-trading/", "trading"),
    "api:coop-trading-list POST": write(
        "/api/v1/coop-trading/",
        None,
        lambda foreign: {
            "cooperative": foreign["coop"].pk,
            "member": foreign["member"].pk,
            "year": 2025,
            "produce_sold": "1.00",
        },
    ),
    "api:coop-trading-detail GET": detail("/api/v1/coop-trading/{}/", "trading"),
    "api:coop-distribution-list GET": listing("/api/v1/coop-distributions/", "run"),
    "api:coop-distribution-detail GET": detail("/api/v1/coop-distributions/{}/", "run"),
    "api:coop-distribution-approve POST": write(
        "/api/v1/coop-distributions/{}/approve/", "run", {}
    ),
}
