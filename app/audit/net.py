"""Every write is audited, by construction.

Domain code records what it did with :func:`app.audit.service.record` (action, target, detail). This net
catches the rest: when a request's transaction is about to commit after it changed something, and nothing was
recorded for it, one entry is added in the same transaction naming the operation (``PATCH
/v1/issues/{issue_id}``), its target and the caller. A write the audit trail does not show cannot commit.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, UOWTransaction
from sqlmodel import Session

from app.audit import service as audit
from app.auth.service import Principal

WROTE = "sigap_wrote"  # session.info flag: this transaction changed rows
PRINCIPAL = "sigap_principal"  # request.state attribute set by authentication


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def before_commit(request: Request, session: Session) -> None:
    """Called by the request's session just before it commits (app/db.get_session)."""
    if not session.info.get(WROTE) or session.info.get(audit.AUDITED):
        return
    principal: Principal | None = getattr(request.state, PRINCIPAL, None)
    route = request.scope.get("route")
    template = str(getattr(route, "path_format", request.url.path))
    params: dict[str, Any] = dict(request.path_params)
    numeric = [int(v) for v in params.values() if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]
    audit.record(
        session,
        principal,
        f"{request.method} {template}"[:64],
        target_type=_resource(template),
        target_id=numeric[0] if numeric else 0,
        detail={"route": template, "path_params": {k: str(v)[:100] for k, v in params.items()}},
    )


def _resource(template: str) -> str:
    """``/v1/issues/{issue_id}/shares`` → ``issue``: the first resource named in the path."""
    parts = [p for p in template.split("/") if p and p != "v1" and not p.startswith("{")]
    name = parts[0] if parts else "service"
    return (name[:-1] if name.endswith("s") else name)[:32]
