"""Prometheus's /metrics (yiwang.core.metrics): answered to the allowed addresses or the
token only, with django-prometheus's request counters and Yiwang's gauges read at the
scrape; several gunicorn workers' counters summed (multiprocess mode)."""

import ipaddress
import json
import subprocess
import sys
import time
import urllib.request

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from prometheus_client.parser import text_string_to_metric_families

from conftest import COUNTY
from yiwang.core.models import ExportJob, ImportJob
from yiwang.core.queues import bulk
from yiwang.core.tasks import recover_silent_jobs, run_export, run_import
from yiwang.core.tests.test_logs import LINE, ROOT, _environment


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, ((label, value), …)): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(**extra) -> dict[tuple, float]:
    response = Client().get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def test_from_loopback_it_counts_the_requests_by_view_and_status(db):
    key = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "healthz")),
    )
    before = scrape().get(key, 0)
    Client().get("/healthz")
    Client().get("/healthz")
    after = scrape()
    assert after[key] == before + 2
    assert ("django_http_requests_total_by_method_total", (("method", "GET"),)) in after
    assert ("yiwang_queue_pending", (("queue", "main"),)) in after
    # Every gauge read: none named among the errors.
    assert not [name for name, _ in after if name == "yiwang_metric_errors"]


def test_it_is_refused_to_other_addresses_through_a_proxy_and_with_a_wrong_token(db, settings):
    settings.METRICS_TOKEN = "s3cret-token-of-the-scraper"
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 404
    # nginx on the same machine passes a client from outside: refused all the same.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200
    wrong = {"HTTP_AUTHORIZATION": "Bearer not-it"}
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9", **wrong).status_code == 403
    assert client.get("/metrics", **wrong).status_code == 403  # even from loopback
    right = {"HTTP_AUTHORIZATION": "Bearer s3cret-token-of-the-scraper"}
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.9", **right)
    assert response.status_code == 200 and b"yiwang_import_jobs" in response.content
    assert client.post("/metrics", **right).status_code == 405

    settings.METRICS_TOKEN = ""  # no token configured: none is accepted
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9", **right).status_code == 403
    settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/24")]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.1.9").status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback no longer listed


def test_the_job_gauges_count_the_jobs_by_state(county_admin):
    def jobs(found, name):
        return {
            dict(labels)["state"]: value for (sample, labels), value in found.items()
            if sample == name
        }  # fmt: skip

    before = scrape()
    assert set(jobs(before, "yiwang_import_jobs")) == set(ImportJob.Status.values)
    assert set(jobs(before, "yiwang_export_jobs")) == set(ExportJob.Status.values)
    common = {"created_by": county_admin, "area_code": COUNTY}
    ImportJob.objects.create(kind="households", filename="a.xlsx", data=b"x", **common)
    ImportJob.objects.create(kind="households", filename="b.xlsx", data=b"x", **common)
    ImportJob.objects.create(
        kind="households", filename="c.xlsx", data=b"x", status=ImportJob.Status.FAILED, **common
    )
    ExportJob.objects.create(kind="households", status=ExportJob.Status.RUNNING, **common)

    after = scrape()
    imports, exports = jobs(after, "yiwang_import_jobs"), jobs(after, "yiwang_export_jobs")
    old_imports, old_exports = (
        jobs(before, "yiwang_import_jobs"),
        jobs(before, "yiwang_export_jobs"),
    )
    assert imports["queued"] == old_imports["queued"] + 2
    assert imports["failed"] == old_imports["failed"] + 1
    assert imports["done"] == old_imports["done"]
    assert exports["running"] == old_exports["running"] + 1
    assert exports["queued"] == old_exports["queued"]


@pytest.fixture
def stored_queues():
    """Both queues on their real storage (SQLite, or Redis with REDIS_URL), emptied."""
    for queue in (HUEY, bulk):
        queue.immediate = False
        queue.flush()
    try:
        yield
    finally:
        for queue in (HUEY, bulk):
            queue.flush()
            queue.immediate = True


def test_the_queue_gauge_is_the_length_of_each_queue(db, stored_queues):
    run_export(1)  # the bulk queue: imports and exports
    run_import(1)
    run_import(2)
    recover_silent_jobs()  # the main queue's periodic task, enqueued by hand
    found = scrape()
    assert found[("yiwang_queue_pending", (("queue", "bulk"),))] == 3
    assert found[("yiwang_queue_pending", (("queue", "main"),))] == 1


def test_a_gauge_that_cannot_be_read_is_named_and_the_scrape_still_answers(db, monkeypatch):
    from yiwang.core import metrics

    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setitem(
        metrics._GAUGES, "queue_pending", metrics.Gauge("queue_pending", "x", broken, "queue")
    )
    found = scrape()
    assert found[("yiwang_metric_errors", (("metric", "queue_pending"),))] == 1
    assert not [name for name, _ in found if name == "yiwang_queue_pending"]
    assert ("yiwang_import_jobs", (("state", "queued"),)) in found


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.headers, answer.read().decode()


def test_gunicorns_workers_counts_are_summed_and_its_lines_are_json(tmp_path):
    """gunicorn as the web service runs it: two workers, PROMETHEUS_MULTIPROC_DIR (emptied
    when it starts), LOG_FORMAT=json. The scrape sums both workers' requests; each access
    line is JSON with the request's id, and a key in a query string is masked."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"from a previous run")
    port = _free_port()
    env = _environment(tmp_path) | {
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "LOG_FORMAT": "json",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "yiwang.wsgi:application",
            "--config",
            "python:yiwang.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "1",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no gunicorn"
                time.sleep(0.2)
        ids = []
        for n in range(12):
            headers, _ = _get(f"{base}/healthz?api_key=KEY{n}SECRET", {"X-Request-ID": f"lb-{n}"})
            ids.append(headers["X-Request-ID"])
        assert ids == [f"lb-{n}" for n in range(12)]
        _, text = _get(f"{base}/metrics")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    found = samples(text)
    key = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "healthz")),
    )
    # The waiting loop's first answers and the twelve: every worker's, none of before.
    assert found[key] >= 13, output
    assert not (folder / "counter_999999.db").exists()
    assert {path.name.split("_")[0] for path in folder.glob("*.db")} >= {"counter", "histogram"}

    # Every log line is JSON (a Python warning printed to stderr is not a log line).
    assert not [line for line in output.splitlines() if LINE.match(line)], output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    by_id = {line["request_id"]: line for line in access}
    for n in range(12):
        line = by_id[f"lb-{n}"]
        assert "/healthz?api_key=*** HTTP/1.1" in line["message"], line
        assert line["level"] == "INFO" and line["time"].endswith("+0800")
    assert "SECRET" not in output
