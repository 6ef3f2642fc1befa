"""Rate limiting as ASGI middleware: it runs before any dependency, so before the request opens its session
and takes its turn to write, and it sees every response, also those built directly as ``Response`` objects.

A request with a valid API key is counted; over quota it is answered 429 here, without reaching the endpoint.
Every counted response carries ``RateLimit-Policy`` and ``RateLimit``. Requests without a key, or with an
unknown or revoked one, pass untouched: the endpoint answers them 401 (the verdict is handed on, so the key is
looked up once).
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import Request
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import handlers
from app.auth.deps import VERIFIED_KEY, AuthCache
from app.auth.service import Principal, authenticate, hash_key
from app.ratelimit.policy import Decision
from app.ratelimit.service import RateLimited, RateLimiter


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.enabled:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = _bearer_key(request)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._principal(request, key)
            policy = self.limiter.policy_for(principal) if principal is not None else None
            if principal is None or policy is None:
                await self.app(scope, receive, send)
                return
            decision = await self.limiter.count(
                principal.client_id, policy, request.app.state.clock().timestamp()
            )
        except Exception as exc:  # rendered as the app's handlers would: this runs outside them
            await (await _error_response(request, exc))(scope, receive, send)
            return
        send = _with_headers(send, decision)
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        error = RateLimited(
            f"This API key may make {policy.quota} requests per {policy.window} seconds (policy "
            f"'{policy.name}'). Retry after {decision.reset_seconds} seconds.",
            headers={"Retry-After": str(decision.reset_seconds)},
        )
        await (await handlers.app_error(request, error))(scope, receive, send)

    async def _principal(self, request: Request, key: str) -> Principal | None:
        cache: AuthCache = request.app.state.auth_cache
        digest = hash_key(key)
        principal = cache.get(digest)
        if principal is None:
            principal = await anyio.to_thread.run_sync(self._authenticate, key)
            if principal is not None:
                cache.put(digest, principal)
        setattr(request.state, VERIFIED_KEY, (digest, principal))
        return principal

    def _authenticate(self, key: str) -> Principal | None:
        with self.limiter.database.session(write=False) as session:
            return authenticate(session, key)


def _bearer_key(request: Request) -> str | None:
    # Read as FastAPI's HTTPBearer reads it, so both see the same key.
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    return credentials if scheme.lower() == "bearer" and credentials else None


def _with_headers(send: Send, decision: Decision) -> Send:
    extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items() if k != "Retry-After"]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _error_response(request: Request, exc: Exception) -> Response:
    """What app.handlers answers for ``exc`` (this middleware sits outside the app's exception handlers)."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return await handlers.database_unavailable(request, exc)
    if isinstance(exc, DBAPIError):
        return await handlers.dbapi_error(request, exc)
    return await handlers.unexpected_error(request, exc)
