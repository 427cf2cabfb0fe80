"""The year's surplus of a cooperative shared among its members, to the fen.

Pure arithmetic: no database, no models. The caller gives the surplus, the charter's reserve
rate and mode, and each member's shares and trading; it gets back the reserve, the pools, one
line per member and the steps that explain them, as language-neutral data that
``render_steps`` puts into words in the reader's language.

- The reserve (公积金) is the surplus times the reserve rate, rounded half up to the fen.
- The distributable amount is the surplus less the reserve.
- "statutory" (Farmers' Professional Cooperatives Law, Art. 44): at least 60% of the
  distributable amount goes back by trading with the cooperative, the rest by shares. The
  trading pool is rounded UP to the fen, so that it is never below the charter's share.
- "by_shares": the whole distributable amount by shares; this departs from Art. 44 and the
  result says so (``departs_from_art44``).
- Each pool is split in proportion to trading volume or shares with the largest-remainder
  method, in whole fen and exact integer arithmetic: every member first gets his exact part
  rounded down to the fen, then the fen left over go one each to the members with the largest
  remainders (ties: the smaller key first). So each line is within one fen of its exact part,
  and the lines plus the reserve equal the surplus exactly.

Amounts are ``Decimal`` yuan; floats are refused. Bad input raises ``DistributionError`` (a
``ValueError``) with a translatable message and the name of the argument at fault in ``field``:
"surplus", "reserve_rate", "mode", "trading_share" or "members".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

__all__ = [
    "Distribution",
    "DistributionError",
    "Line",
    "Member",
    "Mode",
    "distribute",
    "render_steps",
]

STATUTORY_MIN_TRADING_SHARE = Decimal("0.60")
# The largest amount the register stores (numeric(14, 2)).
MAX_SURPLUS = Decimal("999999999999.99")


class Mode(StrEnum):
    STATUTORY = "statutory"
    BY_SHARES = "by_shares"


@dataclass(frozen=True)
class Member:
    key: int | str
    shares: int
    trading: Decimal  # yuan, >= 0


@dataclass(frozen=True)
class Line:
    key: int | str
    by_trading: Decimal
    by_shares: Decimal
    total: Decimal


@dataclass(frozen=True)
class Distribution:
    surplus: Decimal
    reserve: Decimal
    distributable: Decimal
    trading_pool: Decimal
    shares_pool: Decimal
    lines: tuple[Line, ...]
    # Language-neutral: {"step": name, "params": {...}}, put into words by render_steps.
    steps: tuple[dict, ...]
    departs_from_art44: bool


class DistributionError(ValueError):
    """Bad input for a distribution; ``field`` names the argument at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def no_trading_message() -> str:
    return _(
        "No trading with the cooperative is recorded for the year: the statutory mode "
        "shares at least 60% by trading. Record the year's trading first."
    )


# --- input checks -------------------------------------------------------------------------


