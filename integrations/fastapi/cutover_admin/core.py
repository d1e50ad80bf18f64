"""Cutover: the object a FastAPI gateway creates once. It owns the routing state the gateway
routes with (routes, flags, USE_MONOLITH), and exposes it as the Cutover admin API 1.1 through
`cutover.router`, with the middleware that gives every request an id and records every proxied
request in the metrics and the log.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, Optional

import httpx
from prometheus_client import CollectorRegistry
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from .health import HealthChecker
from .idempotency import IdempotencyStore
from .logbuffer import LogBuffer
from .metrics import CutoverCollector, RequestMetrics
from .router import build_router
from .state import Flag, GatewayState, Route, Service, new_instance
from .tokens import TokenFile
from .util import ApiError, error_response, iso_time, request_id_of

log = logging.getLogger("cutover_admin")

API_VERSION = "1.1"
STATE_PROXY = "cutover_proxy"
_LIVE: "list[Cutover]" = []  # for the uvicorn shutdown hook


class Cutover:
    """Create once per gateway process:

        cutover = Cutover(services=[...], routes=[...], flags=[...], tokens_file="/etc/gw/cutover-tokens")
        cutover.install(app)                    # the admin API, the middleware, error envelopes
        feature_flag = cutover.feature_flag     # feature_flag.is_enabled('use_post_microservice', user_id)
        USE_MONOLITH = cutover.USE_MONOLITH     # `if USE_MONOLITH:` is true while the rollback is engaged
    """

    def __init__(self, *, services: Iterable[Service], routes: Iterable[Route], flags: Iterable[Flag],
                 tokens_file: str, gateway_name: str = "fastapi-gateway", gateway_version: str = "0.0.0",
                 instance_prefix: str = "gw", log_capacity: int = 100_000, heartbeat_s: float = 10.0,
                 health_interval_s: float = 10.0, http_client: Optional[httpx.AsyncClient] = None,
                 registry: Optional[CollectorRegistry] = None, check_token_permissions: bool = True,
                 extra_info: Optional[Dict[str, Any]] = None, state_file: Optional[str] = None,
                 test_gateway: bool = False):
        if not (instance_prefix.isascii() and instance_prefix.isprintable() and 1 <= len(instance_prefix) <= 100):
            raise ValueError("instance_prefix must be 1 to 100 printable ASCII characters")
        if not 0 < heartbeat_s <= 15:
            raise ValueError("heartbeat_s must be above 0 and at most 15 (contract 1.1 E)")
        self.instance = new_instance(instance_prefix)
        self.state = GatewayState(services, routes, flags, self.instance)
        self.state_file = os.fspath(state_file) if state_file is not None else None
        if self.state_file is not None and os.path.exists(self.state_file):
            self._load_state()
        self.tokens = TokenFile(tokens_file, check_permissions=check_token_permissions)
        self.logs = LogBuffer(self.instance, log_capacity)
        self.idempotency = IdempotencyStore()
        self.gateway_name, self.gateway_version = gateway_name, gateway_version
        self.heartbeat_s = heartbeat_s
        self.extra_info = dict(extra_info or {})
        # /admin/info's gateway.test (1.1): this gateway serves no real users, so a conformance
        # checker may change its routing. Never set it on a gateway in front of real traffic.
        self.test_gateway = bool(test_gateway)
        self.started_at = time.time()
        self._own_client = http_client is None
        self._client = http_client
        self.health = HealthChecker(list(self.state.services.values()), self.http_client, health_interval_s)
        self.request_metrics = RequestMetrics()
        self.registry = registry if registry is not None else CollectorRegistry()
        self.registry.register(CutoverCollector(self.request_metrics, self._gauges))
        self.router = build_router(self)
        self.router.on_startup.append(self._startup)
        # Now, at import of the gateway's module: uvicorn binds its signal handler before startup.
        _install_uvicorn_shutdown_hook()
        self.router.on_shutdown.append(self._shutdown)

    # --- what the gateway routes with ------------------------------------------------------
    @property
    def feature_flag(self):
        return self.state.feature_flag

    @property
    def USE_MONOLITH(self):  # noqa: N802 - the guide's name
        return self.state.use_monolith

    def match(self, path: str) -> Optional[Route]:
        """The route (longest prefix) a public request path belongs to, or None."""
        return self.state.match(path)

    def choose_backend(self, route: Route, user_id: Optional[str]) -> str:
        """Contract §3: USE_MONOLITH, then the service's flag for this user, then the route's percentage."""
        return self.state.choose_backend(route, user_id)

    def draw(self, route: Route) -> bool:
        """Step 3 alone: True when this request falls in the route's microservice_percent."""
        return self.state.draw(route)

    def service(self, name: str) -> Service:
        return self.state.services[name]

    def monolith(self) -> Service:
        return self.state.monolith()

    def record(self, request: Request, route: Route, backend: str, user_id: Optional[str]) -> None:
        """Mark a request as proxied; the middleware then counts it and logs one line when it ends."""
        request.scope.setdefault("state", {})[STATE_PROXY] = (route, backend, user_id)

    def http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    # --- saving -------------------------------------------------------------------------------
    def _load_state(self) -> None:
        try:
            with open(self.state_file, "rb") as f:
                data = json.loads(f.read().decode("utf-8"))
            unknown = self.state.restore(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            # Refuse to start rather than silently forget an engaged rollback.
            raise RuntimeError(f"cannot use the saved routing state {self.state_file}: {e}; "
                               "fix or remove the file (removing it restores the configured routes)") from None
        for what in unknown:
            log.warning("cutover_admin: %s in %s is no longer configured; ignored", what, self.state_file)

    def _save_state(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.state_file))
        fd, tmp = tempfile.mkstemp(prefix=".cutover-state-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(self.state.saved(), indent=1).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.state_file)  # atomic: the file is the old state or the new, never half
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    @contextmanager
    def change(self) -> Iterator[None]:
        """One mutation: under the state lock, and saved (when there is a state file) before it is
        answered. A change that cannot be saved is undone and answered 503."""
        with self.state.lock:
            before, audit_len = self.state.saved(), len(self.state.audit)
            yield
            if self.state_file is not None and len(self.state.audit) != audit_len:
                try:
                    self._save_state()
                except OSError as e:
                    self.state.restore(before)
                    del self.state.audit[audit_len:]
                    log.error("cutover_admin: cannot save %s: %s; the change was undone", self.state_file, e)
                    raise ApiError(503, "unavailable",
                                   f"The change could not be saved ({e.strerror or e}); nothing was changed.") from None

    # --- wiring -----------------------------------------------------------------------------
    def install(self, app) -> None:
        """Mount the admin API, add the middleware, and answer the app's own 404/405 with the
        contract's error envelope."""
        app.add_middleware(CutoverMiddleware, cutover=self)
        app.include_router(self.router)

        async def http_error(request: Request, exc: StarletteHTTPException):
            codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 401: "unauthorized",
                     403: "forbidden", 409: "conflict", 422: "validation_failed", 503: "unavailable"}
            code = codes.get(exc.status_code, "internal" if exc.status_code >= 500 else "bad_request")
            message = exc.detail if isinstance(exc.detail, str) else "The request failed."
            return error_response(ApiError(exc.status_code, code, message, headers=exc.headers), request)

        app.add_exception_handler(StarletteHTTPException, http_error)

    async def _startup(self) -> None:
        _LIVE.append(self)
        self.health.start()

    async def _shutdown(self) -> None:
        self.logs.close_all()
        await self.health.stop()
        if self in _LIVE:
            _LIVE.remove(self)
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- recording ---------------------------------------------------------------------------
    def _finish(self, scope, status: int, seconds: float) -> None:
        info = scope.get("state", {}).get(STATE_PROXY)
        if info is None:
            return
        route, backend, user_id = info
        method = scope.get("method", "GET")
        path = scope.get("path", "")
        self.request_metrics.observe(route.id, route.service, backend, method, status, seconds)
        upstream = route.service if backend == "microservice" else self.state.monolith().name
        if upstream in self.health.health:
            self.health.health[upstream].record(status)
        ms = round(seconds * 1000, 1)
        level = "error" if status >= 500 else "warn" if status >= 400 else "info"
        self.logs.append({"time": iso_time(), "level": level, "service": route.service, "backend": backend,
                          "method": method, "path": path, "status": status, "latency_ms": ms,
                          "request_id": request_id_of(scope), "user_id": user_id, "route": route.id,
                          "upstream": upstream, "message": f"{method} {path} {status} {ms}ms"})

    def _gauges(self) -> dict:
        up, durations = [], []
        for name, h in self.health.health.items():
            up.append((name, h.service.kind, 1 if h.up else 0))
            if h.latency_ms is not None:
                durations.append((name, h.latency_ms / 1000))
        return {"upstream_up": up, "rollback_engaged": 1 if self.state.rollback.engaged else 0,
                "config_version": self.state.generation, "health_check_duration_seconds": durations}


