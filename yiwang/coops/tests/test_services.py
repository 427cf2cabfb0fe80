"""The cooperatives' services: shares, the holding cap, trading, the distribution run and
approved, the register, and who may do what."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.coops import access
from yiwang.coops.models import (
    Contribution,
    Cooperative,
    Distribution,
    DistributionStatus,
    Member,
    ShareChange,
    Trading,
)
from yiwang.coops.selectors.members import published_notice
from yiwang.coops.services import coops, distributions, members
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import account, household
from yiwang.core.audit import AuditEntry

DAY = datetime.date(2025, 3, 1)


@pytest.fixture
def coop(tree):
    return builders.cooperative(VILLAGE, "南村党支部领办合作社")


@pytest.fixture
def board(coop):
    return builders.board(coop, account("coop-accountant"), account("coop-chair"))


@pytest.fixture
def shares(coop):
    """The collective 60,000 shares (三资 60,000 yuan), A 10,000 (money), B 20,000 (2.5 mu
    of land × 8,000), C 10,000 (100 days of labour × 100): 100,000 in all; B holds
    exactly the cap (20%). Trading of the year 2025: A 100, B 200, C 400 (1 : 2 : 4)."""
    collective, a, b, c = builders.four_members(
        coop,
        UNIT,
        heads=("王一", "李二"),
        other="赵三",
        amount=D("10000.00"),
        area_mu=D("2.5"),
        sold=("100", "150", "400"),
    )
    builders.trade(coop, b, 2025, "150", "50")
    return collective, a, b, c


def _snapshot(coop):
    return (
        list(Member.objects.filter(cooperative=coop).order_by("pk").values_list("pk", "shares")),
        ShareChange.objects.filter(cooperative=coop).count(),
        Contribution.objects.filter(cooperative=coop).count(),
        list(Distribution.objects.filter(cooperative=coop).values_list("pk", "status")),
        list(
            Trading.objects.filter(cooperative=coop)
            .order_by("pk")
            .values_list("pk", "produce_sold", "services_bought")
        ),
    )


def test_contributions_turned_into_shares(coop, shares):
    collective, a, b, c = shares
    assert [m.shares for m in Member.objects.filter(cooperative=coop).order_by("pk")] == [
        60000,
        10000,
        20000,
        10000,
    ]
    land = Contribution.objects.get(member=b)
    assert (land.kind, land.area_mu, land.shares) == ("land", D("2.50"), 20000)
    assert a.name == "王一"  # named after the household's head
    # Land rounded down to a whole share: 0.33 mu × 8,000 = 2,640; 0.0001 is not to two decimals.
    builders.contribute(coop, c, "land", area_mu="0.33", on=DAY)
    assert Member.objects.get(pk=c.pk).shares == 12640


def test_the_register_keeps_every_change_dated_with_balances(coop, shares):
    collective, a, b, c = shares
    later = DAY + datetime.timedelta(days=30)
    builders.contribute(coop, a, "money", amount="2500", on=later)
    members.withdraw(
        actor=None,
        member_id=a.pk,
        shares=4500,
        on=later + datetime.timedelta(days=1),
        reason="退出部分股金",
    )
    rows = list(
        ShareChange.objects.filter(member=a)
        .order_by("on", "pk")
        .values_list("on", "delta", "balance")
    )
    assert rows == [
        (DAY, 10000, 10000),
        (later, 2500, 12500),
        (later + datetime.timedelta(days=1), -4500, 8000),
    ]
    assert Member.objects.get(pk=a.pk).shares == 8000
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        members.withdraw(actor=None, member_id=a.pk, shares=8001, on=later, reason="太多")
    assert "shares" in error.value.message_dict
    assert _snapshot(coop) == before
    assert AuditEntry.objects.filter(action="coops.withdraw", object_id=str(a.pk)).count() == 1


def test_the_holding_cap_refuses_the_contribution_that_breaks_it(coop, shares):
    collective, a, b, c = shares
    before = _snapshot(coop)
    # B holds 20,000 of 100,000: one more yuan would be 20,001 of 100,001, above 20%.
    with pytest.raises(ValidationError) as error:
        builders.contribute(coop, b, "money", amount="1", on=DAY)
    assert "shares" in error.value.message_dict
    assert "20%" in error.value.message_dict["shares"][0]
    assert _snapshot(coop) == before
    # The collective's 三资 are not capped (it holds 60%); others still may add below the cap.
    builders.contribute(coop, collective, "assets", amount="1000", on=DAY)
    builders.contribute(coop, a, "money", amount="2500", on=DAY)
    assert Member.objects.get(pk=a.pk).shares == 12500


def test_the_same_uuid_twice_is_stored_once(coop, shares):
    collective, a, b, c = shares
    key = "6f1c2d3e-0000-4000-8000-000000000001"
    first, created = builders.contribute(coop, a, "money", amount="100", on=DAY, uuid=key)
    again, created_again = builders.contribute(coop, a, "money", amount="100", on=DAY, uuid=key)
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Member.objects.get(pk=a.pk).shares == 10100


@pytest.mark.django_db(transaction=True)
def test_two_contributions_racing_cannot_both_break_the_cap(tree):
    """Two members at 15% each both add 5,000 shares at once: each alone keeps them within
    the cap (20,000 of 105,000), both would put one over (20,000 of 110,000 is 18%... so
    the numbers are chosen for the second to fail: see below)."""
    coop = builders.cooperative(
        VILLAGE, "竞争社", reserve_rate="0.1", holding_cap="0.2", trading_share="0.6"
    )
    collective = builders.join(coop, "collective")
    one = builders.join(coop, name="甲")
    builders.contribute(coop, collective, "assets", amount="80000")
    builders.contribute(coop, one, "money", amount="15000")
    # One holds 15,000 of 95,000. Adding 5,000: 20,000 of 100,000 (exactly 20%, allowed);
    # adding 5,000 twice: 25,000 of 105,000 (23.8%, refused). Only one may pass.
    results = []

    def add():
        try:
            builders.contribute(coop, one, "money", amount="5000")
            results.append("ok")
        except ValidationError:
            results.append("refused")
        except Exception as error:  # SQLite: "database is locked" counts as refused
            results.append(f"error:{type(error).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1, results
    assert Member.objects.get(pk=one.pk).shares == 20000
    assert ShareChange.objects.filter(member=one).count() == 2


def test_land_and_labour_must_be_given(coop, shares):
    collective, a, b, c = shares
    before = _snapshot(coop)
    for kwargs, field in (
        ({"kind": "land", "area_mu": "0"}, "area_mu"),
        ({"kind": "land", "area_mu": "-1"}, "area_mu"),
        ({"kind": "money", "amount": "abc"}, "amount"),
        ({"kind": "labour", "days": 0}, "days"),
        ({"kind": "assets", "amount": "10"}, "kind"),  # only the collective's 三资
    ):
        with pytest.raises(ValidationError) as error:
            members.contribute(actor=None, cooperative_id=coop.pk, member_id=a.pk, on=DAY, **kwargs)
        assert field in error.value.message_dict
    assert _snapshot(coop) == before


def test_a_member_must_be_a_household_of_the_village(coop, shares):
    other = household(OTHER_UNIT, "101")
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        builders.join(coop, "household", household_id=other.pk, on=DAY)
    assert "household_id" in error.value.message_dict
    with pytest.raises(ValidationError):
        builders.join(coop, "collective", on=DAY)
    assert _snapshot(coop) == before


def test_statutory_distribution_worked_out_by_hand(coop, shares, board):
    """Surplus 1,180,000.00; reserve 10% = 118,000.00; distributable 1,062,000.00; by
    trading 60% = 637,200.00 shared 1 : 2 : 4 (A 91,028.5714…, B 182,057.1428…, C
    364,114.2857…: the floors leave 1 fen, to C's .57 remainder → 91,028.57, 182,057.14,
    364,114.29); by shares 424,800.00 at 60/10/20/10% → 254,880.00, 42,480.00, 84,960.00,
    42,480.00. (1,160,000.00 cannot be stored on SQLite: see the report on the
    coops_line_adds_up constraint compared in floating point there.)"""
    collective, a, b, c = shares
    accountant, chair = board
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2025, surplus="1180000.00"
    )
    assert (run.status, run.reserve, run.distributable, run.trading_pool, run.shares_pool) == (
        "draft",
        D("118000.00"),
        D("1062000.00"),
        D("637200.00"),
        D("424800.00"),
    )
    lines = {
        line.member_id: (line.shares, line.trading, line.by_trading, line.by_shares, line.total)
        for line in run.lines.all()
    }
    assert lines == {
        collective.pk: (60000, D("0.00"), D("0.00"), D("254880.00"), D("254880.00")),
        a.pk: (10000, D("100.00"), D("91028.57"), D("42480.00"), D("133508.57")),
        b.pk: (20000, D("200.00"), D("182057.14"), D("84960.00"), D("267017.14")),
        c.pk: (10000, D("400.00"), D("364114.29"), D("42480.00"), D("406594.29")),
    }
    assert sum(v[4] for v in lines.values()) + run.reserve == D("1180000.00")
    assert (
        run.steps
        and AuditEntry.objects.filter(
            action="coops.distribution_run", object_id=str(run.pk)
        ).exists()
    )


def test_by_shares_distribution_rounded_to_the_fen(coop, shares, board):
    """Surplus 1,000.01: reserve 100.001 → 100.00 (half up); 900.01 all by shares at
    60/10/20/10% = 540.006, 90.001, 180.002, 90.001: floors leave 1 fen, to the
    collective's largest remainder → 540.01, 90.00, 180.00, 90.00."""
    collective, a, b, c = shares
    accountant, chair = board
    coops.set_charter(actor=None, cooperative_id=coop.pk, mode="by_shares")
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2025, surplus=D("1000.01")
    )
    assert (run.reserve, run.trading_pool, run.shares_pool, run.mode) == (
        D("100.00"),
        D("0.00"),
        D("900.01"),
        "by_shares",
    )
    totals = {line.member_id: line.total for line in run.lines.all()}
    assert totals == {
        collective.pk: D("540.01"),
        a.pk: D("90.00"),
        b.pk: D("180.00"),
        c.pk: D("90.00"),
    }


