"""Request guards that must act before the body is parsed (size 413, media type 415), and security headers."""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, problem_body

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def _send_problem(send: Send, status: int, code: str, title: str, detail: str, path: str) -> None:
    body = json.dumps(
        problem_body(status=status, code=code, title=title, detail=detail, instance=path)
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyGuardMiddleware:
    """Refuse oversized bodies (by Content-Length, or while streaming) and bodies that are not JSON."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope.get("path", "")
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _send_problem(
                send, 413, "PAYLOAD_TOO_LARGE", "Request body too large", self._limit_text(), path
            )
            return
        has_body = (length is not None and length != "0") or "chunked" in headers.get("transfer-encoding", "")
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if has_body and not (media_type == "application/json" or media_type.endswith("+json")):
            await _send_problem(
                send,
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported media type",
                "Send the body as JSON with 'Content-Type: application/json'.",
                path,
            )
            return

        if length is not None:
            await self.app(scope, receive, send)  # the server stops reading at Content-Length
            return
        # A streamed (chunked) body has no declared size: read it here, up to the limit, then replay it.
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # client went away; let the app see the disconnect
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await _send_problem(
                    send, 413, "PAYLOAD_TOO_LARGE", "Request body too large", self._limit_text(), path
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _limit_text(self) -> str:
        return f"The body may be at most {self.max_body_bytes} bytes (SIGAP_MAX_BODY_BYTES)."


def security_headers(request_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers every response carries; ``no-store`` when the request carried credentials.

    An authenticated answer may hold data only its caller may see: no browser, proxy or shared cache may
    keep it. Used by :class:`SecurityHeadersMiddleware` and by the 500 handler, which answers outside it.
    """
    headers = {"X-Content-Type-Options": "nosniff"}
    if any(name.lower() == b"authorization" for name, _ in request_headers):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    """``X-Content-Type-Options: nosniff`` always; ``Cache-Control: no-store`` on authenticated responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value  # an endpoint's own Cache-Control loses to no-store on purpose
            await send(message)

        await self.app(scope, receive, send_with_headers)
