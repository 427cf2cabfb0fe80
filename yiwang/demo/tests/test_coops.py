"""The demo county's party-branch-led cooperatives: one in every village of one town, in
the town's alliance, with their charters and boards; members whose shares are their
contributions at the charter's rates, none above the holding cap; the trading and the
distribution of the year before last, approved, to the fen, and drafts of last year's; all of it written through the services, so the
register and the audit log are the real ones."""

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from stdnum.cn import uscc

from conftest import SHARED
from yiwang.accounts.models import User
from yiwang.areas.models import Area, Level
from yiwang.coops import access
from yiwang.coops.models import (
    Alliance,
    BoardRole,
    BoardSeat,
    Contribution,
    Cooperative,
    Distribution,
    DistributionLine,
    DistributionMode,
    DistributionStatus,
    Member,
    MemberKind,
    ShareChange,
    Trading,
)
from yiwang.coops.selectors.members import published_notice
from yiwang.coops.services.distributions import NOTICE_AWAITING
from yiwang.core import audit
from yiwang.core.models import AuditEntry
from yiwang.demo.areas import build_demo
from yiwang.demo.coops import (
    ACCOUNTANT_LOGIN,
    BY_SHARES,
    CHAIR_LOGIN,
    DRAFTS,
    build_demo_coops,
    coop_town,
)
from yiwang.demo.registry import build_demo_ledger
from yiwang.notices.models import Notification
from yiwang.registry.models import Household

TOWN = "370829001"  # the town scale's towns have 25 villages each: the first is taken
VILLAGES = 25


@pytest.fixture
def built(db):
    def build():
        build_demo_ledger(per_unit=5, seed=2026)
        return build_demo_coops(seed=2026)

    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore("demo-coops", build, reload=lambda result: result)


def _coops():
    return list(Cooperative.objects.order_by("area_code"))


