"""The year's distribution, worked out by hand and checked by property (pure arithmetic, no DB)."""

import random
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.coops.distribution import (
    Distribution,
    DistributionError,
    Line,
    Member,
    Mode,
    distribute,
    render_steps,
)

# The example: a surplus of 1,160,000.00 yuan, a reserve of 10%.
#   reserve       = 1,160,000.00 × 0.10            =   116,000.00
#   distributable = 1,160,000.00 − 116,000.00      = 1,044,000.00
# Four members with awkward ratios: three traded 100, 200 and 400 yuan (1 : 2 : 4, sevenths)
# and hold one share each; the village collective traded nothing and holds 4 shares (of 7).
MEMBERS = (
    Member(key=1, shares=1, trading=D("100.00")),
    Member(key=2, shares=1, trading=D("200.00")),
    Member(key=3, shares=1, trading=D("400.00")),
    Member(key=4, shares=4, trading=D("0")),
)
SURPLUS = D("1160000.00")


@pytest.fixture(autouse=True)
def _in_english():
    """The steps and messages are read in the source language here; the pages show them
    in Simplified Chinese (`test_the_steps_read_in_chinese`)."""
    with translation.override("en"):
        yield


def test_the_steps_read_in_chinese():
    result = distribute(
        surplus=D("1160000.00"),
        reserve_rate=D("0.10"),
        mode=Mode.BY_SHARES,
        members=[Member(1, 3, D("0")), Member(2, 4, D("0"))],
    )
    with translation.override("zh-hans"):
        steps = render_steps(result.steps)
    assert steps[0] == "本年度盈余：1,160,000.00 元。"
    assert "第四十四条" in steps[-3]


def by_key(result: Distribution) -> dict:
    return {line.key: line for line in result.lines}


def test_statutory_by_hand():
    result = distribute(
        surplus=SURPLUS, reserve_rate=D("0.10"), mode=Mode.STATUTORY, members=MEMBERS
    )
    assert result.surplus == D("1160000.00")
    assert result.reserve == D("116000.00")
    assert result.distributable == D("1044000.00")
    # Trading pool: 1,044,000.00 × 0.60 = 626,400.00 (62,640,000 fen); shares pool the rest.
    assert result.trading_pool == D("626400.00")
    assert result.shares_pool == D("417600.00")
    assert result.departs_from_art44 is False
    lines = by_key(result)
    # By trading, 62,640,000 fen in sevenths (700 yuan of trading in all):
    #   member 1: 1/7 = 8,948,571 3/7 fen → floor 8,948,571, remainder 3/7
    #   member 2: 2/7 = 17,897,142 6/7   → floor 17,897,142, remainder 6/7
    #   member 3: 4/7 = 35,794,285 5/7   → floor 35,794,285, remainder 5/7
    #   floors add up to 62,639,998: 2 fen left, to the largest remainders 6/7 (2) and 5/7 (3).
    assert lines[1].by_trading == D("89485.71")
    assert lines[2].by_trading == D("178971.43")
    assert lines[3].by_trading == D("357942.86")
    assert lines[4].by_trading == D("0.00")
    # By shares, 41,760,000 fen in sevenths (7 shares):
    #   members 1, 2, 3: 1/7 = 5,965,714 2/7 fen → floor 5,965,714, remainder 2/7 each
    #   member 4: 4/7 = 23,862,857 1/7            → floor 23,862,857, remainder 1/7
    #   floors add up to 41,759,999: 1 fen left; 1, 2 and 3 tie at 2/7, the smallest key (1) wins.
    assert lines[1].by_shares == D("59657.15")
    assert lines[2].by_shares == D("59657.14")
    assert lines[3].by_shares == D("59657.14")
    assert lines[4].by_shares == D("238628.57")
    # Totals: 149,142.86 + 238,628.57 + 417,600.00 + 238,628.57 = 1,044,000.00; + reserve = surplus.
    assert [line.total for line in result.lines] == [
        D("149142.86"),
        D("238628.57"),
        D("417600.00"),
        D("238628.57"),
    ]
    assert sum(line.total for line in result.lines) + result.reserve == SURPLUS
    # The steps name the rate, the pools and who got the fen left over.
    steps = render_steps(result.steps)
    text = "\n".join(steps)
    for figure in ("10%", "116,000.00", "1,044,000.00", "626,400.00", "417,600.00", "60%"):
        assert figure in text
    assert steps[-3].endswith(": 2, 3.")  # by trading: 2 fen, to members 2 and 3
    assert steps[-2].endswith(": 1.")  # by shares: 1 fen, to member 1 (tie, smaller key)
    assert "2 " in steps[-3] and "1 " in steps[-2]


