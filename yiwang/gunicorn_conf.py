"""gunicorn's settings for `make run` (bin/run: --config python:yiwang.gunicorn_conf): its
master logs in TIME_ZONE with the offset, in the format of the app's own lines, and one
line per request. (The master never loads the app: reading the settings here sets the TZ
of its process, as Django does in each worker.)"""

import os

from django.conf import settings

from yiwang.core.logs import ACCESS_FORMAT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
settings.TIME_ZONE  # noqa: B018 (Django sets os.environ["TZ"] and calls time.tzset())

logconfig_dict = settings.LOGGING
access_log_format = ACCESS_FORMAT
accesslog = "-"
