"""Request and response bodies of an issue's access: restriction and shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.clock import WitaDateTime
from app.issues.schemas import Reason
from app.reference.catalog import KNOWN_AGENCY


class ShareCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "agency": "diskominfo-kutai-kartanegara",
                "reason": "Longsor jalan poros Samarinda-Tenggarong juga berdampak ke warga Loa Janan.",
            }
        },
    )

    agency: Annotated[str, KNOWN_AGENCY] = Field(
        min_length=1, max_length=64, description="Agency code (`GET /v1/agencies`)."
    )
    reason: Reason


class SharePublic(BaseModel):
    agency: str
    reason: str
    granted_by: str
    granted_at: WitaDateTime


class AccessUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "restricted": True,
                "reason": "Memuat dugaan pungutan liar oleh oknum pejabat; ditangani Inspektorat.",
            }
        },
    )

    restricted: StrictBool = Field(description="Only the province and named agencies see a restricted issue.")
    reason: Reason


class IssueAccess(BaseModel):
    """Who sees the issue besides the provincial Diskominfo."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "issue_id": 42,
                "restricted": True,
                "assigned_agency": "inspektorat",
                "shared_with": [
                    {
                        "agency": "biro-adpim",
                        "reason": "Biro Adpim menyiapkan keterangan pers Gubernur.",
                        "granted_by": "Meja Krisis Diskominfo Kaltim",
                        "granted_at": "2026-11-27T10:15:00+08:00",
                    }
                ],
                "rule": "restricted: the province, the assigned agency and the agencies shared with",
            }
        }
    )

    issue_id: int
    restricted: bool
    assigned_agency: str | None
    shared_with: list[SharePublic]
    rule: str = Field(description="Who sees it, in words.")
