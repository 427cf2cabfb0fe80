"""Closing a village's month while an entry of it is being recorded: the two take the
village's lock (entries.lock_village), so either the entry is recorded and the month is
refused (an entry awaits approval), or the month is closed and the entry is refused. Never
both: no pending entry in a closed month, whose standings would leave it out.

On PostgreSQL two threads really race: the first pauses inside its transaction, just past
its check, while the second runs; without the lock the second would slip through. SQLite
takes the write lock at BEGIN, so there the same two calls run one after the other."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import VILLAGE
from yiwang.points.models import Entry, EntryStatus, Evaluation
from yiwang.points.services import entries as entry_services
from yiwang.points.services import evaluation as evaluation_services
from yiwang.points.tests.test_entries import _month
from yiwang.points.tests.test_lists import adopt_defaults, make_household


def _paused(real, reached: threading.Event, go: threading.Event):
    def wrapper(*args, **kwargs):
        found = real(*args, **kwargs)
        reached.set()
        go.wait(timeout=10)
        return found

    return wrapper


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["record", "close"])
def test_closing_a_month_and_recording_in_it_at_once(chief, worker, monkeypatch, first):
    racing = connection.vendor == "postgresql"
    lists = adopt_defaults(chief)
    household, _head = make_household(worker)
    tidy = lists["household"].items.get(article="1")
    month = _month(1)
    actors = {
        "record": type(worker).objects.get(pk=worker.pk),
        "close": type(chief).objects.get(pk=chief.pk),
    }
    calls = {
        "record": lambda: entry_services.record_entry(
            actor=actors["record"], household=household.pk, item=tidy.pk, month=month
        ),
        "close": lambda: evaluation_services.close_month(actors["close"], VILLAGE, month),
    }
    reached, go = threading.Event(), threading.Event()
    if racing:  # the first pauses just past its check of the month, inside its transaction
        if first == "record":
            target, name = entry_services, "check_month"
        else:
            target, name = evaluation_services, "compute_standings"
        monkeypatch.setattr(target, name, _paused(getattr(target, name), reached, go))
    results = {}

    def run(which):
        try:
            calls[which]()
            results[which] = "done"
        except ValidationError as exc:
            results[which] = ("refused", exc.messages)
        except BaseException as exc:  # reported below, not lost in the thread
            results[which] = ("error", repr(exc))
        finally:
            connection.close()

    second = "close" if first == "record" else "record"
    one = threading.Thread(target=run, args=(first,))
    two = threading.Thread(target=run, args=(second,))
    one.start()
    if racing:
        assert reached.wait(timeout=20)
        two.start()
        two.join(timeout=1.5)  # without the lock it would be through by now
        go.set()
    else:
        one.join(timeout=60)
        two.start()
    one.join(timeout=60)
    two.join(timeout=60)
    assert results[first] == "done", results
    assert results[second][0] == "refused", results
    closed = Evaluation.objects.filter(area_code=VILLAGE, month=f"{month}-01").exists()
    pending = Entry.objects.filter(
        area_code__startswith=VILLAGE, month=f"{month}-01", status=EntryStatus.PENDING
    ).exists()
    assert closed != pending, (closed, pending)
    assert timezone.localdate().strftime("%Y-%m") != month
