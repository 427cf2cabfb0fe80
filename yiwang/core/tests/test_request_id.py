"""Each request's id (yiwang.core.middleware.RequestIdMiddleware): kept from the proxy when
it is a safe one, else made; on the answer, on every log line written while serving it
(text or JSON, LOG_FORMAT), and on the lines of the tasks it enqueued."""

import io
import json
import logging
import re

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from yiwang.core import logs


@HUEY.task()
def request_id_seen_by_the_task() -> str:
    return logs.request_id.get() or "none"  # Huey keeps no result of None


def test_the_proxys_id_is_kept_and_a_bad_one_replaced():
    client = Client()
    kept = "0f9c1a2b3c4d5e6f7a8b9c0d1e2f3a4b"  # nginx's $request_id
    assert client.get("/healthz", HTTP_X_REQUEST_ID=kept)["X-Request-ID"] == kept
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7.a_b")["X-Request-ID"] == "lb-7.a_b"
    made = set()
    for bad in ("", "x" * 65, "a b", "abc\r\nSet-Cookie: x=1", "<script>", "请求", "a;b"):
        answer = client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answer), (bad, answer)
        made.add(answer)
    assert len(made) == 7  # a new one each time
    assert logs.request_id.get() is None  # nothing left behind after the request


@pytest.fixture
def json_console():
    """The console handler as settings.LOGGING makes it with LOG_FORMAT=json, writing to
    a buffer, on the root logger and gunicorn's access logger."""
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logs.JsonLines())
    for found in (logs.RequestId(), logs.RequestLines(), logs.QuietPeriodicTasks()):
        handler.addFilter(found)
    handler.addFilter(logs.MaskSecrets())
    loggers = [logging.getLogger(), logging.getLogger("gunicorn.access")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.stream
    for logger in loggers:
        logger.removeHandler(handler)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_written_while_serving_a_request_carries_its_id_as_json(json_console):
    # A disallowed host: Django's security warning (kept, 4xx, without its traceback).
    response = Client().get("/healthz?api_key=SECRET", HTTP_HOST="evil.example")
    assert response.status_code == 400

    [line] = [line for line in _lines(json_console) if line["logger"].startswith("django")]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "django.security.DisallowedHost" and line["level"] == "ERROR"
    assert "evil.example" in line["message"] and line["status_code"] == 400
    assert "request" not in line and "exc_info" not in line  # the object, the traceback
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0800", line["time"])
    assert "SECRET" not in json_console.getvalue()


def test_the_json_access_line_masks_a_key_and_takes_the_id_from_the_answer(json_console):
    logging.getLogger("gunicorn.access").info(
        logs.ACCESS_FORMAT,
        {
            "h": "10.0.0.8",
            "r": "GET /open311/v2/requests.json?api_key=a1b2c3d4e5f6 HTTP/1.1",
            "s": "200",
            "b": "93",
            "M": "12",
            "{x-request-id}o": "lb-42",
        },
    )
    logging.getLogger("yiwang.x").warning("token=abc and 中文", extra={"detail": "api_key=k1"})
    access, other = _lines(json_console)
    assert access["request_id"] == "lb-42"
    assert (
        access["message"]
        == '10.0.0.8 "GET /open311/v2/requests.json?api_key=*** HTTP/1.1" 200 93 12ms lb-42'
    )
    # Outside a request: no id; every text field masked, extra ones included.
    assert other["request_id"] is None
    assert other["message"] == "token=*** and 中文" and other["detail"] == "api_key=***"
    assert "a1b2c3d4e5f6" not in json_console.getvalue()


def test_a_text_line_written_while_serving_a_request_ends_with_its_id():
    formatter = logs.TextLines()
    outside = logging.LogRecord("yiwang.x", logging.INFO, __file__, 1, "Sweep: %d", (3,), None)
    logs.RequestId().filter(outside)
    assert formatter.format(outside).endswith(" INFO yiwang.x: Sweep: 3")
    token = logs.request_id.set("0f9c1a2b")
    try:
        inside = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Boom", (), None)
        logs.RequestId().filter(inside)
    finally:
        logs.request_id.reset(token)
    assert formatter.format(inside).endswith(" ERROR django.request: Boom request_id=0f9c1a2b")


def test_the_text_format_stays_and_json_is_chosen_by_log_format():
    text, as_json = logs.logging_config("INFO"), logs.logging_config("INFO", "json")
    assert text["handlers"]["console"]["formatter"] == "line"
    assert as_json["handlers"]["console"]["formatter"] == "json"
    assert text["handlers"]["console"]["filters"] == as_json["handlers"]["console"]["filters"]
    with pytest.raises(ValueError):
        logs.logging_config("INFO", "xml")


@pytest.fixture
def consumer():
    """The main queue on its real storage with a consumer thread, as `run_huey` runs it."""
    HUEY.immediate = False
    HUEY.flush()
    running = HUEY.create_consumer(workers=1, worker_type="thread", periodic=False)
    running.start()
    try:
        yield
    finally:
        running.stop(graceful=True)
        HUEY.flush()
        HUEY.immediate = True


def test_a_task_enqueued_during_a_request_logs_with_its_id(consumer):
    token = logs.request_id.set("req-from-the-page")
    try:
        during = request_id_seen_by_the_task()
    finally:
        logs.request_id.reset(token)
    outside = request_id_seen_by_the_task()
    assert during.get(blocking=True, timeout=20) == "req-from-the-page"
    assert outside.get(blocking=True, timeout=20) == "none"  # nothing left from the last task


def test_in_immediate_mode_the_task_runs_with_the_requests_id():
    token = logs.request_id.set("req-inline")
    try:
        assert request_id_seen_by_the_task()() == "req-inline"
        assert logs.request_id.get() == "req-inline"  # the request keeps its id
    finally:
        logs.request_id.reset(token)
