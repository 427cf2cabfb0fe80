"""Scope checks of the members' pages, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS), and the pages' arguments for tests/test_pages_zh_hans.py.

The world's viewer is the grid chief of 南门社区, who keeps its cooperative; the foreign
cooperative is the village's of the outsider's town. Every page of the foreign one (or of
a foreign member) is not found (404), every write aimed at it answers 404 and changes
nothing; the own pages answer and show none of the foreign names."""

from __future__ import annotations

from django.urls import reverse

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.coops.models import Member
from yiwang.coops.tests.member_rows import cooperative, state, with_members

FOREIGN_NAMES = ("钱外乡", "孙外村")


def seed(w) -> dict:
    """The own and the foreign cooperative with their members, once a test."""
    if "coops_members" in w:
        return w["coops_members"]
    own = cooperative(VILLAGE)
    foreign = cooperative(OTHER_VILLAGE, name="外村党支部领办合作社")
    rows = {
        "own": own,
        "own_members": with_members(own, UNIT, heads=("周本村", "吴本村"), prefix="C"),
        "foreign": foreign,
        "foreign_members": with_members(foreign, OTHER_UNIT, heads=FOREIGN_NAMES, prefix="W"),
    }
    w["coops_members"] = rows
    return rows


def page_arguments(w) -> dict:
    """The arguments of the members' pages for tests/test_pages_zh_hans.py, which merges
    every topic's (the later wins): the same as the other coops' pages give, so that
    whichever wins, the pages get a cooperative with members, trading and a register
    (rows_coops' 南门合作社) and a member with shares (the distributions' own member)."""
    from yiwang.coops.tests import checks_coops, checks_distributions

    return {
        "cooperative_id": checks_coops.seed(w)["nanmen"].pk,
        "coop_member_id": checks_distributions.seed(w)["own"]["members"][1].pk,
    }


def _both_states(rows):
    return state(rows["own"]), state(rows["foreign"])


def coop_page(name):
    """The own cooperative's page answers without a foreign name; the foreign one's 404."""

    def check(w):
        rows = seed(w)
        response = w["client"].get(reverse(name, args=[rows["own"].pk]))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert all(n not in body for n in FOREIGN_NAMES) and OTHER_VILLAGE not in body
        assert w["client"].get(reverse(name, args=[rows["foreign"].pk])).status_code == 404

    return check


def member_page(name):
    def check(w):
        rows = seed(w)
        own, foreign = rows["own_members"][1], rows["foreign_members"][1]
        assert w["client"].get(reverse(name, args=[own.pk])).status_code == 200, name
        assert w["client"].get(reverse(name, args=[foreign.pk])).status_code == 404, name

    return check


def foreign_write(name, data, *, member=False):
    """A POST aimed at the foreign cooperative (or its member): 404, nothing changes."""

    def check(w):
        rows = seed(w)
        target = rows["foreign_members"][1] if member else rows["foreign"]
        before = _both_states(rows)
        response = w["client"].post(reverse(name, args=[target.pk]), data)
        assert response.status_code == 404, (name, response.status_code)
        assert _both_states(rows) == before

    return check


def member_new(w):
    """Not into the foreign cooperative; nor a foreign household into the own one."""
    from yiwang.registry.models import Household

    foreign_write("coops:member-new", {"kind": "other", "name": "混入", "joined_on": "2025-05-01"})(
        w
    )
    rows = seed(w)
    household = Household.objects.filter(area_code__startswith=OTHER_VILLAGE).first()
    before = Member.objects.count()
    response = w["client"].post(
        reverse("coops:member-new", args=[rows["own"].pk]),
        {"kind": "household", "household": household.pk, "joined_on": "2025-05-01"},
    )
    assert response.status_code == 400
    assert Member.objects.count() == before
    # The search of the village's households finds none of the foreign village.
    response = w["client"].get(
        reverse("coops:member-new", args=[rows["own"].pk]), {"q": household.number}
    )
    assert f'id="hit-{household.pk}"' not in response.content.decode()


def _upload():
    import io

    from openpyxl import Workbook

    from yiwang.coops import trading_xlsx

    book = Workbook()
    book.active.append(list(trading_xlsx.HEADERS.values()))
    book.active.append(["W001", "", "100", "0", 2026])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "trading.xlsx"
    return out


def trading_import(w):
    coop_page("coops:trading-import")(w)
    foreign_write("coops:trading-import", {"file": _upload()})(w)


CONTRIBUTION = {
    "uuid": "7c1e4b8a-2d3f-4a5b-9c6d-7e8f9a0b1c2d",
    "kind": "money",
    "amount": "10",
    "on": "2025-06-01",
    "confirm": "1",
}

CHECKS = {
    "coops:members": coop_page("coops:members"),
    "coops:register": coop_page("coops:register"),
    "coops:published": coop_page("coops:published"),
    "coops:trading": coop_page("coops:trading"),
    "coops:trading-import": trading_import,
    "coops:member-new": member_new,
    "coops:member": member_page("coops:member"),
    "coops:contribute": lambda w: (
        member_page("coops:contribute")(w),
        foreign_write("coops:contribute", CONTRIBUTION, member=True)(w),
    ),
    "coops:withdraw": lambda w: (
        member_page("coops:withdraw")(w),
        foreign_write(
            "coops:withdraw",
            {"shares": "1", "on": "2025-06-01", "reason": "退股", "confirm": "1"},
            member=True,
        )(w),
    ),
    "coops:member-leave": lambda w: (
        member_page("coops:member-leave")(w),
        foreign_write(
            "coops:member-leave",
            {"on": "2025-06-01", "reason": "迁出", "confirm": "1"},
            member=True,
        )(w),
    ),
}
