"""Writing events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from app.clock import utcnow
from app.outbox.models import OutboxEvent


def emit(
    session: Session, event_type: str, *, aggregate: str, aggregate_id: int, payload: dict[str, Any]
) -> None:
    session.execute(
        insert(OutboxEvent.__table__),  # type: ignore[attr-defined]
        [
            {
                "event_type": event_type,
                "aggregate": aggregate,
                "aggregate_id": aggregate_id,
                "payload": {"type": event_type, **payload},
                "created_at": utcnow(),
            }
        ],
    )
