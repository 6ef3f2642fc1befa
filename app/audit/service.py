"""Writing to and reading the audit trail, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.audit.models import AuditEntry
from app.auth.service import Principal
from app.clock import utcnow

SYSTEM_ACTOR = "sigap"
AUDITED = "sigap_audited"  # session.info flag: this transaction recorded what it did (see app/audit/net)


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    target_type: str,
    target_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry; ``principal`` None means Sigap itself (e.g. the overdue sweep)."""
    session.info[AUDITED] = True
    session.add(
        AuditEntry(
            at=utcnow(),
            client_id=principal.client_id if principal else None,
            actor=principal.name if principal else SYSTEM_ACTOR,
            agency_code=principal.agency_code if principal else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail or {},
        )
    )


def page(
    session: Session,
    *,
    target_type: str | None,
    target_id: int | None,
    action: str | None,
    client_id: int | None,
    before_id: int | None,
    limit: int,
) -> tuple[list[AuditEntry], int | None]:
    """Newest first; the id to continue below, or None on the last page."""
    query = select(AuditEntry)
    if target_type:
        query = query.where(col(AuditEntry.target_type) == target_type)
    if target_id is not None:
        query = query.where(col(AuditEntry.target_id) == target_id)
    if action:
        query = query.where(col(AuditEntry.action) == action)
    if client_id is not None:
        query = query.where(col(AuditEntry.client_id) == client_id)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    rows = list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