def test_statutory_order_of_members_does_not_matter():
    # The tie is broken by key, not by position: member 1 still gets the extra fen.
    result = distribute(
        surplus=SURPLUS,
        reserve_rate=D("0.10"),
        mode=Mode.STATUTORY,
        members=MEMBERS[::-1],
    )
    assert [line.key for line in result.lines] == [4, 3, 2, 1]  # lines in the members' order
    assert by_key(result)[1].by_shares == D("59657.15")
    assert by_key(result)[1].total == D("149142.86")


def test_by_shares_by_hand():
    result = distribute(surplus=SURPLUS, reserve_rate=D("0.10"), mode="by_shares", members=MEMBERS)
    assert result.reserve == D("116000.00")
    assert result.trading_pool == D("0.00")
    assert result.shares_pool == D("1044000.00")
    assert result.departs_from_art44 is True
    # 104,400,000 fen in sevenths:
    #   members 1, 2, 3: 1/7 = 14,914,285 5/7 → floor 14,914,285, remainder 5/7 each
    #   member 4: 4/7 = 59,657,142 6/7        → floor 59,657,142, remainder 6/7
    #   floors add up to 104,399,997: 3 fen left: first to 4 (6/7, the largest remainder even
    #   though its key is the largest), then 1 and 2 (5/7, tie with 3 broken by key).
    lines = by_key(result)
    assert {k: line.total for k, line in lines.items()} == {
        1: D("149142.86"),
        2: D("149142.86"),
        3: D("149142.85"),
        4: D("596571.43"),
    }
    assert all(line.by_trading == D("0.00") for line in result.lines)
    assert all(line.by_shares == line.total for line in result.lines)
    assert sum(line.total for line in result.lines) + result.reserve == SURPLUS
    steps = render_steps(result.steps)
    assert "Art. 44" in steps[3]
    assert steps[-2].endswith(": 1, 2, 4.")


def test_reserve_rounds_half_up_to_the_fen():
    members = [Member(key="a", shares=1, trading=D("1"))]
    # 0.05 × 10% = 0.005 → 0.01; 0.04 × 10% = 0.004 → 0.00.
    assert distribute(
        surplus=D("0.05"), reserve_rate=D("0.10"), mode=Mode.BY_SHARES, members=members
    ).reserve == D("0.01")
    assert distribute(
        surplus=D("0.04"), reserve_rate=D("0.10"), mode=Mode.BY_SHARES, members=members
    ).reserve == D("0.00")


def test_trading_pool_is_never_below_the_statutory_share():
    # 0.02 × 60% = 0.012 yuan = 1.2 fen: rounded up to 2 fen (1 fen would be only 50%).
    members = [Member(key=1, shares=1, trading=D("5"))]
    result = distribute(
        surplus=D("0.02"), reserve_rate=D("0"), mode=Mode.STATUTORY, members=members
    )
    assert result.trading_pool == D("0.02")
    assert result.shares_pool == D("0.00")


def test_all_by_trading_needs_no_shares():
    members = [Member(key=1, shares=0, trading=D("3")), Member(key=2, shares=0, trading=D("1"))]
    result = distribute(
        surplus=D("100.00"),
        reserve_rate=D("0.05"),
        mode=Mode.STATUTORY,
        members=members,
        trading_share=D("1"),
    )
    # 95.00 by trading, 3 : 1 → 71.25 and 23.75, nothing by shares.
    assert [line.total for line in result.lines] == [D("71.25"), D("23.75")]
    assert result.shares_pool == D("0.00")