class CutoverMiddleware:
    """Pure ASGI (streams pass through untouched): X-Request-ID on every response, and for each
    request the gateway marked with `cutover.record(...)`, the metrics and one log line."""

    def __init__(self, app, cutover: Cutover):
        self.app = app
        self.cutover = cutover

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = request_id_of(scope)
        outcome = {"status": 500, "done": False}

        def finish() -> None:
            if not outcome["done"]:
                outcome["done"] = True
                self.cutover._finish(scope, outcome["status"], time.perf_counter() - start)

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finish()

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            finish()  # an exception or a client that went away still counts, as a 500 if nothing was sent


def _install_uvicorn_shutdown_hook() -> None:
    """uvicorn waits for open responses before it shuts down, and a log stream never ends by itself:
    on uvicorn's exit signal, end the streams so that Ctrl-C or SIGTERM stops the gateway promptly.
    (uvicorn has no hook for this; sse-starlette wraps the same method for the same reason.)"""
    try:
        from uvicorn.server import Server
    except ImportError:
        return
    original = Server.handle_exit
    if getattr(original, "_cutover_hook", False):
        return

    def handle_exit(self, sig, frame):
        original(self, sig, frame)
        for c in list(_LIVE):
            c.logs.close_all()

    handle_exit._cutover_hook = True  # type: ignore[attr-defined]
    Server.handle_exit = handle_exit
