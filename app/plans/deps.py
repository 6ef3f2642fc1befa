"""Dependencies shared by the plan, task and statement routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.auth.deps import get_principal, require
from app.auth.models import Scope
from app.auth.service import Principal
from app.db import SessionDep
from app.deps import Id
from app.plans import service, tasks
from app.plans.models import PlanTask, ResponsePlan
from app.plans.service import Planning

PlanReader = Annotated[Principal, Depends(require(Scope.plans_read))]
PlanWriter = Annotated[Principal, Depends(require(Scope.plans_write))]
PlanApprover = Annotated[Principal, Depends(require(Scope.plans_approve))]
IfMatch = Annotated[str | None, Header(description="The `ETag` as you read it.", max_length=200)]
ETAG_HEADER = {
    "ETag": {"description": "The version you read; send it back in `If-Match`.", "schema": {"type": "string"}}
}


async def get_planning(request: Request) -> Planning:
    planning: Planning = request.app.state.planning
    return planning


PlanningDep = Annotated[Planning, Depends(get_planning)]


# The route declares the scope; these only authenticate, and answer 404 for what the caller may not see.
Caller = Annotated[Principal, Depends(get_principal)]


def valid_plan(plan_id: Id, session: SessionDep, viewer: Caller) -> ResponsePlan:
    return service.get_plan(session, plan_id, viewer=viewer)


def valid_task(task_id: Id, session: SessionDep, viewer: Caller) -> PlanTask:
    return tasks.get_task(session, task_id, viewer=viewer)


ExistingPlan = Annotated[ResponsePlan, Depends(valid_plan)]
ExistingTask = Annotated[PlanTask, Depends(valid_task)]
