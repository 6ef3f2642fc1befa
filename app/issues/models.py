"""Issue tables: the issue itself, which mentions it holds and why, the indexes clustering looks up, its
hourly counts (spikes and timelines) and its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, Text, text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class Stage(StrEnum):
    """Where the issue is in its life cycle, computed from volume, spread, level and silence."""

    potential = "potential"
    emerging = "emerging"
    current = "current"
    crisis = "crisis"
    dormant = "dormant"


class Status(StrEnum):
    """The officers' workflow, set by people."""

    new = "new"
    triaged = "triaged"
    monitoring = "monitoring"
    handling = "handling"
    resolved = "resolved"
    archived = "archived"


OPEN_STATUSES = (Status.new, Status.triaged, Status.monitoring, Status.handling)


class HoaxStatus(StrEnum):
    none = "none"
    suspected = "suspected"
    confirmed = "confirmed"
    clarified = "clarified"


class Issue(SQLModel, table=True):
    __tablename__ = "issue"
    __table_args__ = (
        # The triage queue: open issues by priority. Columns in the order of the sort.
        Index("ix_issue_priority", "is_open", "level_rank", "urgency", "velocity", "last_seen_at", "id"),
        Index("ix_issue_last_seen_at_id", "last_seen_at", "id"),
        # The default queue (open, active in the last 72 h) and sort=last_seen, without sorting them all.
        Index("ix_issue_open_last_seen", "is_open", "last_seen_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    title_edited: bool = False
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    summary_edited: bool = False
    topic: str = Field(max_length=32, index=True)
    region_codes: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    agencies: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    mention_count: int = 0
    original_count: int = Field(default=0, description="Mentions that are not near-duplicates.")
    source_count: int = 0
    reach_total: int = Field(default=0, sa_type=BigInteger)
    negative_count: int = 0
    neutral_count: int = 0
    positive_count: int = 0
    # The machine's aggregated verdict (same shape as a mention's classification) and an officer's override.
    machine: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    tallies: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))  # see aggregate.fold
    override: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONVariant, nullable=True))
    level: str = Field(max_length=16, index=True)
    level_rank: int = Field(description="0 normal .. 3 awas: the level as a sortable number.")
    urgency: int
    velocity: int = Field(default=0, description="Mentions in the hour of the latest mention.")
    stage: str = Field(max_length=16)
    status: str = Field(default=Status.new, max_length=16)
    is_open: bool = Field(default=True, description="Status is new, triaged, monitoring or handling.")
    assigned_agency: str | None = Field(default=None, foreign_key="agency.code", max_length=64, index=True)
    # What clustering reads of each candidate issue, kept as plain columns so the look-up never decodes the
    # verdict: the machine's hoax flag and the regions most of its mentions name (state.main_regions).
    hoax_suspected: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    core_regions: list[str] = Field(
        default_factory=list, sa_column=Column(JSONVariant, nullable=False, server_default=text("'[]'"))
    )
    hoax_status: str = Field(default=HoaxStatus.none, max_length=16)
    hoax_evidence: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    opportunity: bool = False
    # Allegations against officials and the like: only the province and the agencies it is shared with see it.
    restricted: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    spike_hour: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Key term -> number of the issue's original mentions carrying it (bounded; see clustering.PROFILE_SIZE).
    profile: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    terms_touched_at: datetime = Field(sa_type=UTCDateTime)
    merged_into: int | None = Field(default=None, foreign_key="issue.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueMention(SQLModel, table=True):
    """Which issue a mention belongs to, and why it was attached there."""

    __tablename__ = "issue_mention"
    __table_args__ = (Index("ix_issue_mention_issue_id_mention_id", "issue_id", "mention_id"),)

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    issue_id: int = Field(foreign_key="issue.id")
    near_duplicate_of: int | None = Field(default=None, foreign_key="mention.id")
    score: float = Field(description="Similarity to the issue when attached; 1 for a near-duplicate.")
    shared_terms: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    key_terms: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    signature: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    attached_by: str = Field(default="machine", max_length=16)
    attached_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueTerm(SQLModel, table=True):
    """Inverted index: the issues whose profile holds a key term, with when each was last active (refreshed at
    most daily, so a look-up reads only the postings of the time window)."""

    __tablename__ = "issue_term"
    __table_args__ = (Index("ix_issue_term_term_last_seen_at", "term", "last_seen_at"),)

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    term: str = Field(primary_key=True, max_length=64)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class MentionFingerprint(SQLModel, table=True):
    """LSH band keys of a mention's MinHash signature: near-duplicate candidates by index look-up."""

    __tablename__ = "mention_fingerprint"
    # In the order near_duplicate reads (earliest copies per band key, ties by mention): a hot story's
    # thousands of copies stamped in the same second are not sorted on every look-up.
    __table_args__ = (
        Index("ix_mention_fingerprint_band_key_seen_at_mention_id", "band_key", "seen_at", "mention_id"),
    )

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    band: int = Field(primary_key=True)
    band_key: int = Field(sa_type=BigInteger)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class IssueHourly(SQLModel, table=True):
    """Mentions, reach and sentiment per issue per UTC hour: spikes, velocity and timelines."""

    __tablename__ = "issue_hourly"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    hour: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    mentions: int = 0
    reach: int = Field(default=0, sa_type=BigInteger)
    negative: int = 0
    neutral: int = 0
    positive: int = 0


class IssueSource(SQLModel, table=True):
    """The distinct sources (outlet or account) that reported an issue: `source_count`."""

    __tablename__ = "issue_source"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(primary_key=True, max_length=300)


class IssueHistory(SQLModel, table=True):
    """Every change of level, stage, status (and other officer edits) with its cause. Append-only."""

    __tablename__ = "issue_history"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True, ondelete="CASCADE")
    field: str = Field(max_length=32)
    old: str | None = Field(default=None, max_length=300)
    new: str | None = Field(default=None, max_length=300)
    cause: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
