"""The year's distribution is run on the year that is over, on each member's balance in
the share register as of its 31 December; the surplus fits the register's columns; the
chair's approval locks the cooperative before the draft, as the run does."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from conftest import VILLAGE
from yiwang.coops.models import Distribution, DistributionLine, DistributionStatus, Member
from yiwang.coops.services import coops, distributions, members
from yiwang.coops.services.common import read_decimal
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import account

# Last year (over) is distributed; this year's changes come after its end.
Y = timezone.localdate().year - 1
NEW_YEAR = datetime.date(Y + 1, 1, 1)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def coop(tree):
    return builders.cooperative(VILLAGE, "年末股份社", holding_cap=D("0.90"))


@pytest.fixture
def board(coop):
    accountant, chair = account("year-accountant"), account("year-chair")
    for role, user in (("accountant", accountant), ("chair", chair)):
        coops.appoint(
            actor=None,
            cooperative_id=coop.pk,
            role=role,
            name=role,
            user_id=user.pk,
            on=datetime.date(Y, 1, 2),
        )
    return accountant, chair


def _join(coop, name, day, kind="other"):
    return builders.join(coop, kind, name=name, on=day)


def _money(coop, member, amount, day):
    builders.contribute(coop, member, "money", amount=str(amount), on=day)


def _trade(coop, member, sold):
    builders.trade(coop, member, Y, sold)


@pytest.fixture
def register(coop):
    """At the end of Y: A (the village collective) 60,000, B 10,000, C 20,000, D 0 (all handed back in June), E 0
    (traded 300). Then in January: A +5,000, C −5,000, F joins with 8,000. Today A holds
    65,000, C 15,000. Trading of Y: B 100, C 200, E 300."""
    a = _join(coop, "", datetime.date(Y, 1, 10), kind="collective")
    b = _join(coop, "乙", datetime.date(Y, 2, 1))
    c = _join(coop, "丙", datetime.date(Y, 3, 1))
    d = _join(coop, "丁", datetime.date(Y, 4, 1))
    e = _join(coop, "戊", datetime.date(Y, 5, 1))
    _money(coop, a, 60000, datetime.date(Y, 1, 10))
    _money(coop, b, 10000, datetime.date(Y, 2, 1))
    _money(coop, c, 20000, datetime.date(Y, 3, 1))
    _money(coop, d, 4000, datetime.date(Y, 4, 1))
    members.withdraw(
        actor=None, member_id=d.pk, shares=4000, on=datetime.date(Y, 6, 30), reason="退社"
    )
    _money(coop, a, 5000, NEW_YEAR)
    members.withdraw(actor=None, member_id=c.pk, shares=5000, on=NEW_YEAR, reason="转让")
    f = _join(coop, "己", NEW_YEAR)
    _money(coop, f, 8000, NEW_YEAR)
    for member, sold in ((b, "100"), (c, "200"), (e, "300")):
        _trade(coop, member, sold)
    return a, b, c, d, e, f


def test_paid_on_the_balance_at_the_years_end(coop, register, board):
    a, b, c, d, e, f = register
    accountant, chair = board
    assert Member.objects.get(pk=a.pk).shares == 65000  # today's balance, not paid on
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=Y, surplus="10000.00"
    )
    lines = {line.member_id: line for line in run.lines.all()}
    # D held nothing and did not trade; F joined after the year's end.
    assert {m: line.shares for m, line in lines.items()} == {
        a.pk: 60000,
        b.pk: 10000,
        c.pk: 20000,
        e.pk: 0,
    }
    # Reserve 1,000.00; by trading 5,400.00 at 1 : 2 : 3; by shares 3,600.00 at 6 : 1 : 2.
    assert run.reserve == D("1000.00")
    assert lines[a.pk].by_shares == D("2400.00") and lines[a.pk].by_trading == 0
    assert (lines[b.pk].by_trading, lines[b.pk].by_shares) == (D("900.00"), D("400.00"))
    assert (lines[c.pk].by_trading, lines[c.pk].by_shares) == (D("1800.00"), D("800.00"))
    assert (lines[e.pk].by_trading, lines[e.pk].by_shares) == (D("2700.00"), D("0.00"))
    assert run.reserve + sum(line.total for line in lines.values()) == run.surplus


def test_a_change_recorded_late_counts_on_its_date(coop, register, board):
    """A contribution dated in Y but recorded after January's changes counts for Y."""
    a, b, c, d, e, f = register
    accountant, chair = board
    _money(coop, b, 2000, datetime.date(Y, 12, 31))
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=Y, surplus="100.00"
    )
    assert run.lines.get(member=b).shares == 12000
    assert run.lines.get(member=c).shares == 20000


