"""The demo county: its shape, its logins, its boundaries, and that it is built only once.

Only the town scale is built here; the county scale is timed by benchmarks/run.py.
"""

import io
import random
from collections import Counter

import numpy as np
import pytest
import shapely
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from shapely.geometry import shape

from conftest import SHARED
from yiwang.accounts.models import Post, Role, User
from yiwang.accounts.scope import in_scope
from yiwang.areas.geometry import check_inside, parse_boundary, unit_locator
from yiwang.areas.models import Area, Level
from yiwang.cockpit.models import Snapshot
from yiwang.core.models import AuditEntry
from yiwang.demo.areas import (
    COUNTY_CODE,
    DEMO_PASSWORD,
    SCALES,
    build_demo,
    chinese_number,
    spread,
)

TOWN = COUNTY_CODE + "001"
VILLAGE = TOWN + "001"


@pytest.fixture
def demo(db):
    # Built once a session, restored for each test (tests/snapshots.py).
    return SHARED.build_or_restore(
        "demo-town", lambda: build_demo("town", seed=2026), reload=lambda counts: counts
    )


def _census() -> dict:
    return {
        "areas": Area.objects.count(),
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_it_spreads_counts_evenly():
    assert spread(937, 358).count(3) == 937 - 2 * 358
    assert sum(spread(7849, 937)) == 7849
    assert set(spread(7849, 937)) == {8, 9}
    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 23)] == [
        "一", "九", "十", "十二", "二十", "二十三",
    ]  # fmt: skip


def test_it_builds_the_town_scale_demo_with_two_towns_of_the_same_shape(demo):
    shape_ = SCALES["town"]
    assert Counter(Area.objects.values_list("level", flat=True)) == {
        Level.COUNTY: 1,
        Level.TOWN: 2,
        Level.VILLAGE: shape_.villages,
        Level.GRID: shape_.grids,
        Level.UNIT: shape_.units,
    }
    towns = list(Area.objects.of_level(Level.TOWN))
    assert [t.code for t in towns] == ["370829001", "370829002"]
    assert [t.name for t in towns] == ["嘉祥街道", "卧龙山街道"]
    per_town = [Counter(Area.objects.under(t.code).values_list("level", flat=True)) for t in towns]
    assert per_town[0] == per_town[1] == {"town": 1, "village": 25, "grid": 65, "unit": 546}

    for a in Area.objects.select_related("parent"):
        assert a.boundary and a.boundary_since
        if a.level == Level.COUNTY:
            assert a.parent is None and a.code == COUNTY_CODE
            continue
        assert a.parent.code == a.code[:-3]
        assert a.code[-3:] != "000"
    village_names = Counter((v.parent_id, v.name) for v in Area.objects.of_level(Level.VILLAGE))
    assert max(village_names.values()) == 1  # no two villages of a town share a name
    assert all(n.endswith("村") for _t, n in village_names)
    assert Area.objects.get(code=VILLAGE + "002").name == "第二网格"
    assert Area.objects.get(code=VILLAGE + "001003").name == "第3单元"

    roles = Counter(Post.objects.values_list("role", flat=True))
    assert roles == {
        Role.COUNTY_ADMIN: 1,
        Role.TOWN_ADMIN: 2,
        Role.GRID_CHIEF: shape_.villages,
        Role.GROUP_LEADER: shape_.grids,
        Role.GRID_WORKER: shape_.grid_workers,
    }
    workers_per_unit = Counter(
        Post.objects.filter(role=Role.GRID_WORKER).values_list("area_code", flat=True)
    )
    assert len(workers_per_unit) == shape_.units
    assert set(workers_per_unit.values()) == {1, 2}
    for post in Post.objects.select_related("area"):
        assert post.area_code == post.area.code
        assert post.is_current
    assert User.objects.count() == Post.objects.count()
    assert not User.objects.filter(full_name="").exists()
    assert all(
        len(p) == 11 and p.startswith("1") and p.isdigit()
        for p in User.objects.values_list("phone", flat=True)
    )
    assert User.objects.filter(username=f"gw{VILLAGE}001002-1").exists()
    assert demo["units"] == shape_.units and demo["grid_workers"] == shape_.grid_workers

    (entry,) = AuditEntry.objects.all()
    assert entry.action == "demo.build"
    assert entry.object_id == entry.area_code == COUNTY_CODE
    assert entry.after["units"] == shape_.units


