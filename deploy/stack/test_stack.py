"""Yiwang on several servers (deploy/stack/run starts them): two app servers behind nginx,
PgBouncer, a PostgreSQL primary and its streaming replica, Redis, an S3 server and two
Huey consumers, all with the demo county. Run by `make stack`, never by `make test`.

Everything is asked as a client or an operator would: HTTP through nginx or one app
server, `manage.py` with the servers' environment, psql on the clusters.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import boto3
import psycopg
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ["STACK_URL"]
APPS = os.environ["STACK_APPS"].split()
PRIMARY = os.environ["STACK_PRIMARY"]
REPLICA = os.environ["DATABASE_REPLICA_URL"]
STACK_DIR = Path(os.environ["STACK_DIR"])
PASSWORD = "demo12345"


def app(index: int) -> str:
    return f"http://127.0.0.1:{APPS[index]}"


def token(username: str, base: str = URL) -> dict:
    response = requests.post(
        f"{base}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Token {response.json()['token']}"}


def sql(url: str, query: str, *params):
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def manage(*args: str, **env: str) -> str:
    found = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    return found.stdout


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def keys(bucket: str) -> list[str]:
    """Every object's name in the bucket (a listing gives a thousand at most a page)."""
    pages = s3().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def s3():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["S3_SECRET_ACCESS_KEY"],
        region_name=os.environ["S3_REGION"],
    )


def test_every_server_is_ready_and_the_replica_streams():
    for base in (URL, app(0), app(1)):
        response = requests.get(f"{base}/readyz")
        assert response.status_code == 200, response.text
        checks = response.json()["checks"]
        assert checks["replica"]["in_use"] is True, checks["replica"]
        assert checks["redis"]["ok"] and checks["storage"]["ok"]
    assert sql(REPLICA, "SELECT pg_is_in_recovery()") == [(True,)]


