"""The demo county's government services and emergency duty: a year of help requests in
every step on the working-day clock; a flood-season duty roster for every town keeping
its rules; a past door-to-door sweep of the elderly living alone, every household
visited; a store per town whose stock is what was received less what was handed out."""

import datetime
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone
from stdnum.cn import ric

from conftest import SHARED
from yiwang.accounts.models import Post, Role, User
from yiwang.cases.services.intake import TRACKING_ALPHABET
from yiwang.core.validators import clean_id_number, clean_phone
from yiwang.core.workdays import calendar
from yiwang.demo.areas import build_demo
from yiwang.demo.duty import GOODS, build_demo_duty, flood_season
from yiwang.demo.registry import build_demo_ledger
from yiwang.demo.services import PER_VILLAGE, build_demo_services
from yiwang.duty import ics
from yiwang.duty.models import (
    REACHED,
    Assignment,
    Good,
    MoveKind,
    Roster,
    RosterMember,
    Shift,
    Stock,
    StockMove,
    Store,
    Sweep,
    SweepHousehold,
)
from yiwang.duty.selectors.rosters import on_duty_now
from yiwang.duty.selectors.sweeps import progress_total, sweep_progress
from yiwang.duty.services.sweeps import OUTCOMES
from yiwang.outreach.models import Visit
from yiwang.registry.models import Household, ResidentTag
from yiwang.services.models import STEP_ORDER, HelpMaterial, HelpRequest, HelpStep, Step
from yiwang.services.services.help import public_status, sweep_help_clock, target_level

TOWNS = ("370829001", "370829002")
VILLAGES = 50


@pytest.fixture
def built(db):
    def build():
        build_demo_ledger(per_unit=5, seed=2026)
        return {
            "services": build_demo_services(seed=2026),
            "duty": build_demo_duty(seed=2026),
        }

    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore("demo-services-duty", build, reload=lambda result: result)


def test_a_year_of_help_requests_in_every_step(built):
    counts = built["services"]
    requests = list(HelpRequest.objects.select_related("item"))
    assert len(requests) == counts["help_requests"] == VILLAGES * PER_VILLAGE
    by_step = Counter(r.step for r in requests)
    assert set(by_step) == set(STEP_ORDER)
    assert dict(by_step) == counts["by_step"]
    assert by_step[Step.FOLLOWED_UP] > len(requests) / 2
    now = timezone.now()
    assert all(now - datetime.timedelta(days=380) < r.created_at < now for r in requests)
    assert len({r.item_id for r in requests}) >= 5
    steps = defaultdict(list)
    for step in HelpStep.objects.order_by("at", "id"):
        steps[step.request_id].append(step)
    assert HelpStep.objects.count() == counts["steps"]
    for r in requests:
        done = steps[r.pk]
        # The steps in their order, each with who and when, none ahead of now.
        assert [s.step for s in done] == list(STEP_ORDER[: len(done)])
        assert done[-1].step == r.step and done[0].at == r.created_at
        assert all(s.actor_id and s.at <= now for s in done)
        assert r.taken_by_id == done[0].actor_id
        assert (r.satisfaction != "") == (r.step == Step.FOLLOWED_UP)


def test_the_clock_of_help_requests_counts_working_days(built):
    cal, today = calendar().provisional(), timezone.localdate()
    received = defaultdict(set)
    for request_id, material_id in HelpMaterial.objects.values_list("request", "material"):
        received[request_id].add(material_id)
    late = overdue = 0
    for r in HelpRequest.objects.select_related("item").prefetch_related("item__materials"):
        if r.step == Step.ENTRUSTED:
            assert r.accepted_on is None and r.due_on is None
            continue
        # Accepted: every required material of the item in, the due day counted from it.
        required = {m.pk for m in r.item.materials.all() if m.is_required}
        assert required <= received[r.pk]
        assert r.due_on == cal.add(r.accepted_on, r.item.time_limit_days)
        assert r.clock_provisional == any(
            not calendar().provisional().knows(y)
            for y in range(r.accepted_on.year, r.due_on.year + 1)
        )
        if r.delivered_on:
            assert r.is_late == (r.delivered_on > r.due_on)
            late += r.is_late
        else:
            assert r.is_open and r.is_late == (today > r.due_on)
            overdue += r.is_late
        if r.is_late:
            assert r.escalation_level >= 1 and r.reminded_on == r.due_on
        assert r.escalation_level == target_level(r.due_on, r.delivered_on or today)
    assert late >= 3 and overdue >= 1
    assert late + overdue == built["services"]["late"]
    # The hourly clock finds every request where it would have put it.
    assert sweep_help_clock() == {"reminded": 0, "escalated": 0}


