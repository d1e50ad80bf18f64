"""The admin API 1.1 endpoints as a FastAPI APIRouter (built by Cutover; mount with
`app.include_router(cutover.router)` or `cutover.install(app)`).

Each path is one route that accepts every method and dispatches itself, so an unsupported method
is a contract 405 with Allow (not FastAPI's plain one) and the order of checks is the contract's
(§2.7): path and method, token and role, body, Idempotency-Key, idempotency lookup, target, If-Match,
body validation, state conflicts, apply.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Awaitable, Callable, Dict, Optional, Tuple

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from . import validation as v
from .metrics import render
from .state import Actor
from .tokens import PERMISSIONS, Principal
from .util import (ApiError, canonical, dumps, error_response, iso_time, json_object_body, json_response,
                   request_id_of)

if TYPE_CHECKING:
    from .core import Cutover

log = logging.getLogger("cutover_admin")

Handler = Callable[..., Awaitable[Response]]
_DB_OK = ("healthy", "degraded")  # 200; unhealthy and unknown answer 503 (1.1 F)


def build_router(c: "Cutover") -> APIRouter:
    router = APIRouter()
    st = c.state

    def endpoint(path: str, methods: Dict[str, Tuple[Optional[str], Handler]]) -> None:
        allow = ", ".join(methods)

        async def dispatch(request: Request) -> Response:
            try:
                entry = methods.get(request.method)
                if entry is None:
                    raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}; use {allow}.",
                                   headers={"Allow": allow})
                role, handler = entry
                who = c.tokens.authenticate(request, role) if role else None
                return await handler(request, who, **request.path_params)
            except ApiError as e:
                return error_response(e, request)
            except Exception:
                log.exception("cutover_admin: %s %s failed (request %s)", request.method, path,
                              request_id_of(request.scope))
                return error_response(ApiError(500, "internal", "The gateway failed unexpectedly."), request)

        router.add_route(path, dispatch, methods=[], include_in_schema=False)

    def actor(request: Request, who: Principal, key: Optional[str] = None) -> Actor:
        return Actor(who.subject, who.role, request_id_of(request.scope), key)

    def etag(version: str) -> Dict[str, str]:
        return {"ETag": f'"{version}"'}

    # --- liveness and identity ---------------------------------------------------------------
    async def health(request, who):
        return json_response(200, {"status": "ok", "time": iso_time()}, request)

    async def info(request, who):
        body = {"api_version": "1.1",
                "gateway": {"name": c.gateway_name, "version": c.gateway_version, "instance": c.instance},
                "capabilities": {"health": True, "metrics": True, "percentiles": True, "routes": True, "flags": True,
                                 "rollback": True, "audit": True, "logs": True, "log_stream": True},
                "metrics": {"requests_total": "requests_total", "request_duration_seconds": "request_duration_seconds"},
                "server_time": iso_time()}
        if c.test_gateway:
            body["gateway"]["test"] = True
        for key, value in c.extra_info.items():  # members the gateway adds; clients ignore unknown ones
            if key == "capabilities":
                body["capabilities"].update(value)
            else:
                body.setdefault(key, value)
        return json_response(200, body, request)

    async def whoami(request, who):
        return json_response(200, {"subject": who.subject, "role": who.role, "permissions": PERMISSIONS[who.role]},
                             request)

    endpoint("/health", {"GET": (None, health)})
    endpoint("/admin/info", {"GET": ("viewer", info)})
    endpoint("/admin/whoami", {"GET": ("viewer", whoami)})

    # --- upstream health ---------------------------------------------------------------------
    def service_health(name: str):
        h = c.health.health.get(name)
        if h is None:
            raise ApiError(404, "not_found", f"No service named {name}.")
        return h

    async def services(request, who):
        gateway = {"name": "gateway", "kind": "gateway", "status": "healthy", "latency_ms": 0.0,
                   "checked_at": iso_time(), "version": c.gateway_version, "message": "ok", "checks": {}}
        return json_response(200, {"checked_at": iso_time(), "gateway": gateway,
                                   "services": [h.to_json() for h in c.health.health.values()]}, request)

    async def one_service(request, who, name):
        return json_response(200, service_health(name).to_json(), request)

    async def service_db(request, who, name):
        check = dict(service_health(name).db)
        return json_response(200 if check["status"] in _DB_OK else 503, check, request)

    endpoint("/health/services", {"GET": ("viewer", services)})
    endpoint("/health/services/{name}", {"GET": ("viewer", one_service)})
    endpoint("/health/services/{name}/db", {"GET": ("viewer", service_db)})

    async def metrics(request, who):
        body, content_type = render(c.registry, request.headers.get("accept", ""))
        return Response(body, 200, headers={"Content-Type": content_type, "X-Request-ID": request_id_of(request.scope)})

    endpoint("/metrics", {"GET": ("viewer", metrics)})

    # --- routes --------------------------------------------------------------------------------
    def find_route(route_id: str):
        r = st.routes.get(route_id)
        if r is None:
            raise ApiError(404, "not_found", f"No route with id {route_id}.")
        return r

    async def list_routes(request, who):
        with st.lock:
            return json_response(200, st.routes_json(), request)

    async def get_route(request, who, id):
        r = find_route(id)
        return json_response(200, r.to_json(), request, etag(r.version))

    async def put_route(request, who, id):
        body = await json_object_body(request)
        with c.change():
            r = find_route(id)
            v.check_if_match(request.headers.get("if-match"), r.version, f"Route {r.id}", r.to_json())
            reason = v.reason(body)
            percent = v.percent(body, "microservice_percent")
            if st.rollback.engaged:
                raise ApiError(409, "conflict", "The emergency rollback is engaged: every route is on the monolith; "
                                                "release the rollback first.", details={"rollback": st.rollback.to_json()})
            st.set_route_percent(r, percent, reason, actor(request, who))
            return json_response(200, r.to_json(), request, etag(r.version))

    endpoint("/admin/routes", {"GET": ("viewer", list_routes)})
    endpoint("/admin/routes/{id}", {"GET": ("viewer", get_route), "PUT": ("operator", put_route)})

    # --- flags ---------------------------------------------------------------------------------
    def find_flag(name: str):
        f = st.flags.get(name)
        if f is None:
            raise ApiError(404, "not_found", f"No flag named {name}.")
        return f

    async def list_flags(request, who):
        with st.lock:
            return json_response(200, st.flags_json(), request)

    async def get_flag(request, who, name):
        f = find_flag(name)
        return json_response(200, st.flag_json(f), request, etag(f.version))

    async def put_flag(request, who, name):
        body = await json_object_body(request)
        with c.change():
            f = find_flag(name)
            v.check_if_match(request.headers.get("if-match"), f.version, f"Flag {f.name}", st.flag_json(f))
            reason = v.reason(body)
            enabled = v.boolean(body, "enabled")
            rollout = v.percent(body, "rollout_percent")
            allow = v.allow_users(body)
            description = v.description(body)
            st.update_flag(f, enabled, rollout, allow, description, reason, actor(request, who))
            return json_response(200, st.flag_json(f), request, etag(f.version))

    endpoint("/admin/flags", {"GET": ("viewer", list_flags)})
    endpoint("/admin/flags/{name}", {"GET": ("viewer", get_flag), "PUT": ("operator", put_flag)})

    # --- the emergency switch --------------------------------------------------------------------
    async def get_rollback(request, who):
        with st.lock:
            return json_response(200, st.rollback.to_json(), request, etag(st.rollback.version))

    def action(release: bool):
        async def post(request, who):
            body = await json_object_body(request)
            key = v.idempotency_key(request.headers.get("idempotency-key"))
            scope = (who.subject, request.method, request.url.path, key)
            stored = c.idempotency.begin(scope, canonical(body))
            if stored is not None:  # before If-Match: the retry of an action that happened gets its answer
                return Response(stored.body, stored.status, media_type="application/json",
                                headers={**(stored.headers or {}), "Idempotent-Replayed": "true",
                                         "X-Request-ID": request_id_of(request.scope)})
            response: Optional[Response] = None
            try:
                with c.change():
                    rb = st.rollback
                    v.check_if_match(request.headers.get("if-match"), rb.version, "The rollback state", rb.to_json())
                    reason = v.reason(body)
                    keep = v.boolean(body, "keep_monolith", default=False) if release else False
                    if not release and rb.engaged:
                        raise ApiError(409, "conflict", f"The emergency rollback is already engaged (by {rb.engaged_by}).",
                                       details={"rollback": rb.to_json()})
                    if release and not rb.engaged:
                        raise ApiError(409, "conflict", "The emergency rollback is not engaged.",
                                       details={"rollback": rb.to_json()})
                    who_acts = actor(request, who, key)
                    if release:
                        st.release(keep, reason, who_acts)
                    else:
                        st.engage(reason, who_acts)
                    answer, version = rb.to_json(), rb.version
                # Applied (and saved): from here on this key answers with this response.
                response = json_response(200, answer, request, etag(version))
                return response
            finally:
                if response is not None:
                    c.idempotency.finish(scope, response.status_code, response.body, etag(version))
                else:
                    c.idempotency.finish(scope, 0, b"", {})
        return post

    endpoint("/admin/rollback", {"GET": ("viewer", get_rollback), "POST": ("operator", action(False))})
    endpoint("/admin/rollback/release", {"POST": ("operator", action(True))})

    # --- audit and logs ----------------------------------------------------------------------
    async def audit(request, who):
        after = v.query_int(request.query_params, "after", 0, 0, v.INT64_MAX)
        limit = v.query_int(request.query_params, "limit", 100, 1, 1000)
        with st.lock:
            entries = st.audit[after:after + limit] if after < len(st.audit) else []
            body = {"entries": entries, "latest_id": len(st.audit), "instance": c.instance}
            return json_response(200, body, request)

    async def logs(request, who):
        limit = v.query_int(request.query_params, "limit", 200, 1, 5000)
        after = v.query_int(request.query_params, "after", None, 0, v.INT64_MAX)
        return json_response(200, c.logs.page(after, limit), request)

    async def stream(request, who):
        after = v.query_int(request.query_params, "after", None, 0, v.INT64_MAX)
        last_event_id = request.headers.get("last-event-id", "").strip()
        if last_event_id.isascii() and last_event_id.isdigit() and len(last_event_id) <= 19:
            after = int(last_event_id)  # a value we never sent (not a number) means no resume point
        sub, backlog = c.logs.subscribe(after)
        hello = {"instance": c.instance, "first_id": c.logs.first_id, "last_id": c.logs.last_id}

        async def events():
            try:
                yield b"retry: 2000\n\n"
                yield b"event: instance\ndata: " + dumps(hello) + b"\n\n"
                if backlog:
                    yield b"".join(backlog)
                while not sub.closed:
                    if not sub.pending and sub.dropped is None:
                        sub.wake.clear()
                        try:
                            await asyncio.wait_for(sub.wake.wait(), timeout=c.heartbeat_s)
                        except asyncio.TimeoutError:
                            yield f": heartbeat {iso_time()}\n\n".encode()
                            continue
                    chunk = sub.take()
                    if chunk:
                        yield b"".join(chunk)
            finally:
                c.logs.unsubscribe(sub)

        return StreamingResponse(events(), 200, media_type="text/event-stream",  # Starlette adds the charset
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no",
                                          "X-Request-ID": request_id_of(request.scope)})

    endpoint("/admin/audit", {"GET": ("viewer", audit)})
    endpoint("/admin/logs", {"GET": ("viewer", logs)})
    endpoint("/admin/logs/stream", {"GET": ("viewer", stream)})

    # Anything else under the admin API's paths: the contract's 404, whatever the method.
    async def unknown(request: Request) -> Response:
        return error_response(ApiError(404, "not_found", f"No such endpoint: {request.url.path}."), request)

    router.add_route("/admin/{rest:path}", unknown, methods=[], include_in_schema=False)
    router.add_route("/health/{rest:path}", unknown, methods=[], include_in_schema=False)
    return router
