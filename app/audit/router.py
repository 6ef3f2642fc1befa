"""The audit trail, for administrators: read only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.audit import service
from app.auth.deps import AdminPrincipal
from app.clock import WitaDateTime
from app.db import SessionDep
from app.db_types import MAX_ID
from app.deps import QueryId, SettingsDep
from app.openapi import problems
from app.pagination import PageSize

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    id: int
    at: WitaDateTime
    client_id: int | None
    actor: str
    agency_code: str | None
    action: str
    target_type: str
    target_id: int
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_before_id: int | None


@router.get("", responses=problems(400))
def list_audit(
    request: Request,
    response: Response,
    session: SessionDep,
    _admin: AdminPrincipal,
    settings: SettingsDep,
    target_type: Annotated[
        str | None, Query(max_length=32, description="e.g. `response_plan`, `task`, `statement`.")
    ] = None,
    target_id: QueryId | None = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. `plan.approved`.")] = None,
    client_id: QueryId | None = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_before_id` of the page before.")
    ] = None,
    limit: PageSize = 50,
) -> AuditPage:
    """Who did what and when, newest first: every write — intake, edits, overrides, approvals, shares,
    personal-data reads and erasures. Writes without an entry of their own are recorded by operation
    (`PATCH /v1/issues/{issue_id}`) with their target (app/audit/net.py).

    Append-only: there is no way to change or delete an entry through the API.
    """
    rows, next_before = service.page(
        session,
        target_type=target_type,
        target_id=target_id,
        action=action,
        client_id=client_id,
        before_id=before_id,
        limit=min(limit, settings.page_max),
    )
    if next_before is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(before_id=next_before)}>; rel="next"'
    return AuditPage(
        items=[AuditEntryPublic.model_validate(row.model_dump()) for row in rows], next_before_id=next_before
    )
