"""The contract's rules for request values: If-Match (1.1 C), Idempotency-Key (1.1 B), percentages,
reasons and descriptions (1.1 F), query integers (§4.17, §4.18)."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .util import ApiError

_DIGITS = re.compile(r"[0-9]{1,19}")
INT64_MAX = (1 << 63) - 1


def parse_if_match(value: str) -> Optional[List[Tuple[bool, str]]]:
    """The entity tags of an If-Match value as (weak, tag) pairs; None when malformed. `15` unquoted
    is accepted (1.0 leniency); `*` is the caller's business."""
    tags: List[Tuple[bool, str]] = []
    i, n = 0, len(value)
    while True:
        while i < n and value[i] in " \t":
            i += 1
        if i >= n:
            break
        weak = value.startswith("W/", i)
        if weak:
            i += 2
        if i < n and value[i] == '"':
            end = value.find('"', i + 1)
            if end < 0:
                return None  # unterminated quote
            tags.append((weak, value[i + 1:end]))
            i = end + 1
        elif weak:
            return None
        else:
            end = value.find(",", i)
            token = (value[i:] if end < 0 else value[i:end]).strip(" \t")
            if not token or '"' in token or any(c in token for c in " \t"):
                return None
            tags.append((False, token))
            i = n if end < 0 else end
        while i < n and value[i] in " \t":
            i += 1
        if i < n:
            if value[i] != ",":
                return None
            i += 1
    return tags or None


def check_if_match(header: Optional[str], version: str, what: str, current: dict) -> None:
    """428 without If-Match or with `*`; 412 (with the current version and resource) unless a strong
    tag equals the current version."""
    if header is None or not header.strip(" \t"):
        raise ApiError(428, "precondition_required",
                       f"Changes need If-Match with the version you read (current: \"{version}\").",
                       details={"current_version": version})
    if header.strip(" \t") == "*":
        raise ApiError(428, "precondition_required",
                       "If-Match: * does not say which version you read; send the version you read.",
                       details={"current_version": version})
    tags = parse_if_match(header)
    if tags is not None and any(not weak and tag == version for weak, tag in tags):
        return
    why = "is not a valid If-Match value" if tags is None else "does not name the current version"
    if tags and all(weak for weak, _ in tags):
        why = "is a weak tag, and changes need a strong one"
    raise ApiError(412, "precondition_failed", f"{what} has changed: If-Match {why} (current: \"{version}\").",
                   details={"current_version": version, "current": current},
                   headers={"ETag": f'"{version}"'})


def idempotency_key(header: Optional[str]) -> str:
    """The key, or 400 bad_request with field Idempotency-Key when missing or invalid (1.1 B)."""
    key = (header or "").strip(" \t")
    if not key or len(key) > 255 or any(not 0x20 <= ord(c) <= 0x7E for c in key):
        raise ApiError(400, "bad_request",
                       "Actions need an Idempotency-Key header of 1 to 255 printable ASCII characters.",
                       field="Idempotency-Key")
    return key


def percent(body: dict, name: str) -> int:
    """A JSON number with an integral value 0-100: 25 and 25.0 are 25; 25.5, "25" and true are not."""
    v = body.get(name)
    ok = (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if not ok or not 0 <= v <= 100:
        raise ApiError(422, "validation_failed", f"{name} must be an integer from 0 to 100.", field=name)
    return int(v)


def reason(body: dict) -> str:
    """Trimmed of space, tab, CR and LF; then 1-500 code points (§2.6, 1.1 F)."""
    v = body.get("reason")
    if not isinstance(v, str):
        raise ApiError(422, "validation_failed", "A reason (a string) is required for every change.", field="reason")
    v = v.strip(" \t\r\n")
    if not 1 <= len(v) <= 500:
        raise ApiError(422, "validation_failed", "The reason must be 1 to 500 characters after trimming.",
                       field="reason")
    return v


def boolean(body: dict, name: str, default: Optional[bool] = None) -> bool:
    if name not in body and default is not None:
        return default
    v = body.get(name)
    if not isinstance(v, bool):
        raise ApiError(422, "validation_failed", f"{name} must be true or false.", field=name)
    return v


def allow_users(body: dict) -> List[str]:
    if "allow_users" not in body:
        return []
    v = body["allow_users"]
    if not isinstance(v, list) or len(v) > 1000 or any(not isinstance(u, str) or not 1 <= len(u) <= 64 for u in v):
        raise ApiError(422, "validation_failed",
                       "allow_users must be an array of at most 1000 user ids of 1 to 64 characters.",
                       field="allow_users")
    return list(v)


def description(body: dict) -> Optional[str]:
    """Omitted = keep (None); "" clears; null or a non-string is refused."""
    if "description" not in body:
        return None
    v = body["description"]
    if not isinstance(v, str) or len(v) > 1000:
        raise ApiError(422, "validation_failed", "description must be a string of at most 1000 characters.",
                       field="description")
    return v


def query_int(params, name: str, default: Optional[int], lo: int, hi: int) -> Optional[int]:
    raw = params.getlist(name)
    if not raw:
        return default
    if len(raw) == 1 and _DIGITS.fullmatch(raw[0]) and lo <= int(raw[0]) <= hi:
        return int(raw[0])
    raise ApiError(422, "validation_failed", f"{name} must be an integer from {lo} to {hi}.", field=name)
