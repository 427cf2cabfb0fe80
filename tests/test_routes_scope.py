"""The scope rule on every route: a check per route, found by walking the URL patterns.

API routes are checked per HTTP method (a viewset's action map says which it answers);
page routes per name, their check exercising each method the view takes. A new route, or a
new method on an API route, that is in neither PUBLIC nor CHECKS fails
`test_every_route_has_a_scope_check`.
The viewer is the grid chief of 南门社区; the foreign objects belong to the outsider in
another town. Outside the scope answers 404 (like a missing object) and changes nothing;
lists leave foreign rows out.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import GRID, OTHER_GRID, OTHER_UNIT, OTHER_VILLAGE, SHARED, UNIT, VILLAGE
from yiwang.accounts.models import Post, User
from yiwang.areas.models import Area
from yiwang.areas.services import set_boundary
from yiwang.cases.tests.scope_checks import CASE_CHECKS, CASE_PUBLIC
from yiwang.cockpit.tests.scope_checks import COCKPIT_CHECKS
from yiwang.coops.tests import checks_alliances as coops_alliances
from yiwang.coops.tests import checks_api as coops_checks_api
from yiwang.coops.tests import checks_coops
from yiwang.coops.tests import checks_distributions as coop_distributions
from yiwang.coops.tests import checks_members as coops_members
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.tests.export_scope_checks import EXPORT_CHECKS
from yiwang.duty.tests import checks_emerg, checks_rosters, checks_supplies
from yiwang.notices.tests.outbox_scope_checks import OUTBOX_CHECKS
from yiwang.notices.tests.scope_checks import NOTICES_CHECKS, NOTICES_PUBLIC
from yiwang.outreach.tests.scope_checks import OUTREACH_CHECKS, OUTREACH_PUBLIC
from yiwang.points.tests.scope_checks import POINTS_CHECKS, POINTS_PUBLIC
from yiwang.projects.tests import (
    checks_battle_map,
    checks_core_api,
    checks_project_pages,
    checks_support,
)
from yiwang.registry.models import (
    Household,
    LifeEvent,
    Migrant,
    Resident,
    ResidentTag,
    Reveal,
    Tag,
)
from yiwang.registry.services import (
    add_resident,
    create_household,
    register_migrant,
)
from yiwang.registry.tests.conftest import make_id
from yiwang.services.tests import checks_api as services_checks_api
from yiwang.services.tests import checks_pages as services_pages
from yiwang.volunteering.tests import checks_certificates, checks_rollups, checks_wishes
from yiwang.volunteering.tests.scope_checks import VOLUNTEERING_CHECKS


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
    # Liveness and readiness for a load balancer: no data, no names of hosts.
    "healthz",
    "readyz",
    # Prometheus's scrape: counts, no rows; only to METRICS_ALLOWED_IPS or METRICS_TOKEN.
    "metrics",
    "registry:template",  # the empty import workbook: headers and the tag names
    "login",
    "logout",
    "set_language",
    "api:token POST",
    # Revokes only the token the request is sent with.
    "api:token DELETE",
    # One's own password.
    "accounts:password",
    "api:schema GET",
    "api:docs GET",
    "api:api-root GET",
    # The service worker script (/sw.js): the same code for everyone, registered before
    # signing in too; it names static files and page addresses, no row of any area.
    "core:service-worker",
}


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def ledger(actor, unit, number, name, birth, seq):
    """A household with its head (with an ID number), a likely duplicate of the head (no ID
    number, same name and birth date) in a second household, and a migrant it hosts."""
    home = create_household(actor=actor, unit_code=unit, number=number, address=f"{name}家")
    head = add_resident(
        actor=actor,
        household_id=home.pk,
        name=name,
        relation="head",
        id_number=make_id(birth, seq),
        phone="13812345678",
    )
    double = create_household(actor=actor, unit_code=unit, number=f"{number}-2")
    add_resident(actor=actor, household_id=double.pk, name=name, relation="head", birth_date=birth)
    migrant = register_migrant(
        actor=actor,
        name=f"{name}的租客",
        origin="济宁",
        arrived_on="2026-01-05",
        host_household_id=home.pk,
    )
    return home, head, migrant


@pytest.fixture
def world(chief, worker, outsider):
    """The ledger, boundaries and jobs every check reads, built once a session (see
    tests/snapshots.py); the chief's signed-in client is new for each test."""

    def build():
        set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.1, 35.1))
        set_boundary(actor=None, code=OTHER_UNIT, boundary=box(117.0, 36.0, 117.1, 36.1))
        own_household, own_resident, own_migrant = ledger(
            worker, UNIT, "001", "张三", "19600302", "011"
        )
        foreign_household, foreign_resident, foreign_migrant = ledger(
            outsider, OTHER_UNIT, "外101", "王五", "19750101", "031"
        )
        return {
            "own_household": own_household,
            "own_resident": own_resident,
            "own_migrant": own_migrant,
            "foreign_household": foreign_household,
            "foreign_resident": foreign_resident,
            "foreign_migrant": foreign_migrant,
            "own_post": Post.objects.get(user=worker),
            "foreign_post": Post.objects.get(user=outsider),
            "own_entry": AuditEntry.objects.filter(area_code=GRID).first(),
            "foreign_entry": AuditEntry.objects.filter(area_code=OTHER_GRID).first(),
            "own_job": ImportJob.objects.create(
                kind="areas", filename="a.csv", data=b"", created_by=chief, area_code=VILLAGE
            ),
            "foreign_job": ImportJob.objects.create(
                kind="areas",
                filename="b.csv",
                data=b"",
                created_by=outsider,
                area_code=OTHER_VILLAGE,
            ),
        }

    client = Client()
    client.force_login(chief)
    return {
        **SHARED.build_or_restore("routes-world", build),
        "client": client,
        "own_user": worker,
        "foreign_user": outsider,
    }


