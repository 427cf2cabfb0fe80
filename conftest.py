"""Fixtures shared by every module's tests: the area tree and the personas.

The tree is Wenshang County (370830) from the official division codes, with two grids and
their units added under 南门社区 and one grid with a unit under a village of 汶上街道.
Personas, all with the password PASSWORD:
  county_admin  county admin of 370830
  town_admin    admin of 中都街道 (370830001)
  chief         grid chief of 南门社区 (370830001001)
  worker        grid worker of unit 370830001001001001
  outsider      grid worker of a unit in 汶上街道 (another town)
"""

import datetime
import os
from pathlib import Path

import pytest

from tests.snapshots import SharedRows

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# beside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# TEST_CLOCK_DAYS=400 runs the whole session with the clock that many days ahead (ticking),
# from before the test modules are imported: a test that only passes on the day it was
# written (a fixed date next to fixtures made "today") fails in CI, not months later.
# The day also turns over (local midnight, TIME_ZONE) between the import of the test
# modules and the first test: a date worked out once at import, by a test's parameters or
# by a class attribute of the code (a queryset filtered on "today"), is then yesterday's,
# as it is in a server that has run past midnight. CI's PostgreSQL pass sets it.
CLOCK_DAYS = int(os.environ.get("TEST_CLOCK_DAYS") or 0)
_clock = None
_midnight = 0.0


def _midnight_ahead(days: int) -> float:
    """The local midnight that ends the day `days` days from now, as a Unix timestamp."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    day = datetime.datetime.now(zone).date() + datetime.timedelta(days=days + 1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone).timestamp()


def _travel(timestamp: float) -> None:
    # A timestamp, not an aware datetime: time_machine sets the TZ environment variable to
    # a destination's zone, which would undo Django's TZ=TIME_ZONE and put SQLite's
    # 'localtime' (the tallies' triggers) in UTC.
    global _clock
    import time_machine

    if _clock is not None:
        _clock.stop()
    _clock = time_machine.travel(timestamp, tick=True)
    _clock.start()


def pytest_configure(config):
    global _midnight
    if CLOCK_DAYS:
        # Two minutes before midnight while the modules are imported ...
        _midnight = _midnight_ahead(CLOCK_DAYS)
        _travel(_midnight - 120)


def pytest_collection_finish(session):
    if CLOCK_DAYS:
        # ... and just past it for the tests (in each xdist worker, after its collection).
        import time

        _travel(max(time.time(), _midnight + 1))


def pytest_unconfigure(config):
    if _clock is not None:
        _clock.stop()


def pytest_report_header(config):
    if CLOCK_DAYS:
        return (
            f"clock: {CLOCK_DAYS} days ahead, {datetime.datetime.now()}, midnight after collection"
        )
    return None


DATA = Path(__file__).parent / "tests" / "data"
PASSWORD = "Yiwang-test-2026"

COUNTY = "370830"
TOWN = "370830001"
VILLAGE = "370830001001"
GRID = "370830001001001"
UNIT = "370830001001001001"
OTHER_TOWN = "370830002"
OTHER_VILLAGE = "370830002002"
OTHER_GRID = "370830002002001"
OTHER_UNIT = "370830002002001001"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Notes the rows the data migrations wrote, for the transactional tests to put back
    (`pytest_runtest_teardown`). Before the test database is dropped, ends the sessions
    that server threads (the live server of the browser tests, a queue consumer) may still
    hold on PostgreSQL."""
    with django_db_blocker.unblock():
        SHARED.note_migrated()
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session", autouse=True)
def _static_files_found_when_asked():
    """WhiteNoise lists every static file when its middleware is made (30 ms), and the test
    client makes the middleware anew for each client: in tests it looks a file up when
    one is asked for instead (its autorefresh mode, as under runserver)."""
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs a fifth of a second a hash by design; tests make hundreds of users.
    `test_passwords_are_hashed_with_argon2` checks the production setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The tree and the personas are built once a session and restored for each test that asks
# (tests/snapshots.py): the same rows, keys included, as the services would write.
SHARED = SharedRows()


