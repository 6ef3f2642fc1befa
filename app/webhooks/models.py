"""Webhook subscriptions, one delivery per (event, subscription), and every attempt made to deliver it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt
    succeeded = "succeeded"
    failed = "failed"  # the retry schedule ran out
    cancelled = "cancelled"  # the subscription was disabled or deleted (410 Gone, or by a person)


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=300)
    # Empty: every event type.
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=300)
    # The agency whose events it receives; the provincial Diskominfo (or an admin) receives all.
    agency_code: str = Field(foreign_key="agency.code", max_length=64)
    all_agencies: bool = Field(default=False, description="Created by an administrator: every event.")
    # Signing secrets (`whsec_` + base64). Kept as given: Sigap must sign with them, so a hash will not do.
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_client_id: int | None = None
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # What the sender picks up next: pending deliveries by due time.
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE")
    event_id: int | None = Field(default=None, description="The outbox event; None for test messages.")
    message_id: str = Field(max_length=64, unique=True, description="`webhook-id`: the same on every retry.")
    event_type: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    # A sender holds a delivery until then: no other sender takes it; a crashed sender's lease runs out.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_delivery.id", index=True, ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int
    # Response headers worth keeping (Retry-After); never the response body.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
