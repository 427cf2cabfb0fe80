"""The demo county's outreach: pairings in the county's proportions and three months of
visits with their schedule, written in bulk."""

from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from conftest import SHARED
from yiwang.accounts.models import Post, Role
from yiwang.demo.areas import build_demo
from yiwang.demo.outreach import build_demo_outreach
from yiwang.demo.registry import build_demo_ledger
from yiwang.outreach.models import Pairing, ScheduledVisit, ScheduleStatus, Visit
from yiwang.registry.models import Household


@pytest.fixture
def built(db):
    def build():
        build_demo_ledger(per_unit=5, seed=2026)
        return build_demo_outreach(seed=2026)

    # Built once a session, on the town the other demo tests share, and restored for each
    # test (tests/snapshots.py).
    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore("demo-outreach", build, reload=lambda result: result)


def test_cadres_answer_for_every_key_household_of_their_village_evenly(built):
    # The town scale's 1,092 units of the county's 7,849: 2,137 cadres, scaled.
    assert built["cadres"] == round(2137 * 1092 / 7849) == 297
    cadres = dict(Post.objects.filter(role=Role.CADRE).values_list("user_id", "area_code"))
    assert len(cadres) == 297
    key = set(Household.objects.filter(category="key").values_list("id", flat=True))
    pairings = Pairing.objects.filter(programme__code="cadre_key_households")
    assert set(pairings.values_list("household_id", flat=True)) == key
    assert built["key_paired"] == len(key) > 0
    loads: dict[str, Counter] = defaultdict(Counter)
    for sponsor, code in pairings.values_list("sponsor_id", "area_code"):
        assert cadres[sponsor] == code[:12]  # a cadre of the household's own village
        loads[code[:12]][sponsor] += 1
    for village, load in loads.items():
        counts = [load.get(pk, 0) for pk, code in cadres.items() if code == village]
        assert max(counts) - min(counts) <= 1, village


def test_grid_workers_take_most_ordinary_households_of_their_own_unit(built):
    ordinary = Household.objects.filter(category="ordinary").count()
    pairings = Pairing.objects.filter(programme__code="member_households")
    assert 0.75 < pairings.count() / ordinary < 0.88  # 152,000 of 186,900 in the county
    workers = dict(Post.objects.filter(role=Role.GRID_WORKER).values_list("user_id", "area_code"))
    assert all(workers[s] == code for s, code in pairings.values_list("sponsor_id", "area_code"))
    assert {
        "member_entrepreneurs",
        "caring_mothers",
        "finance_counsellors",
    } <= set(Pairing.objects.values_list("programme__code", flat=True))


def test_the_schedule_is_what_the_visits_left_behind(built):
    today = timezone.localdate()
    rows = ScheduledVisit.objects.all()
    assert built["visits"] == Visit.objects.count() > 0
    assert built["scheduled"] == rows.filter(status=ScheduleStatus.SCHEDULED).count()
    overdue = rows.filter(status=ScheduleStatus.SCHEDULED, due_on__lt=today).count()
    assert built["overdue"] == overdue > 0
    assert rows.filter(status=ScheduleStatus.SKIPPED).exclude(skip_reason="").exists()
    # Each done row names the visit that did it: of its household, on its day.
    visits = {
        v.pk: v for v in Visit.objects.only("id", "household_id", "enterprise_id", "visited_at")
    }
    for row in rows.filter(status=ScheduleStatus.DONE)[:2000]:
        visit = visits[row.visit_id]
        assert (visit.household_id, visit.enterprise_id) == (row.household_id, row.enterprise_id)
        assert timezone.localdate(visit.visited_at) == row.closed_on
    # One open row for each rule and household, and for each pairing.
    open_rows = rows.filter(status=ScheduleStatus.SCHEDULED)
    by_rule = Counter(open_rows.filter(rule__isnull=False).values_list("rule_id", "household_id"))
    assert by_rule and max(by_rule.values()) == 1
    assert open_rows.filter(pairing__isnull=False).count() == Pairing.objects.count()
    # Visits are in the past, where their households are.
    assert not Visit.objects.filter(visited_at__gt=timezone.now()).exists()
    codes = dict(Household.objects.values_list("id", "area_code"))
    for household, code in Visit.objects.filter(household__isnull=False).values_list(
        "household_id", "area_code"
    )[:2000]:
        assert codes[household] == code


def test_a_second_build_writes_nothing(built):
    counts = (Pairing.objects.count(), Visit.objects.count(), ScheduledVisit.objects.count())
    again = build_demo_outreach(seed=2026)
    assert again["pairings"] == again["visits"] == 0
    assert counts == (
        Pairing.objects.count(),
        Visit.objects.count(),
        ScheduledVisit.objects.count(),
    )


def test_visits_recorded_after_it_take_new_ids(built):
    last = Visit.objects.order_by("-id").first()
    visit = Visit.objects.create(
        household_id=last.household_id or Household.objects.first().pk,
        visitor_id=last.visitor_id,
        visited_at=timezone.now(),
        area_code=last.area_code,
    )
    assert visit.pk > last.pk
