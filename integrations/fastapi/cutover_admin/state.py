"""The gateway's routing state: routes, feature flags, the emergency switch (USE_MONOLITH) and the
audit log. The gateway routes with these objects; the admin router reads and changes the same ones.

All of it lives in one process. Mutations take one lock, so a route change, a flag change and an
engage never interleave; reads from the proxy path are single attribute reads.
"""
from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from .util import iso_or_none, iso_time


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def bucket(flag: str, user: str) -> int:
    """The user's bucket 0-99 for a flag: FNV-1a 32 of "<flag>:<user>" modulo 100 (contract §3)."""
    return fnv1a32(f"{flag}:{user}") % 100


def flag_service(flag_name: str) -> Optional[str]:
    """use_<short>_microservice -> <short>-service; None for flags of any other shape."""
    prefix, suffix = "use_", "_microservice"
    if len(flag_name) > len(prefix) + len(suffix) and flag_name.startswith(prefix) and flag_name.endswith(suffix):
        return flag_name[len(prefix):-len(suffix)] + "-service"
    return None


def service_flag(service: str) -> Optional[str]:
    """<short>-service -> use_<short>_microservice, the flag the guide's is_enabled() calls name."""
    if service.endswith("-service") and len(service) > len("-service"):
        return "use_" + service[: -len("-service")] + "_microservice"
    return None


@dataclass
class Service:
    """An upstream: the monolith or a microservice, with the base URL the gateway proxies to."""
    name: str
    url: str
    kind: str = "microservice"  # or "monolith"

    def __post_init__(self) -> None:
        if self.kind not in ("monolith", "microservice"):
            raise ValueError(f"service {self.name}: kind must be monolith or microservice")


@dataclass
class Route:
    """A public path prefix owned by one microservice; microservice_percent of it goes there."""
    id: str
    prefix: str
    service: str
    microservice_percent: int = 0
    version: str = "1"
    updated_at: float = field(default_factory=time.time)
    updated_by: str = "bootstrap"

    @property
    def flag(self) -> Optional[str]:
        """The name of the flag that can send users of this route to its microservice."""
        return service_flag(self.service)

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")

    def to_json(self) -> dict:
        return {"id": self.id, "prefix": self.prefix, "service": self.service,
                "microservice_percent": self.microservice_percent, "version": self.version,
                "updated_at": iso_time(self.updated_at), "updated_by": self.updated_by}


@dataclass
class Flag:
    """A per-user switch: enabled AND (user in allow_users OR bucket < rollout_percent)."""
    name: str
    enabled: bool = False
    rollout_percent: int = 0
    allow_users: List[str] = field(default_factory=list)
    description: str = ""
    version: str = "1"
    updated_at: float = field(default_factory=time.time)
    updated_by: str = "bootstrap"

    def contains(self, user_id: Optional[str]) -> bool:
        if not self.enabled or not user_id:
            return False
        return user_id in self.allow_users or bucket(self.name, user_id) < self.rollout_percent


@dataclass
class Rollback:
    engaged: bool = False
    version: str = "1"
    engaged_at: Optional[float] = None
    engaged_by: Optional[str] = None
    reason: Optional[str] = None
    snapshot: Optional[List[Tuple[str, int]]] = None
    released_at: Optional[float] = None
    released_by: Optional[str] = None

    def to_json(self) -> dict:
        snapshot = None
        if self.engaged and self.snapshot is not None:
            snapshot = [{"route": r, "microservice_percent": p} for r, p in self.snapshot]
        return {"engaged": self.engaged, "version": self.version,
                "engaged_at": iso_or_none(self.engaged_at) if self.engaged else None,
                "engaged_by": self.engaged_by if self.engaged else None,
                "reason": self.reason if self.engaged else None,
                "snapshot": snapshot,
                "released_at": iso_or_none(self.released_at), "released_by": self.released_by}


@dataclass
class Actor:
    subject: str
    role: str
    request_id: str
    idempotency_key: Optional[str] = None


class FeatureFlags:
    """The guide's `feature_flag`: `feature_flag.is_enabled('use_post_microservice', user_id)`."""

    def __init__(self, state: "GatewayState"):
        self._state = state

    def is_enabled(self, name: str, user_id: Optional[str]) -> bool:
        flag = self._state.flags.get(name)
        return flag is not None and flag.contains(user_id)


class EmergencySwitch:
    """The guide's `USE_MONOLITH`: true while the rollback is engaged. `if USE_MONOLITH:` works as is."""

    def __init__(self, state: "GatewayState"):
        self._state = state

    def __bool__(self) -> bool:
        return self._state.rollback.engaged

    def __repr__(self) -> str:
        return f"USE_MONOLITH({bool(self)})"


