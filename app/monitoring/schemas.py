"""What the API shows and accepts about monitored sources and the default watchlist."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.clock import WitaDateTime
from app.contract import JSON_INTEGER, Trimmed
from app.monitoring.models import SourceKind
from app.outbound.refusal import PUBLIC_URL
from app.reference.catalog import RegionCode

Term = Annotated[str, Trimmed(2, 100)]
PollInterval = Annotated[int, Field(ge=60, le=86_400), JSON_INTEGER]
Url = Annotated[str, Trimmed(8, 2000)]
Name = Annotated[str, Trimmed(2, 200)]


class SourceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "rss",
                "url": "https://kaltim.example.id/rss/daerah.xml",
                "name": "Kaltim Post — Daerah",
                "poll_interval_s": 300,
                "region_codes": ["64.72"],
                "watchlist": ["banjir", "Karang Mumus"],
                "use_default_watchlist": True,
            }
        },
    )

    kind: SourceKind
    url: Url = Field(
        description="https with a DNS host name (hosts on SIGAP_OUTBOUND_ALLOW_HTTP_HOSTS excepted); the "
        "name must resolve to public addresses only.",
        json_schema_extra={"pattern": PUBLIC_URL},
    )
    name: Name
    poll_interval_s: PollInterval = Field(default=300, description="Seconds between polls (≥ 60).")
    region_codes: list[RegionCode] = Field(default_factory=list, max_length=11, description="Region hint.")
    watchlist: list[Term] = Field(default_factory=list, max_length=200, description="The source's own terms.")
    use_default_watchlist: StrictBool = Field(
        default=True,
        description="Also let items through that match the province's default watchlist. With no terms at "
        "all, every item is ingested.",
    )
    active: StrictBool = True


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = Field(default=None, json_schema_extra={"pattern": PUBLIC_URL})
    name: Name | None = None
    poll_interval_s: PollInterval | None = None
    region_codes: list[RegionCode] | None = Field(default=None, max_length=11)
    watchlist: list[Term] | None = Field(default=None, max_length=200)
    use_default_watchlist: StrictBool | None = None
    active: StrictBool | None = None


class SourcePublic(BaseModel):
    id: int
    kind: SourceKind
    url: str
    name: str
    poll_interval_s: int
    region_codes: list[str]
    watchlist: list[str]
    use_default_watchlist: bool
    active: bool
    agency: str
    last_polled_at: WitaDateTime | None
    last_ok_at: WitaDateTime | None
    last_error: str | None
    consecutive_failures: int
    flagged: bool = Field(description="Failing repeatedly (SIGAP_SOURCE_FLAG_AFTER in a row).")
    items_seen: int
    items_ingested: int
    next_poll_at: WitaDateTime
    created_at: WitaDateTime
    updated_at: WitaDateTime


class SourceList(BaseModel):
    items: list[SourcePublic]


class PollResult(BaseModel):
    source: SourcePublic
    seen: int = Field(description="Items in the feed this time (0 when it answered 304 Not Modified).")
    ingested: int = Field(description="New mentions stored.")


class WatchlistPublic(BaseModel):
    terms: list[str]
    updated_at: WitaDateTime | None
    updated_by: str | None


class WatchlistUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: list[Term] = Field(max_length=1000)
