"""Response plans: recommend one for an issue, edit the draft, move it through approval, evaluate it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from app.concurrency import check_if_match
from app.db import SessionDep
from app.deps import Id, NowDep
from app.errors import Conflict
from app.issues import service as issues
from app.issues.router import ExistingIssue, locked
from app.openapi import problems
from app.plans import service
from app.plans.deps import (
    ETAG_HEADER,
    ExistingPlan,
    IfMatch,
    PlanApprover,
    PlanningDep,
    PlanReader,
    PlanWriter,
)
from app.plans.lifecycle import PlanAction
from app.plans.models import ResponsePlan
from app.plans.schemas import (
    CompleteBody,
    Evaluation,
    NoteBody,
    PlanCreate,
    PlanList,
    PlanPublic,
    PlanUpdate,
    ReasonBody,
)
from app.responses import model_response

router = APIRouter(tags=["response plans"])

_CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "headers": {
            **ETAG_HEADER,
            "Location": {"description": "The new plan.", "schema": {"type": "string"}},
        }
    }
}


def _answer(
    now: NowDep,
    response: Response,
    session: SessionDep,
    plan: ResponsePlan,
    planning: PlanningDep,
    *,
    status_code: int = 200,
) -> Response:
    session.flush()
    response.headers["ETag"] = service.etag(plan)
    return model_response(service.public(session, plan, planning, now), response, status_code=status_code)


@router.post(
    "/v1/issues/{issue_id}/response-plans",
    status_code=status.HTTP_201_CREATED,
    responses={**problems(404, 409, 422), **_CREATED},
    response_model=PlanPublic,
)
def create_plan(
    now: NowDep,
    issue_id: Id,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    body: Annotated[PlanCreate | None, Body()] = None,
) -> Response:
    """Recommend a response plan for the issue and keep it as a draft the officer can edit.

    Send no body (or `{}`) for Sigap's recommendation: the SCCT crisis cluster, the strategy (instructing
    information first whenever public safety is touched), the four phases *kenali, respon, penyesalan,
    perbaiki* — *penyesalan* skipped, with the reason, when the government is not at fault — and default tasks
    per agency due by the SLA of the issue's level. `rationale` says why, in Indonesian and English.
    An officer may set `crisis_cluster` (with `cluster_reason`) or `strategy`; `deny` needs a hoax confirmed
    with evidence. One open plan per issue: `409 PLAN_EXISTS` names it.
    """
    issue = locked(session, issue_id, principal)
    plan = service.create_plan(session, issue, body or PlanCreate(), principal, planning, now)
    response.headers["Location"] = f"/v1/response-plans/{plan.id}"
    return _answer(now, response, session, plan, planning, status_code=201)


@router.get("/v1/issues/{issue_id}/response-plans", responses=problems(404))
def list_plans(
    now: NowDep, issue: ExistingIssue, session: SessionDep, _reader: PlanReader, planning: PlanningDep
) -> PlanList:
    """The issue's response plans, newest first (at most one is open)."""
    return PlanList(
        items=[service.public(session, p, planning, now) for p in service.plans_of(session, issue)]
    )


@router.get(
    "/v1/response-plans/{plan_id}",
    responses={**problems(404), 200: {"headers": ETAG_HEADER}},
    response_model=PlanPublic,
)
def get_plan(
    now: NowDep,
    plan: ExistingPlan,
    session: SessionDep,
    _reader: PlanReader,
    planning: PlanningDep,
    response: Response,
) -> Response:
    """Read a plan with its phases, tasks, SLA deadlines and the actions allowed now."""
    return _answer(now, response, session, plan, planning)


