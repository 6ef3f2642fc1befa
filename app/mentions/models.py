"""Mention tables: one news article, broadcast or social-media post, and the regions it concerns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class SourceType(StrEnum):
    online_news = "online_news"
    print = "print"
    tv = "tv"
    radio = "radio"
    x = "x"
    facebook = "facebook"
    instagram = "instagram"
    tiktok = "tiktok"
    youtube = "youtube"
    lapor = "lapor"
    bmkg_cap = "bmkg_cap"
    internal = "internal"
    other = "other"


class Mention(SQLModel, table=True):
    __tablename__ = "mention"
    __table_args__ = (
        # external_id first: it is the selective column, so the duplicate look-up always probes the index by
        # it, whatever the planner believes about how many mentions one client has sent.
        UniqueConstraint("external_id", "source_client_id"),
        Index("ix_mention_published_at_id", "published_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_client_id: int = Field(foreign_key="api_client.id")
    source_system: str = Field(max_length=100, description="Name of the API client that sent the mention.")
    source_type: str = Field(max_length=16)
    source_name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2048)
    # The canonical URL, or a digest of a very long one (see canonical.url_key): duplicates by URL.
    url_key: str | None = Field(default=None, max_length=1000, unique=True)
    external_id: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=1000)
    text: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, max_length=200)  # personal data (UU 27/2022)
    published_at: datetime = Field(sa_type=UTCDateTime)
    # The source's own publication time, as written, when it could not be right (see clock.plausible).
    published_at_claimed: str | None = Field(default=None, max_length=64)
    language: str = Field(max_length=16)
    metrics: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    official_alert: dict[str, str] | None = Field(default=None, sa_column=Column(JSONVariant, nullable=True))
    watchlist_terms: list[str] = Field(
        default_factory=list, sa_column=Column(JSONVariant, nullable=False, server_default=sql_text("'[]'"))
    )
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentionRegion(SQLModel, table=True):
    """Which kabupaten/kota a mention is about; the index behind the `region` filter.

    A row is the sender's hint (shown as the mention's `region_codes`, and what a kabupaten/kota client sees
    it by) or, with ``detected``, a region the classification found in the text that the sender did not name.
    """

    __tablename__ = "mention_region"
    __table_args__ = (Index("ix_mention_region_region_code_mention_id", "region_code", "mention_id"),)

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    region_code: str = Field(foreign_key="region.code", primary_key=True, max_length=8)
    detected: bool = Field(default=False, sa_column_kwargs={"server_default": sql_text("false")})