def test_a_year_that_is_not_over_is_refused(coop, register, board):
    accountant, chair = board
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        with pytest.raises(ValidationError) as error:
            distributions.run_distribution(
                actor=accountant, cooperative_id=coop.pk, year=year, surplus="100.00"
            )
        assert "over" in error.value.message_dict["year"][0]
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            distributions.run_distribution(
                actor=accountant, cooperative_id=coop.pk, year=this_year, surplus="100.00"
            )
        assert "已结束" in error.value.message_dict["year"][0]
    assert not Distribution.objects.exists()


def test_a_surplus_above_the_columns_is_refused_nothing_written(coop, register, board):
    accountant, chair = board
    for surplus in ("1000000000000.00", D("999999999999.995"), "1e15"):
        with pytest.raises(ValidationError) as error:
            distributions.run_distribution(
                actor=accountant, cooperative_id=coop.pk, year=Y, surplus=surplus
            )
        assert "999,999,999,999.99" in error.value.message_dict["surplus"][0]
    assert not Distribution.objects.exists() and not DistributionLine.objects.exists()
    run = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=Y, surplus="999999999999.99"
    )
    run.refresh_from_db()
    assert run.surplus == D("999999999999.99")


def test_read_decimal_maximum():
    assert read_decimal("5", "x", maximum=D("5")) == D("5")
    assert read_decimal("1e20", "x") == D("1e20")
    with pytest.raises(ValidationError) as error:
        read_decimal("5.01", "x", maximum=D("5"))
    assert list(error.value.message_dict) == ["x"]


def test_approval_locks_the_cooperative_first_and_a_replaced_draft_is_said_so(
    coop, register, board
):
    """The run replaces the draft between the approval's first read and its lock on the
    draft (as a run waiting on the cooperative's lock would): the approval reads the
    cooperative (the lock) before the draft, and says the draft was replaced."""
    accountant, chair = board
    draft = distributions.run_distribution(
        actor=accountant, cooperative_id=coop.pk, year=Y, surplus="100.00"
    )
    seen = []
    replaced = []
    busy = []

    def run_first(execute, sql, params, many, context):
        if not busy and 'FROM "coops_cooperative"' in sql:
            busy.append(True)
            seen.append("cooperative")
            replaced.append(
                distributions.run_distribution(
                    actor=accountant, cooperative_id=coop.pk, year=Y, surplus="200.00"
                )
            )
        elif not busy and 'FROM "coops_distribution"' in sql:
            seen.append("distribution")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(run_first), pytest.raises(ValidationError) as error:
        distributions.approve_distribution(actor=chair, distribution_id=draft.pk)
    assert "replaced" in error.value.message_dict["status"][0]
    # Only the cooperative id was read from the draft before the cooperative.
    assert seen == ["distribution", "cooperative"]
    assert len(replaced) == 1
    # Nothing was approved; the simulated run, inside the approval's transaction here (in
    # the race it commits on its own), was undone with it.
    assert list(Distribution.objects.values_list("pk", "status")) == [
        (draft.pk, DistributionStatus.DRAFT)
    ]
    final = distributions.approve_distribution(actor=chair, distribution_id=draft.pk)
    assert final.status == DistributionStatus.FINAL
    Distribution.objects.filter(pk=draft.pk).delete()
    with pytest.raises(Http404):
        distributions.approve_distribution(actor=chair, distribution_id=draft.pk)
    with pytest.raises(Http404):
        distributions.approve_distribution(actor=chair, distribution_id="x")


def test_a_year_before_anyone_joined_is_refused_with_its_reason(coop, register, board):
    a, b, c, d, e, f = register
    accountant, chair = board
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=Y - 1, surplus="100.00"
        )
    assert "No trading" in error.value.message_dict["members"][0]
    builders.trade(coop, b, Y - 1, "10")
    with pytest.raises(ValidationError) as error:
        distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=Y - 1, surplus="100.00"
        )
    assert f"end of {Y - 1}" in error.value.message_dict["members"][0]
    assert not Distribution.objects.exists()
