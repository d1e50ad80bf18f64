"""Upstream health, as the guide's gateway already checks it (`GET <service>/health` and
`GET <service>/health/db`), in the shape of contract §4.4, plus the proxied-request error window
that makes a service "degraded".
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Dict, List, Optional

import httpx

from .state import Service
from .util import iso_or_none

log = logging.getLogger("cutover_admin")

WINDOW_S = 30


class ServiceHealth:
    def __init__(self, service: Service):
        self.service = service
        self.checked_at: Optional[float] = None
        self.up = False
        self.latency_ms: Optional[float] = None
        self.version: Optional[str] = None
        self.message = "not checked yet"
        self.db: dict = {"status": "unknown", "latency_ms": None, "message": "not checked yet"}
        # Proxied requests and failures (5xx) per second over the last WINDOW_S seconds.
        self._window: Dict[int, List[int]] = {}

    def record(self, status: int, now: Optional[float] = None) -> None:
        second = int(now if now is not None else time.time())
        cell = self._window.setdefault(second, [0, 0])
        cell[0] += 1
        if status >= 500:
            cell[1] += 1
        if len(self._window) > WINDOW_S + 5:
            for s in [s for s in self._window if s <= second - WINDOW_S]:
                del self._window[s]

    def error_ratio(self, now: Optional[float] = None) -> Optional[float]:
        second = int(now if now is not None else time.time())
        req = err = 0
        for s, (n, e) in self._window.items():
            if s > second - WINDOW_S:
                req, err = req + n, err + e
        return err / req if req >= 20 else None

    def status(self) -> str:
        if self.checked_at is None:
            return "unknown"
        if not self.up or self.db["status"] == "unhealthy":
            return "unhealthy"
        ratio = self.error_ratio()
        if self.db["status"] == "degraded" or (ratio is not None and ratio > 0.05):
            return "degraded"
        return "healthy"

    def to_json(self) -> dict:
        out = {"name": self.service.name, "kind": self.service.kind, "status": self.status(),
               "latency_ms": self.latency_ms if self.up else None, "checked_at": iso_or_none(self.checked_at),
               "version": self.version, "url": self.service.url, "message": self.message,
               "checks": {"db": dict(self.db)}}
        return out


class HealthChecker:
    """Checks every upstream every `interval` seconds with the gateway's own HTTP client."""

    def __init__(self, services: List[Service], client_factory, interval: float = 10.0, timeout: float = 2.0):
        self.health: Dict[str, ServiceHealth] = {s.name: ServiceHealth(s) for s in services}
        self._client_factory = client_factory
        self.interval = interval
        self.timeout = timeout
        self._task: Optional[asyncio.Task] = None

    async def check(self, client: httpx.AsyncClient, h: ServiceHealth) -> None:
        base = h.service.url.rstrip("/")
        start = time.perf_counter()
        try:
            r = await client.get(base + "/health", timeout=self.timeout)
            h.latency_ms = round((time.perf_counter() - start) * 1000, 3)
            h.up = r.status_code < 500
            h.message = "ok" if r.status_code == 200 else f"health check answered {r.status_code}"
            try:
                body = r.json()
                version = body.get("version") if isinstance(body, dict) else None
                h.version = version if isinstance(version, str) else None
            except ValueError:
                h.version = None
        except httpx.HTTPError as e:
            h.up, h.latency_ms, h.version = False, None, None
            h.message = f"unreachable: {type(e).__name__}"
        h.checked_at = time.time()
        if not h.up:
            h.db = {"status": "unknown", "latency_ms": None, "message": "service unreachable"}
            return
        start = time.perf_counter()
        try:
            r = await client.get(base + "/health/db", timeout=self.timeout)
            ms = round((time.perf_counter() - start) * 1000, 3)
            ok = r.status_code == 200
            h.db = {"status": "healthy" if ok else "unhealthy", "latency_ms": ms,
                    "message": "ok" if ok else f"db check answered {r.status_code}"}
        except httpx.HTTPError as e:
            h.db = {"status": "unhealthy", "latency_ms": None, "message": f"db check failed: {type(e).__name__}"}

    async def check_all(self) -> None:
        client = self._client_factory()
        await asyncio.gather(*(self.check(client, h) for h in self.health.values()))

    async def _run(self) -> None:
        while True:
            try:
                await self.check_all()
            except Exception:  # a bug in one round must not end health checking
                log.exception("cutover_admin: health check round failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