def test_zero_surplus_gives_zero_lines():
    result = distribute(
        surplus=D("0.00"), reserve_rate=D("0.10"), mode=Mode.STATUTORY, members=MEMBERS
    )
    assert result.reserve == result.distributable == D("0.00")
    assert result.lines == tuple(
        Line(key=m.key, by_trading=D("0.00"), by_shares=D("0.00"), total=D("0.00")) for m in MEMBERS
    )
    # A member with neither shares nor trading gets nothing in by-shares mode either.
    none = [Member(key=1, shares=0, trading=D("0"))]
    assert distribute(surplus=D("0"), reserve_rate=D("0"), mode=Mode.BY_SHARES, members=none).lines[
        0
    ].total == D("0.00")


def test_string_and_number_keys_sort_deterministically():
    # Three equal members, 1 fen over each: numbers before texts, then in order.
    members = [Member(key=k, shares=1, trading=D("1")) for k in ("b", 7, "a")]
    result = distribute(surplus=D("0.04"), reserve_rate=D("0"), mode="by_shares", members=members)
    assert [line.total for line in result.lines] == [D("0.01"), D("0.02"), D("0.01")]


def exact_parts(pool: D, weights: list) -> list[Fraction]:
    total = sum(weights)
    return [Fraction(pool) * w / total if total else Fraction(0) for w in weights]


def check(result: Distribution, surplus: D, members) -> None:
    """The invariants every distribution holds."""
    assert sum(line.total for line in result.lines) + result.reserve == surplus
    assert result.distributable + result.reserve == surplus
    assert result.trading_pool + result.shares_pool == result.distributable
    assert sum(line.by_trading for line in result.lines) == result.trading_pool
    assert sum(line.by_shares for line in result.lines) == result.shares_pool
    for value in (result.reserve, result.trading_pool, result.shares_pool):
        assert value == value.quantize(D("0.01")) and value >= 0
    trading_parts = exact_parts(result.trading_pool, [Fraction(m.trading) for m in members])
    shares_parts = exact_parts(result.shares_pool, [m.shares for m in members])
    for line, by_trading, by_shares in zip(result.lines, trading_parts, shares_parts, strict=True):
        assert line.by_trading + line.by_shares == line.total
        assert line.by_trading >= 0 and line.by_shares >= 0
        assert line.total.as_tuple().exponent == -2
        # Within one fen of the exact part in each pool.
        assert abs(Fraction(line.by_trading) - by_trading) < Fraction(1, 100)
        assert abs(Fraction(line.by_shares) - by_shares) < Fraction(1, 100)
    if not result.departs_from_art44:
        assert result.trading_pool >= result.distributable * D("0.60")


fen = st.integers(min_value=0, max_value=10**12).map(lambda n: D(n).scaleb(-2))
member_values = st.tuples(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=0, max_value=10**9).map(lambda n: D(n).scaleb(-2)),
)


