"""Mentions: one news article, broadcast or social-media post about a subject Sigap watches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, StringConstraints, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.clock import AwareInstant, WitaDateTime, utcnow
from app.db_types import JSONVariant, UTCDateTime
from app.errors import FieldError
from app.mentions.examples import BATCH_EXAMPLE, MENTION_EXAMPLE, MENTION_PUBLIC_EXAMPLE
from app.reference.catalog import RegionCode

TEXT_MAX = 100_000
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


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


Count = Annotated[int, Field(ge=0, le=10**15)]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=16)]


class MentionMetrics(SQLModel):
    """Reach and engagement as reported by the source; every figure is optional."""

    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        extra="forbid"
    )

    reach: Count | None = Field(default=None, description="Estimated audience (readers, followers reached).")
    views: Count | None = None
    likes: Count | None = None
    shares: Count | None = None
    comments: Count | None = None


class Mention(SQLModel, table=True):
    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("source_client_id", "external_id"),
        Index("ix_mention_published_at_id", "published_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (source_client_id, external_id) index starts with it.
    source_client_id: int = Field(foreign_key="api_client.id")
    source_system: str = Field(max_length=100, description="Name of the API client that sent the mention.")
    source_type: str = Field(max_length=16)
    source_name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2048)
    # SHA-256 of the canonical URL (see canonical.py). A hash, not the URL: canonical forms can outgrow any
    # column once percent-encoded, and long strings make poor unique-index keys.
    url_key: str | None = Field(default=None, max_length=64, unique=True)
    external_id: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=1000)
    text: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, max_length=200)  # personal data (UU 27/2022)
    published_at: datetime = Field(sa_type=UTCDateTime)
    language: str = Field(max_length=16)
    metrics: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentionRegion(SQLModel, table=True):
    """Which kabupaten/kota a mention is about; the index behind the `region` filter."""

    __tablename__ = "mention_region"
    __table_args__ = (Index("ix_mention_region_region_code_mention_id", "region_code", "mention_id"),)

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    region_code: str = Field(foreign_key="region.code", primary_key=True, max_length=8)


class MentionCreate(SQLModel):
    """A mention as a monitoring system or officer sends it. `title` or `text` is required."""

    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        extra="forbid", json_schema_extra={"example": MENTION_EXAMPLE}
    )

    source_type: SourceType
    source_name: str | None = Field(
        default=None, min_length=1, max_length=200, description="Outlet or account, e.g. `Kaltim Post`."
    )
    url: str | None = Field(default=None, max_length=2048, description="http(s) link to the original.")
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
    published_at: AwareInstant = Field(
        description="When the source published it, with a UTC offset (`+08:00` for WITA, or `Z`)."
    )
    language: LanguageTag = Field(default="id", description="BCP 47 language tag; `id` is Indonesian.")
    region_codes: list[RegionCode] = Field(
        default_factory=list,
        max_length=11,
        description="Hint: Kemendagri codes of the regions concerned (`64`, `64.72`, …; "
        "see `GET /v1/regions`).",
    )
    metrics: MentionMetrics = Field(default_factory=MentionMetrics)

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

    @field_validator("published_at")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        # Far past or future times are typos or broken clocks, and would sort before or after everything.
        if not (EARLIEST_PUBLISHED <= value <= utcnow() + FUTURE_TOLERANCE):
            raise PydanticCustomError(
                "published_at_out_of_range", "published_at must lie between 1990-01-01 and one day from now"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value.strip())
            valid = (
                parts.scheme.lower() in ("http", "https")
                and bool(parts.hostname)
                and value.strip().isprintable()
            )
            _ = parts.port  # raises on a malformed port
        except ValueError:
            valid = False
        if not valid:
            raise PydanticCustomError("url_invalid", "url must be an absolute http or https URL")
        return value.strip()

    @field_validator("region_codes")
    @classmethod
    def _as_set(cls, value: list[str]) -> list[str]:
        return sorted(set(value))  # stored as a set; answered in one order whether new or duplicate

    @model_validator(mode="after")
    def _has_content(self) -> MentionCreate:
        if not (self.title or "").strip() and not (self.text or "").strip():
            raise PydanticCustomError("content_required", "a mention needs a title or a text")
        return self


class MentionPublic(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        json_schema_extra={"example": MENTION_PUBLIC_EXAMPLE}
    )

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
    language: str
    region_codes: list[str]
    metrics: MentionMetrics
    received_at: WitaDateTime

    @classmethod
    def of(cls, mention: Mention, region_codes: list[str]) -> MentionPublic:
        return cls.model_validate(
            {
                **mention.model_dump(exclude={"url_key", "source_client_id"}),
                "region_codes": region_codes,
            }
        )


class MentionIntakeResult(MentionPublic):
    model_config = ConfigDict(json_schema_extra={"example": {**MENTION_PUBLIC_EXAMPLE, "duplicate": False}})

    duplicate: bool = Field(description="True when the mention was already stored; nothing new was written.")


class MentionPage(SQLModel):
    items: list[MentionPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last.")


# Items are validated one by one in the service, so one bad item is reported without rejecting the rest;
# the schema still tells integrators each item is a MentionCreate.
BatchItems = Annotated[
    list[Any],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"$ref": "#/components/schemas/MentionCreate"},
            "minItems": 1,
            "maxItems": 1000,
        }
    ),
]


class MentionBatch(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        extra="forbid", json_schema_extra={"example": BATCH_EXAMPLE}
    )

    items: BatchItems = Field(min_length=1, max_length=1000)


class BatchItemResult(SQLModel):
    index: int = Field(description="Position of the item in the request.")
    status: Literal["created", "duplicate", "rejected"]
    id: int | None = Field(description="The stored mention (the earlier one for a duplicate).")
    errors: list[FieldError] | None = Field(
        default=None, description="For a rejected item: what is wrong, in the shape of a problem's `errors`."
    )


class BatchResult(SQLModel):
    results: list[BatchItemResult]
    created: int
    duplicates: int
    rejected: int