def test_every_village_of_one_town_has_its_cooperative_in_the_towns_alliance(built):
    town = coop_town()
    assert town.code == TOWN
    villages = list(
        Area.objects.filter(parent=town, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
    )
    assert len(villages) == VILLAGES
    coops = _coops()
    assert [(c.area_code, c.name) for c in coops] == [
        (code, f"{name}党支部领办合作社") for code, name in villages
    ]
    assert built["cooperatives"] == VILLAGES
    (alliance,) = Alliance.objects.all()
    assert alliance.area_code == TOWN and alliance.name.startswith(town.name)
    assert {c.alliance_id for c in coops} == {alliance.pk}
    assert not Cooperative.objects.exclude(area_code__startswith=TOWN).exists()
    for coop in coops:
        assert coop.credit_code.startswith("93370829")
        assert uscc.is_valid(coop.credit_code)
        assert coop.registered_on.year == timezone.localdate().year - 2


def test_the_charters_by_the_statute_and_a_couple_by_shares(built):
    coops = _coops()
    modes = Counter(c.mode for c in coops)
    assert modes == {
        DistributionMode.STATUTORY: VILLAGES - BY_SHARES,
        DistributionMode.BY_SHARES: BY_SHARES,
    }
    assert (built["statutory"], built["by_shares"]) == (VILLAGES - BY_SHARES, BY_SHARES)
    for coop in coops:
        assert Decimal("0.05") <= coop.reserve_rate <= Decimal("0.10")
        assert coop.holding_cap == Decimal("0.2")
        assert Decimal("0.6") <= coop.trading_share <= 1
        assert (coop.shares_per_yuan, coop.shares_per_mu) == (1, 8000)
    assert {c.trading_share for c in coops} == {Decimal("0.6"), Decimal("0.7")}
    assert len({c.reserve_rate for c in coops}) > 1


def test_each_board_has_one_chair_an_accountant_and_a_supervisor_with_its_history(built):
    current = defaultdict(Counter)
    for coop_id, role in BoardSeat.objects.filter(left_on__isnull=True).values_list(
        "cooperative_id", "role"
    ):
        current[coop_id][role] += 1
    assert len(current) == VILLAGES
    for roles in current.values():
        assert roles == {
            BoardRole.CHAIR: 1,
            BoardRole.ACCOUNTANT: 1,
            BoardRole.SUPERVISOR: 1,
            BoardRole.BOARD: 2,
        }
    ended = BoardSeat.objects.filter(left_on__isnull=False)
    assert ended.count() == built["seats_ended"] >= 1
    for seat in ended:
        assert seat.role == BoardRole.ACCOUNTANT and seat.left_reason
        # Replaced on the day it ended.
        assert seat.cooperative.board.filter(
            role=BoardRole.ACCOUNTANT, appointed_on=seat.left_on, left_on__isnull=True
        ).exists()
    assert BoardSeat.objects.count() == built["seats"]


def test_the_first_cooperatives_chair_and_accountant_are_demo_logins(built):
    first = _coops()[0]
    chair = User.objects.get(username=CHAIR_LOGIN)
    accountant = User.objects.get(username=ACCOUNTANT_LOGIN)
    assert chair.check_password("demo12345") and accountant.check_password("demo12345")
    assert first.board.get(role=BoardRole.CHAIR, left_on__isnull=True).user == chair
    assert first.board.get(role=BoardRole.ACCOUNTANT, left_on__isnull=True).user == accountant
    assert access.can_approve_distribution(chair, first)
    assert not access.can_run_distribution(chair, first)
    assert access.can_run_distribution(accountant, first)
    assert not access.can_approve_distribution(accountant, first)
    for user in (chair, accountant):
        assert access.sees_cooperatives(user)
        assert list(access.visible_cooperatives(user)) == [first]
    # Only those two accounts sit on a board.
    assert set(BoardSeat.objects.filter(user__isnull=False).values_list("user_id", flat=True)) == {
        chair.pk,
        accountant.pk,
    }


def test_the_members_are_the_collective_households_of_the_village_and_others(built):
    coops = _coops()
    kinds = Counter(Member.objects.values_list("kind", flat=True))
    assert kinds[MemberKind.COLLECTIVE] == VILLAGES
    assert kinds[MemberKind.OTHER] == 2 * VILLAGES
    assert kinds[MemberKind.HOUSEHOLD] >= 18 * VILLAGES
    assert sum(kinds.values()) == built["members"]
    households = dict(Household.objects.values_list("pk", "area_code"))
    for coop in coops:
        members = list(coop.members.all())
        assert members[0].kind == MemberKind.COLLECTIVE
        assert members[0].name == f"{coop.name.removesuffix('党支部领办合作社')}股份经济合作社"
        for m in members:
            assert m.area_code == coop.area_code and m.shares > 0 and m.left_on is None
            if m.kind == MemberKind.HOUSEHOLD:
                assert households[m.household_id].startswith(coop.area_code)
    # Land, money, labour and the collective's assets are all put in.
    assert set(Contribution.objects.values_list("kind", flat=True)) == {
        "land",
        "money",
        "labour",
        "assets",
    }
    assert Contribution.objects.count() == built["contributions"]


def test_the_shares_are_the_contributions_at_the_charters_rates_under_the_cap(built):
    contributed = dict(
        Contribution.objects.values("member").annotate(n=Sum("shares")).values_list("member", "n")
    )
    changes = defaultdict(list)
    for change in ShareChange.objects.order_by("on", "id"):
        changes[change.member_id].append(change)
    totals = dict(
        Member.objects.values("cooperative")
        .annotate(n=Sum("shares"))
        .values_list("cooperative", "n")
    )
    assert sum(totals.values()) == built["shares"]
    for member in Member.objects.select_related("cooperative"):
        coop = member.cooperative
        assert member.shares == contributed[member.pk]
        # The register: every change dated, its balance running to the member's shares.
        running = 0
        for change in changes[member.pk]:
            running += change.delta
            assert change.balance == running and change.contribution_id
        assert running == member.shares
        if member.kind != MemberKind.COLLECTIVE:
            assert member.shares <= coop.holding_cap * totals[coop.pk]
    for c in Contribution.objects.select_related("cooperative"):
        if c.kind == "land":
            assert c.shares == int(c.area_mu * c.cooperative.shares_per_mu)
        elif c.kind == "labour":
            assert c.shares == c.days * c.cooperative.shares_per_labour_day
        else:
            assert c.shares == int(c.amount * c.cooperative.shares_per_yuan)
    # The collective leads: the largest holder of every cooperative.
    for coop in _coops():
        assert coop.members.order_by("-shares").first().kind == MemberKind.COLLECTIVE


def test_the_first_years_distribution_is_final_and_adds_up_to_the_fen(built):
    first_year = timezone.localdate().year - 2
    finals = list(
        Distribution.objects.filter(status=DistributionStatus.FINAL).select_related("cooperative")
    )
    assert len(finals) == VILLAGES == built["final"]
    assert {d.year for d in finals} == {first_year}
    assert {d.cooperative_id for d in finals} == {c.pk for c in _coops()}
    lines = defaultdict(list)
    for line in DistributionLine.objects.filter(distribution__in=finals):
        lines[line.distribution_id].append(line)
    paid = Decimal(0)
    for run in finals:
        coop = run.cooperative
        assert run.approved_at is not None
        assert (run.mode, run.reserve_rate) == (coop.mode, coop.reserve_rate)
        assert run.reserve + sum(line.total for line in lines[run.pk]) == run.surplus
        # The reserve rounded half up to the fen (the engine's rule).
        exact = run.surplus * run.reserve_rate
        assert run.reserve == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert run.trading_pool + run.shares_pool == run.distributable
        assert len(lines[run.pk]) == coop.members.count()
        shares = dict(coop.members.values_list("pk", "shares"))
        trading = {
            member: produce + services
            for member, produce, services in Trading.objects.filter(
                cooperative=coop, year=first_year
            ).values_list("member", "produce_sold", "services_bought")
        }
        for line in lines[run.pk]:
            assert line.total == line.by_trading + line.by_shares
            assert line.shares == shares[line.member_id]
            assert line.trading == trading.get(line.member_id, 0)
            assert line.by_trading == 0 or line.trading > 0
        if run.mode == DistributionMode.STATUTORY:
            assert run.trading_pool >= run.distributable * run.trading_share
            assert sum(line.by_trading for line in lines[run.pk]) == run.trading_pool
        else:
            assert run.trading_pool == 0
        paid += sum(line.total for line in lines[run.pk])
    assert str(paid) == built["paid_yuan"]
    # The first one run by its accountant and approved by its chair, the others on the
    # command line.
    first = Distribution.objects.get(cooperative=_coops()[0], status=DistributionStatus.FINAL)
    assert first.created_by.username == ACCOUNTANT_LOGIN
    assert first.approved_by.username == CHAIR_LOGIN


def test_drafts_of_last_year_await_the_chair(built):
    drafts = Distribution.objects.filter(status=DistributionStatus.DRAFT)
    assert drafts.count() == DRAFTS == built["drafts"]
    assert {d.year for d in drafts} == {timezone.localdate().year - 1}
    first = _coops()[0]
    mine = drafts.get(cooperative=first)
    assert mine.created_by.username == ACCOUNTANT_LOGIN
    assert Notification.objects.filter(
        kind=NOTICE_AWAITING, recipient__username=CHAIR_LOGIN, object_id=mine.pk
    ).exists()
    for run in drafts:
        assert run.reserve + run.lines.aggregate(n=Sum("total"))["n"] == run.surplus
    # Last year's trading came in through the import.
    assert Trading.objects.filter(year=timezone.localdate().year - 1).count() > 0
    assert Trading.objects.count() == built["trading"]


def test_the_published_register_masks_the_households_names(built):
    coop = _coops()[0]
    notice = published_notice(coop)
    rows = notice["rows"]
    names = dict(coop.members.values_list("pk", "name"))
    assert len(rows) == len(names)
    assert notice["run"].year == timezone.localdate().year - 2
    for row in rows:
        assert row["total"] is not None
        if row["kind"] == MemberKind.HOUSEHOLD:
            assert row["name"] != names[row["member_id"]]


def test_everything_is_audited_under_a_registered_name(built):
    actions = Counter(
        AuditEntry.objects.filter(action__startswith="coops.").values_list("action", flat=True)
    )
    assert actions["coops.alliance_create"] == 1
    assert actions["coops.create"] == VILLAGES
    assert actions["coops.member_add"] == built["members"]
    assert actions["coops.contribute"] == built["contributions"]
    assert actions["coops.distribution_run"] == VILLAGES + DRAFTS
    assert actions["coops.distribution_approve"] == VILLAGES
    assert actions["coops.trading_import"] == DRAFTS
    assert actions["coops.end_seat"] == built["seats_ended"]
    summary = AuditEntry.objects.get(action="demo.coops")
    assert summary.after["cooperatives"] == VILLAGES
    for action in [*actions, "demo.coops"]:
        assert audit.action_label(action) != action


def test_built_once_only(built):
    assert build_demo_coops(seed=2026)["cooperatives"] == 0
    assert Cooperative.objects.count() == VILLAGES


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
        "--no-services",
        "--no-duty",
        "--no-cockpit",
        *args,
        stdout=out,
    )
    return out.getvalue()


def test_the_flag_leaves_the_cooperatives_out(db, no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo("--no-coops")
    assert not Cooperative.objects.exists() and not Alliance.objects.exists()
    assert not User.objects.filter(username__in=(CHAIR_LOGIN, ACCOUNTANT_LOGIN)).exists()
    assert "cooperatives" not in out and CHAIR_LOGIN not in out


def test_the_command_builds_them(db, no_ledger, settings):
    settings.DEMO_ALLOWED = True
    out = _demo()
    assert "Built the demo cooperatives" in out
    assert f"outsider, {CHAIR_LOGIN}, {ACCOUNTANT_LOGIN}." in out
    # Without a ledger: the collective and the two others of each village only.
    assert Cooperative.objects.count() == VILLAGES
    assert Member.objects.count() == 3 * VILLAGES
    assert not Member.objects.filter(kind=MemberKind.HOUSEHOLD).exists()
    assert Distribution.objects.filter(status=DistributionStatus.FINAL).count() == VILLAGES