def detail(name, own, foreign):
    """GET of the own object works; of the foreign one, 404."""

    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[own(w)])).status_code == 200
        assert c.get(reverse(name, args=[foreign(w)])).status_code == 404

    return check


def listing(name, own, query=""):
    """The list answers, shows the viewer's own rows (`own`: text of them, or a function of
    the world giving it) and none of the outsider's town."""

    def check(w):
        response = w["client"].get(reverse(name) + query)
        assert response.status_code == 200
        body = response.content.decode()
        shown = own(w) if callable(own) else own
        assert shown in body, f"{name} does not show {shown!r}"
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


def ledger_listing(name, own, query=""):
    """A ledger list: the viewer's own rows, none of the outsider's (by name or number)."""

    def check(w):
        body = listing(name, own, query)(w)
        for foreign in ("王五", w["foreign_resident"].id_number, w["foreign_household"].number):
            assert foreign not in body, f"{name} shows the foreign {foreign!r}"

    return check


def foreign_ledger_state(w):
    """Every ledger row of the outsider's village, and every reveal; own rows that a write
    could move into it."""
    return (
        list(Household.objects.under(OTHER_VILLAGE).values_list("id", "number", "status")),
        list(
            Resident.objects.order_by("id").values_list(
                "id", "household_id", "relation", "status", "area_code"
            )
        ),
        list(
            ResidentTag.objects.filter(resident__area_code__startswith=OTHER_VILLAGE)
            .order_by("id")
            .values_list("id", "tag_id", "ends_on")
        ),
        list(LifeEvent.objects.under(OTHER_VILLAGE).values_list("id", flat=True)),
        list(Migrant.objects.under(OTHER_VILLAGE).values_list("id", flat=True)),
        Reveal.objects.count(),
    )


def tag_state(w):
    return list(Tag.objects.order_by("code").values_list("code", "name", "makes_key_household"))


