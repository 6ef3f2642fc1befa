"""Tables: each mention's machine verdict, officers' corrections (labels), and trained model versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, Text, text
from sqlmodel import Column, Field, SQLModel

from app.clock import utcnow
from app.db_types import JSONVariant, UTCDateTime


class MentionClassification(SQLModel, table=True):
    """The machine verdict on one mention, as computed at intake. Never overwritten by a correction."""

    __tablename__ = "mention_classification"
    __table_args__ = (Index("ix_mention_classification_level_topic", "level", "topic"),)

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    # The columns an issue list or a dashboard filters on; the whole verdict (signals included) is `verdict`.
    sentiment: str = Field(max_length=16)
    topic: str = Field(max_length=32)
    level: str = Field(max_length=16)
    urgency: int
    impact_score: int
    hoax_suspected: bool
    opportunity: bool
    verdict: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    classified_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentionLabel(SQLModel, table=True):
    """An officer's correction of a verdict: a training example, kept with who, when and why."""

    __tablename__ = "mention_label"

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True, ondelete="CASCADE")
    sentiment: str | None = Field(default=None, max_length=16)
    topic: str | None = Field(default=None, max_length=32)
    level: str | None = Field(default=None, max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    labelled_by_client_id: int = Field(foreign_key="api_client.id")
    labelled_by: str = Field(max_length=100, description="Name of the API client, kept as it was.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClassifierModel(SQLModel, table=True):
    """One trained model version. At most one per task is active; switching is one committed update."""

    __tablename__ = "classifier_model"
    # The database, not only the code, guarantees one active version per task.
    __table_args__ = (
        Index(
            "uq_classifier_model_active_task",
            "task",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=32, index=True)
    version: str = Field(max_length=100, unique=True)
    labels: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    report: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    source: str = Field(max_length=200, description="Where the training examples came from.")
    artifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    active: bool = False
    trained_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    trained_by: str = Field(max_length=100)