def _build_tree():
    from yiwang.areas.importers import division_rows
    from yiwang.areas.services import create_area, import_areas

    report = import_areas(
        actor=None,
        rows=division_rows((DATA / "divisions-370830.csv").read_bytes(), "divisions.csv"),
    )
    assert report.ok, report.errors
    areas = {}
    for parent, name in [
        (VILLAGE, "第一网格"),
        (VILLAGE, "第二网格"),
        (OTHER_VILLAGE, "第一网格"),
    ]:
        grid = create_area(actor=None, parent_code=parent, name=name)
        areas[grid.code] = grid
        for i in (1, 2):
            unit = create_area(actor=None, parent_code=grid.code, name=f"第{i}单元")
            areas[unit.code] = unit
    return areas


def _reload_tree(areas):
    from yiwang.areas.models import Area

    return Area.objects.in_bulk(list(areas), field_name="code")


@pytest.fixture(autouse=True)
def _shared_rows():
    SHARED.begin_test()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (memory, per process): no rate-limit counter
    and no cockpit of an earlier test's rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db):
    return SHARED.build_or_restore("tree", _build_tree, _reload_tree)


def _persona(username, role, code):
    from yiwang.accounts.models import User

    def build():
        from yiwang.accounts.services import create_user, grant_post

        user = create_user(actor=None, username=username, password=PASSWORD, full_name=username)
        grant_post(actor=None, user=user, role=role, area_code=code)
        return user.pk

    return User.objects.get(pk=SHARED.build_or_restore(username, build, lambda pk: pk))


@pytest.fixture
def county_admin(tree):
    return _persona("county", "county_admin", COUNTY)


@pytest.fixture
def town_admin(tree):
    return _persona("town", "town_admin", TOWN)


@pytest.fixture
def chief(tree):
    return _persona("chief", "grid_chief", VILLAGE)


@pytest.fixture
def worker(tree):
    return _persona("worker", "grid_worker", UNIT)


@pytest.fixture
def outsider(tree):
    return _persona("outsider", "grid_worker", OTHER_UNIT)


@pytest.fixture
def personas(county_admin, town_admin, chief, worker, outsider):
    return {
        "county": county_admin,
        "town": town_admin,
        "chief": chief,
        "worker": worker,
        "outsider": outsider,
    }


def _transactional(item) -> bool:
    return "transactional_db" in getattr(item, "fixturenames", ()) or any(
        m.kwargs.get("transaction") for m in item.iter_markers("django_db")
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test's flush empties every table, the data migrations' rows too:
    they are written back, keys included, once the test's fixtures are torn down, so the
    tests after it may run in any order (pytest-xdist's work stealing)."""
    result = yield
    # After the session's last test the database itself is gone (nextitem None).
    if nextitem is not None and _transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            SHARED.after_flush()
    return result


# --- object storage ----------------------------------------------------------------------
# An S3 server (moto in server mode: the S3 API over HTTP, as MinIO speaks it) started
# once a session in each test process, and a bucket of its own for each test that asks.
S3_KEY = "testing"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """The address of a moto S3 server on a free port of this machine."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_KEY,
        region_name="us-east-1",
    )


@pytest.fixture
def object_storage(settings, s3_server):
    """The default storage switched to a new, empty bucket of the S3 server (named after
    the xdist worker, so that workers never share one): yields a boto3 client and the
    bucket's name, for the test to look into the bucket itself."""
    import uuid

    from yiwang.core.storage import s3_backend

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    bucket = f"yiwang-{worker}-{uuid.uuid4().hex[:12]}".lower()
    client = _s3_client(s3_server)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_backend(
            bucket=bucket,
            endpoint_url=s3_server,
            access_key=S3_KEY,
            secret_key=S3_KEY,
            region="us-east-1",
        ),
    }
    yield client, bucket
    objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def object_storage_down(settings):
    """The default storage pointed at an S3 endpoint where nothing listens (a store that is
    down): every call fails at once with a connection refused."""
    from yiwang.core.storage import s3_backend

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_backend(
            bucket="yiwang-down",
            endpoint_url=f"http://127.0.0.1:{_free_port()}",
            access_key=S3_KEY,
            secret_key=S3_KEY,
            region="us-east-1",
            connect_timeout=1,
            read_timeout=1,
        ),
    }
