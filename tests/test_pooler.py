"""PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer): what Yiwang must not rely on
is checked here; the multi-server run (deploy/stack) runs the app through a real PgBouncer.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings(**env) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({alias: {'options': d.get('OPTIONS', {}),"
        " 'routers': settings.DATABASE_ROUTERS} for alias, d in settings.DATABASES.items()},"
        " default=str))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "yiwang.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(found.stdout.strip().splitlines()[-1])


def test_behind_pgbouncer_no_statement_is_prepared_on_a_server_connection():
    found = _settings(
        DATABASE_URL="postgres://yiwang@127.0.0.1:6432/yiwang",
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URL="postgres://yiwang@127.0.0.1:5433/yiwang",
    )
    assert found["default"]["options"]["prepare_threshold"] is None
    # The replica is reached directly: prepared statements are kept there.
    assert "prepare_threshold" not in found["replica"]["options"]
    assert found["replica"]["options"]["connect_timeout"] == 2
    assert found["default"]["routers"] == ["yiwang.core.replica.ReplicaRouter"]


def test_a_pooler_that_yiwang_does_not_know_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "yiwang.settings", "DATABASE_POOLER": "x"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DATABASE_POOLER must be empty or pgbouncer" in result.stderr


def test_every_server_side_cursor_runs_inside_a_transaction():
    """A WITH HOLD cursor outside a transaction does not survive transaction pooling:
    every `.iterator()` goes through yiwang.core.db.stream, which opens one."""
    found = []
    for path in (ROOT / "yiwang").rglob("*.py"):
        if "tests" in path.parts or path.name == "db.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.iterator\(", line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_stream_opens_a_transaction_only_behind_the_pooler(tree, settings):
    from django.db import connection

    from yiwang.areas.models import Area
    from yiwang.core.db import stream

    def depth_while_reading() -> int:
        for _ in stream(Area.objects.all()):
            return len(connection.atomic_blocks)
        return len(connection.atomic_blocks)

    settings.DATABASE_POOLER = ""
    plain = depth_while_reading()
    settings.DATABASE_POOLER = "pgbouncer"
    pooled = depth_while_reading()
    if connection.vendor == "postgresql":
        assert pooled == plain + 1
    else:
        # SQLite: never a transaction around the rows, pooler or not.
        assert pooled == plain
