"""Public statements of a response plan, and each issue's single narrative (narasi tunggal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.concurrency import check_if_match, etag
from app.db import SessionDep
from app.deps import Id, NowDep
from app.issues import service as issues
from app.issues.router import ExistingIssue
from app.openapi import problems
from app.plans import service, statements
from app.plans.deps import (
    ETAG_HEADER,
    ExistingPlan,
    IfMatch,
    PlanApprover,
    PlanReader,
    PlanWriter,
)
from app.plans.drafting import StatementKind
from app.plans.lifecycle import StatementAction, StatementStatus
from app.plans.models import Statement
from app.plans.schemas import ReasonBody, StatementCreate, StatementList, StatementPublic, StatementUpdate
from app.responses import model_response

router = APIRouter(tags=["statements"])


def _answer(
    response: Response, session: SessionDep, statement: Statement, *, status_code: int = 200
) -> Response:
    session.flush()
    response.headers["ETag"] = etag("statement", statement.id, statement.version)
    return model_response(statements.public(statement), response, status_code=status_code)


@router.post(
    "/v1/response-plans/{plan_id}/statements",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problems(404, 409, 422),
        201: {"headers": {"Location": {"description": "The new version.", "schema": {"type": "string"}}}},
    },
    response_model=StatementPublic,
)
def create_statement(
    now: NowDep,
    plan_id: Id,
    body: StatementCreate,
    session: SessionDep,
    principal: PlanWriter,
    response: Response,
) -> Response:
    """Write a new version of a statement; without `text`, Sigap drafts one in Bahasa Indonesia.

    Kinds: `holding_statement`, `press_release`, `clarification` (a hoax, citing the issue's `hoax_evidence`),
    `apology`, `instruction` (public-safety guidance). Drafts are filled with the issue's title, regions,
    agencies and the time in WITA, then edited by the officer and approved like plans.
    """
    plan = service.get_plan(session, plan_id, for_update=True, viewer=principal)  # see issues.router.locked
    issue = issues.get_issue(session, plan.issue_id)
    statement = statements.create_statement(session, plan, issue, body, principal, now)
    response.headers["Location"] = f"/v1/statements/{statement.id}"
    return _answer(response, session, statement, status_code=201)


@router.get("/v1/response-plans/{plan_id}/statements", responses=problems(404))
def list_plan_statements(plan: ExistingPlan, session: SessionDep, _reader: PlanReader) -> StatementList:
    """Every version of every statement of the plan, by kind, newest version first."""
    return StatementList(items=[statements.public(s) for s in statements.listing(session, plan_id=plan.id)])


@router.get("/v1/issues/{issue_id}/statements", responses=problems(404))
def list_issue_statements(
    issue: ExistingIssue,
    session: SessionDep,
    _reader: PlanReader,
    status_: Annotated[
        StatementStatus | None,
        Query(alias="status", description="`approved`: the current single narrative, one per kind."),
    ] = None,
    kind: StatementKind | None = None,
) -> StatementList:
    """The issue's statements; `?status=approved` is the *narasi tunggal* every kabupaten/kota reads."""
    rows = statements.listing(session, issue_id=issue.id, status=status_, kind=kind)
    return StatementList(items=[statements.public(s) for s in rows])


@router.get(
    "/v1/statements/{statement_id}",
    responses={**problems(404), 200: {"headers": ETAG_HEADER}},
    response_model=StatementPublic,
)
def get_statement(statement_id: Id, session: SessionDep, reader: PlanReader, response: Response) -> Response:
    """Read one statement version."""
    return _answer(response, session, statements.get_statement(session, statement_id, viewer=reader))


@router.patch(
    "/v1/statements/{statement_id}",
    responses={**problems(404, 409, 412, 422, 428), 200: {"headers": ETAG_HEADER}},
    response_model=StatementPublic,
)
def update_statement(
    now: NowDep,
    statement_id: Id,
    body: StatementUpdate,
    session: SessionDep,
    principal: PlanWriter,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Edit a draft's text. Needs `If-Match`. Submitted and approved versions are final: write a new one."""
    statement = statements.lock_statement(session, statement_id, principal)
    check_if_match(etag("statement", statement.id, statement.version), if_match, what="statement")
    statements.update_text(session, statement, body.text, principal, now)
    return _answer(response, session, statement)


_ACTION_RESPONSES = {**problems(403, 404, 409, 412), 200: {"headers": ETAG_HEADER}}


def _act(
    now: NowDep,
    statement_id: Id,
    action: StatementAction,
    session: SessionDep,
    principal: PlanWriter,
    response: Response,
    if_match: str | None,
    reason: str | None = None,
) -> Response:
    statement = statements.lock_statement(session, statement_id, principal)
    check_if_match(
        etag("statement", statement.id, statement.version), if_match, what="statement", required=False
    )
    statements.transition(session, statement, action, principal, now, reason=reason)
    return _answer(response, session, statement)


@router.post(
    "/v1/statements/{statement_id}/submit", responses=_ACTION_RESPONSES, response_model=StatementPublic
)
def submit_statement(
    now: NowDep,
    statement_id: Id,
    session: SessionDep,
    principal: PlanWriter,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Submit the draft for approval."""
    return _act(now, statement_id, StatementAction.submit, session, principal, response, if_match)


@router.post(
    "/v1/statements/{statement_id}/approve", responses=_ACTION_RESPONSES, response_model=StatementPublic
)
def approve_statement(
    now: NowDep,
    statement_id: Id,
    session: SessionDep,
    principal: PlanApprover,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Approve the submitted version: it becomes the current single narrative of its kind for the issue, and
    the version approved before it is `superseded`. Another client than the submitter must approve."""
    return _act(now, statement_id, StatementAction.approve, session, principal, response, if_match)


@router.post(
    "/v1/statements/{statement_id}/reject", responses=_ACTION_RESPONSES, response_model=StatementPublic
)
def reject_statement(
    now: NowDep,
    statement_id: Id,
    body: ReasonBody,
    session: SessionDep,
    principal: PlanApprover,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Send the submitted version back to draft with the reason."""
    return _act(
        now, statement_id, StatementAction.reject, session, principal, response, if_match, body.reason
    )
