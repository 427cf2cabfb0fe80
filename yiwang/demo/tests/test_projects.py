"""The demo county's battle map: the county's 50 key projects in its proportions with a
year of milestones, targets, daily progress and problems, some late (red and yellow on
the map); twelve finance-counsellor teams paired with 147 enterprises; a year of
enterprise requests on the working-day clock."""

from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from conftest import SHARED
from yiwang.demo.areas import build_demo
from yiwang.demo.projects import DEMO_CALENDAR_SOURCE, SITE_LOGIN, build_demo_projects
from yiwang.outreach.models import Pairing
from yiwang.projects.models import (
    CalendarYear,
    CounsellorTeam,
    EnterpriseRequest,
    Milestone,
    MonthlyTarget,
    Problem,
    ProgressEntry,
    ProgressPhoto,
    Project,
    StageChange,
)
from yiwang.projects.selectors.lag import milestone_colour, milestone_lag, worst
from yiwang.projects.workdays import calendar, package_years


@pytest.fixture
def built(db):
    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore(
        "demo-projects", lambda: build_demo_projects(seed=2026), reload=lambda result: result
    )


def test_fifty_projects_in_the_county_proportions_over_its_towns(built):
    projects = Project.objects.all()
    assert projects.count() == built["projects"] == 50
    assert Counter(projects.values_list("kind", flat=True)) == {
        "upgrade": 23,
        "new_build": 17,
        "research": 8,
        "foreign": 2,
    }
    assert set(projects.values_list("area_code", flat=True)) == {"370829001", "370829002"}
    assert projects.exclude(park="").exists()
    assert len(set(projects.values_list("batch", flat=True))) == 4
    assert len(set(projects.values_list("stage", flat=True))) >= 5
    assert not projects.filter(leader__isnull=True).exists()
    assert not projects.filter(enterprise__isnull=True).exists()
    for project in projects.prefetch_related("stage_changes", "members"):
        last = list(project.stage_changes.all())[-1]
        assert (project.stage, project.stage_reached_on) == (last.stage, last.reached_on)
        assert project.members.filter(is_head=True).count() <= 1
        assert project.members.filter(duty="现场负责人").count() == 1
        done = MonthlyTarget.objects.filter(project=project).aggregate(s=Sum("investment_done"))
        assert project.investment_done == (done["s"] or 0)
    assert StageChange.objects.count() == built["stage_changes"] > 50
    site = Project.objects.filter(members__user__username=SITE_LOGIN)
    assert site.count() >= 2 and {p.area_code for p in site} == {"370829001"}


def test_a_year_of_milestones_progress_and_problems_on_the_working_calendar(built):
    today = timezone.localdate()
    for year in range(today.year - 1, today.year + 3):
        if year not in package_years():
            assert CalendarYear.objects.get(year=year).source == DEMO_CALENDAR_SOURCE
    cal = calendar()
    per_project = Counter(Milestone.objects.values_list("project", flat=True))
    assert len(per_project) == 50 and min(per_project.values()) >= 8
    assert max(per_project.values()) <= 16  # 15 and a late one
    for milestone in Milestone.objects.select_related("project"):
        assert milestone.due_on >= milestone.project.starts_on
        assert milestone.done_on is None or milestone.done_on <= today
    assert set(Milestone.objects.values_list("milestone_type__code", flat=True)) >= {
        "preparation",
        "start",
        "structure",
        "equipment",
        "production",
    }
    entries = ProgressEntry.objects.all()
    assert entries.count() == built["progress"] > 1000
    assert not entries.filter(day__gt=today).exists()
    days = list(entries.values_list("day", flat=True))
    assert all(cal.is_workday(day) for day in days)
    recent = sum(1 for d in days if (today - d).days <= 30)
    old = sum(1 for d in days if (today - d).days > 180)
    assert recent / 31 > old / 180  # more entries a day lately than far back
    photos = ProgressPhoto.objects.all()
    assert photos.count() == built["photos"] >= 16
    photo = photos.first()
    assert photo.content_type == "image/jpeg" and photo.size > 0 and photo.file.name
    for problem in Problem.objects.all():
        assert problem.due_on == cal.add(problem.raised_on, settings.PROJECTS_PROBLEM_DAYS)
        assert problem.department.area_code == "370829"
    assert Problem.objects.filter(status="open").count() == built["problems_open"] == 16
    assert Problem.objects.filter(status="resolved").exclude(answer="").exists()


def test_the_map_has_red_yellow_and_green_projects(built):
    today, cal = timezone.localdate(), calendar()
    colours = Counter()
    for project in Project.objects.prefetch_related("milestones__milestone_type"):
        colours[
            worst(
                milestone_colour(m, milestone_lag(m, today=today, cal=cal))
                for m in project.milestones.all()
            )
        ] += 1
    assert colours == {"red": 6, "yellow": 10, "green": 34}
    # The battle map reads them so (its project's colour: the worst open milestone's).
    from yiwang.accounts.models import User
    from yiwang.projects.selectors.battle_map import battle_map

    found = battle_map(User.objects.get(username="county"))
    assert found["unknown_year"] is None
    assert Counter(p["colour"] for p in found["projects"]) == colours
    # Each late project has its open problem and a site photo of its latest day.
    late = Problem.objects.filter(status="open").values_list("project", flat=True)
    assert len(set(late)) == 16
    assert (
        ProgressPhoto.objects.filter(entry__project__in=late)
        .values("entry__project")
        .distinct()
        .count()
        == 16
    )


