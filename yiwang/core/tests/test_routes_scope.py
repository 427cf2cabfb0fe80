"""The scope rule on every route: a check per route, found by walking the URL patterns.

API routes are checked per HTTP method (a viewset's action map says which it answers);
page routes per name, their check exercising each method the view takes. A new route, or a
new method on an API route, that is in neither PUBLIC nor CHECKS fails
`test_every_route_has_a_scope_check`.
The viewer is the grid chief of 南门社区; the foreign objects belong to the outsider in
another town. Outside the scope answers 404 (like a missing object) and changes nothing;
lists leave foreign rows out.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import GRID, OTHER_GRID, OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.models import Post, User
from yiwang.areas.models import Area
from yiwang.areas.services import set_boundary
from yiwang.core.models import AuditEntry, ImportJob


def _methods(callback) -> list[str]:
    """The HTTP methods a DRF view answers; [] for a plain Django view."""
    if getattr(callback, "actions", None):  # a viewset route: its action map
        return sorted(m.upper() for m in callback.actions if m not in {"head", "options"})
    cls = getattr(callback, "cls", None)
    if cls is not None:  # an APIView
        return sorted(
            m.upper()
            for m in cls.http_method_names
            if m not in {"options", "head"} and hasattr(cls, m)
        )
    return []


def routes(patterns=None, namespace=""):
    """'name METHOD' for every method of every API route; 'name' for every page route."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"
            methods = _methods(pattern.callback)
            if not methods:
                yield name
            for method in methods:
                yield f"{name} {method}"


# Routes that need no scope: they show nothing that belongs to an area.
PUBLIC = {
    "login",
    "logout",
    "set_language",
    "api:token POST",
    "api:schema GET",
    "api:docs GET",
    "api:api-root GET",
}


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


def listing(name, own, query=""):
    """The list answers, shows the viewer's own rows and none of the outsider's town."""

    def check(w):
        response = w["client"].get(reverse(name) + query)
        assert response.status_code == 200
        body = response.content.decode()
        assert own in body, f"{name} does not show {own!r}"
        assert OTHER_VILLAGE not in body and "outsider" not in body
        return body

    return check


def write(name, args, data, unchanged, content_type=None, method="post"):
    """A write aimed at the foreign object answers 404 and changes nothing."""

    def check(w):
        before = unchanged(w)
        kwargs = {"content_type": content_type} if content_type else {}
        send = getattr(w["client"], method)
        response = send(reverse(name, args=args(w)), data, **kwargs)
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
    "accounts:posts": listing("accounts:posts", "worker"),
    "accounts:post-end": write(
        "accounts:post-end", lambda w: [w["foreign_post"].pk], {"confirm": "1"}, foreign_post_state
    ),
    "accounts:users": listing("accounts:users", "worker"),
    "accounts:user-detail": detail(
        "accounts:user-detail", lambda w: w["own_user"].pk, lambda w: w["foreign_user"].pk
    ),
    "core:audit": listing("core:audit", GRID),
    "core:audit-detail": detail(
        "core:audit-detail", lambda w: w["own_entry"].pk, lambda w: w["foreign_entry"].pk
    ),
    "api:area-list GET": listing("api:area-list", GRID, "?limit=500"),
    "api:area-list POST": write(
        "api:area-list",
        lambda w: [],
        {"parent_code": OTHER_GRID, "name": "x"},
        foreign_area_state,
        JSON,
    ),
    "api:area-detail PATCH": write(
        "api:area-detail",
        lambda w: [OTHER_VILLAGE],
        {"name": "x"},
        foreign_area_state,
        JSON,
        "patch",
    ),
    "api:area-detail GET": detail("api:area-detail", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-children GET": detail(
        "api:area-children", lambda w: VILLAGE, lambda w: OTHER_VILLAGE
    ),
    "api:area-subtree GET": detail("api:area-subtree", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-rollup GET": detail("api:area-rollup", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "api:area-close POST": write(
        "api:area-close", lambda w: [OTHER_UNIT], {}, foreign_area_state, JSON
    ),
    "api:area-locate GET": locate,
    "api:post-list GET": listing("api:post-list", "worker"),
    "api:post-list POST": write(
        "api:post-list",
        lambda w: [],
        {"username": "worker", "role": "grid_worker", "area_code": OTHER_UNIT},
        foreign_post_state,
        JSON,
    ),
    "api:post-detail GET": detail(
        "api:post-detail", lambda w: w["own_post"].pk, lambda w: w["foreign_post"].pk
    ),
    "api:post-end POST": write(
        "api:post-end", lambda w: [w["foreign_post"].pk], {}, foreign_post_state, JSON
    ),
    "api:user-list GET": listing("api:user-list", "worker"),
    "api:user-list POST": write(
        "api:user-list",
        lambda w: [],
        {"username": "spy", "password": "Strong-pass-2026", "area_code": OTHER_UNIT},
        lambda w: list(User.objects.filter(username="spy").values_list("id")),
        JSON,
    ),
    "api:user-detail GET": detail(
        "api:user-detail", lambda w: w["own_user"].pk, lambda w: w["foreign_user"].pk
    ),
    "api:auditentry-list GET": listing("api:auditentry-list", GRID, "?limit=500"),
    "api:auditentry-detail GET": detail(
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
    found = set(routes())
    unchecked = found - PUBLIC - set(CHECKS)

    assert not unchecked, f"routes without a scope check in {__name__}: {sorted(unchecked)}"
    assert not set(CHECKS) - found, "checks for routes that no longer exist"
    assert {"api:area-list POST", "api:area-detail PATCH"} <= found  # the walk sees methods


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_scope_holds_on(name, world):
    CHECKS[name](world)
