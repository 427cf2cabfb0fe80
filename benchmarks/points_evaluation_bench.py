"""Closing a month for the whole county (points' monthly evaluation), standalone: not wired
into run.py yet (the lead may fold it in as a group).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a scratch db> python benchmarks/points_evaluation_bench.py

Builds the county-scale demo tree (358 villages, 7,849 units), about 150,000 households,
11,000 party members, a party members' and a households' list in each village, and
170,000 approved entries a month for MONTHS months (12: about 2,000,000), then times
`close_months(last month, county)` three times (the month's evaluations deleted before
each). Target: at most 5 s. Steps: `build`, `fill`, `run` or `all` (the default).
Measured on the helper's machine (2 shared cores, nice 19): PostgreSQL with 2,040,000
entries 0.95–1.12 s; SQLite with 510,000 entries (3 months) 1.8–2.0 s.
"""

import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

COUNTY = "370829"
PER_MONTH = 170_000
PARTY_SHARE = 40_000  # of a month's entries, for party members
MONTHS = int(os.environ.get("MONTHS", "12"))


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def build() -> None:
    import outreach_bench

    from yiwang.areas.models import Area
    from yiwang.demo.areas import build_demo
    from yiwang.registry.models import Household

    call_command("migrate", verbosity=0, interactive=False)
    if not Area.objects.filter(code=COUNTY).exists():
        build_demo("county", seed=1)
    if not Household.objects.exists():
        outreach_bench._fill_households(152_000, random.Random(1), timezone.now())


def fill() -> None:
    import cases_bench

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area, Level
    from yiwang.core.bulk import db_value, insert_rows
    from yiwang.points.models import DutyList, Entry, ListItem, ListKind
    from yiwang.registry.models import Household, Resident

    rng = random.Random(2)
    now = timezone.now()
    user = User.objects.order_by("id").first()
    if not DutyList.objects.exists():
        villages = Area.objects.filter(level=Level.VILLAGE, code__startswith=COUNTY)
        for village in villages.values_list("code", flat=True):
            for kind, article in ((ListKind.PARTY_MEMBER, "P1"), (ListKind.HOUSEHOLD, "H1")):
                duty_list = DutyList.objects.create(
                    area_code=village,
                    kind=kind,
                    version=1,
                    adopted_on=datetime.date(2020, 1, 1),
                    adopted_by=user,
                )
                ListItem.objects.create(
                    duty_list=duty_list, article=article, text=article, points=2
                )
    items = {
        (village, kind): pk
        for village, kind, pk in ListItem.objects.values_list(
            "duty_list__area_code", "duty_list__kind", "pk"
        )
    }
    homes = list(Household.objects.values_list("pk", "area_code"))
    if not Resident.objects.filter(is_party_member=True).exists():
        given = ["household", "area_code", "name", "relation", "is_party_member"]
        given += ["created_at", "updated_at"]
        defaults = cases_bench._column_defaults(given, Resident)
        stamp = db_value(Resident, "created_at", now)
        rows = [
            (pk, code, f"党员{i}", "head", True, stamp, stamp, *defaults.values())
            for i, (pk, code) in enumerate(rng.sample(homes, 11_000))
        ]
        with transaction.atomic():
            insert_rows(Resident, [*given, *defaults], rows)
    if Entry.objects.exists():
        return
    members = list(
        Resident.objects.filter(is_party_member=True).values_list("pk", "household_id", "area_code")
    )
    given = ["uuid", "item", "household", "resident", "month", "points", "status", "area_code"]
    given += ["created_at", "updated_at"]
    defaults = cases_bench._column_defaults(given, Entry)
    stamp = db_value(Entry, "created_at", now)
    sqlite = connection.vendor == "sqlite"
    month = _last_month()
    for _n in range(MONTHS):
        rows = []
        for i in range(PER_MONTH):
            key = uuid.uuid4().hex if sqlite else uuid.uuid4()
            if i < PARTY_SHARE:
                resident, home, code = members[rng.randrange(len(members))]
                item = items[(code[:12], ListKind.PARTY_MEMBER)]
                points = rng.choice((1, 2, 3))
            else:
                home, code = homes[rng.randrange(len(homes))]
                resident, item = None, items[(code[:12], ListKind.HOUSEHOLD)]
                points = rng.choice((1, 2, 5, -2))
            rows.append(
                (key, item, home, resident, month, points, "approved", code, stamp, stamp)
                + tuple(defaults.values())
            )
        with transaction.atomic():
            insert_rows(Entry, [*given, *defaults], rows)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run() -> list[float]:
    from yiwang.points.models import Evaluation
    from yiwang.points.services.evaluation import close_months

    month, times = _last_month(), []
    for _n in range(3):
        Evaluation.objects.filter(month=month).delete()
        started = time.perf_counter()
        counts = close_months(month, COUNTY)
        times.append(time.perf_counter() - started)
        print(f"close_months: {counts} in {times[-1]:.3f} s (target 5 s)", flush=True)
    return times


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    if step in ("all", "build"):
        build()
    if step in ("all", "fill"):
        fill()
    if step in ("all", "run"):
        run()
