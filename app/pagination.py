"""Opaque, tamper-checked cursors for keyset pagination.

A cursor is ``base64url(json).base64url(hmac)``: the server can trust what it reads back, and a cursor made
for another listing or other filters (its ``scope``) is refused instead of silently paging the wrong set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Annotated, Any

from fastapi import Query

from app.errors import BadRequest


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def scope_of(listing: str, filters: dict[str, Any]) -> str:
    blob = json.dumps([listing, filters], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"sigap-cursor:" + secret.encode()).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, scope: str, position: list[Any]) -> str:
        payload = json.dumps({"s": scope, "p": position}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def _payload(self, cursor: str) -> bytes | None:
        """What the cursor carries, if this server signed it."""
        try:
            payload_text, signature_text = cursor.split(".", 1)
            payload = _unb64(payload_text)
            signature = _unb64(signature_text)
        except ValueError:
            return None
        return payload if hmac.compare_digest(signature, self._sign(payload)) else None

    def issued(self, cursor: str) -> bool:
        """Whether this server made ``cursor`` (for some listing)."""
        return self._payload(cursor) is not None

    def decode(self, scope: str, cursor: str) -> list[Any]:
        invalid = BadRequest(
            "The cursor is not valid for this listing; start again without a cursor.", code="INVALID_CURSOR"
        )
        payload = self._payload(cursor)
        if payload is None:
            raise invalid
        data = json.loads(payload)
        if data.get("s") != scope or not isinstance(data.get("p"), list):
            raise invalid
        position: list[Any] = data["p"]
        return position


# A page's size: at least 1 (422 below); above the service's maximum (200) it is treated as that.
PageSize = Annotated[int, Query(ge=1, description="Page size: default 50; above 200 is treated as 200.")]
