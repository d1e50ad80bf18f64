"""Stub upstreams for the example gateway: a monolith and a few microservices, each a tiny
FastAPI app with the guide's `/health` and `/health/db`, answering every `/api/...` request with
who served it. They run in the gateway's process behind httpx's ASGI transport, so the example
needs no other process; point SERVICES at real URLs and drop `stub_transports` to use real ones.

A path ending in `/error` answers 500, and `/slow` waits 300 ms, to give the log and the metrics
some variety.
"""
from __future__ import annotations

import asyncio
from typing import Dict

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

VERSIONS = {"monolith": "2024.11.3", "user-service": "1.8.0", "post-service": "1.4.2", "payment-service": "0.7.0"}


def make_stub(name: str) -> FastAPI:
    app = FastAPI(title=f"{name} (stub)")

    @app.get("/health")
    async def health():
        return {"status": "ok", "service": name, "version": VERSIONS.get(name, "0.0.0")}

    @app.get("/health/db")
    async def health_db():
        return {"status": "ok"}

    @app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def api(request: Request, path: str):
        if path.endswith("/slow"):
            await asyncio.sleep(0.3)
        status = 500 if path.endswith("/error") else 200
        return JSONResponse({"served_by": name, "method": request.method, "path": request.url.path,
                             "request_id": request.headers.get("x-request-id")}, status_code=status)

    return app


def stub_transports(services: Dict[str, str]) -> Dict[str, httpx.AsyncBaseTransport]:
    """httpx mounts that send each service's base URL to its in-process stub."""
    return {url: httpx.ASGITransport(app=make_stub(name)) for name, url in services.items()}
