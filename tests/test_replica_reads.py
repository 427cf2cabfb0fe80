"""The heavy reads on a replica (yiwang/core/replica.py): where each read goes, what makes
the replica skipped, and that the marked views really read there.

The "replica" alias here is a second connection to the test database (so it sees what the
test committed); its health is set by hand where a real streaming replica is needed, and
asked for real where the answer is that it must be skipped (a primary named as a replica,
a server that does not answer). The multi-server run (deploy/stack) reads from a real
streaming replica made with pg_basebackup.
"""

from __future__ import annotations

import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conftest import COUNTY
from yiwang.areas.models import Area
from yiwang.core import replica


def _add_alias(**changes) -> None:
    settings_dict = {**connections["default"].settings_dict, **changes}
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": None}
    if settings_dict["ENGINE"].endswith("sqlite3"):
        # Two connections to one shared in-memory database: the second one only reads,
        # taking no lock that would stop the first one writing.
        settings_dict["OPTIONS"] = {
            **settings_dict["OPTIONS"],
            "transaction_mode": "DEFERRED",
            "init_command": "PRAGMA read_uncommitted = 1;",
        }
    connections.settings[replica.REPLICA] = settings_dict


@pytest.fixture(scope="module", autouse=True)
def _replica_defined(django_db_setup):
    """The alias exists for this module's tests only (before their databases are
    checked), and is taken away after them."""
    _add_alias()
    yield
    connections[replica.REPLICA].close()
    del connections.settings[replica.REPLICA]
    replica.forget_health()


# Each test may use both connections.
pytestmark = pytest.mark.django_db(databases=["default", replica.REPLICA])


@pytest.fixture
def replica_alias():
    """The replica alias; one that a test pointed elsewhere is put back as it was."""
    defined = connections.settings[replica.REPLICA]
    replica.forget_health()
    yield connections[replica.REPLICA]
    if connections.settings[replica.REPLICA] is not defined:
        connections[replica.REPLICA].close()
        connections.settings[replica.REPLICA] = defined
        del connections[replica.REPLICA]
    replica.forget_health()


def _point_replica_nowhere() -> None:
    """The replica alias, on a server that does not answer (a transactional test: the
    connection is replaced)."""
    connections[replica.REPLICA].close()
    if connections["default"].vendor == "postgresql":
        _add_alias(PORT="1", OPTIONS={"connect_timeout": 1})
    else:
        _add_alias(NAME="/nonexistent/folder/replica.sqlite3")
    del connections[replica.REPLICA]


@pytest.fixture
def healthy(replica_alias):
    """The replica as a real one answers when it streams and keeps up."""
    replica._health = replica.Health(ok=True, lag=0.2, checked_at=time.monotonic())
    return replica_alias


def _counted(alias):
    return CaptureQueriesContext(connections[alias])


def test_without_a_replica_everything_is_on_the_primary(replica_alias):
    defined = connections.settings.pop(replica.REPLICA)
    try:
        assert not replica.configured()
        with replica.replica_reads():
            assert Area.objects.using(None).db == "default"
    finally:
        connections.settings[replica.REPLICA] = defined


def test_marked_reads_go_to_the_replica_until_the_scope_writes(healthy):
    with _counted("default") as primary, _counted(replica.REPLICA) as on_replica:
        Area.objects.count()  # not marked: the primary
        with replica.replica_reads():
            Area.objects.count()
            Area.objects.count()
    assert len(primary) == 1
    assert len(on_replica) == 2

    with replica.replica_reads():
        Area.objects.filter(pk=-1).update(name="无")
        with _counted("default") as primary, _counted(replica.REPLICA) as on_replica:
            Area.objects.count()
    assert (len(primary), len(on_replica)) == (1, 0)


def test_a_raw_write_or_an_open_transaction_keeps_the_reads_on_the_primary(healthy):
    with replica.replica_reads():
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE areas_area SET name = name WHERE code = %s", ["x"])
        with _counted(replica.REPLICA) as on_replica:
            Area.objects.count()
    assert len(on_replica) == 0

    # A scope of its own (a new request, a new task) starts clean; inside `atomic` it is
    # the primary all the same.
    with replica.replica_reads(), transaction.atomic(), _counted(replica.REPLICA) as inside:
        Area.objects.count()
    assert len(inside) == 0


def test_a_primary_named_as_the_replica_is_skipped(replica_alias):
    found = replica.health(fresh=True)
    if replica_alias.vendor == "postgresql":
        # The test database is a primary: not in recovery, never read as a replica.
        assert not found.ok and found.reason == "not a replica (not in recovery)"
        with replica.replica_reads(), _counted(replica.REPLICA) as on_replica:
            Area.objects.count()
            assert replica.read_alias() == "default"
        assert len(on_replica) == 0  # the check just made is remembered
    else:
        # SQLite does not stream: a second database named as a replica is read as it is.
        assert found.ok


@pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])
def test_a_replica_that_does_not_answer_is_skipped_at_once(replica_alias):
    _point_replica_nowhere()
    started = time.monotonic()
    found = replica.health(fresh=True)
    assert not found.ok and found.reason.startswith("unreachable")
    assert time.monotonic() - started < 5
    with replica.replica_reads(), _counted("default") as primary:
        Area.objects.count()
    assert len(primary) == 1


@pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])
def test_readyz_reports_the_replica_without_failing_on_it(replica_alias, client):
    _point_replica_nowhere()
    response = client.get("/readyz")
    checks = response.json()["checks"]
    assert checks["replica"]["in_use"] is False
    assert checks["replica"]["reason"].startswith("unreachable")
    assert "nonexistent" not in response.content.decode()
    # Reads go to the primary: the app server stays ready.
    assert response.status_code == 200 and checks["replica"]["ok"]


@pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])
def test_the_heavy_views_read_on_the_replica(county_admin, healthy):
    api = APIClient()
    api.force_authenticate(county_admin)
    with _counted(replica.REPLICA) as on_replica:
        rollup = api.get(f"/api/v1/areas/{COUNTY}/rollup/")
        rates = api.get(f"/api/v1/cases/rates/?area={COUNTY}")
        compliance = api.get(f"/api/v1/compliance/?area={COUNTY}")
    assert (rollup.status_code, rates.status_code, compliance.status_code) == (200, 200, 200)
    assert {row["code"] for row in rollup.json()} >= {"370830001", "370830002"}
    # Each of the three read its figures there.
    tables = " ".join(query["sql"] for query in on_replica.captured_queries)
    assert "areas_area" in tables and "cases_" in tables and "outreach_" in tables

    # The same read, asked by a request that wrote first, is on the primary.
    with replica.replica_reads():
        Area.objects.filter(code=COUNTY).update(name=Area.objects.get(code=COUNTY).name)
        with _counted(replica.REPLICA) as after_write:
            from yiwang.areas.selectors import rollup as area_rollup

            area_rollup(Area.objects.get(code=COUNTY))
    assert len(after_write) == 0


def test_primary_reads_keep_even_the_marked_reads_on_the_primary(healthy):
    with replica.primary_reads(), replica.replica_reads(), _counted(replica.REPLICA) as inside:
        Area.objects.count()
    assert len(inside) == 0
    with replica.replica_reads(), _counted(replica.REPLICA) as after:
        Area.objects.count()
    assert len(after) == 1
