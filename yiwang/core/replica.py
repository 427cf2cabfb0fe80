"""Heavy reads on a streaming replica of PostgreSQL, when `DATABASE_REPLICA_URL` names one.

What goes there: only the reads that a view or a task marks with `replica_reads` — the
roll-ups, the rates, the compliance figures, the cockpit, the exports. Everything else,
and every write, stays on the primary ("default").

When the replica is skipped, so that nobody reads something older than what they just did:

- the request (or task) has written to the primary: any ORM write (the router's
  `db_for_write`) or any statement other than a SELECT on the primary's connection (an
  execute wrapper, for the raw SQL the services run) — from then on every read of that
  request is on the primary;
- the primary's connection is inside a transaction (`atomic`);
- the replica is not healthy: it does not answer, it is not in recovery (someone pointed
  the setting at a primary), its WAL receiver is not streaming, or it is more than
  `REPLICA_MAX_LAG` seconds behind. The check costs one query and is kept for
  `REPLICA_CHECK_SECONDS` in the process (`REPLICA_RETRY_SECONDS`, 30 s, after a failed
  one: a replica that does not answer costs a connect timeout that often, not every
  request); a replica that fails it is skipped until the next check, and a warning is
  logged once per change. While the replica's connection is inside a transaction (an
  export's rows being read) the last verdict stands: the probe would read the
  transaction's snapshot, and closing the connection on a failure would break the export.

Without `DATABASE_REPLICA_URL` there is no "replica" alias, the router sends everything
to the primary, and `replica_reads` costs one context-variable lookup.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"


@dataclass
class _Scope:
    """One request's or one task's dealings with the databases."""

    wrote: bool = False
    heavy: int = 0
    used: set = field(default_factory=set)


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "yiwang_replica_scope", default=None
)


def configured() -> bool:
    return REPLICA in connections.settings


# --- health -------------------------------------------------------------------------------

HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END
"""


@dataclass
class Health:
    ok: bool
    reason: str = ""
    lag: float | None = None
    checked_at: float = 0.0


_health_lock = threading.Lock()
_health: Health | None = None


def probe() -> Health:
    """Asks the replica how it is, now. Never raises."""
    connection = connections[REPLICA]
    try:
        if connection.vendor != "postgresql":
            # Only PostgreSQL streams; another engine named as a replica is read as it is.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return Health(ok=True, lag=0.0)
        with connection.cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            recovering, receiver, lag = cursor.fetchone()
    except Exception as exc:  # down, refused, timed out: skipped, and said why
        with contextlib.suppress(Exception):
            connection.close()
        return Health(ok=False, reason=f"unreachable ({type(exc).__name__})")
    if not recovering:
        return Health(ok=False, reason="not a replica (not in recovery)")
    lag = float(lag) if lag is not None else None
    if receiver != "streaming":
        return Health(ok=False, reason="not streaming from the primary", lag=lag)
    if lag is None or lag > settings.REPLICA_MAX_LAG:
        return Health(ok=False, reason="lagging", lag=lag)
    return Health(ok=True, lag=lag)


def _keep_for(known: Health) -> float:
    if known.ok:
        return settings.REPLICA_CHECK_SECONDS
    return max(settings.REPLICA_CHECK_SECONDS, settings.REPLICA_RETRY_SECONDS)


def health(*, fresh: bool = False) -> Health:
    """The replica's health as last checked, checked again when older than
    REPLICA_CHECK_SECONDS (or when `fresh`)."""
    global _health
    now = time.monotonic()
    known = _health
    if known and (
        connections[REPLICA].in_atomic_block
        or (not fresh and now - known.checked_at < _keep_for(known))
    ):
        return known
    with _health_lock:
        known = _health
        if not fresh and known and now - known.checked_at < _keep_for(known):
            return known
        found = probe()
        found.checked_at = time.monotonic()
        if known is None or known.ok != found.ok:
            if found.ok:
                logger.info("replica in use (lag %.1f s)", found.lag or 0.0)
            else:
                logger.warning("replica skipped: %s; reads go to the primary", found.reason)
        _health = found
        return found


def forget_health() -> None:
    """Drops the remembered check (tests; after a failover)."""
    global _health
    with _health_lock:
        _health = None


# --- the scope of a request or a task ------------------------------------------------------


def _mark_written(execute, sql, params, many, context):
    scope = _scope.get()
    if scope is not None and not scope.wrote:
        head = sql.lstrip()[:8].upper() if isinstance(sql, str) else ""
        if not head.startswith(("SELECT", "SHOW", "EXPLAIN")):
            scope.wrote = True
    return execute(sql, params, many, context)


@contextlib.contextmanager
def database_scope():
    """One request's or one task's scope: it starts with nothing written. Installs the
    execute wrapper that notices raw writes on the primary."""
    if not configured() or _scope.get() is not None:
        yield _scope.get()
        return
    scope = _Scope()
    token = _scope.set(scope)
    try:
        with connections[PRIMARY].execute_wrapper(_mark_written):
            yield scope
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def replica_reads():
    """Inside it, reads may go to the replica (see the module's docstring for when they
    do not). Usable as a decorator through `reads_on_replica`."""
    if not configured():
        yield
        return
    with database_scope() as scope:
        scope.heavy += 1
        try:
            yield
        finally:
            scope.heavy -= 1


@contextlib.contextmanager
def primary_reads():
    """Inside it every read is on the primary, `replica_reads` or not: for work that reads
    what another task has just written (a monthly report over the snapshots the task
    before it wrote), which a lagging replica may not have yet."""
    if not configured():
        yield
        return
    token = _scope.set(_Scope(wrote=True))
    try:
        yield
    finally:
        _scope.reset(token)


def reads_on_replica(function):
    """Marks a view, a selector or a task whose reads may go to the replica."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


def _in_transaction(connection) -> bool:
    """Inside an `atomic` block of the code's own (a test case's block, wrapping the whole
    test, does not count: it stands for the autocommit a request runs in)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def read_alias() -> str:
    """Where a read asked now goes."""
    scope = _scope.get()
    if scope is None or not scope.heavy or scope.wrote:
        return PRIMARY
    if _in_transaction(connections[PRIMARY]):
        return PRIMARY
    if not health().ok:
        return PRIMARY
    scope.used.add(REPLICA)
    return REPLICA


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as `read_alias` says, writes and migrations on the
    primary."""

    def db_for_read(self, model, **hints):
        if not configured():
            return None
        return read_alias()

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaMiddleware:
    """Gives each request its own scope (nothing written yet), when a replica is
    configured."""

    def __init__(self, get_response):
        from django.core.exceptions import MiddlewareNotUsed

        if not configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        with database_scope():
            return self.get_response(request)
