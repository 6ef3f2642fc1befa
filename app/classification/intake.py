"""The intake step: classify every new mention inside the intake transaction and store the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from app.classification.engine import classify_many
from app.classification.models import MentionClassification
from app.classification.registry import ACTIVE_MODELS
from app.classification.schemas import Classification, Document
from app.clock import utcnow
from app.mentions.models import MentionRegion
from app.mentions.pipeline import NewMention


def document_of(row: dict[str, Any]) -> Document:
    return Document(
        title=row.get("title"),
        text=row.get("text"),
        source_type=row.get("source_type", "other"),
        metrics=row.get("metrics") or {},
        published_at=row.get("published_at"),
        region_hints=row.get("region_codes") or [],
        official_alert=row.get("official_alert"),
    )


def verdict_row(mention_id: int, verdict: Classification) -> dict[str, Any]:
    return {
        "mention_id": mention_id,
        "sentiment": verdict.sentiment.label,
        "topic": verdict.topic.label,
        "level": verdict.level,
        "urgency": verdict.urgency,
        "impact_score": verdict.impact.score,
        "hoax_suspected": verdict.hoax_suspected,
        "opportunity": verdict.opportunity,
        "verdict": verdict.model_dump(mode="json"),
    }


def classify_new_mentions(session: Session, mentions: Sequence[NewMention]) -> None:
    models = ACTIVE_MODELS.get(session)
    now = utcnow()
    # Each mention is read alone, both models in one compiled pass (same verdicts as one classify() per
    # mention, see bench/classify_golden.py).
    verdicts = classify_many(
        [document_of(mention.row) for mention in mentions],
        now=now,
        sentiment_model=models.get("sentiment"),
        topic_model=models.get("topic"),
    )
    rows = []
    detected = []
    for mention, verdict in zip(mentions, verdicts, strict=True):
        row = verdict_row(mention.id, verdict)
        mention.extras["classification"] = verdict
        mention.extras["verdict_json"] = row["verdict"]  # what later steps (clustering) read
        mention.extras["classified_at"] = now
        rows.append({**row, "classified_at": now})
        # The regions the sender did not name go into the region index too, so `?region=` finds the mention.
        hinted = set(mention.row.get("region_codes") or ())
        detected += [
            {"mention_id": mention.id, "region_code": code, "detected": True}
            for code in verdict.region_codes
            if code
            not in hinted  # every gazetteer code is a catalog region (tests/test_classification_text.py)
        ]
    session.execute(insert(MentionClassification.__table__), rows)  # type: ignore[attr-defined]
    if detected:
        session.execute(insert(MentionRegion.__table__), detected)  # type: ignore[attr-defined]
