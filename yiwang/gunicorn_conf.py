"""gunicorn's settings for `make run` (bin/run: --config python:yiwang.gunicorn_conf): its
master logs in TIME_ZONE with the offset, in the format of the app's own lines (text or
JSON, LOG_FORMAT), and one line per request with the request's id. (The master never
loads the app: reading the settings here sets the TZ of its process, as Django does in
each worker.)

With PROMETHEUS_MULTIPROC_DIR set, the workers keep their metrics in files of that folder
(yiwang/core/metrics.py): the master empties it when it starts, so that no count of a
previous run is added in, and marks a worker's gauges dead when the worker exits."""

import os
from pathlib import Path

from django.conf import settings

from yiwang.core.logs import ACCESS_FORMAT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
settings.TIME_ZONE  # noqa: B018 (Django sets os.environ["TZ"] and calls time.tzset())

logconfig_dict = settings.LOGGING
access_log_format = ACCESS_FORMAT
accesslog = "-"


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for path in Path(folder).glob("*.db"):
            path.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