def test_twelve_counsellor_teams_of_bank_staff_paired_with_147_enterprises(built):
    teams = CounsellorTeam.objects.all()
    assert teams.count() == built["teams"] == 12
    assert all("银行" in team.bank and team.name.endswith("金融辅导队") for team in teams)
    members = {pk for team in teams for pk in team.members.values_list("pk", flat=True)}
    assert len(members) == built["bank_staff"] >= 40
    assert all(team.leader_id in set(team.members.values_list("pk", flat=True)) for team in teams)
    pairings = Pairing.objects.current().filter(programme__code="finance_counsellors")
    assert pairings.count() == 147
    assert len(set(pairings.values_list("enterprise", flat=True))) == 147
    assert set(pairings.values_list("sponsor", flat=True)) <= members


def test_a_year_of_enterprise_requests_in_every_state(built):
    cal, today = calendar(), timezone.localdate()
    requests = EnterpriseRequest.objects.all()
    assert 50 <= requests.count() == built["requests"] <= 70
    assert set(requests.values_list("status", flat=True)) == {
        "received",
        "verifying",
        "replied",
        "resolved",
    }
    for r in requests:
        assert r.verify_due == cal.add(r.received_on, 1)
        assert r.reply_due == cal.add(r.received_on, 3)
        assert r.resolve_due == cal.add(r.received_on, 30 if r.extension_reason else 15)
        assert r.area_code == r.enterprise.area_code
        assert (r.resolved_on is not None) == (r.status == "resolved")
        assert r.satisfaction == "" or r.status == "resolved"
    overdue = [r for r in requests if r.current_due and r.current_due < today]
    assert overdue and all(r.escalation_level >= 1 for r in overdue)
    assert requests.filter(status="resolved", resolve_late=True).exists()
    assert requests.filter(status="resolved").exclude(satisfaction="").count() >= 30
    assert requests.filter(escalation_level=2).exists()


def test_built_once_only(built):
    assert build_demo_projects(seed=2026)["projects"] == 0
    assert Project.objects.count() == 50


@pytest.fixture
def no_ledger(monkeypatch):
    """The command's ledger left out (the battle map needs none), its output's figures
    kept."""
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
        "--no-coops",
        "--no-cockpit",
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_the_flag_leaves_the_battle_map_out(no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo("--no-projects")
    assert not Project.objects.exists() and not CounsellorTeam.objects.exists()
    assert "battle map" not in out and "site" not in out.split("Demo logins")[-1]


@pytest.mark.django_db(transaction=False)
def test_the_command_builds_it_and_names_the_site_login(no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo()
    assert Project.objects.count() == 50
    assert "Built the demo battle map" in out
    assert "site, bank." in out.split("Demo logins")[-1]


def test_the_cockpit_counts_the_demos_battle_map(built):
    from yiwang.cockpit import snapshots
    from yiwang.cockpit.models import Snapshot
    from yiwang.core import indicators

    def value(key):
        return indicators.get(key).value(None, "370829")

    assert value("projects.projects") == 50
    assert value("projects.milestones_late") == built["milestones_open_late"] == 16
    assert value("projects.requests_open") == built["requests_open"]
    today = timezone.localdate()
    overdue = [
        r for r in EnterpriseRequest.objects.all() if r.current_due and r.current_due < today
    ]
    assert value("projects.requests_overdue") == len(overdue) >= 3
    # This month's snapshot of the county counts them by town.
    snapshots.refresh()
    taken = Snapshot.objects.filter(
        key="projects.projects", area_code__in=("370829001", "370829002")
    )
    assert sum(taken.values_list("value", flat=True)) == 50


def test_the_outreach_demos_counsellor_pairings_are_handed_to_the_banks(db):
    """On the demo with outreach, its cadres' finance-counsellor pairings end and pass to
    the bank staff (the history kept), their open visits closed and the new ones
    scheduled."""
    from yiwang.demo.outreach import build_demo_outreach
    from yiwang.demo.registry import build_demo_ledger
    from yiwang.outreach.models import ScheduledVisit

    def outreach():
        build_demo_ledger(per_unit=5, seed=2026)
        return build_demo_outreach(seed=2026)

    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    SHARED.build_or_restore("demo-outreach", outreach, reload=lambda result: result)
    before = set(
        Pairing.objects.filter(programme__code="finance_counsellors").values_list("pk", flat=True)
    )
    assert before
    built = build_demo_projects(seed=2026)
    assert built["pairings_handed_over"] == len(before)
    ended = Pairing.objects.filter(pk__in=before)
    assert not ended.filter(ends_on__isnull=True).exists()
    assert set(ended.values_list("end_reason", flat=True)) == {"转由金融辅导队对接"}
    current = Pairing.objects.current().filter(programme__code="finance_counsellors")
    assert current.count() == 147
    assert (
        set(current.exclude(transferred_from=None).values_list("transferred_from", flat=True))
        == before
    )
    assert not ScheduledVisit.objects.filter(pairing__in=before, status="scheduled").exists()
    assert ScheduledVisit.objects.filter(pairing__in=current, status="scheduled").count() == 147
