"""What the console of a running Yiwang shows (settings.LOGGING, used by Django, by
gunicorn through yiwang/gunicorn_conf.py, and by the Huey consumer): one line per request
(gunicorn's access line), every line stamped in TIME_ZONE with its offset, 4xx answers
without tracebacks, Huey's lines once, and the periodic tasks quiet unless they did
something or failed.

Filters on the console handler do it:

- `RequestLines`: Django's own line about a 4xx answer ("Not Found: /x/", "Forbidden
  (Permission denied): /y/" with the PermissionDenied's traceback) is dropped, since the
  access line already says it; a security warning about a 4xx (a CSRF failure, a
  disallowed host) stays, without a traceback. 5xx keep theirs.
- `QuietPeriodicTasks`: Huey's routine lines about a periodic task (enqueued, executing,
  executed in) are dropped; its warnings and errors stay. The tasks log what they did.
- `MaskSecrets`: a secret that came in a query string (Open311's `api_key=`) is masked in
  every line, gunicorn's access line included, before it is written.
- `RequestId` (the first of them): the id of the request being served
  (yiwang.core.middleware.RequestIdMiddleware, also sent back as `X-Request-ID`) on every
  record as `request_id` (a text line written while serving a request ends with
  `request_id=…`); gunicorn's access line, written once the answer is gone, takes it from
  the answer's header.

With LOG_FORMAT=json the same records, filtered the same way, are written one JSON object
a line (python-json-logger): time, level, logger, message, request_id, and a traceback as
`exc_info` — for a log shipper that reads fields rather than text.
"""

from __future__ import annotations

import contextvars
import logging
import re

from huey import signals as huey_signals
from huey.api import PeriodicTask
from pythonjsonlogger.json import JsonFormatter

# Every line: its time in TIME_ZONE with the offset, the level, where it comes from.
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# gunicorn's access line (the time comes from LINE_FORMAT): client, request line, status,
# bytes, milliseconds, the request id (the answer's X-Request-ID header).
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
# LOG_FORMAT=json: each line an object of these fields (renamed), the request id with them.
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
FORMATS = ("text", "json")

# The id of the request this thread is serving (set by RequestIdMiddleware), else None.
request_id = contextvars.ContextVar("request_id", default=None)


class RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None):  # given (extra=…) or found by another handler
            return True
        found = request_id.get()
        if found is None and record.name == "gunicorn.access" and isinstance(record.args, dict):
            found = record.args.get("{x-request-id}o")
            found = None if found in (None, "-") else found
        record.request_id = found
        return True


class RequestLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500:
            return True
        if record.name == "django.request":
            return False
        record.exc_info = None
        record.exc_text = None
        return True


def _arguments(record: logging.LogRecord) -> tuple:
    args = record.args
    if isinstance(args, dict):
        return tuple(args.values())
    return tuple(args or ())


class QuietPeriodicTasks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or not record.name.startswith("huey"):
            return True
        return not any(isinstance(arg, PeriodicTask) for arg in _arguments(record))


# A query-string parameter whose value is a secret: `api_key=…` up to the next separator.
# The name may come percent-encoded (api%5Fkey), which Django decodes all the same.
_SECRET_PARAMETER = re.compile(
    r"((?:^|[?&;\s\"'])(?:api(?:_|%5F)key|token)=)[^&;\s\"']+", re.IGNORECASE
)


def mask_secrets(text: str) -> str:
    return _SECRET_PARAMETER.sub(r"\1***", text)


class MaskSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the handler reports it as usual
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class TextLines(logging.Formatter):
    """LINE_FORMAT; a line written while serving a request ends with ` request_id=…`
    (gunicorn's access line, which ends with the id already, stays as it is)."""

    def __init__(self, format: str = LINE_FORMAT, datefmt: str = DATE_FORMAT):
        super().__init__(format, datefmt)
        self._with_id = logging.Formatter(format + " request_id=%(request_id)s", datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) and record.name != "gunicorn.access":
            return self._with_id.format(record)
        return super().format(record)


class JsonLines(JsonFormatter):
    """One JSON object a line. Besides the named fields, a record's extra attributes are
    kept when they are plain values (Django's `status_code`), masked like the message;
    objects (Django's `request`, whose text carries the query string) are left out."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", JSON_FIELDS)
        kwargs.setdefault("datefmt", JSON_DATE_FORMAT)
        kwargs.setdefault("rename_fields", JSON_NAMES)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict) -> dict:
        kept = {}
        for key, value in log_data.items():
            if isinstance(value, str):
                kept[key] = mask_secrets(value)
            elif value is None or isinstance(value, bool | int | float):
                kept[key] = value
        return kept


# --- the request's id in the tasks it enqueued --------------------------------------------

# After these the consumer's thread serves no task (a retry is enqueued without the id).
_TASK_ENDS = (
    huey_signals.SIGNAL_COMPLETE,
    huey_signals.SIGNAL_ERROR,
    huey_signals.SIGNAL_RETRYING,
    huey_signals.SIGNAL_TIMEOUT,
    huey_signals.SIGNAL_CANCELED,
    huey_signals.SIGNAL_INTERRUPTED,
    huey_signals.SIGNAL_LOCKED,
    huey_signals.SIGNAL_RATE_LIMITED,
)


def carry_request_ids(queue) -> None:
    """A task enqueued while a request is served logs with that request's id: the id is
    kept in the queue's storage under the task's id when it is enqueued (one write, only
    during a request), and taken back (one read) when a consumer starts the task. In
    immediate mode the task runs inside the request, whose id it already has."""

    def key(task) -> str:
        return f"request-id:{task.id}"

    @queue.signal(huey_signals.SIGNAL_ENQUEUED)
    def remember(signal, task, *args):
        found = request_id.get()
        if found and not queue.immediate:
            queue.put(key(task), found)

    @queue.signal(huey_signals.SIGNAL_EXECUTING)
    def recall(signal, task, *args):
        if not queue.immediate:
            request_id.set(queue.get(key(task)))

    @queue.signal(*_TASK_ENDS)
    def forget(signal, task, *args):
        if not queue.immediate:
            request_id.set(None)


def logging_config(level: str = "INFO", log_format: str = "text") -> dict:
    """settings.LOGGING: one console handler for everything, the filters above on it, the
    lines as text or (log_format "json") as JSON."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "yiwang.core.logs.RequestId"},
            "request_lines": {"()": "yiwang.core.logs.RequestLines"},
            "quiet_periodic_tasks": {"()": "yiwang.core.logs.QuietPeriodicTasks"},
            "mask_secrets": {"()": "yiwang.core.logs.MaskSecrets"},
        },
        "formatters": {
            "line": {
                "()": "yiwang.core.logs.TextLines",
                "format": LINE_FORMAT,
                "datefmt": DATE_FORMAT,
            },
            "json": {"()": "yiwang.core.logs.JsonLines"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line" if log_format == "text" else "json",
                # request_id first: mask_secrets may replace a record's arguments.
                "filters": ["request_id", "request_lines", "quiet_periodic_tasks", "mask_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # Given a handler here, the Huey consumer adds no handler of its own: its lines
            # are printed once (they no longer go to the root's handler as well).
            "huey": {"handlers": ["console"], "level": level, "propagate": False},
            # gunicorn's master and workers: the same handler and format as the rest.
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
