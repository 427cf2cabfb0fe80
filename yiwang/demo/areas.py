"""The demo county: a synthetic Jiaxiang County (嘉祥县, 370829) to try Yiwang with.

`build_demo("county")` builds the reference deployment at full size: 16 towns, 358 villages,
937 grids, 7,849 units, 11,000 grid workers, a group leader per grid, a grid chief per
village, an admin per town and one county admin. `build_demo("town")` builds two towns of
the same shape (25 villages, 65 grids and 546 units each), small enough for a laptop demo
and for tests.

The county's boundary is its real outline (vendored from ECharts' map of Jining, see
yiwang/demo/data/README.md); the towns, villages, grids and units inside it are synthetic,
seeded Voronoi cells (yiwang/demo/cells.py). Each level tiles its parent exactly, so any
point inside the county lies in exactly one unit.

Everything is written with bulk inserts, level by level so that each level's parents have
their ids, in one transaction, with one audit entry that sums the build up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.demo import cells
from yiwang.demo.outline import county_outline

DEMO_PASSWORD = "demo12345"
COUNTY_CODE = "370829"
COUNTY_NAME = "嘉祥县"
BATCH_SIZE = 2000

TOWN_NAMES = [
    "嘉祥街道",
    "卧龙山街道",
    "万张街道",
    "纸坊镇",
    "梁宝寺镇",
    "红运镇",
    "马村镇",
    "金屯镇",
    "大张楼镇",
    "马集镇",
    "孟姑集镇",
    "老僧堂镇",
    "仲山镇",
    "满硐镇",
    "疃里镇",
    "黄垓乡",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜"
    "叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方孔孟颜曾仲"
)
VILLAGE_SUFFIXES = "庄屯集楼店营村"
_DIGITS_ZH = "零一二三四五六七八九"


@dataclass(frozen=True)
class Shape:
    towns: int
    villages: int
    grids: int
    units: int
    grid_workers: int


SCALES = {
    # Jiaxiang County as the county newspaper described it.
    "county": Shape(towns=16, villages=358, grids=937, units=7849, grid_workers=11000),
    # Two towns of 25 villages; 2.6 grids a village and 8.4 units a grid, as in the county.
    "town": Shape(towns=2, villages=50, grids=130, units=1092, grid_workers=1530),
}

# The five logins the demo is tried with; the login page and bin/run name them.
DEMO_LOGINS = ("county", "town", "chief", "worker", "outsider")


def spread(total: int, n: int) -> list[int]:
    """`total` split into `n` counts that differ by at most one, the larger ones spread
    evenly (not bunched at the start): floor((i+1)·total/n) − floor(i·total/n)."""
    return [(i + 1) * total // n - i * total // n for i in range(n)]


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (1 ≤ n ≤ 99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS_ZH[ones]
    head = "" if tens == 1 else _DIGITS_ZH[tens]
    return head + "十" + (_DIGITS_ZH[ones] if ones else "")


def boundaries(shape: Shape, seed: int) -> dict[str, dict]:
    """Every area's boundary (GeoJSON, WGS 84) by code: the county's real outline, and inside
    it each level cut from the one above as seeded Voronoi cells (yiwang/demo/cells.py).

    The codes are the ones `build_demo` gives: the i-th child of an area is its code and i
    in three digits, the children numbered as a map is read (north to south, west to east).
    """
    codes = [[COUNTY_CODE]]
    geometries = [cells.county_geometry(county_outline())]
    parent_of = []
    for total in (shape.towns, shape.villages, shape.grids, shape.units):
        parents = codes[-1]
        counts = spread(total, len(parents))
        children = cells.split(geometries, counts, [int(code) for code in parents], seed)
        geometries = [g for siblings in children for g in siblings]
        codes.append(
            [f"{p}{i:03d}" for p, n in zip(parents, counts, strict=True) for i in range(1, n + 1)]
        )
        parent_of.append([k for k, n in enumerate(counts) for _ in range(n)])
    levels = cells.snap(geometries, parent_of)
    return {
        code: cells.to_geojson(geometry)
        for level_codes, level in zip(codes, levels, strict=True)
        for code, geometry in zip(level_codes, level, strict=True)
    }


class _People:
    """Seeded names and mobile numbers, and one password hash shared by every account."""

    def __init__(self, seed: int):
        from faker import Faker

        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        # One hash for everyone: hashing 12,000 passwords with Argon2 would take minutes.
        self.password = make_password(DEMO_PASSWORD)
        self.now = timezone.now()

    def user(self, username: str, area_code: str) -> User:
        return User(
            username=username,
            area_code=area_code,
            password=self.password,
            full_name=self.fake.name(),
            phone=self.fake.phone_number(),
            date_joined=self.now,
        )


def _bulk(model, objs: list) -> list:
    return model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


@transaction.atomic
def build_demo(scale: str = "town", *, seed: int = 2026) -> dict:
    """Builds the demo county on an empty database and returns what it built, counted.

    Refuses (ValidationError) when the database already has areas, or already has one of
    the demo's usernames; then nothing is written.
    """
    if scale not in SCALES:
        raise ValidationError(
            _("Unknown demo scale %(scale)s: use %(choices)s.")
            % {"scale": scale, "choices": " / ".join(SCALES)}
        )
    if Area.objects.exists():
        raise ValidationError(
            _("The demo can only be built on an empty database, and this one already has areas.")
        )
    shape = SCALES[scale]
    rng = random.Random(seed)
    people = _People(seed)
    now = people.now
    today = timezone.localdate()

    boundary = boundaries(shape, seed)

    def area(code, name, level, parent):
        return Area(
            code=code,
            name=name,
            level=level,
            parent=parent,
            boundary=boundary[code],
            boundary_since=now,
            opened_on=today,
            created_at=now,
        )

    # The tree, one level at a time, so that each level's parents have their ids.
    (county,) = _bulk(Area, [area(COUNTY_CODE, COUNTY_NAME, Level.COUNTY, None)])
    towns = _bulk(
        Area,
        [
            area(f"{COUNTY_CODE}{i:03d}", TOWN_NAMES[i - 1], Level.TOWN, county)
            for i in range(1, shape.towns + 1)
        ],
    )

    villages = []
    village_names = [f"{s}{x}村" for s in dict.fromkeys(SURNAMES) for x in VILLAGE_SUFFIXES]
    for town, n in zip(towns, spread(shape.villages, shape.towns), strict=True):
        names = rng.sample(village_names, n)  # distinct within the town
        for j, name in enumerate(names, start=1):
            villages.append(area(f"{town.code}{j:03d}", name, Level.VILLAGE, town))
    villages = _bulk(Area, villages)

    grids = []
    for village, n in zip(villages, spread(shape.grids, shape.villages), strict=True):
        for k in range(1, n + 1):
            grids.append(
                area(f"{village.code}{k:03d}", f"第{chinese_number(k)}网格", Level.GRID, village)
            )
    grids = _bulk(Area, grids)

    units = []
    for grid, n in zip(grids, spread(shape.units, shape.grids), strict=True):
        for m in range(1, n + 1):
            units.append(area(f"{grid.code}{m:03d}", f"第{m}单元", Level.UNIT, grid))
    units = _bulk(Area, units)

    # People and their posts, in a fixed order: (role, area, username).
    seats: list[tuple[str, Area, str]] = [(Role.COUNTY_ADMIN, county, "county")]
    seats += [(Role.TOWN_ADMIN, t, f"ta{t.code}") for t in towns]
    seats += [(Role.GRID_CHIEF, v, f"gc{v.code}") for v in villages]
    seats += [(Role.GROUP_LEADER, g, f"gl{g.code}") for g in grids]
    # One worker in every unit, and a second one in units spread evenly over the county.
    seconds = spread(shape.grid_workers - shape.units, shape.units)
    for unit, second in zip(units, seconds, strict=True):
        seats.append((Role.GRID_WORKER, unit, f"gw{unit.code}-1"))
        if second:
            seats.append((Role.GRID_WORKER, unit, f"gw{unit.code}-2"))
    # The demo logins take the seats they are named after.
    first_town, other_town = towns[0], towns[1]
    first_village = villages[0]
    worker_unit = next(u for u in units if u.code.startswith(first_village.code))
    outsider_unit = next(u for u in units if u.code.startswith(other_town.code))
    logins = {
        f"ta{first_town.code}": "town",
        f"gc{first_village.code}": "chief",
        f"gw{worker_unit.code}-1": "worker",
        f"gw{outsider_unit.code}-1": "outsider",
    }
    seats = [(role, a, logins.get(name, name)) for role, a, name in seats]

    taken = set(User.objects.values_list("username", flat=True)) & {n for _r, _a, n in seats}
    if taken:
        raise ValidationError(
            _("The demo cannot be built: these usernames are already taken: %(names)s.")
            % {"names": ", ".join(sorted(taken)[:10])}
        )
    users = _bulk(User, [people.user(name, a.code) for _r, a, name in seats])
    posts = _bulk(
        Post,
        [
            Post(
                user=user,
                role=role,
                area=a,
                area_code=a.code,
                starts_on=today,
                created_at=now,
            )
            for user, (role, a, _name) in zip(users, seats, strict=True)
        ],
    )

    counts = {
        "scale": scale,
        "seed": seed,
        "counties": 1,
        "towns": len(towns),
        "villages": len(villages),
        "grids": len(grids),
        "units": len(units),
        "users": len(users),
        "posts": len(posts),
        "county_admins": 1,
        "town_admins": len(towns),
        "grid_chiefs": len(villages),
        "group_leaders": len(grids),
        "grid_workers": sum(1 for role, _a, _n in seats if role == Role.GRID_WORKER),
    }
    audit.record(
        actor=None,
        action="demo.build",
        object_type="areas.area",
        object_id=county.code,
        object_repr=str(county),
        area_code=county.code,
        after=counts,
    )
    return counts


def demo_status() -> str:
    """What `demo --status` prints: empty (no areas, so the demo may be built) or built."""
    return "built" if Area.objects.exists() else "empty"
