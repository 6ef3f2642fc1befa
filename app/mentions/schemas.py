"""What integrators send and get back for mentions.

Plain pydantic models rather than SQLModel: they map to no table, and SQLModel's per-instance hooks
doubled the cost of validating and answering a 1000-item batch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.classification.schemas import OfficialAlert
from app.classification.views import StoredClassification
from app.clock import ClaimedInstant, WitaDateTime
from app.contract import HTTP_URL, JSON_INTEGER, NO_NUL, WHITESPACE_CHARS, text_present
from app.errors import FieldError
from app.issues.schemas import MentionIssueLink
from app.mentions.examples import BATCH_EXAMPLE, MENTION_EXAMPLE, MENTION_PUBLIC_EXAMPLE
from app.mentions.models import Mention, SourceType
from app.reference.catalog import RegionCode

TEXT_MAX = 100_000
_HTTP_URL = re.compile(HTTP_URL)


Count = Annotated[int, Field(ge=0, le=10**15), JSON_INTEGER]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=16)]


class MentionMetrics(BaseModel):
    """Reach and engagement as reported by the source; every figure is optional."""

    model_config = ConfigDict(extra="forbid")

    reach: Count | None = Field(default=None, description="Estimated audience (readers, followers reached).")
    views: Count | None = None
    likes: Count | None = None
    shares: Count | None = None
    comments: Count | None = None


class MentionCreate(BaseModel):
    """A mention as a monitoring system or officer sends it. `title` or `text` is required."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": MENTION_EXAMPLE, **text_present("title", "text")}
    )

    source_type: SourceType
    source_name: str | None = Field(
        default=None, min_length=1, max_length=200, description="Outlet or account, e.g. `Kaltim Post`."
    )
    url: str | None = Field(
        default=None,
        max_length=2048,
        description="http(s) link to the original.",
        json_schema_extra={"pattern": HTTP_URL},
    )
    external_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Your own id for the item; a second push with the same id is a duplicate.",
    )
    title: str | None = Field(default=None, max_length=1000)
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    author: str | None = Field(
        default=None, max_length=200, description="Author's name or handle. Personal data (UU 27/2022)."
    )
    published_at: ClaimedInstant = Field(
        description="When the source published it, with a UTC offset (`+08:00` for WITA, or `Z`). A time "
        "before 1990 or more than a day after Sigap receives the item cannot be right: Sigap then records "
        "the receipt time and keeps what was sent in `published_at_claimed`."
    )
    language: LanguageTag = Field(
        default="id",
        description="BCP 47 language tag as the source declares it; `id` is Indonesian. Kept as sent: the "
        "language Sigap read in the text is `classification.machine.language`.",
    )
    region_codes: list[RegionCode] = Field(
        default_factory=list,
        max_length=11,
        description="Hint: Kemendagri codes of the regions concerned (`64`, `64.72`, …; "
        "see `GET /v1/regions`).",
    )
    metrics: MentionMetrics = Field(default_factory=MentionMetrics)
    official_alert: OfficialAlert | None = Field(
        default=None,
        description="For `bmkg_cap` mentions: the official warning's CAP urgency, severity and certainty. "
        "The verdict is never below what the issuing agency declared (Extreme → Awas, Severe → Siaga, "
        "Moderate → Waspada, when Observed or Likely; one step less when only Possible).",
    )
    watchlist_terms: list[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]] = (
        Field(
            default_factory=list,
            max_length=50,
            description="Watchlist terms the item matched, when a monitoring tool (or Sigap's own poller) "
            "selected it by keywords.",
        )
    )

    @field_validator("title", "text", "author", "source_name", mode="before")
    @classmethod
    def _drop_nul(cls, value: object) -> object:
        # Scraped pages carry stray NUL bytes; no database text column holds one and they mean nothing.
        return value.replace("\x00", "") if isinstance(value, str) else value

    @field_validator("external_id")
    @classmethod
    def _printable_id(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise PydanticCustomError("id_not_printable", "external_id must not contain control characters")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # The published pattern, not urlsplit: the canonical form parses each URL once more anyway.
        if _HTTP_URL.match(value) is None:
            raise PydanticCustomError("url_invalid", "url must be an absolute http or https URL")
        return value.strip(WHITESPACE_CHARS)

    @field_validator("region_codes")
    @classmethod
    def _as_set(cls, value: list[str]) -> list[str]:
        return sorted(set(value))  # stored as a set; answered in one order whether new or duplicate

    @model_validator(mode="after")
    def _has_content(self) -> MentionCreate:
        if not (self.title or "").strip() and not (self.text or "").strip():
            raise PydanticCustomError("content_required", "a mention needs a title or a text")
        return self


class MentionPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": MENTION_PUBLIC_EXAMPLE})

    id: int
    source_system: str
    source_type: SourceType
    source_name: str | None
    url: str | None
    external_id: str | None
    title: str | None
    text: str | None
    author: str | None
    published_at: WitaDateTime
    published_at_claimed: str | None = Field(
        default=None,
        description="What the source sent as its publication time when that could not be right (before "
        "1990, or more than a day after receipt); `published_at` is then the receipt time.",
    )
    language: str
    region_codes: list[str]
    metrics: MentionMetrics
    watchlist_terms: list[str] = Field(default_factory=list, description="Watchlist terms it matched.")
    official_alert: OfficialAlert | None = None
    received_at: WitaDateTime
    classification: StoredClassification | None = Field(
        description="The machine verdict computed at intake and the latest officer correction."
    )
    issue_id: int | None = Field(default=None, description="The issue this mention was attached to.")
    clustering: MentionIssueLink | None = Field(
        default=None,
        description="Why it was attached there: similarity, shared terms, the mention it copies.",
    )

    @classmethod
    def of(
        cls,
        mention: Mention,
        region_codes: list[str],
        classification: StoredClassification | None,
        placement: tuple[int, MentionIssueLink] | None,
    ) -> MentionPublic:
        return cls.model_validate(
            {
                **mention.model_dump(exclude={"url_key", "source_client_id"}),
                "region_codes": region_codes,
                "classification": classification,
                "issue_id": placement[0] if placement else None,
                "clustering": placement[1] if placement else None,
            }
        )


class MentionIntakeResult(MentionPublic):
    model_config = ConfigDict(json_schema_extra={"example": {**MENTION_PUBLIC_EXAMPLE, "duplicate": False}})

    duplicate: bool = Field(description="True when the mention was already stored; nothing new was written.")


class MentionPage(BaseModel):
    items: list[MentionPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last.")


# Items are validated one by one in the service, so one bad item is reported without rejecting the rest.
# The schema says so: an item is a MentionCreate, or anything else, which comes back `rejected`.
BatchItems = Annotated[
    list[Any],
    WithJsonSchema(
        {
            "type": "array",
            "items": {
                "anyOf": [
                    {"$ref": "#/components/schemas/MentionCreate"},
                    {
                        "description": "Any other value is not stored: it comes back in `results` as "
                        "`rejected`, with its errors, and the other items are unaffected."
                    },
                ]
            },
            "minItems": 1,
            "maxItems": 1000,
        }
    ),
]


class MentionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": BATCH_EXAMPLE})

    items: BatchItems = Field(min_length=1, max_length=1000)


class VerdictSummary(BaseModel):
    """The machine verdict in brief: enough to triage a batch without reading each mention back."""

    level: str
    urgency: int
    topic: str
    sentiment: str
    hoax_suspected: bool
    opportunity: bool


class BatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in the request.")
    status: Literal["created", "duplicate", "rejected"]
    id: int | None = Field(description="The stored mention (the earlier one for a duplicate).")
    issue_id: int | None = Field(default=None, description="The issue the mention belongs to.")
    verdict: VerdictSummary | None = Field(
        default=None,
        description="The machine verdict in brief (`GET /v1/mentions/{id}` has all of it, with its signals); "
        "null for a rejected item, or a duplicate of a mention this client may not see.",
    )
    errors: list[FieldError] | None = Field(
        default=None, description="For a rejected item: what is wrong, in the shape of a problem's `errors`."
    )


class BatchResult(BaseModel):
    results: list[BatchItemResult]
    created: int
    duplicates: int
    rejected: int
