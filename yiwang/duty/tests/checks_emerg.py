"""Scope checks of the incidents' and sweeps' routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS), and the arguments of their
pages for tests/test_pages_zh_hans.py.

The world's viewer is the grid chief of 南门社区: the own incident and sweep are of the
village, the foreign ones of a village in another town (the outsider's). The foreign
rows are not found (404) by a page, an API detail or a write, and nothing changes;
lists show the own rows and not the foreign.
"""

from __future__ import annotations

import datetime
import json
import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.duty.models import Incident, Sweep, SweepHousehold
from yiwang.duty.services import incidents, sweeps
from yiwang.duty.tests.emerg_rows import make_household

JSON = "application/json"


def seed(w) -> dict:
    """The own and the foreign incident, sweep and household of a sweep, once a test."""
    if "emerg" in w:
        return w["emerg"]
    from yiwang.accounts.models import User
    from yiwang.registry.models import Tag

    chief = User.objects.get(username="chief")
    outsider = w["foreign_user"]
    now = timezone.now()
    rows = {}
    for side, actor, code in (("own", chief, VILLAGE), ("foreign", outsider, OTHER_UNIT)):
        rows[f"{side}_incident"], _ = incidents.report_incident(
            actor=actor,
            area_code=code,
            kind="flood",
            title=f"{side}险情",
            text="河堤渗水",
            occurred_at=now - datetime.timedelta(minutes=5),
        )
    make_household(UNIT, "em-own")
    make_household(OTHER_UNIT, "em-foreign")
    today = timezone.localdate()
    tag = Tag.objects.get(code="elderly_alone")
    rows["own_sweep"] = sweeps.start_sweep(
        actor=chief,
        area_code=VILLAGE,
        tag_id=tag.pk,
        name="本村敲门行动",
        starts_on=today,
        ends_on=today,
    )
    sweeps.assign_to_unit_workers(actor=chief, sweep_id=rows["own_sweep"].pk)
    rows["foreign_sweep"] = Sweep.objects.create(
        area_code=OTHER_VILLAGE,
        name="外镇敲门行动",
        tag=tag,
        starts_on=today,
        ends_on=today,
        created_by=outsider,
    )
    from yiwang.registry.models import Household

    foreign_home = Household.objects.get(number="em-foreign")
    rows["foreign_household"] = SweepHousehold.objects.create(
        sweep=rows["foreign_sweep"],
        household=foreign_home,
        area_code=foreign_home.area_code,
        assignee=outsider,
    )
    rows["own_household"] = SweepHousehold.objects.filter(sweep=rows["own_sweep"]).first()
    w["emerg"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {
        "incident_id": rows["own_incident"].pk,
        "sweep_id": rows["own_sweep"].pk,
        "sweep_household_id": rows["own_household"].pk,
    }


def unchanged(w):
    return (
        list(Incident.objects.order_by("id").values_list("id", "status", "written_report")),
        list(Sweep.objects.order_by("id").values_list("id", "status")),
        list(SweepHousehold.objects.order_by("id").values_list("id", "assignee", "result")),
    )


def _names(body: str, rows, kind: str) -> set[str]:
    field = "title" if kind == "incident" else "name"
    return {side for side in ("own", "foreign") if getattr(rows[f"{side}_{kind}"], field) in body}


def listing(name, kind):
    def check(w):
        rows = seed(w)
        body = w["client"].get(reverse(name)).content.decode()
        assert _names(body, rows, kind) == {"own"}

    return check


def detail(name, kind):
    def check(w):
        rows = seed(w)
        c = w["client"]
        assert c.get(reverse(name, args=[rows[f"own_{kind}"].pk])).status_code == 200
        assert c.get(reverse(name, args=[rows[f"foreign_{kind}"].pk])).status_code == 404

    return check


def incident_create(w):
    rows = seed(w)
    before = unchanged(w)
    sent = w["client"].post(
        reverse("duty:incident-create"),
        {
            "uuid": str(uuid.uuid4()),
            "area_code": OTHER_VILLAGE,
            "kind": "fire",
            "title": "外镇",
            "text": "外镇",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert sent.status_code == 400
    assert unchanged(w) == before
    assert rows


def incident_step(w):
    rows = seed(w)
    before = unchanged(w)
    for step in ("receive-town", "receive-county", "written-report", "close"):
        url = reverse("duty:incident-step", args=[rows["foreign_incident"].pk, step])
        assert w["client"].post(url, {"report": "x"}).status_code == 404
    assert unchanged(w) == before


def sweep_create(w):
    seed(w)
    before = unchanged(w)
    from yiwang.registry.models import Tag

    sent = w["client"].post(
        reverse("duty:sweep-create"),
        {
            "area_code": OTHER_VILLAGE,
            "tag_id": Tag.objects.get(code="elderly_alone").pk,
            "name": "外镇",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": timezone.localdate().isoformat(),
        },
    )
    assert sent.status_code == 400
    assert unchanged(w) == before


def sweep_step(w):
    rows = seed(w)
    before = unchanged(w)
    for step in ("assign-workers", "close"):
        url = reverse("duty:sweep-step", args=[rows["foreign_sweep"].pk, step])
        assert w["client"].post(url).status_code == 404
    assert unchanged(w) == before


def households_page(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:sweep-households")).content.decode()
    assert f'data-household="{rows["own_household"].household_id}"' in body
    assert f'data-household="{rows["foreign_household"].household_id}"' not in body


def mine_page(w):
    rows = seed(w)
    from django.test import Client

    client = Client()
    client.force_login(w["own_user"])
    body = client.get(reverse("duty:sweep-mine")).content.decode()
    assert reverse("duty:sweep-visit", args=[rows["own_household"].pk]) in body
    assert reverse("duty:sweep-visit", args=[rows["foreign_household"].pk]) not in body


def visit_page(w):
    rows = seed(w)
    before = unchanged(w)
    foreign = reverse("duty:sweep-visit", args=[rows["foreign_household"].pk])
    assert w["client"].get(foreign).status_code == 404
    assert (
        w["client"].post(foreign, {"uuid": str(uuid.uuid4()), "result": "safe"}).status_code == 404
    )
    assert unchanged(w) == before
    own = reverse("duty:sweep-visit", args=[rows["own_household"].pk])
    assert w["client"].get(own).status_code == 200


def api_list(url, kind):
    def check(w):
        rows = seed(w)
        listed = w["client"].get(url).json()["results"]
        ids = {row["id"] for row in listed}
        assert rows[f"own_{kind}"].pk in ids and rows[f"foreign_{kind}"].pk not in ids

    return check


def api_detail(url, kind, suffix=""):
    def check(w):
        rows = seed(w)
        c = w["client"]
        assert c.get(f"{url}{rows[f'own_{kind}'].pk}/{suffix}").status_code == 200
        assert c.get(f"{url}{rows[f'foreign_{kind}'].pk}/{suffix}").status_code == 404

    return check


def api_incident_create(w):
    seed(w)
    before = unchanged(w)
    sent = w["client"].post(
        "/api/v1/incidents/",
        json.dumps(
            {
                "area_code": OTHER_VILLAGE,
                "kind": "fire",
                "title": "外镇",
                "text": "外镇",
                "occurred_at": timezone.now().isoformat(),
            }
        ),
        content_type=JSON,
    )
    assert sent.status_code == 400
    assert unchanged(w) == before


def api_incident_step(step):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        url = f"/api/v1/incidents/{rows['foreign_incident'].pk}/{step}/"
        data = json.dumps({"report": "x", "note": "x"})
        assert w["client"].post(url, data, content_type=JSON).status_code == 404
        assert unchanged(w) == before

    return check


def api_visit(w):
    rows = seed(w)
    before = unchanged(w)
    url = f"/api/v1/sweep-households/{rows['foreign_household'].pk}/visit/"
    data = json.dumps({"uuid": str(uuid.uuid4()), "result": "safe"})
    assert w["client"].post(url, data, content_type=JSON).status_code == 404
    assert unchanged(w) == before


CHECKS = {
    "duty:incidents": listing("duty:incidents", "incident"),
    "duty:incident": detail("duty:incident", "incident"),
    "duty:incident-create": incident_create,
    "duty:incident-step": incident_step,
    "duty:sweeps": listing("duty:sweeps", "sweep"),
    "duty:sweep": detail("duty:sweep", "sweep"),
    "duty:sweep-create": sweep_create,
    "duty:sweep-step": sweep_step,
    "duty:sweep-households": households_page,
    "duty:sweep-mine": mine_page,
    "duty:sweep-visit": visit_page,
    "api:incident-list GET": api_list("/api/v1/incidents/", "incident"),
    "api:incident-list POST": api_incident_create,
    "api:incident-detail GET": api_detail("/api/v1/incidents/", "incident"),
    **{
        f"api:incident-{step} POST": api_incident_step(step)
        for step in ("receive-town", "receive-county", "written-report", "close")
    },
    "api:sweep-list GET": api_list("/api/v1/sweeps/", "sweep"),
    "api:sweep-detail GET": api_detail("/api/v1/sweeps/", "sweep"),
    "api:sweep-progress GET": api_detail("/api/v1/sweeps/", "sweep", "progress/"),
    "api:sweep-household-list GET": api_list("/api/v1/sweep-households/", "household"),
    "api:sweep-household-detail GET": api_detail("/api/v1/sweep-households/", "household"),
    "api:sweep-household-visit POST": api_visit,
}