def refused(name, args, data, method="post"):
    """A write the viewer's posts do not allow (the tag taxonomy is a county admin's):
    403, and nothing changes."""

    def check(w):
        before = tag_state(w)
        send = getattr(w["client"], method)
        response = send(reverse(name, args=args(w)), data, content_type=JSON)
        assert response.status_code == 403, (name, response.status_code, response.content[:300])
        assert tag_state(w) == before

    return check


def tags_are_shared(name, args):
    """The taxonomy belongs to no area: every signed-in user reads it."""

    def check(w):
        response = w["client"].get(reverse(name, args=args(w)))
        assert response.status_code == 200 and "dibao" in response.content.decode()

    return check


def ledger_rollup(w):
    c, url = w["client"], reverse("api:household-rollup")
    own = c.get(url, {"area": VILLAGE})
    assert own.status_code == 200 and own.json()[0]["households"] == 2
    assert c.get(url, {"area": OTHER_VILLAGE}).status_code == 404
    assert c.get(url, {"area": OTHER_UNIT[:9]}).status_code == 404


def resident_export(w):
    """The export holds the viewer's residents and none of the outsider's."""
    response = w["client"].get(reverse("api:resident-export") + "?format=csv")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "张三" in body and "王五" not in body and OTHER_VILLAGE not in body
    response = w["client"].get(reverse("api:resident-export") + f"?format=csv&under={OTHER_UNIT}")
    assert "王五" not in response.content.decode("utf-8-sig")


def transfer_both_ways(w):
    """Neither a foreign resident into the viewer's household, nor the viewer's resident
    into a foreign household."""
    own, foreign = w["own_resident"], w["foreign_resident"]
    write(
        "api:resident-transfer",
        lambda w: [foreign.pk],
        {"to_household": w["own_household"].pk, "relation": "child"},
        foreign_ledger_state,
        JSON,
    )(w)
    write(
        "api:resident-transfer",
        lambda w: [own.pk],
        {"to_household": w["foreign_household"].pk, "relation": "child"},
        foreign_ledger_state,
        JSON,
    )(w)


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


def area_picker(w):
    """The picker finds the viewer's areas, and nothing of the outsider's by name, pinyin
    initials, code or a walk down the tree."""
    c, url = w["client"], reverse("areas:picker")
    assert f'data-picker-choose="{GRID}"' in c.get(url, {"q": "第一网格"}).content.decode()
    for query in ({"q": "西门"}, {"q": "xmsq"}, {"q": OTHER_VILLAGE}, {"q": "第一网格"}):
        body = c.get(url, query).content.decode()
        assert OTHER_VILLAGE not in body and "西门" not in body
    assert c.get(url, {"parent": OTHER_VILLAGE}).status_code == 404


def account_home(w):
    response = w["client"].get(reverse("accounts:home"))
    assert response.status_code == 200 and OTHER_VILLAGE not in response.content.decode()


def account_me(w):
    response = w["client"].get(reverse("accounts:me"))
    assert response.status_code == 302
    assert w["client"].get(response["Location"]).status_code == 200


def resident_card(w):
    """The card of a foreign resident is not found, and revealing on it changes nothing."""
    detail("registry:resident", lambda w: w["own_resident"].pk, lambda w: w["foreign_resident"].pk)(
        w
    )
    write(
        "registry:resident",
        lambda w: [w["foreign_resident"].pk],
        {"field": "id_number", "reason": "核实身份信息"},
        lambda w: list(Reveal.objects.values_list("id")),
    )(w)


def job_state(w):
    return list(ImportJob.objects.order_by("id").values_list("id", "status"))


def error_file_of(name):
    def check(w):
        jobs = [w["own_job"].pk, w["foreign_job"].pk]
        ImportJob.objects.filter(pk__in=jobs).update(error_file=b"x")
        detail(name, lambda w: w["own_job"].pk, lambda w: w["foreign_job"].pk)(w)

    return check


