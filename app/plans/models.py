"""Response-plan tables: the plan, its tasks (each agency's work) and its public statements (versions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime
from app.plans.lifecycle import PlanStatus, StatementStatus, TaskStatus


class ResponsePlan(SQLModel, table=True):
    __tablename__ = "response_plan"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    status: str = Field(default=PlanStatus.draft, max_length=16, index=True)
    # The issue's level when the plan was drafted: the SLA the deadlines follow.
    level: str = Field(max_length=16)
    crisis_cluster: str | None = Field(default=None, max_length=16)
    cluster_set_by: str = Field(default="machine", max_length=16, description="`machine` or `officer`.")
    cluster_reason: str | None = Field(default=None, max_length=2000, description="The officer's reason.")
    strategy: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    # [{code, id, en}]: why this cluster and strategy, in both languages.
    rationale: list[dict[str, Any]] = Field(sa_column=Column(JSONVariant, nullable=False))
    # [{name, skipped, skip_reason: {id, en} | None}] in the order kenali, respon, penyesalan, perbaiki.
    phases: list[dict[str, Any]] = Field(sa_column=Column(JSONVariant, nullable=False))
    sla_started_at: datetime = Field(sa_type=UTCDateTime)
    first_response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approval_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    needs_attention: bool = Field(default=False, description="A task went overdue.")
    created_by: str = Field(max_length=100)
    created_by_client_id: int | None = None
    submitted_by_client_id: int | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=100)
    approved_by_client_id: int | None = None
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evaluation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONVariant, nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanTask(SQLModel, table=True):
    __tablename__ = "plan_task"
    __table_args__ = (
        # Each agency's work queue (disposisi), soonest deadline first.
        Index("ix_plan_task_agency_status_due", "agency", "status", "due_at", "id"),
        # The overdue sweep: unfinished tasks past their deadline not yet announced.
        Index("ix_plan_task_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="response_plan.id", index=True)
    phase: str = Field(max_length=16)
    template: str | None = Field(default=None, max_length=64, description="The template it came from.")
    title: str = Field(max_length=300)
    title_en: str | None = Field(
        default=None, max_length=300, description="Cleared when the title is edited."
    )
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))
    agency: str = Field(foreign_key="agency.code", max_length=64)
    due_at: datetime = Field(sa_type=UTCDateTime)
    due_rule: str | None = Field(default=None, max_length=32, description="SLA deadline it follows.")
    status: str = Field(default=TaskStatus.todo, max_length=16)
    blocked_reason: str | None = Field(default=None, max_length=2000)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Statement(SQLModel, table=True):
    """One version of a public statement. At most one approved version per issue and kind: the current
    *narasi tunggal*; approving a newer one supersedes it."""

    __tablename__ = "statement"
    __table_args__ = (
        Index(
            "uq_statement_current",
            "issue_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        Index("ix_statement_issue_kind_number", "issue_id", "kind", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="response_plan.id", index=True)
    issue_id: int = Field(foreign_key="issue.id")
    kind: str = Field(max_length=32)
    number: int = Field(description="Version number within the issue and kind: 1, 2, ...")
    text: str = Field(sa_column=Column(Text, nullable=False))
    generated: bool = Field(default=False, description="Drafted by Sigap from a template and not yet edited.")
    status: str = Field(default=StatementStatus.draft, max_length=16)
    created_by: str = Field(max_length=100)
    created_by_client_id: int | None = None
    submitted_by_client_id: int | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=100)
    approved_by_client_id: int | None = None
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