def test_a_draft_replaced_then_approved_is_unchangeable(coop, shares, board):
    accountant, chair = board
    first = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2025, surplus="1000.00"
    )
    second = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2025, surplus="2000.00"
    )
    assert list(Distribution.objects.filter(cooperative=coop).values_list("pk", flat=True)) == [
        second.pk
    ]
    assert not Distribution.objects.filter(pk=first.pk).exists()
    with pytest.raises(PermissionDenied):
        distributions.approve_distribution(actor=accountant, distribution_id=second.pk)
    final = distributions.approve_distribution(actor=chair, distribution_id=second.pk)
    assert (final.status, final.approved_by) == (DistributionStatus.FINAL, chair)
    assert AuditEntry.objects.filter(
        action="coops.distribution_approve", object_id=str(final.pk)
    ).exists()
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=2025, surplus="3000.00"
        )
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError):
        distributions.approve_distribution(actor=chair, distribution_id=final.pk)
    assert _snapshot(coop) == before
    # Another year is free; a second final for 2025 is refused. (A member who had joined
    # by the end of 2024 and traded in it is paid for 2024.)
    last = coop.members.order_by("pk").last()
    Member.objects.filter(pk=last.pk).update(joined_on=datetime.date(2024, 6, 1))
    builders.trade(coop, last, 2024, "10")
    other = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2024, surplus="0.00"
    )
    assert other.status == "draft"
    Distribution.objects.filter(pk=other.pk).update(year=2025)
    with pytest.raises(ValidationError) as error:
        distributions.approve_distribution(actor=chair, distribution_id=other.pk)
    assert "year" in error.value.message_dict
    assert Distribution.objects.filter(cooperative=coop, year=2025, status="final").count() == 1


