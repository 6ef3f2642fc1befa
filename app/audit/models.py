"""One row per change a person or system made: append-only (the API offers no update or delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    client_id: int | None = Field(default=None, description="The API client that acted; None for Sigap.")
    actor: str = Field(max_length=100, description="The client's name, as it was at the time.")
    agency_code: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64, index=True, description="e.g. `plan.approved`, `task.updated`.")
    target_type: str = Field(max_length=32)
    target_id: int
    # What changed (field names, old and new values, reasons); never mention text or authors' names.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
