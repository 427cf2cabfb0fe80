"""The console of a running Yiwang (yiwang.core.logs, settings.LOGGING): one line per
request, the same time zone with its offset everywhere, 4xx without tracebacks, Huey's
lines once, the periodic tasks quiet unless they did something."""

import datetime
import io
import logging
import os
import re
import signal
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from yiwang.core import logs

ROOT = Path(__file__).resolve().parents[3]
# 2026-12-05 09:53:42 +0800 INFO name: message
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800 [A-Z]+ [\w.]+: ")


@pytest.fixture
def console():
    """The console handler as settings.LOGGING makes it, writing to a buffer, on the
    loggers whose lines are checked here."""
    config = settings.LOGGING
    formatter = config["formatters"]["line"]
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter(formatter["format"], formatter["datefmt"]))
    handler.addFilter(logs.RequestLines())
    handler.addFilter(logs.QuietPeriodicTasks())
    names = ["django.request", "django.security.csrf", "huey", "yiwang.core.tasks"]
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    yield handler.stream
    for logger, (level, propagate) in zip(loggers, saved, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def test_settings_put_the_filters_on_the_one_console_handler():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == [
        "request_id",
        "request_lines",
        "quiet_periodic_tasks",
        "mask_secrets",
    ]
    assert settings.LOGGING["formatters"]["line"]["datefmt"].endswith("%z")
    # Django configured logging from settings.LOGGING: Huey's logger has the handler, so
    # the consumer adds none of its own, and does not pass its lines to the root as well.
    huey = logging.getLogger("huey")
    assert huey.handlers and huey.propagate is False
    for name in ("gunicorn.error", "gunicorn.access"):
        assert settings.LOGGING["loggers"][name]["handlers"] == ["console"]


def test_a_refused_or_missing_page_prints_no_traceback_and_no_second_line(console, worker):
    client = Client()
    client.force_login(worker)
    assert client.get("/cases/categories/").status_code == 403  # PermissionDenied
    assert client.get("/no-such-page/").status_code == 404

    assert console.getvalue() == ""  # gunicorn's access line says it


def test_a_security_warning_stays_without_its_traceback(console):
    try:
        raise ValueError("detail")
    except ValueError as exc:
        logging.getLogger("django.security.csrf").warning(
            "Forbidden (%s): %s", "CSRF cookie not set.", "/login/",
            extra={"status_code": 403}, exc_info=exc,
        )  # fmt: skip

    [line] = console.getvalue().splitlines()
    assert LINE.match(line), line
    assert line.endswith("WARNING django.security.csrf: Forbidden (CSRF cookie not set.): /login/")


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise ValueError("the cause")
    except ValueError as exc:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", "/x/", extra={"status_code": 500}, exc_info=exc
        )

    text = console.getvalue()
    assert LINE.match(text) and "Internal Server Error: /x/" in text
    assert "Traceback" in text and "ValueError: the cause" in text


def test_every_line_carries_the_time_in_the_settings_zone_with_its_offset(console):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    before = datetime.datetime.now(zone).replace(second=0, microsecond=0)
    logging.getLogger("yiwang.core.tasks").info("Case sweep: %d escalated, %d reminded.", 1, 0)
    after = datetime.datetime.now(zone)

    line = console.getvalue().strip()
    assert LINE.match(line), line
    stamp = datetime.datetime.strptime(line[:25], "%Y-%m-%d %H:%M:%S %z")
    assert before <= stamp <= after  # Beijing time, not the machine's UTC


def test_the_periodic_tasks_are_quiet_unless_they_fail(console):
    from yiwang.core.tasks import recover_silent_jobs, run_import

    huey = logging.getLogger("huey")
    periodic, other = recover_silent_jobs.s(), run_import.s(1)
    logging.getLogger("huey.consumer.Scheduler").info("Enqueueing periodic task %s.", periodic)
    huey.info("Executing %s", periodic)
    huey.info("%s executed in %0.3fs", periodic, 0.1)
    assert console.getvalue() == ""

    huey.info("Executing %s", other)
    huey.error("Unhandled exception in task %s.", periodic.id)
    huey.warning("%s failed", periodic)
    lines = console.getvalue().splitlines()
    assert len(lines) == 3 and all(LINE.match(line) for line in lines)
    assert "run_import" in lines[0]


def _environment(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        HUEY_SQLITE=str(tmp_path / "huey.sqlite3"),
        TZ="UTC",  # the process's own zone: the settings' must win
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def test_gunicorns_master_logs_in_the_settings_time_zone(tmp_path):
    script = "import yiwang.gunicorn_conf as c, time; print(time.strftime('%z'), c.accesslog)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["+0800", "-"], result.stderr


def consumer_lines(tmp_path, command: list[str], ready) -> list[str]:
    """The console lines of `manage.py <command>` (a Huey consumer) from its start to its
    exit: it runs until `ready(lines so far)`, then, its signal handlers set, is stopped
    with Ctrl-C."""
    consumer = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = consumer.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if ready(lines):  # then it sets its signal handlers
                time.sleep(2)
                break
    finally:
        consumer.send_signal(signal.SIGINT)
        rest, _ = consumer.communicate(timeout=30)
    return lines + rest.splitlines()


def test_the_huey_consumer_prints_each_line_once_with_the_offset(tmp_path):
    lines = consumer_lines(
        tmp_path,
        ["run_huey", "--workers", "1", "--no-periodic"],
        lambda lines: "The following commands" in lines[-1],
    )

    started = [line for line in lines if "Huey consumer started" in line]
    assert len(started) == 1, lines
    assert LINE.match(started[0]), started[0]
    assert sum("Consumer exiting" in line for line in lines) == 1, lines


def test_an_api_key_in_a_query_string_never_reaches_the_access_line():
    """gunicorn's access line goes through the console handler's filters: a key given as
    Open311's `?api_key=` is masked in it; the rest of the line stays."""
    handler = logging.getLogger("gunicorn.access").handlers[0]
    stream = io.StringIO()
    saved = handler.setStream(stream)
    try:
        logging.getLogger("gunicorn.access").info(
            logs.ACCESS_FORMAT,
            {
                "h": "10.0.0.8",
                "r": "POST /open311/v2/requests.json?service_code=help&api_key=a1b2c3d4e5f6"
                " HTTP/1.1",
                "s": "200",
                "b": "93",
                "M": "12",
                "{x-request-id}o": "5d0c8f4f2b1e4c0e9a7d3b6f1e2a9c44",
            },
        )
    finally:
        handler.setStream(saved)
    line = stream.getvalue()
    assert "a1b2c3d4e5f6" not in line
    assert "service_code=help&api_key=*** HTTP/1.1" in line
    assert line.rstrip().endswith(" 12ms 5d0c8f4f2b1e4c0e9a7d3b6f1e2a9c44")  # the request id
    assert logs.mask_secrets("/x/?API_KEY=abc;token=def&csrfmiddlewaretoken=keep") == (
        "/x/?API_KEY=***;token=***&csrfmiddlewaretoken=keep"
    )
    assert logs.mask_secrets("/open311/?api%5Fkey=SECRET&x=1") == "/open311/?api%5Fkey=***&x=1"