def import_upload_elsewhere(w):
    """An upload into another town's area: 404, nothing queued."""
    before = job_state(w)
    upload = SimpleUploadedFile("l.csv", b"x")
    response = w["client"].post(
        reverse("api:import-list"), {"kind": "ledger", "area_code": OTHER_VILLAGE, "file": upload}
    )
    assert response.status_code == 404, response.content[:300]
    assert job_state(w) == before


def ledger_import_elsewhere(w):
    """The form offers only the viewer's areas: another town's is refused, nothing queued."""
    before = job_state(w)
    response = w["client"].post(
        reverse("registry:import"), {"area": OTHER_VILLAGE, "file": io.BytesIO(b"x")}
    )
    assert response.status_code == 200
    assert job_state(w) == before


def foreign_household_state(w):
    """The outsider's households as a page could change them."""
    return list(
        Household.objects.under(OTHER_VILLAGE)
        .order_by("id")
        .values_list("id", "address", "door_number", "category_override", "category_reason")
    )


def foreign_person_state(w):
    return list(
        Resident.objects.under(OTHER_VILLAGE)
        .order_by("id")
        .values_list("id", "name", "phone", "ethnicity", "is_party_member", "relation")
    )


def foreign_migrant_state(w):
    return list(Migrant.objects.under(OTHER_VILLAGE).order_by("id").values_list("id", "left_on"))


def page(name, own, foreign, data, state):
    """A page of one ledger object: the viewer's own opens, the foreign one is not found,
    and a POST to it answers 404 and changes nothing."""

    def check(w):
        detail(name, own, foreign)(w)
        write(name, lambda w: [foreign(w)], data, state)(w)

    return check


def household_page(name, data, state=foreign_ledger_state):
    return page(
        name, lambda w: w["own_household"].pk, lambda w: w["foreign_household"].pk, data, state
    )


def resident_page(name, data, state=foreign_ledger_state):
    return page(
        name, lambda w: w["own_resident"].pk, lambda w: w["foreign_resident"].pk, data, state
    )


def form_refuses(name, data, state=foreign_ledger_state):
    """A form aimed at a foreign area or household: the page opens, the POST comes back
    with a form error (or 404), and nothing changes."""

    def check(w):
        assert w["client"].get(reverse(name)).status_code == 200
        before = state(w)
        response = w["client"].post(reverse(name), data)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert state(w) == before

    return check


def page_transfer_both_ways(w):
    """Neither a foreign resident into the viewer's household (404), nor the viewer's
    resident into a foreign household (not found in the scope); the search for a target
    household shows none of the outsider's."""
    resident_page(
        "registry:resident-transfer",
        {"unit_code": UNIT, "number": "001-2", "relation": "child", "on": "2026-01-10"},
    )(w)
    url = reverse("registry:resident-transfer", args=[w["own_resident"].pk])
    before = foreign_ledger_state(w)
    for confirm in ("", "1"):
        response = w["client"].post(
            url,
            {
                "unit_code": OTHER_UNIT,
                "number": w["foreign_household"].number,
                "relation": "child",
                "on": "2026-01-10",
                "confirm": confirm,
            },
        )
        assert response.status_code == 200 and not response.context["review"]
    assert foreign_ledger_state(w) == before
    hits = w["client"].get(url + "?q=王五").content.decode().split('id="household-hits"')[1]
    assert "王五" not in hits and OTHER_UNIT not in hits


def tag_page_refused(name, args, data):
    """The tag configuration is a county admin's: 403 to the grid chief, nothing changes."""

    def check(w):
        before = tag_state(w)
        url = reverse(name, args=args)
        assert w["client"].get(url).status_code == 403
        assert w["client"].post(url, data).status_code == 403
        assert tag_state(w) == before

    return check


