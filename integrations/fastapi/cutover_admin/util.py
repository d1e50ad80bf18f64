"""Small helpers shared by the package: times, request ids, JSON bodies and the error envelope."""
from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any, Mapping, Optional

from starlette.requests import Request
from starlette.responses import Response

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
STATE_REQUEST_ID = "cutover_request_id"


def iso_time(seconds: Optional[float] = None) -> str:
    """RFC 3339 in UTC with exactly three fractional digits and Z (contract §2.8)."""
    if seconds is None:
        seconds = time.time()
    ms = int(round(seconds * 1000))
    whole, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{frac:03d}Z"


def iso_or_none(seconds: Optional[float]) -> Optional[str]:
    return None if seconds is None else iso_time(seconds)


def request_id_from_header(value: Optional[str]) -> str:
    """Echo a well-formed X-Request-ID, else make one (contract §2.3)."""
    if value is not None and _REQUEST_ID.fullmatch(value):
        return value
    return "req-" + secrets.token_hex(8)


def request_id_of(scope: Mapping[str, Any]) -> str:
    """The request's id: the one the middleware chose, else chosen now and kept in the scope."""
    state = scope.setdefault("state", {})  # type: ignore[attr-defined]
    rid = state.get(STATE_REQUEST_ID)
    if rid is None:
        header = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                header = value.decode("latin-1")
                break
        rid = request_id_from_header(header)
        state[STATE_REQUEST_ID] = rid
    return rid


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON on one line (also what the SSE data lines need)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def canonical(obj: Any) -> str:
    """JSON normalised for comparing request bodies: member order and whitespace do not count."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def json_response(status: int, body: Any, request: Request, headers: Optional[Mapping[str, str]] = None) -> Response:
    out = {"X-Request-ID": request_id_of(request.scope)}
    if headers:
        out.update(headers)
    return Response(dumps(body), status_code=status, media_type="application/json", headers=out)


class ApiError(Exception):
    """A contract error: rendered as the §2.4 envelope by the router."""

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None,
                 details: Optional[dict] = None, headers: Optional[Mapping[str, str]] = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}
        self.headers = dict(headers or {})


def error_body(status: int, code: str, message: str, request_id: str, field: Optional[str] = None,
               details: Optional[dict] = None) -> dict:
    return {"error": {"status": status, "code": code, "message": message, "field": field,
                      "request_id": request_id, "details": details or {}}}


def error_response(err: ApiError, request: Request) -> Response:
    body = error_body(err.status, err.code, err.message, request_id_of(request.scope), err.field, err.details)
    return json_response(err.status, body, request, err.headers)


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


MAX_BODY_BYTES = 1 << 20


async def json_object_body(request: Request) -> dict:
    """The body as a JSON object, or 400 bad_request (§2.1). NaN and Infinity are not JSON."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, "bad_request", f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deeply
        raise ApiError(400, "bad_request", "the request body is not valid JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the request body must be a JSON object")
    return body
