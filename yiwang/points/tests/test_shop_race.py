"""Two redemptions at once: the balance and the stock never go below zero.

On PostgreSQL two threads, each with its own connection, really race: both have checked
everything and stored their redemption row, and wait until both have, then both debit and
take the stock. The conditional UPDATEs decide: the second waits for the first's row lock,
then finds the condition no longer holds, and its whole transaction rolls back. SQLite
takes the write lock at BEGIN (IMMEDIATE), so two writers never overlap there: the same
two redemptions are made one after the other from two threads, and the second is refused
as well."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from yiwang.core.models import AuditEntry
from yiwang.points.models import Goods, PointsAccount, Redemption
from yiwang.points.services import accounts
from yiwang.points.services import shop as services

from .test_shop import make_goods, make_household, make_shop


def _redeem(user, household, goods, quantity):
    try:
        redemption, _created = services.redeem(
            user, uuid=uuid.uuid4(), household=household.pk, goods=goods.pk, quantity=quantity
        )
    except services.Short as exc:
        return ("short", " ".join(exc.messages))
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("through", redemption.pk)


def _race(monkeypatch, users, orders):
    """Runs each (household, goods, quantity) of `orders` in its own thread; on PostgreSQL
    both wait, their row stored, until both are about to debit."""
    racing = connection.vendor == "postgresql"
    if racing:
        both_stored = threading.Barrier(len(orders), timeout=20)
        real = accounts.debit

        def debit_when_both_stored(household, points):
            both_stored.wait()
            return real(household, points)

        monkeypatch.setattr(accounts, "debit", debit_when_both_stored)
    results = [None] * len(orders)
    serial = threading.Lock()

    def run(i):
        try:
            if racing:
                results[i] = _redeem(users[i], *orders[i])
            else:
                with serial:
                    results[i] = _redeem(users[i], *orders[i])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(orders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _fresh(user):
    # Each thread reads the user's posts on its own.
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db(transaction=True)
def test_two_redemptions_on_a_balance_that_covers_one(chief, worker, monkeypatch):
    household = make_household(points="30")
    goods = make_goods(make_shop(), price="20", stock=10)
    users = [_fresh(chief), _fresh(worker)]

    results = _race(monkeypatch, users, [(household, goods, 1), (household, goods, 1)])

    assert sorted(r[0] for r in results) == ["short", "through"], results
    short = next(r[1] for r in results if r[0] == "short")
    assert "10" in short  # a balance of 10 left, 20 needed
    account = PointsAccount.objects.get(household=household)
    assert account.earned - account.spent == Decimal("10")
    assert Goods.objects.get(pk=goods.pk).stock == 9
    assert Redemption.objects.count() == 1
    assert AuditEntry.objects.filter(action="points_redemption.create").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_households_race_for_the_last_of_the_stock(chief, worker, monkeypatch):
    first = make_household(number="201", points="100")
    second = make_household(number="202", head="赵六", points="100")
    goods = make_goods(make_shop(), price="20", stock=1)
    users = [_fresh(chief), _fresh(worker)]

    results = _race(monkeypatch, users, [(first, goods, 1), (second, goods, 1)])

    assert sorted(r[0] for r in results) == ["short", "through"], results
    assert Goods.objects.get(pk=goods.pk).stock == 0
    balances = sorted(accounts.balance(h.pk) for h in (first, second))
    assert balances == [Decimal("80"), Decimal("100")]
    [redemption] = Redemption.objects.all()
    winner = first if results[0][0] == "through" else second
    assert redemption.household_id == winner.pk


@pytest.mark.django_db(transaction=True)
def test_the_same_redemption_sent_twice_at_once_is_made_once(chief, worker, monkeypatch):
    """The same redemption sent at once from two places (a phone retrying through another
    network, a recorder beside the shopkeeper): both have looked the household up when
    both store the row; the unique uuid lets one through, the other answers that one.
    (Two sends of one user queue on the lock of their posts, which the service takes
    first; the second then meets the stored row the same way.)"""
    household = make_household(points="100")
    goods = make_goods(make_shop(), price="20", stock=10)
    key = uuid.uuid4()
    senders = [_fresh(chief), _fresh(worker)]
    racing = connection.vendor == "postgresql"
    if racing:
        both_looked = threading.Barrier(2, timeout=20)
        real = services._reached_household

        def look_then_wait(actor, household_id):
            found = real(actor, household_id)
            both_looked.wait()
            return found

        monkeypatch.setattr(services, "_reached_household", look_then_wait)
    results = [None, None]
    serial = threading.Lock()

    def send(i):
        try:
            with serial if not racing else _nothing():
                redemption, created = services.redeem(
                    senders[i], uuid=key, household=household.pk, goods=goods.pk, quantity=1
                )
            results[i] = ("created" if created else "replayed", redemption.pk)
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r[0] for r in results) == ["created", "replayed"], results
    [stored] = Redemption.objects.all()
    assert {r[1] for r in results} == {stored.pk}
    assert accounts.balance(household.pk) == Decimal("80")
    assert Goods.objects.get(pk=goods.pk).stock == 9
    assert AuditEntry.objects.filter(action="points_redemption.create").count() == 1


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