JSON = "application/json"
CHECKS = {
    "registry:import": ledger_import_elsewhere,
    "core:import-commit": write(
        "core:import-commit", lambda w: [w["foreign_job"].pk], {}, job_state
    ),
    "core:import-errors": error_file_of("core:import-errors"),
    "core:imports": listing("core:imports", "a.csv"),
    "api:import-list GET": listing("api:import-list", "a.csv"),
    "api:import-list POST": import_upload_elsewhere,
    "api:import-detail GET": detail(
        "api:import-detail", lambda w: w["own_job"].pk, lambda w: w["foreign_job"].pk
    ),
    "api:import-commit POST": write(
        "api:import-commit", lambda w: [w["foreign_job"].pk], {}, job_state
    ),
    "api:import-error-file GET": error_file_of("api:import-error-file"),
    "api:import-errors GET": detail(
        "api:import-errors", lambda w: w["own_job"].pk, lambda w: w["foreign_job"].pk
    ),
    "registry:residents": listing("registry:residents", "张三"),
    "registry:household": detail(
        "registry:household", lambda w: w["own_household"].pk, lambda w: w["foreign_household"].pk
    ),
    "registry:resident": resident_card,
    "registry:household-create": form_refuses(
        "registry:household-create", {"unit_code": OTHER_UNIT, "number": "999"}
    ),
    "registry:household-edit": household_page(
        "registry:household-edit", {"address": "x"}, foreign_household_state
    ),
    "registry:household-category": household_page(
        "registry:household-category",
        {"category": "key", "reason": "村委会认定"},
        foreign_household_state,
    ),
    "registry:resident-add": household_page(
        "registry:resident-add",
        {"name": "混入", "relation": "child", "event": "move_in", "on": "2026-01-05"},
    ),
    "registry:resident-edit": resident_page(
        "registry:resident-edit", {"name": "x", "phone": "13912345678"}, foreign_person_state
    ),
    "registry:resident-tags": resident_page(
        "registry:resident-tags", {"tags": ["dibao"], "on": "2026-01-05"}
    ),
    "registry:resident-move-out": resident_page("registry:resident-move-out", {"on": "2026-01-05"}),
    "registry:resident-death": resident_page("registry:resident-death", {"on": "2026-01-05"}),
    "registry:resident-transfer": page_transfer_both_ways,
    "registry:resident-make-head": resident_page(
        "registry:resident-make-head", {"former_head_relation": "child"}
    ),
    "registry:duplicates": ledger_listing("registry:duplicates", "张三"),
    "registry:households": ledger_listing("registry:households", "张三"),
    "registry:migrants": ledger_listing("registry:migrants", "张三的租客"),
    "registry:migrant-create": lambda w: (
        form_refuses(
            "registry:migrant-create",
            {"name": "x", "origin": "x", "unit_code": OTHER_UNIT, "arrived_on": "2026-01-05"},
        )(w),
        form_refuses(
            "registry:migrant-create",
            {
                "name": "x",
                "origin": "x",
                "unit_code": OTHER_UNIT,
                "host_number": w["foreign_household"].number,
                "arrived_on": "2026-01-05",
            },
        )(w),
    ),
    "registry:migrant-left": page(
        "registry:migrant-left",
        lambda w: w["own_migrant"].pk,
        lambda w: w["foreign_migrant"].pk,
        {"left_on": "2026-02-01"},
        foreign_migrant_state,
    ),
    "registry:tags": tag_page_refused("registry:tags", [], {}),
    "registry:tag-create": tag_page_refused(
        "registry:tag-create", [], {"code": "spy", "name": "x", "category": "other"}
    ),
    "registry:tag-edit": tag_page_refused(
        "registry:tag-edit", ["dibao"], {"name": "x", "category": "other"}
    ),
    "areas:home": home,
    "accounts:home": account_home,
    "accounts:me": account_me,
    "areas:detail": detail("areas:detail", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "areas:import": write(
        "areas:import", lambda w: [OTHER_VILLAGE], {"file": ""}, foreign_area_state
    ),
    "core:import-detail": detail(
        "core:import-detail", lambda w: w["own_job"].pk, lambda w: w["foreign_job"].pk
    ),
    "areas:map": detail("areas:map", lambda w: VILLAGE, lambda w: OTHER_VILLAGE),
    "areas:picker": area_picker,
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
    # Areas and households are named on the page, their codes not shown: the own entry's link.
    "core:audit": listing(
        "core:audit", lambda w: reverse("core:audit-detail", args=[w["own_entry"].pk])
    ),
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
    "api:household-list GET": ledger_listing("api:household-list", "张三家"),
    "api:household-list POST": write(
        "api:household-list",
        lambda w: [],
        {"unit_code": OTHER_UNIT, "number": "999"},
        foreign_ledger_state,
        JSON,
    ),
    "api:household-detail GET": detail(
        "api:household-detail",
        lambda w: w["own_household"].pk,
        lambda w: w["foreign_household"].pk,
    ),
    "api:household-rollup GET": ledger_rollup,
    "api:resident-list GET": ledger_listing("api:resident-list", "张三"),
    "api:resident-list POST": lambda w: write(
        "api:resident-list",
        lambda w: [],
        {"household": w["foreign_household"].pk, "name": "混入", "relation": "child"},
        foreign_ledger_state,
        JSON,
    )(w),
    "api:resident-detail GET": detail(
        "api:resident-detail", lambda w: w["own_resident"].pk, lambda w: w["foreign_resident"].pk
    ),
    "api:resident-tags POST": write(
        "api:resident-tags",
        lambda w: [w["foreign_resident"].pk],
        {"tags": ["dibao"]},
        foreign_ledger_state,
        JSON,
    ),
    "api:resident-move-out POST": write(
        "api:resident-move-out",
        lambda w: [w["foreign_resident"].pk],
        {},
        foreign_ledger_state,
        JSON,
    ),
    "api:resident-death POST": write(
        "api:resident-death", lambda w: [w["foreign_resident"].pk], {}, foreign_ledger_state, JSON
    ),
    "api:resident-transfer POST": transfer_both_ways,
    "api:resident-reveal POST": write(
        "api:resident-reveal",
        lambda w: [w["foreign_resident"].pk],
        {"field": "id_number", "reason": "核实身份"},
        foreign_ledger_state,
        JSON,
    ),
    "api:resident-export GET": resident_export,
    "api:likely-duplicate-list GET": ledger_listing("api:likely-duplicate-list", "张三"),
    "api:migrant-list GET": ledger_listing("api:migrant-list", "张三的租客"),
    "api:migrant-list POST": write(
        "api:migrant-list",
        lambda w: [],
        {
            "unit_code": OTHER_UNIT,
            "name": "x",
            "origin": "x",
            "arrived_on": "2026-01-05",
            "address": "x",
        },
        foreign_ledger_state,
        JSON,
    ),
    "api:migrant-detail GET": detail(
        "api:migrant-detail", lambda w: w["own_migrant"].pk, lambda w: w["foreign_migrant"].pk
    ),
    "api:tag-list GET": tags_are_shared("api:tag-list", lambda w: []),
    "api:tag-detail GET": tags_are_shared("api:tag-detail", lambda w: ["dibao"]),
    "api:tag-list POST": refused(
        "api:tag-list", lambda w: [], {"code": "spy", "name": "x", "category": "other"}
    ),
    "api:tag-detail PATCH": refused(
        "api:tag-detail", lambda w: ["dibao"], {"makes_key_household": False}, "patch"
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


def _foreign_token(w):
    from knox.models import AuthToken

    from yiwang.accounts.selectors import token_id
    from yiwang.accounts.services import issue_token

    token = AuthToken.objects.filter(user=w["foreign_user"]).first()
    return token_id(token or issue_token(user=w["foreign_user"]))


def own_tokens(w):
    """One's own tokens only; another's cannot be seen nor revoked; the admin list is the
    county admin's."""
    foreign = _foreign_token(w)
    page = w["client"].get(reverse("accounts:tokens"))
    assert page.status_code == 200 and foreign not in page.content.decode()
    url = reverse("accounts:token-revoke", args=[foreign])
    assert w["client"].get(url).status_code == 404
    assert w["client"].post(url).status_code == 404
    assert w["client"].get(reverse("accounts:tokens-all")).status_code == 403


def foreign_token_state(w):
    from knox.models import AuthToken

    _foreign_token(w)
    return sorted(AuthToken.objects.values_list("digest", flat=True))


CHECKS["accounts:tokens"] = own_tokens
CHECKS["accounts:tokens-all"] = own_tokens
CHECKS["accounts:token-revoke"] = write(
    "accounts:token-revoke", lambda w: [_foreign_token(w)], {}, foreign_token_state
)
# The checks of the case routes live with the cases app.
CHECKS.update(CASE_CHECKS)
PUBLIC |= CASE_PUBLIC
# The checks of the outreach routes live with the outreach app.
CHECKS.update(OUTREACH_CHECKS)
PUBLIC |= OUTREACH_PUBLIC
PUBLIC |= POINTS_PUBLIC
CHECKS.update(EXPORT_CHECKS)
# The checks of the notices routes live with the notices app.
CHECKS.update(NOTICES_CHECKS)
CHECKS.update(OUTBOX_CHECKS)
CHECKS.update(COCKPIT_CHECKS)
CHECKS.update(POINTS_CHECKS)
CHECKS.update(VOLUNTEERING_CHECKS)
PUBLIC |= NOTICES_PUBLIC
CHECKS.update(checks_wishes.CHECKS)
PUBLIC |= checks_wishes.PUBLIC
CHECKS.update(checks_certificates.CHECKS)
CHECKS.update(checks_rollups.CHECKS)
PUBLIC |= checks_certificates.PUBLIC
CHECKS.update(checks_project_pages.CHECKS)
# The battle map's routes (projects app).
CHECKS.update(checks_battle_map.CHECKS)
CHECKS.update(checks_core_api.CHECKS)
CHECKS.update(checks_support.CHECKS)
# Government services' API (services app).
CHECKS.update(services_checks_api.CHECKS)
# The services' pages (catalogue, help requests, the public tracking page).
CHECKS.update(services_pages.CHECKS)
PUBLIC |= services_pages.PUBLIC
# The duty rosters' routes (duty app).
CHECKS.update(checks_rosters.CHECKS)
PUBLIC |= checks_rosters.PUBLIC
# Incidents and door-to-door sweeps (duty app).
CHECKS.update(checks_emerg.CHECKS)
# Supplies (duty app).
CHECKS.update(checks_supplies.CHECKS)
# The cooperatives' API (coops app).
CHECKS.update(coops_checks_api.CHECKS)
# The cooperatives' members, register, public notice and trading (coops app).
CHECKS.update(coops_members.CHECKS)
# The cooperatives' distributions and members' statements (coops app).
CHECKS.update(coop_distributions.CHECKS)
# Cooperatives: the roll-up, a cooperative, its charter and board (coops app).
CHECKS.update(checks_coops.CHECKS)
# The towns' alliances of cooperatives, and the alliance a cooperative is in (coops app).
CHECKS.update(coops_alliances.CHECKS)


def test_every_route_has_a_scope_check():
    found = set(routes())
    unchecked = found - PUBLIC - set(CHECKS)

    assert not unchecked, f"routes without a scope check in {__name__}: {sorted(unchecked)}"
    assert not set(CHECKS) - found, "checks for routes that no longer exist"
    assert {"api:area-list POST", "api:area-detail PATCH"} <= found  # the walk sees methods


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_scope_holds_on(name, world):
    CHECKS[name](world)