@settings(max_examples=300, deadline=None)
@given(
    surplus=fen,
    rate=st.integers(min_value=0, max_value=9999).map(lambda n: D(n).scaleb(-4)),
    share=st.integers(min_value=60, max_value=100).map(lambda n: D(n).scaleb(-2)),
    mode=st.sampled_from(Mode),
    values=st.lists(member_values, min_size=0, max_size=30),
    shuffle_seed=st.integers(min_value=0, max_value=2**32),
)
def test_property_sum_exact_and_each_line_within_a_fen(
    surplus, rate, share, mode, values, shuffle_seed
):
    # The first member always trades and holds shares, so no pool lacks a basis.
    members = [Member(key=0, shares=1, trading=D("0.01"))] + [
        Member(key=i, shares=s, trading=t) for i, (s, t) in enumerate(values, start=1)
    ]
    result = distribute(
        surplus=surplus, reserve_rate=rate, mode=mode, members=members, trading_share=share
    )
    check(result, surplus, members)
    # Deterministic: the same amounts whatever the members' order.
    shuffled = members[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    again = distribute(
        surplus=surplus, reserve_rate=rate, mode=mode, members=shuffled, trading_share=share
    )
    assert by_key(again) == by_key(result)


def test_five_thousand_members():
    members = [
        Member(key=i, shares=(i * 7919) % 1000, trading=D(i * 37 % 100_003).scaleb(-2))
        for i in range(5000)
    ]
    for mode in Mode:
        result = distribute(
            surplus=D("1160000.00"), reserve_rate=D("0.07"), mode=mode, members=members
        )
        assert len(result.lines) == 5000
        check(result, D("1160000.00"), members)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"surplus": D("-0.01")}, "surplus"),
        ({"surplus": 1160000.0}, "surplus"),  # a float
        ({"surplus": "1160000.00"}, "surplus"),  # a text: the caller converts
        ({"surplus": D("0.001")}, "surplus"),  # part of a fen
        ({"surplus": D("NaN")}, "surplus"),
        ({"surplus": D("Infinity")}, "surplus"),
        ({"surplus": D("1000000000000.00")}, "surplus"),  # above numeric(14, 2)
        ({"reserve_rate": D("-0.01")}, "reserve_rate"),
        ({"reserve_rate": D("1")}, "reserve_rate"),
        ({"reserve_rate": 0.1}, "reserve_rate"),
        ({"mode": "all_to_the_chair"}, "mode"),
        ({"trading_share": D("0.59")}, "trading_share"),
        ({"trading_share": D("1.01")}, "trading_share"),
        ({"trading_share": 0.6}, "trading_share"),
        ({"members": []}, "members"),
        ({"members": [Member(key=1, shares=-1, trading=D("1"))]}, "members"),
        ({"members": [Member(key=1, shares=1, trading=D("-1"))]}, "members"),
        ({"members": [Member(key=1, shares=1, trading=1.5)]}, "members"),
        ({"members": [Member(key=1, shares=1.0, trading=D("1"))]}, "members"),
        ({"members": [Member(key=1, shares=1, trading=D("1"))] * 2}, "members"),
        ({"members": [Member(key=1.5, shares=1, trading=D("1"))]}, "members"),
        ({"members": [(1, 1, D("1"))]}, "members"),
        # Statutory with no trading recorded, even for a surplus of 0.
        ({"members": [Member(key=1, shares=5, trading=D("0"))]}, "members"),
        (
            {"surplus": D("0"), "members": [Member(key=1, shares=5, trading=D("0.00"))]},
            "members",
        ),
        # A shares pool to pay and no shares.
        ({"members": [Member(key=1, shares=0, trading=D("5"))]}, "members"),
        (
            {"mode": Mode.BY_SHARES, "members": [Member(key=1, shares=0, trading=D("5"))]},
            "members",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, field):
    arguments = {
        "surplus": SURPLUS,
        "reserve_rate": D("0.10"),
        "mode": Mode.STATUTORY,
        "members": MEMBERS,
    } | kwargs
    with pytest.raises(DistributionError) as raised:
        distribute(**arguments)
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)
    assert len(str(raised.value)) > 10


def test_the_largest_surplus_stored_is_shared():
    result = distribute(
        surplus=D("999999999999.99"), reserve_rate=D("0.10"), mode=Mode.STATUTORY, members=MEMBERS
    )
    assert result.reserve + sum(line.total for line in result.lines) == D("999999999999.99")
    with pytest.raises(DistributionError, match="999,999,999,999.99"):
        distribute(
            surplus=D("1000000000000.00"),
            reserve_rate=D("0.10"),
            mode=Mode.STATUTORY,
            members=MEMBERS,
        )


def test_by_shares_ignores_the_trading_share_and_needs_no_trading():
    members = [Member(key=1, shares=3, trading=D("0")), Member(key=2, shares=1, trading=D("0"))]
    result = distribute(
        surplus=D("10.00"),
        reserve_rate=D("0"),
        mode=Mode.BY_SHARES,
        members=members,
        trading_share=D("0.10"),
    )
    assert [line.total for line in result.lines] == [D("7.50"), D("2.50")]