@router.patch(
    "/v1/response-plans/{plan_id}",
    responses={**problems(404, 409, 412, 422, 428), 200: {"headers": ETAG_HEADER}},
    response_model=PlanPublic,
)
def update_plan(
    now: NowDep,
    plan_id: Id,
    body: PlanUpdate,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Change a draft's crisis cluster and/or strategy.

    The recommendation is worked out again for the new choice: rationale, phases (*penyesalan* switches on
    for `preventable`) and the template tasks nobody has edited; tasks officers edited or added stay.
    Needs `If-Match` (`428` without it, `412` when the plan changed meanwhile).
    """
    plan = service.get_plan(session, plan_id, for_update=True, viewer=principal)  # see issues.router.locked
    check_if_match(service.etag(plan), if_match, what="plan")
    issue = issues.get_issue(session, plan.issue_id)
    service.update_plan(session, plan, issue, body, principal, planning, now)
    return _answer(now, response, session, plan, planning)


def _act(
    now: NowDep,
    plan_id: Id,
    action: PlanAction,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    if_match: str | None,
    **extra: str | None,
) -> Response:
    plan = service.get_plan(session, plan_id, for_update=True, viewer=principal)  # see issues.router.locked
    check_if_match(service.etag(plan), if_match, what="plan", required=False)
    service.transition(session, plan, action, principal, now, **extra)
    return _answer(now, response, session, plan, planning)


_ACTION_RESPONSES = {**problems(403, 404, 409, 412), 200: {"headers": ETAG_HEADER}}


@router.post("/v1/response-plans/{plan_id}/submit", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def submit_plan(
    now: NowDep,
    plan_id: Id,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    body: Annotated[NoteBody | None, Body()] = None,
    if_match: IfMatch = None,
) -> Response:
    """Submit the draft for approval (`draft` → `submitted`)."""
    note = body.note if body else None
    return _act(
        now, plan_id, PlanAction.submit, session, principal, planning, response, if_match, reason=note
    )


@router.post("/v1/response-plans/{plan_id}/approve", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def approve_plan(
    now: NowDep,
    plan_id: Id,
    session: SessionDep,
    principal: PlanApprover,
    planning: PlanningDep,
    response: Response,
    body: Annotated[NoteBody | None, Body()] = None,
    if_match: IfMatch = None,
) -> Response:
    """Approve the submitted plan (`submitted` → `approved`); another client than the submitter must do it."""
    note = body.note if body else None
    return _act(
        now, plan_id, PlanAction.approve, session, principal, planning, response, if_match, reason=note
    )


@router.post("/v1/response-plans/{plan_id}/reject", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def reject_plan(
    now: NowDep,
    plan_id: Id,
    body: ReasonBody,
    session: SessionDep,
    principal: PlanApprover,
    planning: PlanningDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Send the submitted plan back to draft with the reason (`submitted` → `draft`)."""
    return _act(
        now, plan_id, PlanAction.reject, session, principal, planning, response, if_match, reason=body.reason
    )


@router.post("/v1/response-plans/{plan_id}/activate", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def activate_plan(
    now: NowDep,
    plan_id: Id,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Start carrying out the approved plan (`approved` → `active`); the issue's status becomes `handling`."""
    return _act(now, plan_id, PlanAction.activate, session, principal, planning, response, if_match)


@router.post("/v1/response-plans/{plan_id}/complete", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def complete_plan(
    now: NowDep,
    plan_id: Id,
    body: CompleteBody,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Close the active plan and record its evaluation with the officers' lessons learned.

    For a confirmed hoax an approved clarification must exist (`409 CLARIFICATION_REQUIRED`).
    The evaluation is at `GET /v1/response-plans/{id}/evaluation`.
    """
    return _act(
        now,
        plan_id,
        PlanAction.complete,
        session,
        principal,
        planning,
        response,
        if_match,
        lessons_learned=body.lessons_learned,
    )


@router.post("/v1/response-plans/{plan_id}/cancel", responses=_ACTION_RESPONSES, response_model=PlanPublic)
def cancel_plan(
    now: NowDep,
    plan_id: Id,
    body: ReasonBody,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Cancel an open plan, with the reason. A new plan can then be drafted for the issue."""
    return _act(
        now, plan_id, PlanAction.cancel, session, principal, planning, response, if_match, reason=body.reason
    )


@router.get("/v1/response-plans/{plan_id}/evaluation", responses=problems(404, 409))
def get_evaluation(plan: ExistingPlan, _reader: PlanReader) -> Evaluation:
    """Did trust come back? First response against the SLA, tasks on time and late, and the issue's mentions
    and sentiment in the window before the plan against the same length of time after its start."""
    if plan.evaluation is None:
        raise Conflict(
            f"Plan {plan.id} is {plan.status}; its evaluation is recorded when it completes.",
            code="PLAN_NOT_COMPLETED",
        )
    return Evaluation.model_validate(plan.evaluation)
