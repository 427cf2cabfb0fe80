"""The cooperatives' tables keep their rules in the database."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from conftest import VILLAGE
from yiwang.coops.models import Cooperative, Member, MemberKind

pytestmark = pytest.mark.django_db


def test_a_charter_cannot_return_less_than_60_percent_by_trading(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cooperative.objects.create(
            area_code=VILLAGE, name="南门社区合作社", trading_share=Decimal("0.5")
        )
    coop = Cooperative.objects.create(area_code=VILLAGE, name="南门社区合作社")
    assert (coop.reserve_rate, coop.holding_cap, coop.shares_per_mu) == (
        Decimal("0.100"),
        Decimal("0.200"),
        8000,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            cooperative=coop,
            kind=MemberKind.HOUSEHOLD,
            name="张三",
            joined_on="2025-01-01",
            area_code=VILLAGE,
        )
    assert not Member.objects.exists()
