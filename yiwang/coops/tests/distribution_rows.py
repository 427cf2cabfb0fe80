"""Rows the distribution pages' tests share: a village's cooperative with its accountant
and chair (accounts of their own, no post), four members and the year's trading, written
through the services as a keeper would.

Shares: the collective 60,000 (三资 60,000 yuan), 王一 10,000 (money), 李二 20,000 (2.5 mu
of land), 赵三 10,000 (100 days of labour): 100,000 in all. Trading of YEAR: 王一 100,
李二 200, 赵三 400 yuan (1 : 2 : 4). A surplus of 1,180,000.00 gives a reserve of
118,000.00 (10%), 637,200.00 by trading and 424,800.00 by shares."""

from __future__ import annotations

import datetime
from decimal import Decimal

from conftest import VILLAGE
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import account

__all__ = ["JOINED", "NAMES", "SURPLUS", "YEAR", "account", "cooperative", "state"]

YEAR = 2025
# The members join and put in their shares early in 2024, so that they hold them at the end
# of 2024 and 2025 (a year is paid on the register's balances at its end).
JOINED = datetime.date(2024, 1, 6)
NAMES = ("王一", "李二", "赵三")
SURPLUS = "1180000.00"


def cooperative(
    area_code: str = VILLAGE,
    *,
    name: str = "南门社区党支部领办合作社",
    prefix: str = "coop",
    mode: str = "statutory",
    with_trading: bool = True,
) -> dict:
    """The cooperative, its board's accountant and chair (users `<prefix>-accountant`,
    `<prefix>-chair`), its members (the collective first) and the trading of YEAR."""
    coop = builders.cooperative(area_code, name, mode=mode)
    accountant, chair = builders.board(
        coop, account(f"{prefix}-accountant"), account(f"{prefix}-chair")
    )
    collective = builders.join(coop, "collective", on=JOINED)
    people = [builders.join(coop, name=person, on=JOINED) for person in NAMES]
    builders.give_shares(coop, collective, *people, on=JOINED, area_mu=Decimal("2.5"))
    if with_trading:
        builders.trade_year(coop, people, YEAR)
    coop.refresh_from_db()
    return {
        "coop": coop,
        "accountant": accountant,
        "chair": chair,
        "members": [collective, *people],
    }


def state(coop) -> tuple:
    """Everything a distribution page could change of `coop`."""
    from yiwang.coops.models import Distribution, DistributionLine

    return (
        list(
            Distribution.objects.filter(cooperative=coop)
            .order_by("pk")
            .values_list("pk", "year", "status", "surplus", "approved_by_id")
        ),
        list(
            DistributionLine.objects.filter(distribution__cooperative=coop)
            .order_by("pk")
            .values_list("pk", "member_id", "total")
        ),
    )
