"""What the API shows and accepts about classification (the engine's own output model is in schemas.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.classification.schemas import Classification
from app.classification.taxonomy import Topic
from app.clock import ClaimedInstant, WitaDateTime
from app.contract import JSON_INTEGER, Trimmed, any_of, present, text_present
from app.mentions.models import SourceType

Sentiment = Literal["negative", "neutral", "positive"]
Level = Literal["normal", "waspada", "siaga", "awas"]
Task = Literal["sentiment", "topic"]
Figure = Annotated[int, Field(ge=0, le=10**15), JSON_INTEGER]
MetricName = Literal["reach", "views", "likes", "shares", "comments"]


Reason = Annotated[str, Trimmed(5, 2000)]


class LabelCreate(BaseModel):
    """An officer's correction. Give at least one of sentiment, topic, level, and always the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "level": "siaga",
                "topic": "bencana",
                "reason": "Dua warga Loa Janan Ilir dilaporkan hilang terseret arus; BPBD membuka posko.",
            },
            **any_of(*(present(name) for name in ("sentiment", "topic", "level"))),
        },
    )

    sentiment: Sentiment | None = None
    topic: Topic | None = Field(default=None, description="A label of `GET /v1/topics`.")
    level: Level | None = None
    reason: Reason

    @model_validator(mode="after")
    def _corrects_something(self) -> LabelCreate:
        if self.sentiment is None and self.topic is None and self.level is None:
            raise ValueError("give at least one of sentiment, topic or level")
        return self


class LabelPublic(BaseModel):
    id: int
    sentiment: str | None
    topic: str | None
    level: str | None
    reason: str
    labelled_by: str
    created_at: WitaDateTime


class CorrectedValues(BaseModel):
    """For each field, the latest value any officer gave (what training reads), or null when none did."""

    sentiment: str | None = None
    topic: str | None = None
    level: str | None = None


class StoredClassification(BaseModel):
    """The machine verdict as computed at intake, and the officers' corrections, side by side."""

    machine: Classification
    label: LabelPublic | None = Field(description="The latest correction by an officer, if any.")
    labels: list[LabelPublic] = Field(
        default_factory=list, description="Every correction, oldest first, each with who, when and why."
    )
    corrected: CorrectedValues = Field(
        default_factory=CorrectedValues,
        description="The corrected value of each field across all corrections: a later correction of the "
        "topic does not undo an earlier correction of the level.",
    )
    classified_at: WitaDateTime


class ClassifyRequest(BaseModel):
    """A dry run: classify this wording without storing anything."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": "Banjir Rendam Lima Kecamatan di Samarinda, Dua Warga Hilang",
                "text": "Hujan deras sejak Rabu malam membuat Sungai Karang Mumus meluap. "
                "BPBD mengevakuasi 412 KK.",
                "source_type": "online_news",
                "metrics": {"reach": 48000, "shares": 310},
            },
            **text_present("title", "text"),
        },
    )

    title: str | None = Field(default=None, max_length=1000)
    text: str | None = Field(default=None, max_length=100_000)
    source_type: SourceType = SourceType.online_news
    metrics: dict[MetricName, Figure] = Field(default_factory=dict)
    published_at: ClaimedInstant | None = Field(
        default=None,
        description="With a UTC offset; default: now (as at intake, an implausible time counts as now).",
    )

    @model_validator(mode="after")
    def _has_content(self) -> ClassifyRequest:
        if not (self.title or "").strip() and not (self.text or "").strip():
            raise ValueError("a title or a text is required")
        return self


class TrainRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"task": "topic", "activate": True}}
    )

    task: Task
    activate: StrictBool = Field(default=True, description="Make the new version the active one at once.")


class ModelPublic(BaseModel):
    version: str
    task: str
    labels: list[str]
    report: dict[str, Any] = Field(
        description="Hold-out accuracy, macro-F1 and per-class precision/recall; `baseline_macro_f1` is the "
        "rules' macro-F1 on the same hold-out."
    )
    source: str
    active: bool
    usable: bool = Field(
        default=True,
        description="Whether every label it predicts is a Sigap label of its task, so it can be activated "
        "(a model trained on another label set is kept for evaluation only).",
    )
    trained_at: WitaDateTime
    trained_by: str


class ModelList(BaseModel):
    items: list[ModelPublic]


class TopicPublic(BaseModel):
    label: str
    name: dict[str, str] = Field(description="Display name: `id` (Indonesian) and `en` (English).")
    agencies: list[str] = Field(description="The agencies (OPD) responsible for the topic.")
    services: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Public services by the agency running them (`pelayanan_publik` only): a complaint that "
        "names one of these services goes to that agency instead of `agencies`, the agency named most first.",
        examples=[{"dpupr-pera": ["pdam", "air bersih"], "dkp3a": ["e ktp", "dukcapil"]}],
    )


class TopicList(BaseModel):
    items: list[TopicPublic]
