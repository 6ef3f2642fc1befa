"""Every table model, imported in one place so Alembic and tests see the whole metadata."""

from sqlmodel import SQLModel

from app.auth.models import ApiClient
from app.classification.models import ClassifierModel, MentionClassification, MentionLabel
from app.idempotency.models import IdempotencyRecord
from app.mentions.models import Mention, MentionRegion
from app.reference.models import Agency, Region

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "ApiClient",
    "ClassifierModel",
    "IdempotencyRecord",
    "Mention",
    "MentionClassification",
    "MentionLabel",
    "MentionRegion",
    "Region",
    "metadata",
]
