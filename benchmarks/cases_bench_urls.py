"""The URL map of the `caseapi` benchmark's gunicorn: the app's own, and a bare Django view
that returns a small JSON body, the yardstick the case API is measured against. Only the
benchmark loads it (benchmarks/cases_bench_settings.py); production URLs never have it."""

from django.http import JsonResponse
from django.urls import path

from yiwang.urls import urlpatterns as app_urlpatterns


def bare(request):
    """No database, no authentication: the middleware, the view, a small JSON body."""
    return JsonResponse({"ok": True, "service": "yiwang", "version": 1})


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *app_urlpatterns]
