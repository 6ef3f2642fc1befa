"""Standard Webhooks signatures (https://www.standardwebhooks.com): pure.

The signed content is ``"{webhook-id}.{webhook-timestamp}.{body}"``; the key is the base64 part of the
``whsec_`` secret. While a rotated-out secret is still in its grace period, both signatures are sent, space
separated, so a receiver that has not switched yet keeps verifying.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(message_id: str, timestamp: int, body: str, keys: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in ``keys`` (current first)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(k, message_id, timestamp, body) for k in keys),
        "content-type": "application/json",
        "user-agent": "Sigap-Webhooks/1 (Diskominfo Kaltim)",
    }