def test_the_applicants_personal_data_is_made_up_but_valid(built):
    requests = HelpRequest.objects.all()
    for r in requests:
        # The project's own check (stdnum's check digit, a region ever in use: stdnum's
        # ric.is_valid also wants the region to exist in the birth year).
        assert clean_id_number(r.id_number) == r.id_number
        assert r.id_number[-1] == ric.calc_check_digit(r.id_number)
        assert clean_phone(r.phone) == r.phone
        assert len(r.tracking_code) == 8 and set(r.tracking_code) <= set(TRACKING_ALPHABET)
        assert r.number.startswith("BD" + f"{timezone.localtime(r.created_at):%Y%m%d}")
        assert r.masked_id_number != r.id_number
    in_ledger = requests.filter(resident__isnull=False)
    assert 0 < requests.filter(resident__isnull=True).count() < in_ledger.count()
    for r in in_ledger.select_related("resident")[:50]:
        assert (r.id_number, r.applicant_name) == (r.resident.id_number, r.resident.name)
        assert r.area_code == r.resident.area_code
    # The ID card's number is kept on the material that carries it.
    assert HelpMaterial.objects.exclude(document_number="").exists()
    # The resident's tracking page shows each request's steps, nothing personal.
    for r in requests.filter(step=Step.PROCESSING)[:5]:
        shown = public_status(r.tracking_code)
        assert shown["number"] == r.number and shown["step"] == Step.PROCESSING
        assert [s["done"] for s in shown["steps"]] == [True] * 3 + [False] * 3
        assert not {r.applicant_name, r.id_number, r.phone} & {str(v) for v in shown.values()}


def test_a_flood_season_roster_for_every_town_keeping_its_rules(built):
    from yiwang.duty.services.rosters import rule_breaks

    first, last = flood_season(timezone.localdate().year)
    rosters = Roster.objects.filter(name__contains="汛期").order_by("area_code")
    assert list(rosters.values_list("area_code", flat=True)) == list(TOWNS)
    tz = timezone.get_current_timezone()
    for roster in rosters:
        assert (roster.starts_on, roster.ends_on) == (first, last)
        assert roster.shift_start == datetime.time(8, 0) and roster.shift_hours == 24
        shifts = Shift.objects.filter(roster=roster)
        assert shifts.count() == (last - first).days + 1 == 122
        for shift in shifts:
            start = shift.starts_at.astimezone(tz)
            assert start.time() == datetime.time(8, 0)
            assert shift.ends_at - shift.starts_at == datetime.timedelta(hours=24)
        staffed = Counter(
            Assignment.objects.filter(shift__roster=roster).values_list("shift", "role")
        )
        assert set(staffed.values()) <= {1, 2}
        assert all(
            staffed[shift, "leader"] == 1
            and staffed[shift, "officer"] == 1
            and staffed[shift, "patrol"] == 2
            for shift in shifts.values_list("pk", flat=True)
        )
        assert rule_breaks(roster) == []
        # Nobody twice within two days (24 hours on, then a day's rest after the night).
        starts = defaultdict(list)
        for user, at in Assignment.objects.filter(shift__roster=roster).values_list(
            "user", "starts_at"
        ):
            starts[user].append(at)
        for times in starts.values():
            times.sort()
            assert all(
                b - a >= datetime.timedelta(hours=48)
                for a, b in zip(times, times[1:], strict=False)
            )
        # The town's own people, shared fairly.
        counts = Counter(
            Assignment.objects.filter(shift__roster=roster).values_list("user", flat=True)
        )
        members = RosterMember.objects.filter(roster=roster)
        assert set(counts) == set(members.values_list("user", flat=True))
        assert max(counts.values()) - min(counts.values()) <= 122 // 5 + 1
        codes = Post.objects.filter(user__in=counts).values_list("area_code", flat=True)
        assert all(code.startswith(roster.area_code) for code in codes)
        assert all(m.phone and clean_phone(m.phone) == m.phone for m in members)
    on_first = set(
        RosterMember.objects.filter(roster__area_code=TOWNS[0]).values_list(
            "user__username", flat=True
        )
    )
    assert {"town", "chief", "worker"} <= on_first


