"""Who is calling, and may they do this? Declared per route as ``Depends(require(Scope.x))``.

Async dependencies: a cached key costs no worker-thread hop; only a cache miss reads the database.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.audit import net as audit_net
from app.auth.models import Scope
from app.auth.service import Principal, authenticate, hash_key
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="sgp_…",
    description="An API key issued by a Sigap administrator (`POST /v1/clients` or `sigap keys create`), "
    "sent as `Authorization: Bearer sgp_…`.",
)

# ``request.state`` attribute: (key digest, Principal or None) once something earlier in the request (the rate
# limiter, app.ratelimit) has verified the key.
VERIFIED_KEY = "sigap_verified_key"


class AuthCache:
    """Verified keys, per process, for a short time: saves a database round trip on every request."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + self.ttl, principal)

    def forget_client(self, client_id: int) -> None:
        with self._lock:
            for digest in [d for d, (_, p) in self._entries.items() if p.client_id == client_id]:
                del self._entries[digest]


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None:
        raise Unauthorized(
            "Send an API key as 'Authorization: Bearer sgp_…'.", code="AUTHENTICATION_REQUIRED"
        )
    cache: AuthCache = request.app.state.auth_cache
    digest = hash_key(credentials.credentials)
    verified: tuple[str, Principal | None] | None = getattr(request.state, VERIFIED_KEY, None)
    if verified is not None and verified[0] == digest:  # the rate limiter looked the key up already
        principal = verified[1]
    else:
        principal = cache.get(digest)
        if principal is None:
            principal = await anyio.to_thread.run_sync(authenticate, session, credentials.credentials)
            if principal is not None:
                cache.put(digest, principal)
    if principal is None:
        raise Unauthorized("The API key is unknown or has been revoked.", code="INVALID_API_KEY")
    setattr(request.state, audit_net.PRINCIPAL, principal)  # who the audit trail names for this request
    return principal


class ScopeRequirement:
    """A route's required scope. Kept as an object so the OpenAPI generator can list it per operation."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.has(self.scope):
            raise Forbidden(f"This operation needs the scope '{self.scope}'.", code="INSUFFICIENT_SCOPE")
        return principal


def require(scope: Scope) -> ScopeRequirement:
    return ScopeRequirement(scope)


AdminPrincipal = Annotated[Principal, Depends(require(Scope.admin))]
