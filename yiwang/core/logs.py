"""What the console of a running Yiwang shows (settings.LOGGING, used by Django, by
gunicorn through yiwang/gunicorn_conf.py, and by the Huey consumer): one line per request
(gunicorn's access line), every line stamped in TIME_ZONE with its offset, 4xx answers
without tracebacks, Huey's lines once, and the periodic tasks quiet unless they did
something or failed.

Two filters on the console handler do it:

- `RequestLines`: Django's own line about a 4xx answer ("Not Found: /x/", "Forbidden
  (Permission denied): /y/" with the PermissionDenied's traceback) is dropped, since the
  access line already says it; a security warning about a 4xx (a CSRF failure, a
  disallowed host) stays, without a traceback. 5xx keep theirs.
- `QuietPeriodicTasks`: Huey's routine lines about a periodic task (enqueued, executing,
  executed in) are dropped; its warnings and errors stay. The tasks log what they did.
- `MaskSecrets`: a secret that came in a query string (Open311's `api_key=`) is masked in
  every line, gunicorn's access line included, before it is written.
"""

from __future__ import annotations

import logging
import re

from huey.api import PeriodicTask

# Every line: its time in TIME_ZONE with the offset, the level, where it comes from.
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# gunicorn's access line (the time comes from LINE_FORMAT): client, request line, status,
# bytes, milliseconds.
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


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


def logging_config(level: str = "INFO") -> dict:
    """settings.LOGGING: one console handler for everything, the filters above on it."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_lines": {"()": "yiwang.core.logs.RequestLines"},
            "quiet_periodic_tasks": {"()": "yiwang.core.logs.QuietPeriodicTasks"},
            "mask_secrets": {"()": "yiwang.core.logs.MaskSecrets"},
        },
        "formatters": {"line": {"format": LINE_FORMAT, "datefmt": DATE_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["request_lines", "quiet_periodic_tasks", "mask_secrets"],
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