def test_a_command_post_roster_around_today_so_somebody_is_on_duty_now(built):
    from yiwang.duty.services.rosters import rule_breaks

    today = timezone.localdate()
    recent = Roster.objects.exclude(name__contains="汛期").order_by("area_code")
    assert list(recent.values_list("area_code", flat=True)) == list(TOWNS)
    assert built["duty"]["recent_rosters"] == len(TOWNS)
    county = Post.objects.current().filter(role=Role.COUNTY_ADMIN).first().user
    now = on_duty_now(county, TOWNS[0][:6])
    for roster in recent:
        assert roster.starts_on == today - datetime.timedelta(days=7)
        assert roster.ends_on == today + datetime.timedelta(days=30)
        assert rule_breaks(roster) == []
        # Somebody of it on duty now (a leader first), with the duty phone to call.
        here = [r for r in now if r["roster"] == roster.pk]
        assert here and here[0]["is_leader"] and all(r["phone"] for r in here)
        # Its people are on no flood-season duty: nobody asked twice at once.
        people = set(RosterMember.objects.filter(roster=roster).values_list("user", flat=True))
        flood = RosterMember.objects.filter(
            roster__area_code=roster.area_code, roster__name__contains="汛期"
        )
        assert not people & set(flood.values_list("user", flat=True))
        # The calendar feed of the one leading now holds that shift.
        lead = Assignment.objects.get(pk=here[0]["assignment"])
        assert ics.uid(lead.pk).encode() in ics.feed(lead.user)


def test_a_past_sweep_of_the_elderly_living_alone_every_household_visited(built):
    counts = built["duty"]
    sweep = Sweep.objects.get()
    today = timezone.localdate()
    assert sweep.tag.code == "elderly_alone" and sweep.area_code == TOWNS[0]
    assert sweep.status == "closed" and sweep.ends_on < today
    # Every active household of the town with a living resident living alone on the
    # sweep's first day.
    tagged = ResidentTag.objects.current(sweep.starts_on).filter(
        tag__code="elderly_alone", resident__status="living"
    )
    expected = set(
        Household.objects.filter(
            status="active",
            area_code__startswith=TOWNS[0],
            residents__in=tagged.values("resident"),
        ).values_list("pk", flat=True)
    )
    rows = SweepHousehold.objects.filter(sweep=sweep)
    assert set(rows.values_list("household", flat=True)) == expected
    assert rows.count() == counts["sweep_households"] > 100
    # The progress by village, as the sweep's page reads it, adds up.
    results = Counter(rows.values_list("result", flat=True))
    progress = sweep_progress(User.objects.get(username="town"), sweep)
    assert len(progress) == 25 and all(row.code.startswith(TOWNS[0]) for row in progress)
    for row in progress:
        assert row.reached + row.not_home + row.pending == row.total and row.pending == 0
    total = progress_total(progress, TOWNS[0])
    assert total.total == rows.count()
    assert total.reached == sum(n for result, n in results.items() if result in REACHED)
    assert total.not_home == results["not_home"]
    assert results["safe"] > 0.8 * rows.count()
    assert results["not_home"] > 0 and results["needs_help"] > 0
    # Each visit is the outreach visit of the household, by its unit's grid worker.
    visits = {v.uuid: v for v in Visit.objects.filter(uuid__in=rows.values("visit_uuid"))}
    assert len(visits) == rows.count()
    workers = dict(
        Post.objects.current()
        .filter(role=Role.GRID_WORKER, area_code__startswith=TOWNS[0])
        .values_list("user", "area_code")
    )
    for row in rows:
        visit = visits[row.visit_uuid]
        assert (visit.household_id, visit.visitor_id) == (row.household_id, row.assignee_id)
        assert visit.visited_at == row.visited_at
        assert sweep.starts_on <= timezone.localdate(row.visited_at) <= sweep.ends_on
        assert (visit.outcome == "not_home") == (row.result == "not_home")
        assert visit.outcome == OUTCOMES[row.result]  # the sweep service's own mapping
        assert workers[row.assignee_id] == row.area_code


