"""Idempotency keys of the action POSTs (§2.7, 1.1 B): scoped to subject, method and path; the
first 2xx answer is kept for 24 hours and replayed for the same body."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from .util import ApiError

TTL_S = 24 * 3600


@dataclass
class Stored:
    fingerprint: str
    expires: float
    status: int = 0  # 0 while the first request is still running
    body: bytes = b""
    headers: Optional[Dict[str, str]] = None


class IdempotencyStore:
    def __init__(self) -> None:
        self._entries: Dict[Tuple[str, str, str, str], Stored] = {}

    def _expire(self, now: float) -> None:
        for k in [k for k, v in self._entries.items() if v.expires <= now]:
            del self._entries[k]

    def begin(self, scope: Tuple[str, str, str, str], fingerprint: str) -> Optional[Stored]:
        """The stored answer to replay, or None after reserving the key for this request.
        Raises 409 while the first request runs and 422 for the same key with another body."""
        now = time.time()
        self._expire(now)
        entry = self._entries.get(scope)
        if entry is not None:
            if entry.fingerprint != fingerprint:
                raise ApiError(422, "idempotency_key_reused",
                               "This Idempotency-Key was already used with a different request body.",
                               field="Idempotency-Key")
            if entry.status == 0:
                raise ApiError(409, "idempotency_in_progress",
                               "A request with this Idempotency-Key is still being processed; retry shortly.")
            return entry
        self._entries[scope] = Stored(fingerprint, now + TTL_S)
        return None

    def finish(self, scope: Tuple[str, str, str, str], status: int, body: bytes, headers: Dict[str, str]) -> None:
        """Keep a 2xx answer; forget the key after anything else, so it may be used again."""
        if 200 <= status < 300 and scope in self._entries:
            entry = self._entries[scope]
            entry.status, entry.body, entry.headers = status, body, dict(headers)
        else:
            self._entries.pop(scope, None)