def test_it_builds_the_same_people_from_the_same_seed(db):
    build_demo("town", seed=7)
    first = list(User.objects.order_by("username").values_list("username", "full_name", "phone"))
    Post.objects.all().delete()
    User.objects.all().delete()
    _delete_tree()
    build_demo("town", seed=7)
    again = list(User.objects.order_by("username").values_list("username", "full_name", "phone"))
    assert again == first


def _delete_tree():
    for level in (Level.UNIT, Level.GRID, Level.VILLAGE, Level.TOWN, Level.COUNTY):
        Area.objects.filter(level=level).delete()


@pytest.mark.parametrize(
    ("username", "role", "where"),
    [
        ("county", Role.COUNTY_ADMIN, COUNTY_CODE),
        ("town", Role.TOWN_ADMIN, TOWN),
        ("chief", Role.GRID_CHIEF, VILLAGE),
        ("worker", Role.GRID_WORKER, VILLAGE),  # a unit in that village
        ("outsider", Role.GRID_WORKER, COUNTY_CODE + "002"),  # a unit in the other town
    ],
)
def test_it_builds_the_five_demo_logins_with_their_posts_and_they_can_sign_in(
    demo, username, role, where
):
    request = RequestFactory().post("/login/")
    user = authenticate(request, username=username, password=DEMO_PASSWORD)
    assert user is not None and user.username == username
    assert authenticate(request, username=username, password="wrong-password") is None
    (post,) = Post.objects.filter(user=user)
    assert post.role == role
    assert post.area_code.startswith(where)
    assert (
        post.area.level
        == {
            Role.COUNTY_ADMIN: Level.COUNTY,
            Role.TOWN_ADMIN: Level.TOWN,
            Role.GRID_CHIEF: Level.VILLAGE,
            Role.GRID_WORKER: Level.UNIT,
        }[role]
    )
    assert user.full_name and user.phone


def test_the_demo_logins_see_what_their_posts_cover(demo):
    users = {
        u.username: u for u in User.objects.filter(username__in=["worker", "outsider", "chief"])
    }
    worker_unit = Post.objects.get(user=users["worker"]).area_code
    assert in_scope(users["chief"], worker_unit)
    assert not in_scope(users["outsider"], worker_unit)
    assert not in_scope(users["worker"], TOWN)


def test_it_gives_every_area_a_boundary_inside_its_parent_and_the_children_tile_it(demo):
    boundaries = dict(Area.objects.values_list("code", "boundary"))
    children: dict[str, list] = {}
    for code, boundary in boundaries.items():
        geometry = parse_boundary(boundary)
        if len(code) > len(COUNTY_CODE):
            check_inside(geometry, boundaries[code[:-3]])  # a unit inside its grid, …
            children.setdefault(code[:-3], []).append(geometry)
    # The children cover their parent and do not overlap: within a band of 1e-6 degree
    # (the coordinates' precision) along the parent's edge, though the cells share their
    # edges vertex for vertex and the difference is far smaller.
    assert len(children) == 1 + 2 + 50 + 130
    for parent, parts in children.items():
        whole = shape(boundaries[parent])
        tolerance = whole.length * 1e-6
        union = shapely.union_all(parts)
        assert union.symmetric_difference(whole).area < tolerance  # no gap
        assert sum(p.area for p in parts) - union.area < tolerance  # no overlap


