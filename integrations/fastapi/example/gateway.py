"""The migration guide's API gateway, with Cutover's admin API mounted on it.

Run (from integrations/fastapi/):
    CUTOVER_TOKENS_FILE=/path/to/tokens /usr/bin/python3 -m uvicorn example.gateway:app --port 8000

The gateway routes each /api/... request as the guide does: the emergency switch USE_MONOLITH
first, then the per-user flag `feature_flag.is_enabled('use_<x>_microservice', user_id)`, then the
route's share of traffic. Cutover owns those three, so the console and cutoverctl see and steer them.
"""
from __future__ import annotations

import os
from typing import Optional

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from cutover_admin import Cutover, Flag, Route, Service

from .stubs import stub_transports

# The guide's services and where they listen (in-process stubs unless EXAMPLE_REAL_UPSTREAMS=1).
SERVICES = {
    "monolith": "http://monolith:8001",
    "user-service": "http://user-service:8002",
    "post-service": "http://post-service:8003",
    "payment-service": "http://payment-service:8004",
}
# Phase 1 done: users and posts extracted; payments still on the monolith.
ROUTES = [
    Route("auth", "/api/auth", "user-service", 100),
    Route("users", "/api/users", "user-service", 100),
    Route("posts", "/api/posts", "post-service", 100),
    Route("payments", "/api/payments", "payment-service", 0),
]
FLAGS = [
    Flag("use_user_microservice", True, 100, description="Serve auth and users from user-service"),
    Flag("use_post_microservice", True, 100, description="Serve posts from post-service"),
    Flag("use_payment_microservice", False, 0, description="Payments beta users"),
]
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length", "content-encoding"}

real_upstreams = os.environ.get("EXAMPLE_REAL_UPSTREAMS") == "1"
http = httpx.AsyncClient(timeout=10.0, mounts=None if real_upstreams else stub_transports(SERVICES))

app = FastAPI(title="API Gateway")
cutover = Cutover(
    services=[Service(name, url, "monolith" if name == "monolith" else "microservice") for name, url in SERVICES.items()],
    routes=ROUTES,
    flags=FLAGS,
    tokens_file=os.environ.get("CUTOVER_TOKENS_FILE", "/etc/gateway/cutover-tokens"),
    gateway_name="example-gateway",
    gateway_version="1.0.0",
    instance_prefix="example",
    http_client=http,
    health_interval_s=float(os.environ.get("EXAMPLE_HEALTH_INTERVAL_S", "10")),
    # Percentages, flags and an engaged rollback survive a restart when saved here.
    state_file=os.environ.get("EXAMPLE_STATE_FILE") or None,
    # Stub services behind it, no real users: `cutoverctl conformance --mutating` may run.
    test_gateway=os.environ.get("EXAMPLE_TEST_GATEWAY") == "1",
)
cutover.install(app)

feature_flag = cutover.feature_flag  # the guide's feature_flag.is_enabled(name, user_id)
USE_MONOLITH = cutover.USE_MONOLITH  # the guide's emergency switch, now set by the rollback


def user_of(request: Request) -> Optional[str]:
    """Who the end user is. A stand-in for the guide's JWT: the X-User-ID header."""
    return request.headers.get("x-user-id") or None


async def proxy_request(request: Request, service: str) -> Response:
    url = SERVICES[service] + request.url.path
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["X-Request-ID"] = request.state.cutover_request_id  # one id from client to upstream
    try:
        upstream = await http.request(request.method, url, params=request.query_params, headers=headers,
                                      content=await request.body())
    except httpx.HTTPError as e:
        return JSONResponse({"detail": f"{service} unreachable: {type(e).__name__}"}, status_code=502)
    out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
    return Response(upstream.content, upstream.status_code, headers=out)


async def proxy_to_monolith(request: Request) -> Response:
    return await proxy_request(request, cutover.monolith().name)


async def proxy_to_microservice(request: Request, route: Route) -> Response:
    return await proxy_request(request, route.service)


@app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def route_api(request: Request, path: str):
    route = cutover.match(request.url.path)
    if route is None:
        return JSONResponse({"detail": "no service for this path"}, status_code=404)
    user_id = user_of(request)
    if USE_MONOLITH:  # emergency switch: everything back to the monolith
        backend = "monolith"
    elif feature_flag.is_enabled(route.flag, user_id):  # gradual rollout per user
        backend = "microservice"
    else:  # the route's share of the remaining traffic
        backend = "microservice" if cutover.draw(route) else "monolith"
    cutover.record(request, route, backend, user_id)  # metrics and a log line when the answer is sent
    if backend == "monolith":
        return await proxy_to_monolith(request)
    return await proxy_to_microservice(request, route)


@app.on_event("shutdown")
async def close_http() -> None:
    await http.aclose()
