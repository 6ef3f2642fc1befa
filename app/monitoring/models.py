"""Sources Sigap polls itself (news RSS/Atom feeds, CAP alert feeds), their health, and the province's default
watchlist."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class SourceKind(StrEnum):
    rss = "rss"
    atom = "atom"
    cap = "cap"


class Source(SQLModel, table=True):
    __tablename__ = "source"
    __table_args__ = (
        # What the poller picks up next: active sources by due time.
        Index("ix_source_active_next_poll_at", "active", "next_poll_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    url: str = Field(max_length=2000)
    name: str = Field(max_length=200)
    poll_interval_s: int = 300
    region_codes: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    # The source's own terms, and whether the province's default watchlist applies too. With neither, every
    # item is ingested.
    watchlist: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    use_default_watchlist: bool = True
    active: bool = True
    agency_code: str = Field(foreign_key="agency.code", max_length=64)
    created_by_client_id: int | None = None
    # Health.
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_ok_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    consecutive_failures: int = 0
    flagged: bool = Field(default=False, description="Failing repeatedly: an officer should look.")
    items_seen: int = 0
    items_ingested: int = 0
    next_poll_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Conditional GET validators from the last 200 answer.
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    # A poller holds the source until then: no two workers fetch it at once; a crashed one's lease runs out.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DefaultWatchlist(SQLModel, table=True):
    """The province's default watchlist (one row), seeded from app/monitoring/data/default_watchlist.json."""

    __tablename__ = "default_watchlist"

    id: int = Field(default=1, primary_key=True)
    terms: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=100)
