"""What the API shows and accepts about issues."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    UrlConstraints,
    model_validator,
)

from app.classification.schemas import (
    CapProfile,
    Classification,
    Dimension,
    Impact,
    SentimentVerdict,
    TopicVerdict,
)
from app.clock import WitaDateTime
from app.contract import JSON_INTEGER, Trimmed, any_of, present
from app.db_types import MAX_ID
from app.issues.models import HoaxStatus, Stage, Status
from app.reference.catalog import KNOWN_AGENCY

LevelName = Literal["normal", "waspada", "siaga", "awas"]
RowId = Annotated[int, Field(ge=1, le=MAX_ID), JSON_INTEGER]
DimensionInput = Annotated[Dimension, JSON_INTEGER]
# No NUL characters: PostgreSQL stores none, in text or JSON (a reason goes into the history and audit trail).
Reason = Annotated[str, Trimmed(5, 2000)]
Title = Annotated[str, Trimmed(3, 300)]


class Labels(BaseModel):
    id: str = Field(description="Bahasa Indonesia.")
    en: str


class SentimentMix(BaseModel):
    negative: int
    neutral: int
    positive: int


class ImpactOverride(BaseModel):
    """The dimensions an officer sets; the others stay as the machine found them."""

    model_config = ConfigDict(extra="forbid")

    public_safety: DimensionInput | None = None
    economic_loss: DimensionInput | None = None
    public_trust: DimensionInput | None = None
    threat_readiness: DimensionInput | None = None
    inter_agency: DimensionInput | None = None


IMPACT_DIMENSIONS = tuple(ImpactOverride.model_fields)


class ClassificationOverride(BaseModel):
    """An officer's level and/or impact for the issue. It holds until cleared; the machine verdict keeps
    updating beside it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "level": "awas",
                "impact": {"public_safety": 3},
                "reason": "Tanggul Karang Mumus retak; BPBD Samarinda minta warga Sempaja siap evakuasi.",
            },
            **any_of(
                present("level"),
                present("impact", **any_of(*(present(d) for d in IMPACT_DIMENSIONS))),
            ),
        },
    )

    level: LevelName | None = None
    impact: ImpactOverride | None = None
    reason: Reason

    @model_validator(mode="after")
    def _sets_something(self) -> ClassificationOverride:
        if self.level is None and (self.impact is None or not self.impact.model_dump(exclude_none=True)):
            raise ValueError("give a level, impact dimensions, or both")
        return self


class OverridePublic(BaseModel):
    level: LevelName | None
    impact: dict[str, int] | None
    reason: str
    set_by: str
    set_at: WitaDateTime


class IssuePublic(BaseModel):
    id: int
    title: str
    summary: str
    topic: str
    region_codes: list[str]
    agencies: list[str]
    first_seen_at: WitaDateTime
    last_seen_at: WitaDateTime
    mention_count: int
    original_count: int = Field(description="Mentions that are not near-duplicates of another.")
    source_count: int = Field(description="Distinct outlets and accounts.")
    reach_total: int
    sentiment: SentimentMix
    level: LevelName = Field(description="The officer's level when set, else the machine's.")
    level_label: Labels
    urgency: int
    velocity: int = Field(description="Mentions in the hour of the latest mention.")
    classification: Classification = Field(description="The machine's verdict, aggregated over the mentions.")
    override: OverridePublic | None = Field(description="An officer's level/impact, if set.")
    stage: Stage = Field(description="Life cycle, computed: potential, emerging, current, crisis, dormant.")
    status: Status
    assigned_agency: str | None
    hoax_status: HoaxStatus
    hoax_evidence: list[str]
    opportunity: bool
    restricted: bool = Field(
        description="Seen only by the provincial Diskominfo, the assigned agency and the agencies it is "
        "shared with (see `/v1/issues/{id}/access`)."
    )
    spike_at: WitaDateTime | None = Field(description="Start of the latest hour that spiked.")
    merged_into: int | None
    version: int = Field(description="Changes with every change; the `ETag` is derived from it.")
    created_at: WitaDateTime
    updated_at: WitaDateTime


