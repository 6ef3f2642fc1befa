"""What the API shows and accepts about webhook subscriptions and deliveries."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, WithJsonSchema

from app.clock import WitaDateTime
from app.contract import Trimmed
from app.outbound.refusal import PUBLIC_URL

EVENT_TYPES = (
    "issue.created",
    "issue.level_changed",
    "issue.escalated",
    "issue.status_changed",
    "plan.created",
    "plan.updated",
    "plan.submitted",
    "plan.approved",
    "plan.rejected",
    "plan.activated",
    "plan.completed",
    "plan.cancelled",
    "task.created",
    "task.updated",
    "task.overdue",
    "statement.created",
    "statement.updated",
    "statement.submitted",
    "statement.approved",
    "statement.rejected",
    "statement.superseded",
    "webhook.test",
)
# The schema lists the known types; the service answers an unknown one with UNKNOWN_EVENT_TYPE naming them.
EventType = Annotated[
    str, StringConstraints(max_length=64), WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)})
]


Description = Annotated[str, Trimmed(0, 300)]
ReceiverUrl = Annotated[str, Trimmed(8, 2000)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://ews.bpbd.kaltimprov.go.id/sigap/webhook",
                "event_types": ["issue.escalated", "task.created", "task.overdue"],
                "description": "Sistem peringatan dini BPBD Kaltim",
            }
        },
    )

    url: ReceiverUrl = Field(
        description="https with a DNS host name (hosts on SIGAP_WEBHOOK_ALLOW_HTTP_HOSTS excepted); the name "
        "must resolve to public addresses only.",
        json_schema_extra={"pattern": PUBLIC_URL},
    )
    event_types: list[EventType] = Field(
        default_factory=list, max_length=50, description="Event types to receive; empty: all of them."
    )
    description: Description = ""


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: ReceiverUrl | None = Field(default=None, json_schema_extra={"pattern": PUBLIC_URL})
    event_types: list[EventType] | None = Field(default=None, max_length=50)
    description: Description | None = None
    active: StrictBool | None = Field(
        default=None, description="`true` re-enables a subscription disabled by `410`."
    )


class WebhookPublic(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    disabled_reason: str | None
    agency: str = Field(description="Whose events it receives (all, when created by an administrator).")
    all_agencies: bool
    secret_rotating_until: WitaDateTime | None = Field(
        description="While set, deliveries carry the old secret's signature too."
    )
    created_at: WitaDateTime
    updated_at: WitaDateTime


class WebhookCreated(WebhookPublic):
    """The subscription with its signing secret: shown only in this answer (and after a rotation)."""

    secret: str = Field(
        description="`whsec_` + base64 of 32 random bytes; verify `webhook-signature` with it."
    )


class WebhookList(BaseModel):
    items: list[WebhookPublic]


class AttemptPublic(BaseModel):
    at: WitaDateTime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event_type: str
    event_id: int | None
    status: str
    attempts: int
    next_attempt_at: WitaDateTime | None
    last_status_code: int | None
    last_error: str | None
    created_at: WitaDateTime
    completed_at: WitaDateTime | None
    attempt_log: list[AttemptPublic]


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_before_id: int | None