def test_a_photo_uploaded_through_one_app_server_is_served_by_the_other():
    worker = token("worker", app(0))
    unit = next(
        post["area_code"]
        for post in requests.get(f"{app(0)}/api/v1/posts/", headers=worker).json()["results"]
        if post["role"] == "grid_worker"
    )
    case = requests.post(
        f"{app(0)}/api/v1/cases/",
        json={"category": "safety_hazard", "text": "井盖缺失", "unit_code": unit},
        headers=worker,
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    uploaded = requests.post(
        f"{app(0)}/api/v1/cases/{case_id}/attachments/",
        files={"files": ("hole.png", photo(), "image/png")},
        headers=worker,
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()[0]["id"]

    served = requests.get(
        f"{app(1)}/api/v1/cases/{case_id}/attachments/{attachment}/image", headers=worker
    )
    assert served.status_code == 200, served.text
    assert served.headers["Content-Type"].startswith("image/")
    assert Image.open(io.BytesIO(served.content)).size == (64, 48)
    # It lives in the bucket, not on either server's disk.
    names = keys(os.environ["S3_BUCKET"])
    assert any(name.startswith("cases/") for name in names), names


def _scans_on_replica(table: str) -> int:
    ((seq, idx),) = sql(
        REPLICA,
        "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) FROM pg_stat_user_tables"
        " WHERE relname = %s",
        table,
    )
    return seq + idx


def test_a_roll_up_is_read_on_the_replica():
    county = token("county")
    code = requests.get(f"{URL}/api/v1/posts/", headers=county).json()["results"][0]["area_code"]
    before = _scans_on_replica("areas_area")
    rollup = requests.get(f"{URL}/api/v1/areas/{code}/rollup/", headers=county)
    assert rollup.status_code == 200 and rollup.json(), rollup.text
    # The statistics of a standby count what ran there; a connection kept open between
    # requests reports them when idle, within 10 s.
    for _ in range(80):
        if _scans_on_replica("areas_area") > before:
            break
        time.sleep(0.25)
    assert _scans_on_replica("areas_area") > before


def test_a_write_then_a_read_in_one_request_sees_the_write():
    code = """
import json
from yiwang.areas.models import Area
from yiwang.areas.selectors import rollup
from yiwang.areas.services import create_area
from yiwang.core import replica
village = Area.objects.filter(level="village").order_by("code").first()
with replica.database_scope() as scope, replica.replica_reads():
    before = {row["code"]: row["grids"] for row in rollup(village.parent)}[village.code]
    create_area(actor=None, parent_code=village.code, name="叠加测试网格")
    after = {row["code"]: row["grids"] for row in rollup(village.parent)}[village.code]
print(json.dumps({"before": before, "after": after, "replica_used": sorted(scope.used)}))
"""
    found = json.loads(manage("shell", "-c", code).strip().splitlines()[-1])
    assert found["after"] == found["before"] + 1
    # The first roll-up was read on the replica, the one after the write on the primary.
    assert found["replica_used"] == ["replica"]


def test_each_periodic_task_runs_once_a_period_across_the_two_consumers(tmp_path):
    """Both consumers' schedulers enqueue the every-minute tasks; Redis shows each copy
    asking for its period's key (SET NX), two asks a key, and the key taken once."""
    port = os.environ["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    # Each consumer's scheduler looks at its periodic tasks once a minute, at its own second;
    # a copy asks for its key when a worker runs it, which may be a minute later when the
    # workers are busy (after a soak, or while the nightly partitions job holds its locks):
    # watched minute by minute, five at most, until one key shows its two asks. The monitor
    # writes to a file: every command of the app servers and the consumers' polls pass
    # through it, and a pipe left unread for a minute would fill and stop it.
    asks: Counter = Counter()
    output = ""
    for minute in range(5):
        watched = tmp_path / f"monitor-{minute}.txt"
        with watched.open("w") as sink:
            monitor = subprocess.Popen(["redis-cli", "-p", port, "monitor"], stdout=sink)
            time.sleep(65)
            monitor.terminate()
            monitor.wait(timeout=10)
        output = watched.read_text(errors="replace")
        asks += Counter(re.findall(r'"(?:SET|set)" "(yiwang\.periodic\.[^"]+)" "1"', output))
        if 2 in asks.values():
            break
    assert asks, output[-2000:]
    # One key a task and period, asked for once by each consumer that enqueued it (one
    # consumer's look may fall outside the window): two copies, one run.
    assert max(asks.values()) <= 2, asks
    assert 2 in asks.values(), asks


def test_the_restore_drill_on_the_stack(tmp_path):
    """The backup of the primary (the database and the bucket), restored into an empty
    database and an empty bucket, compared table by table by `restore` itself."""
    backups = tmp_path / "backups"
    direct = {"DATABASE_URL": PRIMARY, "DATABASE_POOLER": "", "DATABASE_REPLICA_URL": ""}
    manage("backup", str(backups), **direct)
    (folder,) = list(backups.iterdir())
    server = PRIMARY.rsplit("/", 1)[0]
    name = f"yiwang_restored_{uuid.uuid4().hex[:8]}"
    bucket = name.replace("_", "-")
    sql(f"{server}/postgres", f"CREATE DATABASE {name}")
    s3().create_bucket(Bucket=bucket)
    try:
        output = manage(
            "restore",
            str(folder),
            **{**direct, "DATABASE_URL": f"{server}/{name}"},
            S3_BUCKET=bucket,
        )
        assert "restored" in output.lower(), output
        count = "SELECT count(*) FROM cases_attachment"
        assert sql(f"{server}/{name}", count) == sql(PRIMARY, count)
        stored = keys(os.environ["S3_BUCKET"])
        assert stored
        assert keys(bucket) == stored
    finally:
        sql(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_an_app_server_stopped_mid_run_loses_no_request():
    """Grid workers' visits through nginx while one app server is killed: nginx sends the
    next requests to the other, and a client whose request failed sends it again with the
    same UUID (the API stores a visit once per UUID)."""
    worker = token("worker")
    households = requests.get(f"{URL}/api/v1/households/?limit=20", headers=worker).json()
    household = households["results"][0]["id"]
    sent: list[str] = []
    failures: list[str] = []
    retries = 0

    def visit(number: int) -> None:
        nonlocal retries
        body = {
            "uuid": str(uuid.uuid4()),
            "household": household,
            "visited_at": time.strftime(
                "%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)
            ),
            "outcome": "all_well",
            "notes": f"第{number}次",
        }
        for _attempt in range(5):
            try:
                response = requests.post(
                    f"{URL}/api/v1/visits/", json=body, headers=worker, timeout=20
                )
            except requests.RequestException:
                response = None
            if response is not None and response.status_code in (200, 201):
                sent.append(body["uuid"])
                return
            if response is not None and response.status_code < 500:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return
            retries += 1
            time.sleep(0.2)
        failures.append("no answer after 5 attempts")

    def clients(first: int, count: int) -> None:
        for number in range(first, first + count):
            visit(number)

    threads = [threading.Thread(target=clients, args=(i * 100, 100)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    pidfile = STACK_DIR / "run" / f"app-{APPS[0]}.pid"
    master = int(pidfile.read_text())
    subprocess.run(["pkill", "-KILL", "-P", str(master)], check=False)
    os.kill(master, signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=300)

    assert failures == []
    assert len(sent) == 400
    stored = sql(
        PRIMARY,
        "SELECT count(*), count(DISTINCT uuid) FROM outreach_visit WHERE uuid::text = ANY(%s)",
        sent,
    )
    assert stored == [(400, 400)]
    assert requests.get(f"{URL}/healthz").status_code == 200
    print(f"retried {retries} requests after the app server was killed")
