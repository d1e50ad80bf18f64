"""The request log: a ring buffer of lines with increasing ids, its instance (the epoch of those
ids), and the live subscribers of GET /admin/logs/stream.

Ids start at 1 in every process; the instance changes with it, so a client can tell "new
instance, ids restarted" from "resume" (contract 1.1 A). Lines are appended on the event loop
(the middleware does it); a subscriber never slows logging down: past 4 MiB of unsent events it
loses lines and is told so with a gap event (contract §6.4).
"""
from __future__ import annotations

import asyncio
from collections import deque
from itertools import islice
from typing import Deque, List, Optional, Set, Tuple

from .util import dumps

SLOW_CONSUMER_BYTES = 4 * 1024 * 1024


def sse_event(event: str, data: dict, event_id: Optional[int] = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return head.encode() + b"event: " + event.encode() + b"\ndata: " + dumps(data) + b"\n\n"


class Subscriber:
    def __init__(self, after: int):
        self.pending: Deque[Tuple[int, bytes]] = deque()
        self.pending_bytes = 0
        self.last_id = after  # the last id queued or reported as missed
        self.dropped: Optional[Tuple[int, int]] = None  # ids discarded because the client fell behind
        self.wake = asyncio.Event()
        self.closed = False

    def offer(self, line_id: int, event: bytes) -> None:
        if line_id <= self.last_id:
            return
        self.last_id = line_id
        if self.dropped is not None or self.pending_bytes + len(event) > SLOW_CONSUMER_BYTES:
            # Too far behind: discard (never block the producer) and report the range once it catches up.
            if self.dropped is None:
                self.dropped = (line_id, line_id)
            else:
                self.dropped = (self.dropped[0], line_id)
        else:
            self.pending.append((line_id, event))
            self.pending_bytes += len(event)
        self.wake.set()

    def take(self) -> List[bytes]:
        out = [event for _, event in self.pending]
        self.pending.clear()
        self.pending_bytes = 0
        if self.dropped is not None:
            start, end = self.dropped
            out.append(sse_event("gap", {"from": start, "to": end, "missed": end - start + 1}, end))
            self.dropped = None
        self.wake.clear()
        return out


class LogBuffer:
    def __init__(self, instance: str, capacity: int = 100_000):
        if capacity < 1:
            raise ValueError("the log buffer needs room for at least one line")
        self.instance = instance
        self._lines: Deque[dict] = deque(maxlen=capacity)
        self._events: Deque[bytes] = deque(maxlen=capacity)
        self.last_id = 0  # the newest id this instance ever logged
        self._subscribers: Set[Subscriber] = set()

    @property
    def first_id(self) -> int:
        """The oldest buffered id; last_id + 1 when the buffer is empty (contract 1.1 A5)."""
        return self._lines[0]["id"] if self._lines else self.last_id + 1

    def append(self, line: dict) -> dict:
        """Give the line the next id, keep it and hand it to every stream. Returns the stored line."""
        self.last_id += 1
        line = {"id": self.last_id, **line}
        event = sse_event("log", line, self.last_id)
        self._lines.append(line)
        self._events.append(event)
        for s in self._subscribers:
            s.offer(self.last_id, event)
        return line

    def page(self, after: Optional[int], limit: int) -> dict:
        first, last = self.first_id, self.last_id
        gap = None
        if after is None:
            lines = list(islice(self._lines, max(0, len(self._lines) - limit), None))
        elif after > last:
            lines = []  # not from this instance: the page's instance and last_id tell the client why
        else:
            start = after + 1
            if start < first:
                gap = {"from": start, "to": first - 1, "missed": first - start}
                start = first
            offset = start - first
            lines = list(islice(self._lines, offset, offset + limit))
        return {"lines": lines, "first_id": first, "last_id": last, "gap": gap, "instance": self.instance}

    def subscribe(self, after: Optional[int]) -> Tuple[Subscriber, List[bytes]]:
        """A live subscriber plus the events it must send first (gap, backlog), atomically: nothing
        is appended between the snapshot and the subscription (both run on the event loop)."""
        first, last = self.first_id, self.last_id
        backlog: List[bytes] = []
        if after is None:
            resume = last  # live lines only
        else:
            resume = 0 if after > last else after  # above last_id: no shared history (1.1 A4)
            if resume + 1 < first:
                backlog.append(sse_event("gap", {"from": resume + 1, "to": first - 1, "missed": first - 1 - resume},
                                         first - 1))
            offset = max(resume + 1, first) - first
            backlog.extend(islice(self._events, offset, None))
        sub = Subscriber(last)
        self._subscribers.add(sub)
        return sub, backlog

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)

    def close_all(self) -> None:
        """Ends every stream (at shutdown, so the server does not wait for clients to hang up)."""
        for s in self._subscribers:
            s.closed = True
            s.wake.set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
