"""The seam where stored mentions go next.

Intake calls :func:`after_store` inside the intake transaction with the mentions it has just written.
Each step may add what it computed to ``NewMention.extras`` (returned with the mention at intake) and store
it; a step that fails fails the intake, so a mention is never stored without its classification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session


@dataclass(slots=True)
class NewMention:
    id: int
    row: dict[str, Any]  # the values as inserted
    extras: dict[str, Any] = field(default_factory=dict)


IntakeStep = Callable[[Session, Sequence[NewMention]], None]


def steps() -> list[IntakeStep]:
    # Imported here: the steps' domains build on mentions, so mentions cannot import them at module level.
    from app.classification.intake import classify_new_mentions
    from app.issues.clustering import attach_new_mentions

    return [classify_new_mentions, attach_new_mentions]


def after_store(session: Session, mentions: Sequence[NewMention]) -> None:
    if not mentions:
        return
    for step in steps():
        step(session, mentions)
    from app import metrics

    metrics.count_after_commit(
        session, metrics.MENTIONS, (m.row.get("source_type") or "other" for m in mentions)
    )
    levels = (m.extras["verdict_json"]["level"] for m in mentions if "verdict_json" in m.extras)
    metrics.count_after_commit(session, metrics.CLASSIFICATIONS, levels)
