"""Issues shared explicitly with an agency beyond those that see them by region, assignment or task."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.db_types import UTCDateTime


class IssueShare(SQLModel, table=True):
    __tablename__ = "issue_share"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    # Indexed by agency: "the issues shared with me" is part of every non-provincial issue query.
    agency_code: str = Field(foreign_key="agency.code", primary_key=True, max_length=64, index=True)
    reason: str = Field(max_length=2000)
    granted_by: str = Field(max_length=100)
    granted_by_client_id: int | None = Field(default=None, description="None when Sigap carried it over.")
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
