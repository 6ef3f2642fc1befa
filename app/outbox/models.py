"""The transactional outbox: events written in the same transaction as the change they announce.

Delivery (webhooks, CAP) reads this table later; an event exists exactly when its change was committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_published_at_id", "published_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=64)
    aggregate: str = Field(max_length=32, description="What the event is about, e.g. 'issue'.")
    aggregate_id: int
    # Thin: ids, level, title and links; no mention text or author fields (an issue title drafted from a
    # social post may quote a handle: erasure and pseudonymisation, app/privacy, edit payloads too).
    payload: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
