"""Prometheus's scrape, `/metrics`: what the app servers did and what waits.

- django-prometheus's middleware counts the requests, their answers by status and view,
  and their latency (settings.MIDDLEWARE, first and last).
- Yiwang's own gauges are computed when Prometheus asks, by `YiwangCollector`, a few
  aggregate queries each scrape: the length of each task queue (main and bulk), the
  import and export jobs by state, and what the modules register here (cases: the open
  cases past their due time). A gauge that cannot be read is left out and named in
  `yiwang_metric_errors`; the scrape still answers.
- Several gunicorn workers each count their own requests: with PROMETHEUS_MULTIPROC_DIR
  set (the web service's unit sets it), prometheus_client keeps the counters in files of
  that folder, the scrape sums every worker's, and gunicorn's `child_exit` hook
  (yiwang/gunicorn_conf.py) marks a dead worker's.

Not public: answered only to an address of METRICS_ALLOWED_IPS (loopback by default; a
request passed on by a proxy must come from an allowed address on both sides of the
proxy) or to `Authorization: Bearer <METRICS_TOKEN>`. Otherwise 404, as if there were no
such page; a wrong token, 403. nginx refuses /metrics from outside too.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from yiwang.core.net import client_ip

log = logging.getLogger(__name__)
# No `_created` series beside each counter: half the scrape, nothing Prometheus needs.
disable_created_metrics()


@dataclass(frozen=True)
class Gauge:
    """`yiwang_<name>`: `read()` gives a number, or {label value: number} for `label`."""

    name: str
    documentation: str
    read: Callable[[], float | dict[str, float]]
    label: str = ""


_GAUGES: dict[str, Gauge] = {}


def register(*gauges: Gauge) -> None:
    for gauge in gauges:
        _GAUGES[gauge.name] = gauge


class YiwangCollector:
    """Reads every registered gauge when collected (prometheus_client's custom collector)."""

    def collect(self):
        failed = []
        for gauge in _GAUGES.values():
            try:
                value = gauge.read()
            except Exception as exc:  # one broken gauge never takes the scrape down
                log.warning("Metric %s not read: %s", gauge.name, type(exc).__name__)
                failed.append(gauge.name)
                continue
            family = GaugeMetricFamily(
                f"yiwang_{gauge.name}",
                gauge.documentation,
                labels=[gauge.label] * bool(gauge.label),
            )
            if gauge.label:
                for key, number in sorted(value.items()):
                    family.add_metric([key], number)
            else:
                family.add_metric([], value)
            yield family
        errors = GaugeMetricFamily(
            "yiwang_metric_errors",
            "Gauges that could not be read in this scrape.",
            labels=["metric"],
        )
        for name in failed:
            errors.add_metric([name], 1)
        yield errors


class _ProcessMetrics:
    """This process's own registry (django-prometheus's counters, the process's memory
    and CPU), when there is one process to ask."""

    def collect(self):
        yield from REGISTRY.collect()


def registry() -> CollectorRegistry:
    found = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(found)
    else:
        found.register(_ProcessMetrics())
    found.register(YiwangCollector())
    return found


# --- who may read them ----------------------------------------------------------------


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in settings.METRICS_ALLOWED_IPS)


def _from_allowed_address(request) -> bool:
    if not _allowed(request.META.get("REMOTE_ADDR")):
        return False
    # Through a proxy on an allowed address (nginx on the same machine): the client it
    # forwards for must be allowed too.
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        return _allowed(client_ip(request))
    return True


def _token(request) -> bool | None:
    """True: the right bearer token; False: a wrong one; None: none given."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    given = header.removeprefix("Bearer ").strip().encode()
    expected = settings.METRICS_TOKEN.encode()
    return bool(expected) and hmac.compare_digest(given, expected)


@never_cache
@require_GET
def metrics(request):
    token = _token(request)
    if token is False:
        return HttpResponseForbidden()
    if token is None and not _from_allowed_address(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


# --- the gauges of core ---------------------------------------------------------------


def _queue_lengths() -> dict[str, float]:
    from huey.contrib.djhuey import HUEY

    from yiwang.core.queues import bulk

    return {"main": HUEY.pending_count(), "bulk": bulk.pending_count()}


def _by_status(model) -> Callable[[], dict[str, float]]:
    def read() -> dict[str, float]:
        counts = dict.fromkeys(model.Status.values, 0)
        rows = model.objects.order_by().values_list("status").annotate(n=Count("pk"))
        counts.update(dict(rows))
        return counts

    return read


def _register_core() -> None:
    from yiwang.core.models import ExportJob, ImportJob

    register(
        Gauge("queue_pending", "Tasks waiting in each task queue.", _queue_lengths, "queue"),
        Gauge("import_jobs", "Import jobs by state.", _by_status(ImportJob), "state"),
        Gauge("export_jobs", "Export jobs by state.", _by_status(ExportJob), "state"),
    )


_register_core()