class ClassificationBrief(BaseModel):
    """An issue's aggregated classification without its signals: what a queue row needs. The signals (why)
    are in `GET /v1/issues/{id}`."""

    sentiment: SentimentVerdict
    topic: TopicVerdict
    impact: Impact
    urgency: int
    level: LevelName
    cap: CapProfile
    opportunity: bool
    hoax_suspected: bool


class IssueListItem(IssuePublic):
    classification: ClassificationBrief = Field(  # type: ignore[assignment]
        description="The machine's aggregated verdict, without signals (see the issue itself)."
    )


class IssuePage(BaseModel):
    items: list[IssueListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last.")


Summary = Annotated[str, Trimmed(0, 2000)]
CHANGEABLE = ("title", "summary", "status", "assigned_agency", "hoax_status", "hoax_evidence")


class IssueUpdate(BaseModel):
    """Fields an officer edits. Send only what changes; `reason` is kept in the history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "status": "handling",
                "assigned_agency": "bpbd",
                "reason": "BPBD Provinsi memimpin penanganan banjir Samarinda.",
            },
            **any_of(*(present(name) for name in CHANGEABLE)),
        },
    )

    title: Title | None = None
    summary: Summary | None = None
    status: Status | None = None
    assigned_agency: Annotated[str, KNOWN_AGENCY] | None = Field(
        default=None, max_length=64, description="An agency code."
    )
    hoax_status: HoaxStatus | None = None
    hoax_evidence: list[Annotated[AnyHttpUrl, UrlConstraints(max_length=2048)]] | None = Field(
        default=None, max_length=20, description="Links to the clarification or the debunk."
    )
    reason: Reason | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> IssueUpdate:
        if not self.model_dump(exclude_none=True, exclude={"reason"}):
            raise ValueError("give at least one field to change")
        return self


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"issue_ids": [42, 57]}})

    issue_ids: list[RowId] = Field(min_length=1, max_length=50, description="Issues to fold into this one.")
    reason: Reason | None = None


class SplitRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "mention_ids": [1201, 1207],
                "title": "Hoaks bendungan Benanga jebol",
                "reason": "Pesan berantai soal bendungan adalah isu terpisah dari banjir Sempaja.",
            }
        },
    )

    mention_ids: list[RowId] = Field(min_length=1, max_length=1000)
    title: Title | None = None
    reason: Reason | None = None


class IssueMentionPublic(BaseModel):
    """A mention of the issue, with why it was attached."""

    mention_id: int
    source_type: str
    source_name: str | None
    url: str | None
    title: str | None
    text: str | None
    published_at: WitaDateTime
    sentiment: str
    level: str
    near_duplicate_of: int | None
    score: float = Field(description="Similarity to the issue when attached.")
    shared_terms: list[str]
    attached_by: str


class IssueMentionPage(BaseModel):
    items: list[IssueMentionPublic]
    next_cursor: str | None


class TimelineBucket(BaseModel):
    start: WitaDateTime = Field(description="Start of the hour or of the WITA day.")
    mentions: int
    reach: int
    negative: int
    neutral: int
    positive: int


class Timeline(BaseModel):
    bucket: Literal["hour", "day"]
    items: list[TimelineBucket]


class HistoryEntry(BaseModel):
    id: int
    field: str = Field(description="level, stage, status, spike, classification, merge, split, or an edit.")
    old: str | None
    new: str | None
    cause: dict[str, Any] = Field(description="The signal, or the client and reason, behind the change.")
    at: WitaDateTime


class HistoryPage(BaseModel):
    items: list[HistoryEntry]


class MentionIssueLink(BaseModel):
    """Why intake put a mention into its issue."""

    near_duplicate_of: int | None = Field(description="The earlier mention this one copies, if any.")
    score: float
    shared_terms: list[str]