def test_bad_distributions_refused_nothing_written(coop, shares, board):
    accountant, chair = board
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=2025, surplus="-1.00"
        )
    assert "surplus" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=2025, surplus="1.001"
        )
    assert "surplus" in error.value.message_dict
    # No trading recorded for 2024 in the statutory mode.
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=2024, surplus="1000.00"
        )
    assert "members" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        distributions.run_distribution(
            actor=chair, cooperative_id=coop.pk, year=2025, surplus="1000.00"
        )
    assert _snapshot(coop) == before


def test_published_register_masks_names(coop, shares, board):
    accountant, chair = board
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=2025, surplus="1180000.00"
    )
    assert all(row["total"] is None for row in published_notice(coop)["rows"])
    distributions.approve_distribution(actor=chair, distribution_id=run.pk)
    rows = published_notice(coop)["rows"]
    assert [row["shares"] for row in rows] == [60000, 10000, 20000, 10000]
    assert "王一" not in [row["name"] for row in rows] and rows[1]["name"].startswith("王")
    assert rows[3]["total"] == D("406594.29")


def test_import_trading_all_or_nothing(coop, shares):
    collective, a, b, c = shares
    before = _snapshot(coop)
    rows = [
        {"household_number": "001", "year": 2026, "produce_sold": "10", "services_bought": "5"},
        {"household_number": "999", "year": 2026, "produce_sold": "10"},
        {"name": "赵三", "year": 2026, "produce_sold": "-3"},
        {"name": "赵三", "year": 2026, "produce_sold": "3"},
    ]
    with pytest.raises(ValidationError) as error:
        members.import_trading(actor=None, cooperative_id=coop.pk, rows=rows)
    problems = error.value.message_dict["rows"]
    assert len(problems) == 2 and " 3" in problems[0] and " 4" in problems[1]
    assert _snapshot(coop) == before
    assert members.import_trading(actor=None, cooperative_id=coop.pk, rows=[rows[0], rows[3]]) == 2
    assert Trading.objects.get(member=a, year=2026).services_bought == D("5.00")
    assert Trading.objects.get(member=c, year=2026).produce_sold == D("3.00")


