"""API clients: the machines and officers' apps that call Sigap, each belonging to one agency."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, computed_field, field_validator
from sqlmodel import Column, Field, SQLModel

from app.clock import WitaDateTime, utcnow
from app.db_types import JSONVariant, UTCDateTime
from app.reference.catalog import KNOWN_AGENCY


class Scope(StrEnum):
    mentions_write = "mentions:write"
    mentions_read = "mentions:read"
    issues_read = "issues:read"
    issues_write = "issues:write"
    plans_read = "plans:read"
    plans_write = "plans:write"
    plans_approve = "plans:approve"
    webhooks_manage = "webhooks:manage"
    sources_manage = "sources:manage"
    # Official warnings (CAP feeds, `bmkg_cap` mentions) set a floor under the crisis level and reach the
    # public CAP feed: only clients trusted to relay them (a BMKG bridge) may send them or register feeds.
    alerts_official = "alerts:official"
    admin = "admin"


class ApiClient(SQLModel, table=True):
    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    agency_code: str = Field(foreign_key="agency.code", max_length=64, index=True)
    scopes: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    key_prefix: str = Field(max_length=16, description="First characters of the key, to recognise it.")
    # SHA-256 of the key. Keys carry 256 random bits, so a slow password hash would add latency and no
    # protection; an unsalted digest of a random secret cannot be reversed or looked up.
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClientCreate(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "Crawler media daring Diskominfo Samarinda",
                "agency": "diskominfo-samarinda",
                "scopes": ["mentions:write", "mentions:read"],
            }
        },
    )

    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")
    agency: Annotated[str, KNOWN_AGENCY] = Field(
        min_length=1, max_length=64, description="Code of the agency the client belongs to."
    )
    scopes: list[Scope] = Field(min_length=1, max_length=8, description="`admin` implies every other scope.")

    @field_validator("scopes")
    @classmethod
    def _unique(cls, value: list[Scope]) -> list[Scope]:
        return list(dict.fromkeys(value))


class ClientPublic(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel narrows the config type
        json_schema_extra={
            "example": {
                "id": 7,
                "name": "Crawler media daring Diskominfo Samarinda",
                "agency": "diskominfo-samarinda",
                "scopes": ["mentions:write", "mentions:read"],
                "key_prefix": "sgp_Q2hc9",
                "created_at": "2026-11-27T09:30:00+08:00",
                "revoked_at": None,
                "active": True,
            }
        }
    )

    id: int
    name: str
    agency: str
    scopes: list[str]
    key_prefix: str
    created_at: WitaDateTime
    revoked_at: WitaDateTime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, client: ApiClient) -> ClientPublic:
        assert client.id is not None
        return cls(
            id=client.id,
            name=client.name,
            agency=client.agency_code,
            scopes=client.scopes,
            key_prefix=client.key_prefix,
            created_at=client.created_at,
            revoked_at=client.revoked_at,
        )


class ClientCreated(ClientPublic):
    """The new client with its key. The key is shown only in this response; Sigap keeps only a hash."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **ClientPublic.model_config["json_schema_extra"]["example"],  # type: ignore[index,dict-item]
                "key": "sgp_Q2hc9wT4Lr0mZ8xN1vB6yK3pD5sF7gH2jA9qW4eR6tY",
            }
        }
    )

    key: str


class ClientList(SQLModel):
    items: list[ClientPublic]
