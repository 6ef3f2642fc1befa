"""The seam where stored mentions go next.

Intake calls :func:`after_store` inside the intake transaction with the ids of the mentions it has just
written. Classification (urgency, impact, crisis level) and clustering into issues plug in here as steps,
so that a mention is never visible without them once they exist. Until then there are no steps: Sigap
stores mentions and says nothing about them it has not computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel import Session

IntakeStep = Callable[[Session, Sequence[int]], None]

STEPS: list[IntakeStep] = []


def after_store(session: Session, mention_ids: Sequence[int]) -> None:
    if not mention_ids:
        return
    for step in STEPS:
        step(session, mention_ids)
