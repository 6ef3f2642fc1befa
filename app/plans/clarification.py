"""Whether an issue has an approved clarification: a confirmed hoax cannot be closed without one.

Its own module so the issues domain can ask without importing the plan services (which import issues).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.plans.lifecycle import StatementStatus
from app.plans.models import Statement

CLARIFICATION = "clarification"


def has_approved_clarification(session: Session, issue_id: int | None) -> bool:
    found = session.exec(
        select(Statement.id).where(
            col(Statement.issue_id) == issue_id,
            col(Statement.kind) == CLARIFICATION,
            col(Statement.status) == StatementStatus.approved,
        )
    ).first()
    return found is not None
