"""The members' services at their edges: the charter's rates and the contributions
bounded, the register's dates kept in order, a member leaving, households that moved out,
and ids given in Unicode digits."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from conftest import UNIT, VILLAGE
from yiwang.coops.models import Contribution, Cooperative, Member, ShareChange, Trading
from yiwang.coops.services import coops, members
from yiwang.coops.tests import builders
from yiwang.core.audit import AuditEntry

BIG = 2**63 - 1


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def coop(tree):
    return coops.create_cooperative(actor=None, area_code=VILLAGE, name="南村党支部领办合作社")


@pytest.fixture
def people(coop, today):
    """The collective (joined 60 days ago, 60,000 shares then) and a household member
    (joined 30 days ago, 10,000 shares 20 days ago)."""
    start = today - datetime.timedelta(days=60)
    collective = builders.join(coop, "collective", on=start)
    builders.contribute(coop, collective, "assets", amount="60000", on=start)
    a = builders.join(
        coop,
        "household",
        household_id=builders.household(UNIT, "001", "王一").pk,
        on=today - datetime.timedelta(days=30),
    )
    builders.contribute(coop, a, "money", amount="10000", on=today - datetime.timedelta(days=20))
    return collective, a


def _snapshot(coop):
    return (
        list(
            Member.objects.filter(cooperative=coop)
            .order_by("pk")
            .values_list("pk", "shares", "left_on")
        ),
        list(
            ShareChange.objects.filter(cooperative=coop)
            .order_by("pk")
            .values_list("pk", "on", "delta", "balance")
        ),
        Contribution.objects.filter(cooperative=coop).count(),
        list(Trading.objects.filter(cooperative=coop).values_list("pk", "produce_sold")),
        list(
            Cooperative.objects.filter(pk=coop.pk).values_list(
                "shares_per_yuan", "shares_per_mu", "shares_per_labour_day"
            )
        ),
        AuditEntry.objects.count(),
    )


# -- The charter's rates -------------------------------------------------------------------

RATES = ("shares_per_yuan", "shares_per_mu", "shares_per_labour_day")


@pytest.mark.parametrize("value", [0, -1, 10**8 + 1, 10**20, "²", "１２", "1.5", "", None, True])
def test_a_charter_rate_out_of_range_is_refused_on_its_field(coop, value):
    before = _snapshot(coop)
    messages = set()
    for field in RATES:
        with pytest.raises(ValidationError) as error:
            coops.set_charter(actor=None, cooperative_id=coop.pk, **{field: value})
        assert list(error.value.message_dict) == [field]
        messages.add(error.value.message_dict[field][0])
    assert len(messages) == 3  # each rate says which it is
    assert all("100,000,000" in message for message in messages)
    assert _snapshot(coop) == before


def test_charter_rates_at_their_bounds_are_kept(coop):
    coops.set_charter(
        actor=None,
        cooperative_id=coop.pk,
        shares_per_yuan=10**8,
        shares_per_mu="1",
        shares_per_labour_day=" 100000000 ",
    )
    coop.refresh_from_db()
    assert (coop.shares_per_yuan, coop.shares_per_mu, coop.shares_per_labour_day) == (
        10**8,
        1,
        10**8,
    )
    with pytest.raises(ValidationError) as error:
        coops.create_cooperative(
            actor=None, area_code=VILLAGE, name="另一社", shares_per_mu=10**8 + 1
        )
    assert list(error.value.message_dict) == ["shares_per_mu"]
    assert not Cooperative.objects.filter(name="另一社").exists()


# -- Contributions bounded -----------------------------------------------------------------


@pytest.mark.parametrize(
    "measure, field",
    [
        ({"kind": "labour", "days": 36501}, "days"),
        ({"kind": "labour", "days": 10**30}, "days"),
        ({"kind": "land", "area_mu": "1000000.01"}, "area_mu"),
        ({"kind": "land", "area_mu": "1e30"}, "area_mu"),
        ({"kind": "money", "amount": "1000000000000"}, "amount"),
        ({"kind": "money", "amount": "1e40"}, "amount"),
        ({"kind": "assets", "amount": D("999999999999.991")}, "amount"),
    ],
)
def test_a_contribution_beyond_its_bounds_is_refused(coop, people, today, measure, field):
    collective, a = people
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        members.contribute(
            actor=None, cooperative_id=coop.pk, member_id=collective.pk, on=today, **measure
        )
    assert list(error.value.message_dict) == [field]
    assert _snapshot(coop) == before


def test_contributions_at_their_bounds_are_kept(coop, people, today):
    collective, a = people
    for measure, shares in (
        ({"kind": "labour", "days": 36500}, 36500 * 100),
        ({"kind": "land", "area_mu": "1000000"}, 10**6 * 8000),
        ({"kind": "assets", "amount": "999999999999.99"}, 999999999999),
    ):
        contribution, created = members.contribute(
            actor=None, cooperative_id=coop.pk, member_id=collective.pk, on=today, **measure
        )
        assert created and contribution.shares == shares
    assert Member.objects.get(pk=collective.pk).shares == 60000 + 3650000 + 8 * 10**9 + 999999999999


def test_shares_beyond_a_big_integer_are_refused(coop, people, today):
    collective, a = people
    coops.set_charter(actor=None, cooperative_id=coop.pk, shares_per_yuan=10**8)
    before = _snapshot(coop)
    # 999,999,999,999.99 yuan × 10^8 is about 10^20 shares: beyond the register's column.
    with pytest.raises(ValidationError) as error:
        builders.contribute(coop, collective, "assets", amount="999999999999.99", on=today)
    assert list(error.value.message_dict) == ["amount"]
    assert _snapshot(coop) == before
    # 5 × 10^18 shares fit; twice that in one balance does not.
    builders.contribute(coop, collective, "assets", amount="50000000000", on=today)
    held = Member.objects.get(pk=collective.pk).shares
    assert held == 60000 + 5 * 10**18 <= BIG
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        builders.contribute(coop, collective, "assets", amount="50000000000", on=today)
    assert list(error.value.message_dict) == ["amount"]
    assert _snapshot(coop) == before
    assert ShareChange.objects.filter(member=collective).order_by("-pk")[0].balance == held


# -- The register's dates ------------------------------------------------------------------


def test_a_contribution_dated_out_of_order_is_refused(coop, people, today):
    collective, a = people
    before = _snapshot(coop)
    for day, says in (
        (today - datetime.timedelta(days=21), "latest line"),  # a's latest line: 20 days ago
        (today - datetime.timedelta(days=31), "joined"),  # a joined 30 days ago
        (today + datetime.timedelta(days=1), "future"),
    ):
        with pytest.raises(ValidationError) as error:
            builders.contribute(coop, a, "money", amount="1", on=day)
        assert list(error.value.message_dict) == ["on"]
        assert says in error.value.message_dict["on"][0]
    assert _snapshot(coop) == before
    # The same day as the latest line, and today, are fine; the balances follow the dates.
    for day in (today - datetime.timedelta(days=20), today):
        builders.contribute(coop, a, "money", amount="100", on=day)
    rows = list(
        ShareChange.objects.filter(member=a).order_by("on", "pk").values_list("balance", flat=True)
    )
    assert rows == [10000, 10100, 10200]


def test_a_withdrawal_dated_out_of_order_is_refused(coop, people, today):
    collective, a = people
    members.withdraw(
        actor=None, member_id=a.pk, shares=1000, on=today - datetime.timedelta(days=5), reason="退"
    )
    before = _snapshot(coop)
    for day, says in (
        (today - datetime.timedelta(days=6), "latest line"),
        (today + datetime.timedelta(days=1), "future"),
    ):
        with pytest.raises(ValidationError) as error:
            members.withdraw(actor=None, member_id=a.pk, shares=10, on=day, reason="退")
        assert (
            list(error.value.message_dict) == ["on"] and says in error.value.message_dict["on"][0]
        )
    # Too many shares and a bad date: both said at once.
    with pytest.raises(ValidationError) as error:
        members.withdraw(
            actor=None,
            member_id=a.pk,
            shares=9001,
            on=today - datetime.timedelta(days=6),
            reason="退",
        )
    assert set(error.value.message_dict) == {"shares", "on"}
    assert _snapshot(coop) == before
    members.withdraw(actor=None, member_id=a.pk, shares=9000, on=today, reason="退")
    assert Member.objects.get(pk=a.pk).shares == 0


def test_a_member_cannot_join_after_today(coop, today):
    with pytest.raises(ValidationError) as error:
        builders.join(coop, "other", name="明天", on=today + datetime.timedelta(days=1))
    assert list(error.value.message_dict) == ["joined_on"]
    assert not Member.objects.filter(cooperative=coop).exists()


# -- A member leaving ----------------------------------------------------------------------


def test_a_member_leaves_with_their_shares_handed_back(coop, people, today):
    collective, a = people
    day = today - datetime.timedelta(days=2)
    left = members.leave_member(actor=None, member_id=a.pk, on=day, reason="外出务工")
    assert (left.left_on, left.shares) == (day, 0)
    a.refresh_from_db()
    assert (a.left_on, a.shares) == (day, 0)
    line = ShareChange.objects.filter(member=a).order_by("-pk")[0]
    assert (line.on, line.delta, line.balance) == (day, -10000, 0)
    assert "外出务工" in line.reason
    entry = AuditEntry.objects.get(action="coops.member_leave", object_id=str(a.pk))
    assert entry.after["left_on"] == day.isoformat() and entry.before == {"shares": 10000}
    # Gone: no more contributions, no second leaving.
    before = _snapshot(coop)
    with pytest.raises(ValidationError) as error:
        builders.contribute(coop, a, "money", amount="1", on=today)
    assert "member_id" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        members.leave_member(actor=None, member_id=a.pk, on=today, reason="再退")
    assert list(error.value.message_dict) == ["member_id"]
    assert _snapshot(coop) == before


def test_a_member_with_no_shares_leaves_without_a_register_line(coop, people, today):
    other = builders.join(coop, "other", name="赵三", on=today)
    members.leave_member(actor=None, member_id=other.pk, on=today, reason="未入股")
    assert Member.objects.get(pk=other.pk).left_on == today
    assert not ShareChange.objects.filter(member=other).exists()
    assert AuditEntry.objects.filter(action="coops.member_leave", object_id=str(other.pk)).exists()


def test_leaving_refused_nothing_written(coop, people, today):
    collective, a = people
    before = _snapshot(coop)
    refused = [
        ({"member_id": a.pk, "on": today - datetime.timedelta(days=21)}, "on"),
        ({"member_id": a.pk, "on": today + datetime.timedelta(days=1)}, "on"),
        ({"member_id": a.pk, "on": "not a day"}, "on"),
        ({"member_id": a.pk, "on": today, "reason": ""}, "reason"),
        ({"member_id": a.pk, "on": today, "reason": "x" * 151}, "reason"),
        ({"member_id": collective.pk, "on": today}, "member_id"),
    ]
    for kwargs, field in refused:
        with pytest.raises(ValidationError) as error:
            members.leave_member(actor=None, **{"reason": "退社", **kwargs})
        assert list(error.value.message_dict) == [field], kwargs
    assert "collective" in error.value.message_dict["member_id"][0]
    for member_id in (None, "²", "abc", 10**30, a.pk + 1000):
        with pytest.raises(Http404):
            members.leave_member(actor=None, member_id=member_id, on=today, reason="退社")
    assert _snapshot(coop) == before


@pytest.mark.parametrize("persona", ["worker", "outsider"])
def test_only_keepers_record_a_member_leaving(request, coop, people, today, persona):
    collective, a = people
    user = request.getfixturevalue(persona)
    before = _snapshot(coop)
    with pytest.raises((Http404, PermissionDenied)):
        members.leave_member(actor=user, member_id=a.pk, on=today, reason="退社")
    assert _snapshot(coop) == before
    chief = request.getfixturevalue("chief")
    members.leave_member(actor=chief, member_id=a.pk, on=today, reason="退社")
    assert AuditEntry.objects.get(action="coops.member_leave").actor == chief


# -- Households that moved out -------------------------------------------------------------


@pytest.mark.parametrize("status", ["moved_out", "dissolved"])
def test_a_household_that_moved_out_cannot_join(coop, today, status):
    from yiwang.registry.models import Household

    household = builders.household(UNIT, "007", "钱七")
    Household.objects.filter(pk=household.pk).update(status=status)
    with pytest.raises(ValidationError) as error:
        builders.join(coop, "household", household_id=household.pk, on=today)
    assert list(error.value.message_dict) == ["household_id"]
    assert not Member.objects.filter(cooperative=coop).exists()
    Household.objects.filter(pk=household.pk).update(status="active")
    builders.join(coop, "household", household_id=household.pk, on=today)


# -- Trading imported with odd member numbers ----------------------------------------------


@pytest.mark.parametrize("member_id", ["²", "¹²", "１", "٣", "-1", "1e3", str(10**30)])
def test_import_trading_refuses_a_member_number_that_is_not_ascii_digits(coop, people, member_id):
    collective, a = people
    before = _snapshot(coop)
    row = {"member_id": member_id, "year": 2026, "produce_sold": "10"}
    with pytest.raises(ValidationError) as error:
        members.import_trading(actor=None, cooperative_id=coop.pk, rows=[row])
    problems = error.value.message_dict["rows"]
    assert len(problems) == 1 and "Row 2" in problems[0] and member_id in problems[0]
    assert _snapshot(coop) == before
    assert (
        members.import_trading(
            actor=None, cooperative_id=coop.pk, rows=[{**row, "member_id": f" {a.pk} "}]
        )
        == 1
    )
    assert Trading.objects.get(member=a, year=2026).produce_sold == D("10.00")


# -- In Chinese ----------------------------------------------------------------------------


def test_the_new_messages_are_in_chinese(coop, people, today):
    collective, a = people
    with translation.override("zh-hans"):
        checks = [
            (
                lambda: coops.set_charter(actor=None, cooperative_id=coop.pk, shares_per_mu=0),
                "shares_per_mu",
            ),
            (
                lambda: builders.contribute(coop, collective, "labour", days=36501, on=today),
                "days",
            ),
            (
                lambda: builders.contribute(
                    coop, a, "money", amount="1", on=today + datetime.timedelta(days=1)
                ),
                "on",
            ),
            (
                lambda: members.leave_member(
                    actor=None, member_id=collective.pk, on=today, reason="退社"
                ),
                "member_id",
            ),
        ]
        for call, field in checks:
            with pytest.raises(ValidationError) as error:
                call()
            message = error.value.message_dict[field][0]
            assert not any("a" <= ch.lower() <= "z" for ch in message), message
