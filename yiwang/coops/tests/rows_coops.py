"""Cooperatives for the pages' tests (test_pages_coops.py, the route walk's scope checks),
built through the services as the command line (actor None).

In 中都街道 (TOWN): 南门社区 (VILLAGE) has two cooperatives, 南门合作社 (statutory: the
collective 60,000 shares of assets, 赵三 10,000 of money, 钱四 10,000 of labour; a chair
and an accountant with accounts; approved distributions of 2024 and 2025) and 南门二社 (no
member); 坝口社区 has 坝口合作社 (all by shares: 孙五 5,000 of money; an approved
distribution of 2025 and a draft of 2024). In 汶上街道 (OTHER_TOWN), 外镇合作社 (周六 7,000
of money)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from conftest import OTHER_VILLAGE, PASSWORD, VILLAGE
from yiwang.coops.services import coops, distributions
from yiwang.coops.tests import builders

BAKOU = "370830001002"
DAY = datetime.date(2025, 3, 1)
# The members join and put in their shares early in 2024, so that they hold them at the end
# of every year distributed here (a year is paid on the register's balances at its end).
JOINED = datetime.date(2024, 1, 6)


def account(username: str, area_code: str = VILLAGE):
    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_user

    found = User.objects.filter(username=username).first()
    return found or create_user(
        actor=None, username=username, password=PASSWORD, full_name=username, area_code=area_code
    )


def _member(coop, name, kind, **measure):
    """Another member (not the collective) and their contribution of `kind`."""
    member = builders.join(coop, name=name, on=JOINED)
    builders.contribute(coop, member, kind, on=JOINED, **measure)
    return member


def _final(coop, year, surplus):
    run = distributions.run_distribution(
        actor=None, cooperative_id=coop.pk, year=year, surplus=surplus
    )
    return distributions.approve_distribution(actor=None, distribution_id=run.pk)


def build() -> dict:
    nanmen = coops.create_cooperative(actor=None, area_code=VILLAGE, name="南门合作社")
    collective = builders.join(nanmen, "collective", on=JOINED)
    builders.contribute(nanmen, collective, "assets", amount="60000", on=JOINED)
    zhao = _member(nanmen, "赵三", "money", amount="10000")
    qian = _member(nanmen, "钱四", "labour", days=100)
    for year in (2024, 2025, 2026):
        builders.trade_year(nanmen, (zhao, qian), year, ("100", "300"))
    accountant, chair = account("coop-accountant"), account("coop-chair")
    coops.appoint(
        actor=None,
        cooperative_id=nanmen.pk,
        role="accountant",
        name="李会计",
        user_id=accountant.pk,
        on=DAY,
    )
    chair_seat = coops.appoint(
        actor=None, cooperative_id=nanmen.pk, role="chair", name="张书记", user_id=chair.pk, on=DAY
    )
    _final(nanmen, 2024, "50000.00")
    latest = _final(nanmen, 2025, "100000.00")
    second = coops.create_cooperative(actor=None, area_code=VILLAGE, name="南门二社")
    bakou = coops.create_cooperative(
        actor=None,
        area_code=BAKOU,
        name="坝口合作社",
        mode="by_shares",
        reserve_rate=D("0.05"),
        holding_cap=None,
    )
    _member(bakou, "孙五", "money", amount="5000")
    _final(bakou, 2025, "10000.00")
    # A draft awaiting the chair: 坝口合作社's 2024.
    distributions.run_distribution(
        actor=None, cooperative_id=bakou.pk, year=2024, surplus="8000.00"
    )
    foreign = coops.create_cooperative(
        actor=None, area_code=OTHER_VILLAGE, name="外镇合作社", holding_cap=None
    )
    foreign_member = _member(foreign, "周六", "money", amount="7000")
    return {
        "nanmen": nanmen,
        "second": second,
        "bakou": bakou,
        "foreign": foreign,
        "foreign_member": foreign_member,
        "accountant": accountant,
        "chair": chair,
        "chair_seat": chair_seat,
        "latest": latest,
    }
