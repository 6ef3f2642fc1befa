"""Tasks: each agency's share of a plan, its work queue (disposisi), and the overdue sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, tuple_, update
from sqlmodel import Session, col, select

from app.access import service as access
from app.auth.service import Principal
from app.classification.taxonomy import Level
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.issues.models import Issue
from app.plans import sla
from app.plans.lifecycle import OPEN_PLAN_STATUSES, UNFINISHED_TASK_STATUSES, TaskStatus
from app.plans.models import PlanTask, ResponsePlan
from app.plans.schemas import TaskCreate, TaskUpdate
from app.plans.service import Planning, _announce_task, get_plan, touch
from app.reference.models import Agency


def get_task(
    session: Session, task_id: int, *, for_update: bool = False, viewer: Principal | None = None
) -> PlanTask:
    """The task; 404 when it does not exist or ``viewer`` may not see its issue (app/access)."""
    query = select(PlanTask).where(col(PlanTask.id) == task_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    task = session.exec(query).one_or_none()
    if task is None or (viewer is not None and not _sees_plan(session, viewer, task.plan_id)):
        raise NotFound(f"Task {task_id} does not exist.", code="TASK_NOT_FOUND")
    return task


def _sees_plan(session: Session, viewer: Principal, plan_id: int) -> bool:
    issue_id = session.exec(select(ResponsePlan.issue_id).where(col(ResponsePlan.id) == plan_id)).one()
    return access.sees_issue(session, viewer, issue_id)


def lock_task(session: Session, task_id: int, viewer: Principal | None = None) -> PlanTask:
    """The task and its plan, row-locked in that order of plan first, as every writer takes them (the sweep
    too), so two writers never wait for each other in a cycle."""
    plan_id = get_task(session, task_id, viewer=viewer).plan_id
    get_plan(session, plan_id, for_update=True)
    return get_task(session, task_id, for_update=True)


def open_plan(plan: ResponsePlan) -> None:
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(
            f"Response plan {plan.id} is {plan.status}; its tasks can no longer change.", code="PLAN_CLOSED"
        )


def _known_agency(session: Session, code: str) -> None:
    if session.get(Agency, code) is None:
        raise UnprocessableEntity(
            f"Unknown agency code {code!r}; see GET /v1/agencies.", code="UNKNOWN_AGENCY"
        )


def add_task(
    session: Session,
    plan: ResponsePlan,
    body: TaskCreate,
    principal: Principal,
    planning: Planning,
    now: datetime,
) -> PlanTask:
    open_plan(plan)
    _known_agency(session, body.agency)
    phase = next(p for p in plan.phases if p["name"] == body.phase)
    if phase["skipped"]:
        raise Conflict(
            f"The {body.phase} phase is skipped in this plan ({phase['skip_reason']['en']}) Change the "
            "plan's "
            "crisis cluster first if that no longer holds.",
            code="PHASE_SKIPPED",
        )
    if body.due_rule is not None:
        due_at = sla.due(
            Level(plan.level), body.due_rule, plan.sla_started_at, planning.calendar, planning.policies
        )
    else:
        assert body.due_at is not None
        due_at = body.due_at
    task = PlanTask(
        plan_id=plan.id,  # type: ignore[arg-type]
        phase=body.phase,
        title=body.title,
        notes=body.notes,
        agency=body.agency,
        due_at=due_at,
        due_rule=body.due_rule,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    _announce_task(
        session, principal, "task.created", task, plan, {"agency": task.agency, "title": task.title}
    )
    return task


def update_task(
    session: Session, task: PlanTask, change: TaskUpdate, principal: Principal, now: datetime
) -> ResponsePlan:
    plan = get_plan(session, task.plan_id)  # locked by lock_task
    open_plan(plan)
    fields = change.model_dump(exclude_unset=True)
    if fields.get("agency"):
        _known_agency(session, fields["agency"])
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or getattr(task, name) == value or name == "blocked_reason":
            continue
        changes[name] = {"old": _shown(getattr(task, name)), "new": _shown(value)}
        setattr(task, name, value)
    if change.status is not None:
        _status_side_effects(task, change, now)
        if change.status is TaskStatus.blocked:
            changes["blocked_reason"] = change.blocked_reason
    if "title" in changes:
        task.title_en = None  # the template's English no longer says what the task says
    if "due_at" in changes:
        task.due_rule = None
        if task.due_at > now:
            task.overdue_announced_at = None  # a new deadline may be missed again, and announced again
    if not changes:
        return plan
    touch(task, now)
    _recheck_attention(session, plan, now)
    _announce_task(session, principal, "task.updated", task, plan, changes)
    return plan


def _status_side_effects(task: PlanTask, change: TaskUpdate, now: datetime) -> None:
    status = change.status
    if status is TaskStatus.in_progress and task.started_at is None:
        task.started_at = now
    task.done_at = now if status is TaskStatus.done else None
    task.blocked_reason = change.blocked_reason if status is TaskStatus.blocked else None


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _recheck_attention(session: Session, plan: ResponsePlan, now: datetime) -> None:
    """A plan needs attention while any of its tasks is announced overdue and still unfinished."""
    session.flush()
    still = session.exec(
        select(
            exists().where(
                col(PlanTask.plan_id) == plan.id,
                col(PlanTask.status).in_(list(UNFINISHED_TASK_STATUSES)),
                col(PlanTask.due_at) < now,
            )
        )
    ).one()
    if plan.needs_attention and not still:
        plan.needs_attention = False


def queue(
    session: Session,
    *,
    agency: str | None,
    status: TaskStatus | None,
    overdue: bool | None,
    due_before: datetime | None,
    plan_id: int | None,
    now: datetime,
    limit: int,
    after: tuple[datetime, int] | None,
    viewer: Principal,
) -> tuple[list[PlanTask], tuple[datetime, int] | None]:
    """Tasks soonest deadline first: an agency's work queue. Only tasks of open plans whose issue ``viewer``
    sees."""
    query = select(PlanTask).join(ResponsePlan, col(ResponsePlan.id) == col(PlanTask.plan_id))
    query = query.where(col(ResponsePlan.status).in_(list(OPEN_PLAN_STATUSES)))
    seen = access.issue_clause(viewer)
    if seen is not None:
        query = query.where(col(ResponsePlan.issue_id).in_(select(Issue.id).where(seen)))
    if agency:
        query = query.where(col(PlanTask.agency) == agency)
    if status:
        query = query.where(col(PlanTask.status) == status)
    if overdue is True:
        query = query.where(
            col(PlanTask.status).in_(list(UNFINISHED_TASK_STATUSES)), col(PlanTask.due_at) < now
        )
    elif overdue is False:
        query = query.where((col(PlanTask.status) == TaskStatus.done) | (col(PlanTask.due_at) >= now))
    if due_before:
        query = query.where(col(PlanTask.due_at) < due_before)
    if plan_id is not None:
        query = query.where(col(PlanTask.plan_id) == plan_id)
    if after is not None:
        query = query.where(tuple_(col(PlanTask.due_at), col(PlanTask.id)) > tuple_(*after))
    rows = list(session.exec(query.order_by(col(PlanTask.due_at), col(PlanTask.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], (last.due_at, last.id)  # type: ignore[return-value]
    return rows, None


def sweep_overdue(session: Session, now: datetime) -> int:
    """Announce each task that went overdue, once: a `task.overdue` event, and its plan needs attention.

    Several processes may sweep at the same time: the conditional update lets exactly one of them claim
    each task, so the event is written once.
    """
    candidates = session.exec(
        select(PlanTask.id, PlanTask.plan_id)
        .join(ResponsePlan, col(ResponsePlan.id) == col(PlanTask.plan_id))
        .where(
            col(PlanTask.status).in_(list(UNFINISHED_TASK_STATUSES)),
            col(PlanTask.due_at) < now,
            col(PlanTask.overdue_announced_at).is_(None),
            col(ResponsePlan.status).in_(list(OPEN_PLAN_STATUSES)),
        )
        .order_by(col(PlanTask.due_at))
        .limit(500)
    ).all()
    announced = 0
    for task_id, plan_id in candidates:
        plan = get_plan(session, plan_id, for_update=True)  # plan before task, as lock_task does
        claimed = session.execute(
            update(PlanTask)
            .where(col(PlanTask.id) == task_id, col(PlanTask.overdue_announced_at).is_(None))
            .values(overdue_announced_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        task = session.get(PlanTask, task_id)
        assert task is not None
        session.refresh(task)
        plan.needs_attention = True
        _announce_task(session, None, "task.overdue", task, plan, {"due_at": task.due_at.isoformat()})
        announced += 1
    return announced