def _exact(value, field: str, what: str) -> Decimal:
    """A finite Decimal (or int) as a Decimal; floats and anything else refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise DistributionError(
            field,
            _("%(what)s must be an exact decimal amount, not %(type)s.")
            % {"what": what, "type": type(value).__name__},
        )
    value = Decimal(value)
    if not value.is_finite():
        raise DistributionError(field, _("%(what)s must be a finite number.") % {"what": what})
    return value


def _to_fen(amount: Decimal) -> int | None:
    """The amount in whole fen, exactly; None when it has a part of a fen."""
    fen = Fraction(amount) * 100
    return fen.numerator if fen.denominator == 1 else None


def _weights(values: Sequence[Decimal]) -> list[int]:
    """Non-negative Decimals as integers on one common scale, exactly."""
    tuples = [v.as_tuple() for v in values]
    low = min((t.exponent for t in tuples), default=0)
    low = min(low, 0)
    out = []
    for t in tuples:
        digits = int("".join(map(str, t.digits)) or "0")
        out.append(digits * 10 ** (t.exponent - low))
    return out


def _key_order(key):
    return (isinstance(key, str), key)


def _check_members(members) -> None:
    if isinstance(members, str | bytes) or not isinstance(members, Sequence):
        raise DistributionError("members", _("The members must be given as a list."))
    if not members:
        raise DistributionError("members", _("The cooperative has no members to share among."))
    seen = set()
    for member in members:
        if not isinstance(member, Member):
            raise DistributionError("members", _("Every member must be a Member."))
        key = member.key
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise DistributionError(
                "members",
                _("A member's key must be a number or a text, not %(key)r.") % {"key": key},
            )
        if key in seen:
            raise DistributionError(
                "members", _("Member %(key)s appears more than once.") % {"key": key}
            )
        seen.add(key)
        shares = member.shares
        if isinstance(shares, bool) or not isinstance(shares, int):
            raise DistributionError(
                "members",
                _("Member %(key)s: the shares must be a whole number.") % {"key": key},
            )
        if shares < 0:
            raise DistributionError(
                "members", _("Member %(key)s: the shares cannot be negative.") % {"key": key}
            )
        trading = _exact(member.trading, "members", _("Member %(key)s's trading") % {"key": key})
        if trading < 0:
            raise DistributionError(
                "members", _("Member %(key)s: the trading cannot be negative.") % {"key": key}
            )


# --- arithmetic ---------------------------------------------------------------------------


def _yuan(fen: int) -> Decimal:
    """Whole fen (>= 0) as yuan with two decimals, exactly."""
    return Decimal(f"{fen // 100}.{fen % 100:02d}")


def _round_fen(value: Fraction, rounding: str) -> int:
    """A non-negative exact amount in fen rounded to a whole fen."""
    whole, rest = divmod(value.numerator, value.denominator)
    if rest == 0:
        return whole
    if rounding == ROUND_UP:
        return whole + 1
    # ROUND_HALF_UP
    return whole + 1 if 2 * rest >= value.denominator else whole


def _largest_remainder(pool: int, weights: Sequence[int], keys: Sequence) -> tuple[list[int], list]:
    """``pool`` fen split in proportion to ``weights``: the parts and the keys given an extra fen.

    Exact: part_i = floor(pool * w_i / W), then the fen left over one each to the largest
    remainders pool * w_i mod W, ties to the smaller key.
    """
    total = sum(weights)
    if pool == 0 or total == 0:
        return [0] * len(weights), []
    parts = []
    remainders = []
    for w in weights:
        q, r = divmod(pool * w, total)
        parts.append(q)
        remainders.append(r)
    left = pool - sum(parts)
    if not left:
        return parts, []
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], _key_order(keys[i])))
    lucky = order[:left]
    for i in lucky:
        parts[i] += 1
    given = sorted((keys[i] for i in lucky), key=_key_order)
    return parts, given


def _money(fen: int) -> str:
    return f"{_yuan(fen):,.2f}"


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- the steps that explain a run ----------------------------------------------------------
#
# A step is stored as data, {"step": name, "params": {...}}, the numbers already written out
# the same way in every language ("1,160,000.00", "10%"), and put into words only when it
# is read (render_steps), in the reader's language: a run made by an accountant browsing in
# English reads in Chinese on the published register. The sentences are the msgids the
# steps always had, so their translations still match.

STEP_SENTENCES = {
    "surplus": gettext_noop("Surplus of the year: %(surplus)s yuan."),
    "reserve": gettext_noop(
        "Reserve fund at %(rate)s: %(surplus)s × %(rate)s = %(reserve)s yuan, rounded "
        "half up to the fen."
    ),
    "distributable": gettext_noop(
        "Distributable: %(surplus)s − %(reserve)s = %(distributable)s yuan."
    ),
    "by_trading": gettext_noop(
        "By trading (Art. 44, at least 60%%): %(distributable)s × %(share)s = "
        "%(pool)s yuan, rounded up to the fen so that it is never below %(share)s; "
        "shared in proportion to each member's trading (%(trading)s yuan in all)."
    ),
    "by_shares_rest": gettext_noop(
        "By shares: the rest, %(distributable)s − %(trading_pool)s = %(pool)s yuan, "
        "shared in proportion to each member's shares (%(shares)s shares in all)."
    ),
    "by_shares_all": gettext_noop(
        "By shares: the whole %(pool)s yuan is shared in proportion to each member's "
        "shares (%(shares)s shares in all). This departs from Art. 44 of the Farmers' "
        "Professional Cooperatives Law, which returns at least 60%% of the "
        "distributable surplus by trading."
    ),
    "check": gettext_noop(
        "Check: the members' lines (%(lines)s) plus the reserve (%(reserve)s) equal the "
        "surplus (%(surplus)s) exactly."
    ),
}
POOL_NAMES = {"trading": gettext_noop("By trading"), "shares": gettext_noop("By shares")}


def _step(name: str, **params) -> dict:
    return {"step": name, "params": params}


def _rounding_sentence(params: dict) -> str:
    pool = _(POOL_NAMES[params["pool"]])
    left = params["keys"]
    if not left:
        return _(
            "%(pool)s: every member's exact part came to whole fen; no fen were left over."
        ) % {"pool": pool}
    return ngettext(
        "%(pool)s: each member's exact part was rounded down to the fen; the %(count)d fen "
        "left over went to the member with the largest remainder (ties to the smaller key): "
        "%(keys)s.",
        "%(pool)s: each member's exact part was rounded down to the fen; the %(count)d fen "
        "left over went one each to the members with the largest remainders (ties to the "
        "smaller key): %(keys)s.",
        len(left),
    ) % {"pool": pool, "count": len(left), "keys": ", ".join(str(k) for k in left)}


def render_step(step) -> str:
    """One stored step in words, in the active language. A plain string (a run stored
    before the steps were data) is shown as it is; a step this code does not know (a
    newer name, a missing number) is shown as its stored data rather than failing the
    page."""
    if isinstance(step, str):
        return step
    try:
        name, params = step["step"], step.get("params") or {}
        if name == "rounding":
            return _rounding_sentence(params)
        return _(STEP_SENTENCES[name]) % params
    except (AttributeError, KeyError, TypeError, ValueError):
        return json.dumps(step, ensure_ascii=False, default=str)


def render_steps(steps) -> list[str]:
    """The stored steps of a run (Distribution.steps) in words, in the active language:
    what every page and the API show."""
    return [render_step(step) for step in steps or ()]


def distribute(
    *,
    surplus: Decimal,
    reserve_rate: Decimal,
    mode: Mode,
    members: Sequence[Member],
    trading_share: Decimal = STATUTORY_MIN_TRADING_SHARE,
) -> Distribution:
    """The year's surplus shared among ``members``; see the module's docstring for the rules."""
    # Every check first: nothing is computed on bad input.
    surplus = _exact(surplus, "surplus", _("The surplus"))
    if surplus < 0:
        raise DistributionError("surplus", _("The surplus cannot be negative."))
    surplus_fen = _to_fen(surplus)
    if surplus_fen is None:
        raise DistributionError("surplus", _("The surplus must be given in yuan to the fen."))
    if surplus > MAX_SURPLUS:
        raise DistributionError(
            "surplus",
            _("The surplus cannot be above %(max)s yuan.") % {"max": f"{MAX_SURPLUS:,}"},
        )
    reserve_rate = _exact(reserve_rate, "reserve_rate", _("The reserve rate"))
    if not (0 <= reserve_rate < 1):
        raise DistributionError(
            "reserve_rate",
            _("The reserve rate must be at least 0 and below 1 (for example 0.10 for 10%)."),
        )
    try:
        mode = Mode(mode)
    except ValueError:
        raise DistributionError(
            "mode", _("Unknown distribution mode %(mode)r.") % {"mode": mode}
        ) from None
    trading_share = _exact(trading_share, "trading_share", _("The trading share"))
    if mode == Mode.STATUTORY and not (STATUTORY_MIN_TRADING_SHARE <= trading_share <= 1):
        raise DistributionError(
            "trading_share",
            _(
                "Under Art. 44 at least 60%% of the distributable surplus goes back by trading: "
                "the trading share must be between 0.60 and 1, not %(share)s."
            )
            % {"share": trading_share},
        )
    _check_members(members)

    keys = [m.key for m in members]
    trading = [Decimal(m.trading) for m in members]
    trading_weights = _weights(trading)
    share_weights = [m.shares for m in members]
    if mode == Mode.STATUTORY and sum(trading_weights) == 0:
        raise DistributionError("members", no_trading_message())

    reserve_fen = _round_fen(Fraction(surplus_fen) * Fraction(reserve_rate), ROUND_HALF_UP)
    distributable_fen = surplus_fen - reserve_fen
    if mode == Mode.STATUTORY:
        trading_pool_fen = _round_fen(
            Fraction(distributable_fen) * Fraction(trading_share), ROUND_UP
        )
    else:
        trading_pool_fen = 0
    shares_pool_fen = distributable_fen - trading_pool_fen
    if shares_pool_fen > 0 and sum(share_weights) == 0:
        raise DistributionError(
            "members",
            _(
                "No member holds any shares, so the %(amount)s yuan to be shared by shares "
                "cannot be paid out."
            )
            % {"amount": _money(shares_pool_fen)},
        )

    by_trading, trading_extra = _largest_remainder(trading_pool_fen, trading_weights, keys)
    by_shares, shares_extra = _largest_remainder(shares_pool_fen, share_weights, keys)
    lines = tuple(
        Line(
            key=key,
            by_trading=_yuan(t),
            by_shares=_yuan(s),
            total=_yuan(t + s),
        )
        for key, t, s in zip(keys, by_trading, by_shares, strict=True)
    )
    assert sum(by_trading) + sum(by_shares) + reserve_fen == surplus_fen

    surplus_text = _money(surplus_fen)
    reserve_text = _money(reserve_fen)
    distributable_text = _money(distributable_fen)
    steps = [
        _step("surplus", surplus=surplus_text),
        _step("reserve", rate=_percent(reserve_rate), surplus=surplus_text, reserve=reserve_text),
        _step(
            "distributable",
            surplus=surplus_text,
            reserve=reserve_text,
            distributable=distributable_text,
        ),
    ]
    total_trading = sum(trading, Decimal(0))
    total_shares = f"{sum(share_weights):,d}"
    if mode == Mode.STATUTORY:
        steps += [
            _step(
                "by_trading",
                distributable=distributable_text,
                share=_percent(trading_share),
                pool=_money(trading_pool_fen),
                trading=f"{total_trading:,f}",
            ),
            _step(
                "by_shares_rest",
                distributable=distributable_text,
                trading_pool=_money(trading_pool_fen),
                pool=_money(shares_pool_fen),
                shares=total_shares,
            ),
            _step("rounding", pool="trading", keys=trading_extra),
            _step("rounding", pool="shares", keys=shares_extra),
        ]
    else:
        steps += [
            _step("by_shares_all", pool=_money(shares_pool_fen), shares=total_shares),
            _step("rounding", pool="shares", keys=shares_extra),
        ]
    steps.append(
        _step("check", lines=distributable_text, reserve=reserve_text, surplus=surplus_text)
    )

    return Distribution(
        surplus=_yuan(surplus_fen),
        reserve=_yuan(reserve_fen),
        distributable=_yuan(distributable_fen),
        trading_pool=_yuan(trading_pool_fen),
        shares_pool=_yuan(shares_pool_fen),
        lines=lines,
        steps=tuple(steps),
        departs_from_art44=mode == Mode.BY_SHARES,
    )