def test_a_store_per_town_whose_stock_is_received_less_handed_out(built):
    stores = Store.objects.all()
    assert set(stores.filter(kind="store").values_list("area_code", flat=True)) == set(TOWNS)
    isolation = stores.get(kind="isolation")
    assert {name for name, *_rest in GOODS} == set(Good.objects.values_list("name", flat=True))
    assert not Stock.objects.filter(quantity__lt=0).exists()
    moves = StockMove.objects.all()
    for stock in Stock.objects.all():
        mine = moves.filter(good=stock.good)

        def total(q, mine=mine):
            return mine.filter(q).aggregate(n=Sum("quantity"))["n"] or 0

        came = total(Q(store=stock.store, kind=MoveKind.RECEIVED)) + total(
            Q(to_store=stock.store, kind=MoveKind.TRANSFERRED)
        )
        went = total(Q(store=stock.store, kind__in=(MoveKind.HANDED_OUT, MoveKind.TRANSFERRED)))
        assert stock.quantity == came - went >= 0
        assert stock.area_code == stock.store.area_code
    handed = moves.filter(kind=MoveKind.HANDED_OUT)
    assert handed.filter(to_household__isnull=False).count() >= 10
    assert not handed.filter(to_household__isnull=True, to_store__isnull=True, to_place="").exists()
    assert moves.filter(kind=MoveKind.TRANSFERRED, to_store=isolation).exists()
    assert handed.filter(store=isolation, good__name="中药汤剂").exists()
    assert moves.values("kind").annotate(n=Count("id")).count() == 3
    assert not moves.filter(at__gt=timezone.now()).exists()


def test_built_once_only(built):
    assert build_demo_services(seed=2026)["help_requests"] == 0
    assert build_demo_duty(seed=2026)["rosters"] == 0
    assert HelpRequest.objects.count() == VILLAGES * PER_VILLAGE
    assert Roster.objects.count() == 2 * len(TOWNS)


@pytest.fixture
def no_ledger(monkeypatch):
    import yiwang.demo.registry as registry

    monkeypatch.setattr(
        registry,
        "build_demo_ledger",
        lambda **kw: {"households": 0, "key_households": 0, "residents": 0, "tags": 0},
    )


def _demo(*args):
    out = StringIO()
    call_command(
        "demo",
        "--scale",
        "town",
        "--no-cases",
        "--no-outreach",
        "--no-notices",
        "--no-points",
        "--no-volunteering",
        "--no-projects",
        "--no-cockpit",
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_the_flags_leave_services_and_duty_out(no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo("--no-services", "--no-duty")
    assert not HelpRequest.objects.exists() and not Roster.objects.exists()
    assert not Store.objects.exists() and not Sweep.objects.exists()
    assert "demo services" not in out and "demo duty" not in out


@pytest.mark.django_db(transaction=False)
def test_the_command_builds_them(no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo()
    assert "Built the demo services" in out and "Built the demo duty" in out
    # Without a ledger the applicants are all made up, and there is nobody to sweep.
    assert HelpRequest.objects.count() == VILLAGES * PER_VILLAGE
    assert not HelpRequest.objects.filter(resident__isnull=False).exists()
    assert Roster.objects.count() == 2 * len(TOWNS) and Store.objects.count() == 3
    assert not Sweep.objects.exists()
    assert User.objects.filter(username="worker", duty_assignments__isnull=False).exists()
