"""The duty tables' constraints hold in the database."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import TOWN
from yiwang.duty.models import Good, Stock, Store, StoreKind

pytestmark = pytest.mark.django_db


def test_stock_is_never_negative_in_the_database(tree):
    store = Store.objects.create(name="镇防汛物资仓库", kind=StoreKind.STORE, area_code=TOWN)
    good = Good.objects.create(name="编织袋", unit="条")
    stock = Stock.objects.create(store=store, good=good, quantity=3, area_code=TOWN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity=-1)
    stock.refresh_from_db()
    assert stock.quantity == 3
    assert timezone.now() - stock.store.created_at < datetime.timedelta(minutes=5)
