"""Scope checks of the distribution pages, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS), and the page arguments of tests/test_pages_zh_hans.py.

The world's viewer, the grid chief of 南门社区, keeps the village's cooperative (reads it,
neither runs nor approves its distribution: 403); the foreign cooperative lies in another
town. The foreign cooperative, its run and its members' statements are not found (404)
by a page or a write, and nothing changes; the board member's shortcut lists only the
cooperatives of their own seats."""

from __future__ import annotations

from django.urls import reverse

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.coops.services import distributions as services
from yiwang.coops.tests.distribution_rows import SURPLUS, YEAR, cooperative, state


def seed(w) -> dict:
    """The own and the foreign cooperative, each with a draft of YEAR; once a test."""
    if "coop_distributions" in w:
        return w["coop_distributions"]
    rows = {}
    for side, code, name in [
        ("own", VILLAGE, "南门社区党支部领办合作社"),
        ("foreign", OTHER_VILLAGE, "外镇党支部领办合作社"),
    ]:
        found = cooperative(code, name=name, prefix=f"scope-{side}")
        found["run"] = services.run_distribution(
            actor=found["accountant"], cooperative_id=found["coop"].pk, year=YEAR, surplus=SURPLUS
        )
        rows[side] = found
    w["coop_distributions"] = rows
    return rows


def page_arguments(w) -> dict:
    own = seed(w)["own"]
    return {
        "cooperative_id": own["coop"].pk,
        "distribution_id": own["run"].pk,
        "coop_member_id": own["members"][1].pk,
    }


def _both(w):
    rows = seed(w)
    return state(rows["own"]["coop"]), state(rows["foreign"]["coop"])


def coop_page(name):
    def check(w):
        rows = seed(w)
        c = w["client"]
        own = c.get(reverse(name, args=[rows["own"]["coop"].pk]))
        assert own.status_code == 200
        body = own.content.decode()
        assert f'id="distribution-{rows["own"]["run"].pk}"' in body
        assert f'id="distribution-{rows["foreign"]["run"].pk}"' not in body
        assert c.get(reverse(name, args=[rows["foreign"]["coop"].pk])).status_code == 404

    return check


def run_form(w):
    """The chief keeps the own cooperative but is not its accountant (403); the foreign
    one is not found (404); nothing is run."""
    rows = seed(w)
    c = w["client"]
    before = _both(w)
    data = {"year": str(YEAR), "surplus": "1.00"}
    for side, status in (("own", 403), ("foreign", 404)):
        url = reverse("coops:distribution-run", args=[rows[side]["coop"].pk])
        assert c.get(url).status_code == status, side
        assert c.post(url, data).status_code == status, side
    assert _both(w) == before


def run_page(w):
    rows = seed(w)
    c = w["client"]
    own = c.get(reverse("coops:distribution", args=[rows["own"]["run"].pk]))
    assert own.status_code == 200 and rows["own"]["coop"].name in own.content.decode()
    assert c.get(reverse("coops:distribution", args=[rows["foreign"]["run"].pk])).status_code == 404


def approve(w):
    rows = seed(w)
    c = w["client"]
    before = _both(w)
    for side, status in (("own", 403), ("foreign", 404)):
        url = reverse("coops:distribution-approve", args=[rows[side]["run"].pk])
        assert c.post(url).status_code == status, side
    assert _both(w) == before


def statement(name, pdf=False):
    def check(w):
        rows = seed(w)
        c = w["client"]
        own_run, foreign_run = rows["own"]["run"], rows["foreign"]["run"]
        own_member, foreign_member = rows["own"]["members"][1], rows["foreign"]["members"][1]
        response = c.get(reverse(name, args=[own_run.pk, own_member.pk]))
        assert response.status_code == 200
        if pdf:
            assert response.content.startswith(b"%PDF")
        else:
            assert rows["own"]["coop"].name in response.content.decode()
        for args in ([foreign_run.pk, foreign_member.pk], [own_run.pk, foreign_member.pk]):
            assert c.get(reverse(name, args=args)).status_code == 404, args

    return check


def my_cooperatives(w):
    """Only the user's own seats: the own accountant sees the own cooperative, not the
    foreign; the chief holds no seat (403)."""
    from django.test import Client

    rows = seed(w)
    url = reverse("coops:my-coops")
    assert w["client"].get(url).status_code == 403
    client = Client()
    client.force_login(rows["own"]["accountant"])
    body = client.get(url).content.decode()
    assert f'id="my-coop-{rows["own"]["coop"].pk}"' in body
    assert f'id="my-coop-{rows["foreign"]["coop"].pk}"' not in body
    assert rows["foreign"]["coop"].name not in body


CHECKS = {
    "coops:distributions": coop_page("coops:distributions"),
    "coops:distribution-run": run_form,
    "coops:distribution": run_page,
    "coops:distribution-approve": approve,
    "coops:statement": statement("coops:statement"),
    "coops:statement-pdf": statement("coops:statement-pdf", pdf=True),
    "coops:my-coops": my_cooperatives,
}
