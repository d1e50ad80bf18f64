"""Bearer tokens from a token file, with the contract's three roles (§2.2).

File format (the same as cutover-sim's --tokens): one token per line, `<token> <subject> <role>`,
separated by spaces or tabs; blank lines and lines whose first non-blank character is `#` are
ignored. A token is 16 to 512 visible ASCII characters; the subject is visible ASCII (1-128); the
role is viewer, operator or admin. The file must not be readable by group or others (chmod 600).
It is read again when its modification time changes, so tokens can be rotated without a restart;
a changed file that does not parse is refused and the previous tokens stay in force.

Tokens are never logged, echoed or kept in clear beyond the file: they are looked up by their
SHA-256, so the lookup does not compare secrets byte by byte.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass
from typing import Dict, Optional

from starlette.requests import Request

from .util import ApiError

log = logging.getLogger("cutover_admin")

ROLES = ("viewer", "operator", "admin")
PERMISSIONS = {
    "viewer": ["read"],
    "operator": ["read", "routes.write", "flags.write", "rollback"],
    "admin": ["read", "routes.write", "flags.write", "rollback", "sim.control"],
}
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="cutover"'}


class TokenFileError(ValueError):
    """The token file cannot be used; the message names the file and line, never a token."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str

    def allows(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def _visible_ascii(text: str) -> bool:
    return all(0x21 <= ord(c) <= 0x7E for c in text)


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def parse_token_file(text: str, source: str) -> Dict[bytes, Principal]:
    """Parse the token file's text; raise TokenFileError naming the line of the first problem."""
    table: Dict[bytes, Principal] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split()
        where = f"{source} line {number}"
        if len(fields) != 3:
            raise TokenFileError(f"{where}: expected `<token> <subject> <role>`, found {len(fields)} field(s)")
        token, subject, role = fields
        if not (16 <= len(token) <= 512) or not _visible_ascii(token):
            raise TokenFileError(f"{where}: the token must be 16 to 512 visible ASCII characters")
        if not (1 <= len(subject) <= 128) or not _visible_ascii(subject):
            raise TokenFileError(f"{where}: the subject must be 1 to 128 visible ASCII characters")
        if role not in ROLES:
            raise TokenFileError(f"{where}: the role must be viewer, operator or admin, not {role!r}")
        key = _digest(token.encode("ascii"))
        if key in table:
            raise TokenFileError(f"{where}: this token is already listed on an earlier line")
        table[key] = Principal(subject, role)
    if not table:
        raise TokenFileError(f"{source}: no tokens (lines are `<token> <subject> <role>`)")
    return table


class TokenFile:
    """The tokens of one file, re-read when the file changes (checked at most once a second)."""

    def __init__(self, path: str, *, check_permissions: bool = True):
        self.path = os.fspath(path)
        self.check_permissions = check_permissions
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime: Optional[int] = None
        self._table = self._load()  # a broken file at start-up is an error the operator sees at once

    def _load(self) -> Dict[bytes, Principal]:
        try:
            with open(self.path, "rb") as f:
                info = os.fstat(f.fileno())
                if self.check_permissions and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise TokenFileError(f"{self.path}: the token file is accessible to group or others; chmod 600 it")
                raw = f.read()
        except OSError as e:
            raise TokenFileError(f"{self.path}: cannot read the token file: {e.strerror}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TokenFileError(f"{self.path}: the token file is not UTF-8 text") from None
        self._mtime = info.st_mtime_ns
        return parse_token_file(text, self.path)

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        self._checked = now
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except OSError:
            return  # keep serving the tokens we have; the file may be being replaced
        if mtime == self._mtime:
            return
        try:
            self._table = self._load()
            log.info("cutover_admin: token file %s reloaded (%d tokens)", self.path, len(self._table))
        except TokenFileError as e:
            self._mtime = mtime  # say it once per change, not on every request
            log.error("cutover_admin: keeping the previous tokens: %s", e)

    def lookup(self, token: str) -> Optional[Principal]:
        with self._lock:
            self._refresh()
            table = self._table
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            return None
        return table.get(_digest(raw))

    def authenticate(self, request: Request, role: str) -> Principal:
        """The request's principal, or 401 (no/unknown token) or 403 (role too low)."""
        header = request.headers.get("authorization")
        token = None
        if header is not None:
            scheme, _, rest = header.strip().partition(" ")
            if scheme.lower() == "bearer" and rest.strip() and " " not in rest.strip():
                token = rest.strip()
        principal = self.lookup(token) if token else None
        if principal is None:
            raise ApiError(401, "unauthorized", "Missing or unknown bearer token.", headers=_WWW_AUTHENTICATE)
        if not principal.allows(role):
            raise ApiError(403, "forbidden", f"The role {principal.role} may not do this; it needs {role}.")
        return principal
