"""The scope rule on every route: a test per URL name, found by walking the URL patterns.

A new route that is in neither PUBLIC nor CHECKS fails `test_every_route_has_a_scope_check`.
The viewer is the grid chief of 南门社区; the foreign objects belong to the outsider in
another town. Outside the scope answers 404 (like a missing object) and changes nothing;
lists leave foreign rows out.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import GRID, OTHER_GRID, OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.models import Post
from yiwang.areas.models import Area
from yiwang.areas.services import set_boundary
from yiwang.core.models import AuditEntry, ImportJob


def route_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from route_names(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"


# Routes that need no scope: they show nothing that belongs to an area.
PUBLIC = {"login", "logout", "set_language", "api:token", "api:schema", "api:docs", "api:api-root"}


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def world(chief, worker, outsider):
    set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.1, 35.1))
    set_boundary(actor=None, code=OTHER_UNIT, boundary=box(117.0, 36.0, 117.1, 36.1))
    client = Client()
    client.force_login(chief)
    return {
        "client": client,
        "own_post": Post.objects.get(user=worker),
        "foreign_post": Post.objects.get(user=outsider),
        "own_user": worker,
        "foreign_user": outsider,
        "own_entry": AuditEntry.objects.filter(area_code=GRID).first(),
        "foreign_entry": AuditEntry.objects.filter(area_code=OTHER_GRID).first(),
        "own_job": ImportJob.objects.create(
            kind="areas", filename="a.csv", data=b"", created_by=chief, area_code=VILLAGE
        ),
        "foreign_job": ImportJob.objects.create(
            kind="areas", filename="b.csv", data=b"", created_by=outsider, area_code=OTHER_VILLAGE
        ),
    }


def detail(name, own, foreign):
    """GET of the own object works; of the foreign one, 404."""

    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[own(w)])).status_code == 200
        assert c.get(reverse(name, args=[foreign(w)])).status_code == 404

    return check


def listing(name, query=""):
    """The list answers and shows none of the outsider's town."""

    def check(w):
        response = w["client"].get(reverse(name) + query)
        assert response.status_code == 200
        body = response.content.decode()
        assert OTHER_VILLAGE not in body and "outsider" not in body
        return body

    return check


def write(name, args, data, unchanged, content_type=None):
    """A write aimed at the foreign object answers 404 and changes nothing."""

    def check(w):
        before = unchanged(w)
        kwargs = {"content_type": content_type} if content_type else {}
        response = w["client"].post(reverse(name, args=args(w)), data, **kwargs)
        assert response.status_code == 404, (name, response.status_code, response.content[:300])
        assert unchanged(w) == before

    return check


def foreign_area_state(w):
    return list(Area.objects.under(OTHER_VILLAGE).values_list("code", "name", "closed_on"))


def foreign_post_state(w):
    return list(
        Post.objects.filter(area_code__startswith=OTHER_VILLAGE).values_list("id", "ends_on")
    )


def locate(w):
    c = w["client"]
    assert c.get(reverse("api:area-locate") + "?lng=116.05&lat=35.05").json()["code"] == UNIT
    assert c.get(reverse("api:area-locate") + "?lng=117.05&lat=36.05").status_code == 404


def home(w):
    response = w["client"].get(reverse("areas:home"), follow=True)
    assert response.status_code == 200 and OTHER_VILLAGE not in response.content.decode()


JSON = "application/json"
CHECKS = {
    "areas:home": home,
    "areas:detail": detail("areas:detail", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "areas:import": write(
        "areas:import", lambda w: [OTHER_VILLAGE], {"file": ""}, foreign_area_state
    ),
    "core:import-detail": detail(
        "core:import-detail", lambda w: w["own_job"].pk, lambda w: w["foreign_job"].pk
    ),
    "areas:map": detail("areas:map", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "areas:create": write(
        "areas:create", lambda w: [OTHER_GRID], {"name": "x"}, foreign_area_state
    ),
    "accounts:posts": listing("accounts:posts"),
    "accounts:post-end": write(
        "accounts:post-end", lambda w: [w["foreign_post"].pk], {"confirm": "1"}, foreign_post_state
    ),
    "accounts:users": listing("accounts:users"),
    "accounts:user-detail": detail(
        "accounts:user-detail", lambda w: w["own_user"].pk, lambda w: w["foreign_user"].pk
    ),
    "core:audit": listing("core:audit"),
    "core:audit-detail": detail(
        "core:audit-detail", lambda w: w["own_entry"].pk, lambda w: w["foreign_entry"].pk
    ),
    "api:area-list": listing("api:area-list", "?limit=1000"),
    "api:area-detail": detail("api:area-detail", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-children": detail("api:area-children", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-subtree": detail("api:area-subtree", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-rollup": detail("api:area-rollup", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-close": write("api:area-close", lambda w: [OTHER_UNIT], {}, foreign_area_state, JSON),
    "api:area-locate": locate,
    "api:post-list": listing("api:post-list"),
    "api:post-detail": detail(
        "api:post-detail", lambda w: w["own_post"].pk, lambda w: w["foreign_post"].pk
    ),
    "api:post-end": write(
        "api:post-end", lambda w: [w["foreign_post"].pk], {}, foreign_post_state, JSON
    ),
    "api:user-list": listing("api:user-list"),
    "api:user-detail": detail(
        "api:user-detail", lambda w: w["own_user"].pk, lambda w: w["foreign_user"].pk
    ),
    "api:auditentry-list": listing("api:auditentry-list", "?limit=1000"),
    "api:auditentry-detail": detail(
        "api:auditentry-detail", lambda w: w["own_entry"].pk, lambda w: w["foreign_entry"].pk
    ),
}


def post_give(w):
    """Giving a post on a foreign area through the form: refused, nothing written."""
    before = foreign_post_state(w)
    response = w["client"].post(
        reverse("accounts:post-give"),
        {"username": "worker", "role": "grid_worker", "area_code": OTHER_UNIT},
    )
    assert response.status_code in (200, 404)
    assert foreign_post_state(w) == before


CHECKS["accounts:post-give"] = post_give


def test_every_route_has_a_scope_check():
    names = set(route_names())
    unchecked = names - PUBLIC - set(CHECKS)

    assert not unchecked, f"routes without a scope check in {__name__}: {sorted(unchecked)}"
    assert not set(CHECKS) - names, "checks for routes that no longer exist"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_scope_holds_on(name, world):
    CHECKS[name](world)
