"""Stored answers to requests sent with an ``Idempotency-Key`` header."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import UTCDateTime


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="api_client.id")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64, description="SHA-256 of method, path and the parsed body.")
    # NULL only inside the transaction that claimed the key: the row and its answer commit together.
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    location: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
