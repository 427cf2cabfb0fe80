"""Every tally, whichever module keeps it (yiwang.core.tallies): registered, its triggers
in place on this database, its rows what a rebuild makes, and a rebuild that puts a wrong
tally right. A new module's tally is checked here as soon as it registers."""

import importlib
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from conftest import UNIT
from yiwang.cases import services as case_services
from yiwang.core import tallies
from yiwang.outreach.services import visits as visit_services
from yiwang.registry import services as ledger_services

pytestmark = pytest.mark.django_db

TALLIES = sorted(t.model for t in tallies.registered())


@pytest.fixture
def counted(worker):
    """A household, a case and a visit, written through the services."""
    household = ledger_services.create_household(actor=worker, unit_code=UNIT, number="901")
    case_services.record_hotline_call(
        actor=None, category="sanitation", text="路口垃圾", unit_code=UNIT, phone="13812345678"
    )
    visit_services.record_visit(
        actor=worker,
        uuid=uuid.uuid4(),
        household_id=household.pk,
        visited_at=timezone.now(),
        outcome="all_well",
    )


def test_every_tally_model_is_registered():
    models = {m._meta.label_lower for m in apps.get_models() if m.__name__.endswith("Tally")}
    assert models == set(TALLIES)


@pytest.mark.parametrize("model", TALLIES)
def test_the_triggers_that_keep_a_tally_are_in_place(model):
    """A migration that rebuilds a counted table on SQLite drops its triggers: it must
    create them again."""
    tally = tallies.get(model)
    assert tallies.missing_triggers(tally) == []
    if tally.kept_by == "triggers":
        assert list(tally.triggers(connection.vendor))


@pytest.mark.parametrize("model", TALLIES)
def test_a_tally_is_what_a_rebuild_makes(counted, model):
    tally = tallies.get(model)
    assert tallies.rows(tally), "the example counts nothing"

    assert tallies.drift(tally) == (set(), set())


@pytest.mark.parametrize("model", TALLIES)
def test_a_rebuild_puts_a_wrong_tally_right_and_keeps_its_triggers(counted, model):
    tally = tallies.get(model)
    right = tallies.rows(tally)
    count = tally.counts()[0]
    apps.get_model(model).objects.update(**{count: F(count) + 1})
    assert tallies.drift(tally) != (set(), set())

    tallies.rebuild(tally)

    assert tallies.rows(tally) == right
    assert tallies.missing_triggers(tally) == []


def test_the_command_says_which_tally_is_wrong_and_rebuilds_it(counted, capsys):
    call_command("tallies")
    assert sorted(capsys.readouterr().out.splitlines()) == [
        f"{model}: kept by {tallies.get(model).kept_by}; right" for model in TALLIES
    ]
    apps.get_model(TALLIES[0]).objects.update(**{tallies.get(TALLIES[0]).counts()[0]: 99})

    with pytest.raises(CommandError, match=TALLIES[0]):
        call_command("tallies")
    call_command("tallies", TALLIES[0], "--rebuild")
    call_command("tallies")


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_the_month_a_tally_counts_in_is_the_same_local_month_everywhere(vendor):
    """The visit tally's month (core.tallies) is the case tally's (its migration)."""
    cases = importlib.import_module("yiwang.cases.migrations.0004_case_tally")

    assert tallies.local_month_sql("reported_at", vendor) == cases._month(vendor, "")