class GatewayState:
    def __init__(self, services: Iterable[Service], routes: Iterable[Route], flags: Iterable[Flag],
                 instance: str):
        self.lock = threading.RLock()
        self.services: Dict[str, Service] = {}
        for s in services:
            if s.name in self.services:
                raise ValueError(f"service {s.name} is listed twice")
            self.services[s.name] = s
        if not any(s.kind == "monolith" for s in self.services.values()):
            raise ValueError("one service must be of kind monolith")
        self.routes: Dict[str, Route] = {}
        for r in routes:
            if r.id in self.routes:
                raise ValueError(f"route {r.id} is listed twice")
            if r.service not in self.services:
                raise ValueError(f"route {r.id}: unknown service {r.service}")
            if not 0 <= r.microservice_percent <= 100:
                raise ValueError(f"route {r.id}: microservice_percent must be 0-100")
            self.routes[r.id] = r
        self.flags: Dict[str, Flag] = {}
        for f in flags:
            if f.name in self.flags:
                raise ValueError(f"flag {f.name} is listed twice")
            self.flags[f.name] = f
        self.rollback = Rollback()
        self.generation = 1  # the list endpoints' version; every mutation moves it on
        self.instance = instance
        self.audit: List[dict] = []
        self.feature_flag = FeatureFlags(self)
        self.use_monolith = EmergencySwitch(self)

    # --- routing (contract §3) -------------------------------------------------------------
    def monolith(self) -> Service:
        return next(s for s in self.services.values() if s.kind == "monolith")

    def match(self, path: str) -> Optional[Route]:
        """The route whose prefix is the longest match for the path."""
        best = None
        for r in self.routes.values():
            if r.matches(path) and (best is None or len(r.prefix) > len(best.prefix)):
                best = r
        return best

    def choose_backend(self, route: Route, user_id: Optional[str]) -> str:
        if self.rollback.engaged:
            return "monolith"
        if route.flag is not None and self.feature_flag.is_enabled(route.flag, user_id):
            return "microservice"
        return "microservice" if self.draw(route) else "monolith"

    @staticmethod
    def draw(route: Route) -> bool:
        """Step 3: a uniform draw r in [0, 100); the microservice when r < microservice_percent."""
        return random.random() * 100 < route.microservice_percent

    # --- reading --------------------------------------------------------------------------
    def flag_json(self, f: Flag) -> dict:
        svc = flag_service(f.name)
        if svc not in self.services:
            svc = None
        return {"name": f.name, "enabled": f.enabled, "rollout_percent": f.rollout_percent,
                "allow_users": list(f.allow_users), "description": f.description, "version": f.version,
                "service": svc, "routes": [r.id for r in self.routes.values() if svc and r.service == svc],
                "updated_at": iso_time(f.updated_at), "updated_by": f.updated_by}

    def routes_json(self) -> dict:
        return {"version": str(self.generation), "rollback_engaged": self.rollback.engaged,
                "routes": [r.to_json() for r in self.routes.values()]}

    def flags_json(self) -> dict:
        return {"version": str(self.generation), "flags": [self.flag_json(f) for f in self.flags.values()]}

    # --- changing (callers hold self.lock and have validated everything) -------------------
    def _bump(self) -> str:
        self.generation += 1
        return str(self.generation)

    def _audit(self, actor: Actor, action: str, target: str, before, after, reason: str, now: float) -> None:
        self.audit.append({"id": len(self.audit) + 1, "time": iso_time(now), "actor": actor.subject,
                           "role": actor.role, "action": action, "target": target, "before": before,
                           "after": after, "reason": reason, "request_id": actor.request_id,
                           "idempotency_key": actor.idempotency_key})

    def set_route_percent(self, route: Route, percent: int, reason: str, actor: Actor) -> Route:
        now = time.time()
        before = route.to_json()
        route.microservice_percent = percent
        route.version = self._bump()
        route.updated_at, route.updated_by = now, actor.subject
        self._audit(actor, "route.update", f"routes/{route.id}", before, route.to_json(), reason, now)
        return route

    def update_flag(self, flag: Flag, enabled: bool, rollout: int, allow: List[str], description: Optional[str],
                    reason: str, actor: Actor) -> Flag:
        now = time.time()
        before = self.flag_json(flag)
        flag.enabled, flag.rollout_percent, flag.allow_users = enabled, rollout, allow
        if description is not None:
            flag.description = description
        flag.version = self._bump()
        flag.updated_at, flag.updated_by = now, actor.subject
        self._audit(actor, "flag.update", f"flags/{flag.name}", before, self.flag_json(flag), reason, now)
        return flag

    def _percent_map(self) -> dict:
        return {r.id: r.microservice_percent for r in self.routes.values()}

    def engage(self, reason: str, actor: Actor) -> None:
        now = time.time()
        before = self._percent_map()
        version = self._bump()
        self.rollback.snapshot = [(r.id, r.microservice_percent) for r in self.routes.values()]
        for r in self.routes.values():
            r.microservice_percent, r.version, r.updated_at, r.updated_by = 0, version, now, actor.subject
        rb = self.rollback
        rb.engaged, rb.version, rb.engaged_at, rb.engaged_by, rb.reason = True, version, now, actor.subject, reason
        self._audit(actor, "rollback.engage", "rollback", before, self._percent_map(), reason, now)

    def release(self, keep_monolith: bool, reason: str, actor: Actor) -> None:
        now = time.time()
        before = self._percent_map()
        version = self._bump()
        if not keep_monolith:
            for rid, percent in self.rollback.snapshot or []:
                r = self.routes.get(rid)
                if r is not None:
                    r.microservice_percent, r.version, r.updated_at, r.updated_by = percent, version, now, actor.subject
        rb = self.rollback
        rb.engaged, rb.version, rb.snapshot = False, version, None
        rb.engaged_at = rb.engaged_by = rb.reason = None
        rb.released_at, rb.released_by = now, actor.subject
        after = self._percent_map()
        after["keep_monolith"] = keep_monolith
        self._audit(actor, "rollback.release", "rollback", before, after, reason, now)


    # --- saving (optional: Cutover(state_file=...)) ------------------------------------------
    def saved(self) -> dict:
        """What survives a restart: percentages, flags, the emergency switch and the generation.
        The audit and the log start again with the new instance."""
        return {"format": 1, "generation": self.generation,
                "routes": {r.id: {"microservice_percent": r.microservice_percent, "version": r.version,
                                  "updated_at": r.updated_at, "updated_by": r.updated_by} for r in self.routes.values()},
                "flags": {f.name: {"enabled": f.enabled, "rollout_percent": f.rollout_percent,
                                   "allow_users": list(f.allow_users), "description": f.description, "version": f.version,
                                   "updated_at": f.updated_at, "updated_by": f.updated_by} for f in self.flags.values()},
                "rollback": {"engaged": self.rollback.engaged, "version": self.rollback.version,
                             "engaged_at": self.rollback.engaged_at, "engaged_by": self.rollback.engaged_by,
                             "reason": self.rollback.reason,
                             "snapshot": [list(p) for p in self.rollback.snapshot] if self.rollback.snapshot else None,
                             "released_at": self.rollback.released_at, "released_by": self.rollback.released_by}}

    def restore(self, data: dict) -> List[str]:
        """Apply saved() output; returns what it could not apply (routes or flags no longer configured).
        Raises ValueError (KeyError, TypeError) when the data is not what saved() writes."""
        if data.get("format") != 1:
            raise ValueError("unknown state file format")
        unknown = []
        for rid, r in data["routes"].items():
            route = self.routes.get(rid)
            if route is None:
                unknown.append(f"route {rid}")
                continue
            route.microservice_percent, route.version = int(r["microservice_percent"]), str(r["version"])
            route.updated_at, route.updated_by = float(r["updated_at"]), str(r["updated_by"])
        for name, f in data["flags"].items():
            flag = self.flags.get(name)
            if flag is None:
                unknown.append(f"flag {name}")
                continue
            flag.enabled, flag.rollout_percent = bool(f["enabled"]), int(f["rollout_percent"])
            flag.allow_users, flag.description = [str(u) for u in f["allow_users"]], str(f["description"])
            flag.version, flag.updated_at, flag.updated_by = str(f["version"]), float(f["updated_at"]), str(f["updated_by"])
        rb = data["rollback"]
        self.rollback = Rollback(bool(rb["engaged"]), str(rb["version"]), rb["engaged_at"], rb["engaged_by"], rb["reason"],
                                 [(str(r), int(p)) for r, p in rb["snapshot"]] if rb["snapshot"] else None,
                                 rb["released_at"], rb["released_by"])
        self.generation = int(data["generation"])
        return unknown


def new_instance(prefix: str) -> str:
    """A new instance id at every start: log and audit ids start again with it (contract 1.1 A)."""
    return f"{prefix}-{secrets.token_hex(4)}"
