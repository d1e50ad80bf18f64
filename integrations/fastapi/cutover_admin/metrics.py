"""The metric families of contract §5.2, exposed with prometheus_client.

Counts are kept here and rendered by a prometheus_client Collector at scrape time, so the names
carry no prefix and no `_created` series, and the gauges (upstream_up, rollback_engaged,
config_version, health_check_duration_seconds) read the gateway's state when scraped.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Callable, Dict, Iterable, List, Tuple

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.openmetrics import exposition as openmetrics

# Part of the contract: Cutover computes percentiles from exactly these bounds.
BUCKETS: Tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)

OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
_REQ_LABELS = ["route", "service", "backend", "method", "code"]
_DUR_LABELS = ["route", "service", "backend", "method"]


class RequestMetrics:
    """requests_total and request_duration_seconds, per route, service, backend, method (and code)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Dict[Tuple[str, ...], int] = {}
        self._hist: Dict[Tuple[str, ...], List[float]] = {}  # per label set: bucket counts, then sum

    def observe(self, route: str, service: str, backend: str, method: str, code: int, seconds: float) -> None:
        key = (route, service, backend, method)
        with self._lock:
            ckey = key + (str(code),)
            self._counts[ckey] = self._counts.get(ckey, 0) + 1
            h = self._hist.get(key)
            if h is None:
                h = self._hist[key] = [0.0] * (len(BUCKETS) + 2)
            h[bisect_left(BUCKETS, seconds)] += 1  # le is inclusive: 0.2 s falls in le="0.2"
            h[-1] += seconds

    def families(self) -> Iterable:
        with self._lock:
            counts = dict(self._counts)
            hist = {k: list(v) for k, v in self._hist.items()}
        c = CounterMetricFamily("requests", "Requests proxied by the gateway, by route, backend, method and status code.",
                                labels=_REQ_LABELS)
        for labels, n in sorted(counts.items()):
            c.add_metric(list(labels), n)
        yield c
        h = HistogramMetricFamily("request_duration_seconds", "Time from request received to response sent, in seconds.",
                                  labels=_DUR_LABELS)
        for labels, v in sorted(hist.items()):
            cumulative, buckets = 0.0, []
            for bound, n in zip(BUCKETS + (float("inf"),), v[:-1]):
                cumulative += n
                buckets.append((_bound(bound), cumulative))
            h.add_metric(list(labels), buckets, v[-1])
        yield h


def _bound(b: float) -> str:
    return "+Inf" if b == float("inf") else repr(b)


class CutoverCollector:
    """A prometheus_client collector for every family of §5.2."""

    def __init__(self, requests: RequestMetrics, gauges: Callable[[], dict]):
        self._requests = requests
        self._gauges = gauges

    def collect(self):
        yield from self._requests.families()
        g = self._gauges()
        up = GaugeMetricFamily("upstream_up", "1 if the service answered its last health check, else 0.",
                               labels=["service", "kind"])
        for service, kind, value in g["upstream_up"]:
            up.add_metric([service, kind], value)
        yield up
        yield GaugeMetricFamily("rollback_engaged", "1 while the emergency rollback is engaged, else 0.",
                                value=g["rollback_engaged"])
        yield GaugeMetricFamily("config_version", "Global configuration generation.", value=g["config_version"])
        hc = GaugeMetricFamily("health_check_duration_seconds", "Duration of the last health check, in seconds.",
                               labels=["service"])
        for service, seconds in g["health_check_duration_seconds"]:
            hc.add_metric([service], seconds)
        yield hc


def render(registry: CollectorRegistry, accept: str) -> Tuple[bytes, str]:
    """The exposition in the format the Accept header asks for (§5.1)."""
    if "application/openmetrics-text" in accept:
        return openmetrics.generate_latest(registry), OPENMETRICS_CONTENT_TYPE
    return generate_latest(registry), CONTENT_TYPE_LATEST
