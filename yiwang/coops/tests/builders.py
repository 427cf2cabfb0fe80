"""Builders the cooperatives' tests share: accounts, households, a cooperative with the
charter the tests count on, its board, members, their contributions and trading, all
written through the services as the command line would (actor None).

The fixtures and row modules (member_rows, distribution_rows, rows_coops, checks_*) build
from these; what each test asserts stays in the test."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from conftest import PASSWORD
from yiwang.coops.services import coops, members

DAY = datetime.date(2025, 3, 1)
# The charter the tests' figures are worked out on: a reserve of 10%, no member above 20%
# of all shares, 60% returned by trading; a share a yuan, 8,000 a mu, 100 a day of labour.
CHARTER = {
    "reserve_rate": D("0.10"),
    "holding_cap": D("0.20"),
    "mode": "statutory",
    "trading_share": D("0.60"),
    "shares_per_yuan": 1,
    "shares_per_mu": 8000,
    "shares_per_labour_day": 100,
}


def account(username: str):
    from yiwang.accounts.services import create_user

    return create_user(actor=None, username=username, password=PASSWORD, full_name=username)


def household(unit, number, head="王小明"):
    """A household of `unit` numbered `number`, with `head` as its head."""
    from yiwang.registry.services import add_resident, create_household

    home = create_household(actor=None, unit_code=unit, number=number)
    add_resident(actor=None, household_id=home.pk, name=head, relation="head")
    return home


def cooperative(area_code, name, **charter):
    """A cooperative of `area_code` under CHARTER (what `charter` names replaced)."""
    return coops.create_cooperative(
        actor=None, area_code=area_code, name=name, **{**CHARTER, **charter}
    )


def board(coop, accountant, chair, on=DAY):
    """`accountant` (李会计) and `chair` (张书记), users, seated on `coop`'s board."""
    coops.appoint(
        actor=None,
        cooperative_id=coop.pk,
        role="accountant",
        name="李会计",
        user_id=accountant.pk,
        on=on,
    )
    coops.appoint(
        actor=None, cooperative_id=coop.pk, role="chair", name="张书记", user_id=chair.pk, on=on
    )
    return accountant, chair


def join(coop, kind="other", *, on=DAY, actor=None, **more):
    """A new member of `kind` (with `name` or `household_id` in `more`)."""
    return members.add_member(actor=actor, cooperative_id=coop.pk, kind=kind, joined_on=on, **more)


def contribute(coop, member, kind, *, on=DAY, actor=None, **measure):
    """`member`'s contribution of `kind` (`amount`, `area_mu` or `days` in `measure`)."""
    return members.contribute(
        actor=actor, cooperative_id=coop.pk, member_id=member.pk, kind=kind, on=on, **measure
    )


def trade(coop, member, year, sold, bought="0"):
    """`member`'s trading of `year`: `sold` yuan of produce, `bought` of services."""
    return members.record_trading(
        actor=None,
        cooperative_id=coop.pk,
        member_id=member.pk,
        year=year,
        produce_sold=sold,
        services_bought=bought,
    )


def give_shares(coop, collective, a, b, c, *, on=DAY, amount="10000", area_mu="2.5"):
    """The collective 60,000 shares (三资 60,000 yuan), `a` 10,000 (money), `c` 10,000
    (100 days of labour), then `b` 20,000 (2.5 mu of land): 100,000 in all under CHARTER."""
    for member, kind, measure in (
        (collective, "assets", {"amount": "60000"}),
        (a, "money", {"amount": amount}),
        (c, "labour", {"days": 100}),
        (b, "land", {"area_mu": area_mu}),
    ):
        contribute(coop, member, kind, on=on, **measure)


def trade_year(coop, people, year, sold=("100", "200", "400")):
    """The trading of `year`: each of `people` sold what `sold` says (nothing bought)."""
    for member, value in zip(people, sold, strict=True):
        trade(coop, member, year, value)


def four_members(
    coop,
    unit,
    *,
    heads,
    other,
    numbers=("001", "002"),
    on=DAY,
    amount="10000",
    area_mu="2.5",
    sold=("100", "200", "400"),
):
    """The collective, households A and B of `unit` (numbered `numbers`, headed by
    `heads`) and another member C called `other`, all joined on `on`, with their shares
    (give_shares) and their trading of 2025 (`sold`). Returns (collective, A, B, C)."""
    collective = join(coop, "collective", on=on)
    a = join(coop, "household", household_id=household(unit, numbers[0], heads[0]).pk, on=on)
    b = join(coop, "household", household_id=household(unit, numbers[1], heads[1]).pk, on=on)
    c = join(coop, name=other, on=on)
    give_shares(coop, collective, a, b, c, on=on, amount=amount, area_mu=area_mu)
    trade_year(coop, (a, b, c), 2025, sold)
    return collective, a, b, c


def client_of(user, language: str = "zh-hans"):
    """A test client signed in as `user`, asking for pages in `language`."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client
