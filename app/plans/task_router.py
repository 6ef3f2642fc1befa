"""Tasks: each agency's share of a response plan, and its work queue (disposisi)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.clock import AwareInstant
from app.concurrency import check_if_match, etag
from app.db import SessionDep
from app.deps import Id, NowDep, QueryId, SettingsDep
from app.openapi import problems
from app.pagination import CursorCodec, PageSize, scope_of
from app.plans import service, tasks
from app.plans.deps import (
    ETAG_HEADER,
    ExistingTask,
    IfMatch,
    PlanningDep,
    PlanReader,
    PlanWriter,
)
from app.plans.lifecycle import TaskStatus
from app.plans.models import PlanTask
from app.plans.schemas import TaskCreate, TaskPage, TaskPublic, TaskUpdate
from app.responses import model_response

router = APIRouter(tags=["tasks"])


def _answer(
    now: NowDep, response: Response, session: SessionDep, task: PlanTask, *, status_code: int = 200
) -> Response:
    session.flush()
    response.headers["ETag"] = etag("task", task.id, task.version)
    return model_response(service.task_public(task, now), response, status_code=status_code)


@router.post(
    "/v1/response-plans/{plan_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problems(404, 409, 422),
        201: {"headers": {"Location": {"description": "The new task.", "schema": {"type": "string"}}}},
    },
    response_model=TaskPublic,
)
def add_task(
    now: NowDep,
    plan_id: Id,
    body: TaskCreate,
    session: SessionDep,
    principal: PlanWriter,
    planning: PlanningDep,
    response: Response,
) -> Response:
    """Add a task to an open plan: owner agency, phase, and a deadline (`due_at`, or an SLA `due_rule`)."""
    plan = service.get_plan(session, plan_id, for_update=True, viewer=principal)  # see issues.router.locked
    task = tasks.add_task(session, plan, body, principal, planning, now)
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return _answer(now, response, session, task, status_code=201)


@router.get("/v1/tasks", responses=problems(400))
def task_queue(
    now: NowDep,
    request: Request,
    response: Response,
    session: SessionDep,
    reader: PlanReader,
    settings: SettingsDep,
    agency: Annotated[str | None, Query(max_length=64, description="Owner agency code, e.g. `bpbd`.")] = None,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    overdue: Annotated[bool | None, Query(description="`true`: unfinished and past the deadline.")] = None,
    due_before: Annotated[AwareInstant | None, Query(description="Deadline before this instant.")] = None,
    plan_id: QueryId | None = None,
    limit: PageSize = 50,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="`next_cursor` of the page before.")
    ] = None,
) -> TaskPage:
    """An agency's work queue (disposisi): tasks of open plans, soonest deadline first.

    `?agency=bpbd&overdue=true` is what BPBD has let slip. Pages are linked by `next_cursor` and `Link`.
    """
    codec: CursorCodec = request.app.state.cursor_codec
    filters = {
        "agency": agency,
        "status": status_,
        "overdue": overdue,
        "due_before": due_before,
        "plan": plan_id,
    }
    scope = scope_of("tasks", filters)
    after = None
    if cursor is not None:
        due_at, task_id = codec.decode(scope, cursor)
        after = (datetime.fromisoformat(due_at), int(task_id))
    rows, next_position = tasks.queue(
        session,
        agency=agency,
        status=status_,
        overdue=overdue,
        due_before=due_before,
        plan_id=plan_id,
        now=now,
        limit=min(limit, settings.page_max),
        after=after,
        viewer=reader,
    )
    next_cursor = None
    if next_position is not None:
        next_cursor = codec.encode(scope, [next_position[0].isoformat(), next_position[1]])
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return TaskPage(items=[service.task_public(t, now) for t in rows], next_cursor=next_cursor)


@router.get(
    "/v1/tasks/{task_id}",
    responses={**problems(404), 200: {"headers": ETAG_HEADER}},
    response_model=TaskPublic,
)
def get_task(
    now: NowDep, task: ExistingTask, session: SessionDep, _reader: PlanReader, response: Response
) -> Response:
    """Read one task."""
    return _answer(now, response, session, task)


@router.patch(
    "/v1/tasks/{task_id}",
    responses={**problems(404, 409, 412, 422), 200: {"headers": ETAG_HEADER}},
    response_model=TaskPublic,
)
def update_task(
    now: NowDep,
    task_id: Id,
    body: TaskUpdate,
    session: SessionDep,
    principal: PlanWriter,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Report progress or change a task: `status` (`todo`, `in_progress`, `done`, `blocked` with a reason),
    title, notes, owner agency or deadline.

    `If-Match` is optional here (agency apps report status); when sent it must match.
    """
    task = tasks.lock_task(session, task_id, principal)
    check_if_match(etag("task", task.id, task.version), if_match, what="task", required=False)
    tasks.update_task(session, task, body, principal, now)
    return _answer(now, response, session, task)
