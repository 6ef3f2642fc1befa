"""Request counters: one row per API client, for the current window only (older windows are overwritten)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class RateLimitCounter(SQLModel, table=True):
    __tablename__ = "rate_limit_counter"

    client_id: int = Field(primary_key=True, foreign_key="api_client.id", ondelete="CASCADE")
    # Start of the counted window in epoch seconds (see app.ratelimit.policy.window_start).
    window_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    count: int = Field(default=0)