def test_import_trading_household_numbers_repeat_from_unit_to_unit(coop, shares):
    """Household numbers are unique within a unit: a number two members' households share
    is refused with a message, and the member's own number picks the right one."""
    collective, a, b, c = shares
    twin = builders.join(
        coop, "household", household_id=household(f"{VILLAGE}001002", "001", "王双").pk, on=DAY
    )
    before = _snapshot(coop)
    row = {"household_number": "001", "year": 2026, "produce_sold": "10"}
    with pytest.raises(ValidationError) as error:
        members.import_trading(actor=None, cooperative_id=coop.pk, rows=[row])
    assert "001" in error.value.message_dict["rows"][0]
    with pytest.raises(ValidationError):
        members.import_trading(
            actor=None, cooperative_id=coop.pk, rows=[{**row, "member_id": "999999"}]
        )
    assert _snapshot(coop) == before
    members.import_trading(
        actor=None, cooperative_id=coop.pk, rows=[{**row, "member_id": str(twin.pk)}]
    )
    assert Trading.objects.get(year=2026, cooperative=coop).member == twin


def test_board_history_one_chair_at_a_time(coop, board):
    accountant, chair = board
    with pytest.raises(ValidationError):
        coops.appoint(actor=None, cooperative_id=coop.pk, role="chair", name="另一人", on=DAY)
    seat = coop.board.get(role="chair")
    coops.end_seat(
        actor=None, seat_id=seat.pk, on=DAY + datetime.timedelta(days=365), reason="换届"
    )
    coops.appoint(
        actor=None,
        cooperative_id=coop.pk,
        role="chair",
        name="另一人",
        on=DAY + datetime.timedelta(days=365),
    )
    assert coop.board.filter(role="chair").count() == 2
    assert not access.can_approve_distribution(chair, coop)


def test_credit_code_checked(tree):
    with pytest.raises(ValidationError) as error:
        coops.create_cooperative(
            actor=None, area_code=VILLAGE, name="甲社", credit_code="91370830MA3C12345X"
        )
    assert "credit_code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        coops.create_cooperative(actor=None, area_code=UNIT, name="甲社")
    assert "area_code" in error.value.message_dict


@pytest.mark.parametrize(
    "persona, keeps, sees",
    [
        ("county_admin", True, True),
        ("town_admin", True, True),
        ("chief", True, True),
        ("worker", False, False),
        ("outsider", False, False),
    ],
)
def test_scope(request, coop, persona, keeps, sees):
    user = request.getfixturevalue(persona)
    assert access.can_keep(user, VILLAGE) is keeps
    assert (
        Cooperative.objects.filter(access.cooperative_q(user)).filter(pk=coop.pk).exists() is sees
    )
    if keeps:
        member = builders.join(coop, "collective", actor=user)
        builders.contribute(coop, member, "assets", actor=user, amount="10")
        assert AuditEntry.objects.filter(action="coops.contribute", actor=user).count() == 1
    else:
        with pytest.raises(Http404):
            builders.join(coop, "other", actor=user, name="某人", on=DAY)
        with pytest.raises((Http404, PermissionDenied)):
            coops.create_cooperative(actor=user, area_code=VILLAGE, name="另社")


def test_a_board_seat_opens_the_cooperative_to_its_holder(coop, worker, board):
    accountant, chair = board
    assert Cooperative.objects.filter(access.cooperative_q(accountant)).count() == 1
    assert access.can_run_distribution(accountant, coop) and not access.can_run_distribution(
        worker, coop
    )


def test_messages_in_chinese(coop):
    from django.utils import translation

    other = household(OTHER_UNIT, "102")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        builders.join(coop, "household", household_id=other.pk, on=DAY)
    assert error.value.message_dict["household_id"] == ["不是本村的农户。"]