def test_a_random_point_in_the_county_locates_to_exactly_one_unit_under_its_ancestors(demo):
    county = shape(Area.objects.get(code=COUNTY_CODE).boundary)
    locator = unit_locator()
    west, south, east, north = county.bounds
    rng = random.Random(2026)
    points = []
    while len(points) < 300:  # inside the county's outline
        lng, lat = rng.uniform(west, east), rng.uniform(south, north)
        if county.contains(shapely.Point(lng, lat)):
            points.append((lng, lat))
    areas = {a.code: a for a in Area.objects.select_related("parent")}
    for lng, lat in points:
        hits = locator.tree.query(shapely.Point(lng, lat), predicate="intersects")
        assert len(hits) == 1
        code = locator.locate(lng, lat)
        unit = areas[code]
        assert unit.level == Level.UNIT
        grid, village, town = unit.parent, unit.parent.parent, unit.parent.parent.parent
        assert [grid.level, village.level, town.level] == [Level.GRID, Level.VILLAGE, Level.TOWN]
        assert [town.code, village.code, grid.code] == unit.ancestor_codes()[1:]
        for area in (unit, grid, village, town):
            assert shape(area.boundary).covers(shapely.Point(lng, lat))
    assert locator.locate_many(np.array(points)) == [locator.locate(x, y) for x, y in points]


def test_building_the_demo_twice_is_refused_and_changes_nothing(demo):
    before = _census()
    with pytest.raises(ValidationError):
        build_demo("town")
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "county", stdout=io.StringIO())
    assert _census() == before


def test_a_taken_demo_username_refuses_the_build_and_writes_nothing(db):
    User.objects.create_user(username="worker", password="Someone-else-2026")
    before = _census()
    with pytest.raises(ValidationError) as raised:
        build_demo("town")
    assert "worker" in " ".join(raised.value.messages)
    assert _census() == before


def test_the_status_option_prints_empty_then_built_and_writes_nothing(db):
    out = io.StringIO()
    call_command("demo", "--status", stdout=out)
    assert out.getvalue().strip() == "empty"
    assert _census() == {"areas": 0, "users": 0, "posts": 0, "audit": 0}

    out = io.StringIO()
    call_command("demo", "--scale", "town", "--no-ledger", "--no-cockpit", stdout=out)
    assert "snapshots" not in out.getvalue() and not Snapshot.objects.exists()
    out = io.StringIO()
    call_command("demo", "--status", stdout=out)
    assert out.getvalue() == "built\n"


POINTS_ACTIONS = (
    "points",
    "duty_list.",
    "benefit.",
    "pass.",
    "shop.",
    "goods.",
    "redemption.",
    "points_entry.",
    # Duty: the rosters generated, the sweep closed and the stores filled through their
    # services.
    "duty.",
    "duty_",
    # Cooperatives: created, their boards, members, trading and distributions through
    # their services.
    "coops.",
)


def test_the_command_builds_the_demo_and_audits_it_as_a_command(db):
    out = io.StringIO()
    call_command("demo", "--scale", "town", stdout=out)
    assert "1092 units" in out.getvalue()
    assert "27300 households" in out.getvalue()  # 25 a unit, the ledger built by default
    build, ledger, *others = AuditEntry.objects.order_by("id")
    # The builders' summaries, and the points the demo writes through their services (a
    # village adopting its lists, the board's selections …), every one as a command.
    assert {e.action for e in others if not e.action.startswith(POINTS_ACTIONS)} <= {
        "demo.cases",
        "demo.notices",
        "demo.points",
        "demo.volunteering",
        "demo.projects",
        "demo.services",
        "demo.duty",
        "cockpit.snapshot",
        "demo.coops",
    }
    assert {e.source for e in others} == {"command"}
    assert (build.source, build.action, build.actor) == ("command", "demo.build", None)
    assert build.after["grid_workers"] == SCALES["town"].grid_workers
    assert (ledger.source, ledger.action) == ("command", "demo.ledger")
    # The cockpit's twelve months gone by and this one, taken by default.
    months = Snapshot.objects.filter(area_code=COUNTY_CODE).values("month").distinct()
    assert months.count() == 13
