"""Every table model, imported in one place so Alembic and tests see the whole metadata."""

from sqlmodel import SQLModel

from app.access.models import IssueShare
from app.audit.models import AuditEntry
from app.auth.models import ApiClient
from app.classification.models import ClassifierModel, MentionClassification, MentionLabel
from app.idempotency.models import IdempotencyRecord
from app.issues.models import (
    Issue,
    IssueHistory,
    IssueHourly,
    IssueMention,
    IssueSource,
    IssueTerm,
    MentionFingerprint,
)
from app.mentions.models import Mention, MentionRegion
from app.monitoring.models import DefaultWatchlist, Source
from app.outbox.models import OutboxEvent
from app.plans.models import PlanTask, ResponsePlan, Statement
from app.ratelimit.models import RateLimitCounter
from app.reference.models import Agency, Region
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "ApiClient",
    "AuditEntry",
    "ClassifierModel",
    "DefaultWatchlist",
    "IdempotencyRecord",
    "Issue",
    "IssueHistory",
    "IssueHourly",
    "IssueMention",
    "IssueShare",
    "IssueSource",
    "IssueTerm",
    "Mention",
    "MentionClassification",
    "MentionFingerprint",
    "MentionLabel",
    "MentionRegion",
    "OutboxEvent",
    "PlanTask",
    "RateLimitCounter",
    "Region",
    "ResponsePlan",
    "Source",
    "Statement",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
