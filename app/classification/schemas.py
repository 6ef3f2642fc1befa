"""What the classifier reads (:class:`Document`) and returns (:class:`Classification`), and the seam for
trained models (:class:`TextModel`).

The JSON field names are the API's: the lead's endpoints serialise :class:`Classification` as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from app.classification.taxonomy import Level, Sentiment, Topic

Dimension = Annotated[int, Field(ge=0, le=3)]
OneToFour = Annotated[int, Field(ge=1, le=4)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]

CapUrgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
CapSeverity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CapCertainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
CapCategory = Literal[
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
]


class TextModel(Protocol):
    """A trained text classifier (sentiment or topic) as the engine uses it."""

    @property
    def version(self) -> str: ...

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """One ``(label, probability)`` per text, in order."""
        ...


class OfficialAlert(BaseModel):
    """An official warning's own CAP assessment (e.g. BMKG), which the verdict must not fall below."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    event: str = Field(default="", max_length=200)
    sender: str = Field(default="", max_length=200)


class Document(BaseModel):
    """A mention as the classifier sees it."""

    model_config = ConfigDict(frozen=True)

    title: str | None = None
    text: str | None = None
    source_type: str = "other"
    metrics: dict[str, int] = Field(default_factory=dict)
    published_at: datetime | None = None
    region_hints: list[str] = Field(
        default_factory=list, description="Region codes or place names the source already knows."
    )
    official_alert: OfficialAlert | None = Field(
        default=None, description="Only read for source_type `bmkg_cap`: the issuing agency's own CAP triple."
    )


class SentimentVerdict(BaseModel):
    label: Sentiment
    score: Probability = Field(description="Confidence in the label, 0-1.")


class TopicVerdict(BaseModel):
    label: Topic
    confidence: Probability


class Impact(BaseModel):
    """The five reasons crisis management matters in government, each 0 (none) to 3 (severe)."""

    public_safety: Dimension
    economic_loss: Dimension
    public_trust: Dimension
    threat_readiness: Dimension
    inter_agency: Dimension
    score: OneToFour


class CapProfile(BaseModel):
    """OASIS Common Alerting Protocol 1.2 urgency, severity, certainty and category."""

    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    category: CapCategory


class Language(BaseModel):
    code: str = Field(description="'id', 'en', or 'und' when undetermined.")
    supported: bool


class Signal(BaseModel):
    """One contribution to the verdict, with the words or figures that caused it."""

    name: str
    weight: float
    evidence: list[str]


class ModelVersion(BaseModel):
    rules: str
    sentiment: str
    topic: str


class Classification(BaseModel):
    sentiment: SentimentVerdict
    topic: TopicVerdict
    agencies: list[str]
    region_codes: list[str]
    impact: Impact
    urgency: OneToFour
    level: Level
    cap: CapProfile
    opportunity: bool
    hoax_suspected: bool
    language: Language
    signals: list[Signal]
    model_version: ModelVersion
