"""Two hand-outs at once for a stock that covers only one: the stock never goes below zero.

On PostgreSQL two threads, each with its own connection, really race: both have checked
everything and stored their move row, and wait (a barrier) until both have, then both take
the stock. The one conditional UPDATE decides: the second waits for the first's row lock,
then finds `quantity >= n` no longer holds, touches no row, and its whole transaction (its
move row too) rolls back with ShortStock. SQLite takes the write lock at BEGIN
(IMMEDIATE), so two writers never overlap there: the same two hand-outs run one after the
other from two threads, and the second is refused as well."""

import threading
import uuid

import pytest
from django.db import connection

from yiwang.core.models import AuditEntry
from yiwang.duty.models import MoveKind, StockMove
from yiwang.duty.services import supplies as services

from .test_supplies import make_good, make_store


def _fresh(user):
    # Each thread reads the user's posts on its own.
    return type(user).objects.get(pk=user.pk)


def _hand_out(user, store, good, quantity, place):
    try:
        move, _created = services.hand_out(
            actor=user,
            store_id=store.pk,
            good_id=good.pk,
            quantity=quantity,
            to_place=place,
            uuid=uuid.uuid4(),
        )
    except services.ShortStock as exc:
        return ("short", " ".join(exc.messages))
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("through", move.pk)


def _race(monkeypatch, orders):
    """Runs each (user, store, good, quantity, place) of `orders` in its own thread; on
    PostgreSQL all wait, their move row stored, until all are about to take the stock."""
    racing = connection.vendor == "postgresql"
    if racing:
        all_stored = threading.Barrier(len(orders), timeout=20)
        real = services._take_stock

        def take_when_all_stored(store, good, quantity):
            all_stored.wait()
            return real(store, good, quantity)

        monkeypatch.setattr(services, "_take_stock", take_when_all_stored)
    results = [None] * len(orders)
    serial = threading.Lock()

    def run(i):
        try:
            if racing:
                results[i] = _hand_out(*orders[i])
            else:
                with serial:
                    results[i] = _hand_out(*orders[i])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(orders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize(("stock", "each", "left"), [(5, 5, 0), (7, 4, 3)])
@pytest.mark.django_db(transaction=True)
def test_two_hand_outs_racing_for_a_stock_that_covers_one(
    town_admin, county_admin, monkeypatch, stock, each, left
):
    store = make_store()
    good = make_good()
    services.receive(actor=town_admin, store_id=store.pk, good_id=good.pk, quantity=stock)
    users = [_fresh(town_admin), _fresh(county_admin)]

    results = _race(
        monkeypatch,
        [(users[0], store, good, each, "一号安置点"), (users[1], store, good, each, "二号安置点")],
    )

    assert sorted(r[0] for r in results) == ["short", "through"], results
    short = next(r[1] for r in results if r[0] == "short")
    assert str(left) in short and str(each) in short  # the stock left, named
    assert services.stock_left(store.pk, good.pk) == left >= 0
    [move] = StockMove.objects.filter(kind=MoveKind.HANDED_OUT)
    assert move.pk == next(r[1] for r in results if r[0] == "through")
    assert AuditEntry.objects.filter(action="duty_stock.hand_out").count() == 1
