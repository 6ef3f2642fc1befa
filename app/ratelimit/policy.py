"""Who gets how many requests per window, and what the IETF RateLimit header fields say about it.

Pure: no FastAPI, no database. Windows are fixed and aligned to the epoch (``start = now // w * w``), so every
server process computes the same window for the same instant without talking to the others; the count per
client and window lives in the database (:mod:`app.ratelimit.service`).

Header syntax follows draft-ietf-httpapi-ratelimit-headers-11 (Structured Field Lists):
``RateLimit-Policy: "default";q=600;w=60`` and ``RateLimit: "default";r=599;t=42``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

INTAKE = "intake"
DEFAULT = "default"
CLIENT = "client"  # a per-client override


@dataclass(frozen=True, slots=True)
class Policy:
    """``quota`` requests per ``window`` seconds."""

    name: str
    quota: int
    window: int

    def header(self) -> str:
        return f"{_sf_string(self.name)};q={self.quota};w={self.window}"


@dataclass(frozen=True, slots=True)
class Limits:
    """The configured limits; a quota of 0 means that class of client is not limited."""

    enabled: bool = True
    window: int = 60
    intake_quota: int = 6000
    default_quota: int = 600
    client_quotas: Mapping[int, int] = field(default_factory=dict)

    def policy_for(self, client_id: int, *, intake: bool) -> Policy | None:
        """The policy one client's requests count against, or None when it is not limited."""
        if not self.enabled:
            return None
        if client_id in self.client_quotas:
            name, quota = CLIENT, self.client_quotas[client_id]
        elif intake:
            name, quota = INTAKE, self.intake_quota
        else:
            name, quota = DEFAULT, self.default_quota
        return Policy(name, quota, self.window) if quota > 0 else None


def window_start(now: float, window: int) -> int:
    """The start (epoch seconds) of the window holding ``now``."""
    return int(now // window) * window


@dataclass(frozen=True, slots=True)
class Decision:
    """One request counted: the ``count``-th of its client in the window that started at ``started``."""

    policy: Policy
    count: int
    started: int
    now: float

    @property
    def allowed(self) -> bool:
        return self.count <= self.policy.quota

    @property
    def remaining(self) -> int:
        return max(0, self.policy.quota - self.count)

    @property
    def reset_seconds(self) -> int:
        """Whole seconds until the window ends; at least 1, so a client never retries into the same window."""
        return max(1, math.ceil(self.started + self.policy.window - self.now))

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Policy": self.policy.header(),
            "RateLimit": f"{_sf_string(self.policy.name)};r={self.remaining};t={self.reset_seconds}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_seconds)
        return headers


def _sf_string(value: str) -> str:
    """An RFC 9651 sf-string: printable ASCII in double quotes, with ``"`` and ``\\`` escaped."""
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"policy name {value!r} is not printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
