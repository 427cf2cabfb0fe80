"""The settings of the `caseapi` benchmark's gunicorn: the app's, with the URL map that adds
the bare view (benchmarks/cases_bench_urls.py). gunicorn finds both on --pythonpath."""

from yiwang.settings import *  # noqa: F403 — the app's settings, unchanged but for the URLs

ROOT_URLCONF = "cases_bench_urls"
