"""Response plans: recommending one for an issue, editing the draft, and its life cycle with approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app import concurrency
from app.access import service as access
from app.audit import service as audit
from app.auth.models import Scope
from app.auth.service import Principal
from app.classification.models import MentionClassification
from app.classification.taxonomy import LEVEL_LABELS, Level
from app.errors import Conflict, Forbidden, NotFound
from app.issues import state
from app.issues.models import HoaxStatus, Issue, IssueMention, Status
from app.mentions.models import Mention
from app.outbox.service import emit
from app.plans import evaluation, recommend, sla
from app.plans.calendar import WorkingCalendar
from app.plans.clarification import has_approved_clarification
from app.plans.lifecycle import (
    OPEN_PLAN_STATUSES,
    PLAN_TRANSITIONS,
    UNFINISHED_TASK_STATUSES,
    PlanAction,
    PlanStatus,
    StatementStatus,
    allowed_actions,
    next_status,
    past_tense,
)
from app.plans.models import PlanTask, ResponsePlan, Statement
from app.plans.schemas import (
    PHASE_LABELS,
    Evaluation,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
    TaskPublic,
)
from app.reference.models import Agency


@dataclass(frozen=True, slots=True)
class Planning:
    """The deployment's SLA table and working calendar (from settings, read once per process)."""

    calendar: WorkingCalendar
    policies: dict[Level, sla.SlaPolicy]


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"


def etag(plan: ResponsePlan) -> str:
    return concurrency.etag("plan", plan.id, plan.version)


def get_plan(
    session: Session, plan_id: int, *, for_update: bool = False, viewer: Principal | None = None
) -> ResponsePlan:
    """The plan; 404 when it does not exist or ``viewer`` may not see its issue (app/access)."""
    query = select(ResponsePlan).where(col(ResponsePlan.id) == plan_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    plan = session.exec(query).one_or_none()
    if plan is None or (viewer is not None and not access.sees_issue(session, viewer, plan.issue_id)):
        raise NotFound(f"Response plan {plan_id} does not exist.", code="PLAN_NOT_FOUND")
    return plan


def touch(row: ResponsePlan | PlanTask | Statement, now: datetime) -> None:
    row.version += 1
    row.updated_at = now


def announce(
    session: Session,
    principal: Principal | None,
    event_type: str,
    *,
    aggregate: str,
    aggregate_id: int,
    payload: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> None:
    """One change, told twice in the same transaction: to listeners (outbox) and to the audit trail."""
    emit(session, event_type, aggregate=aggregate, aggregate_id=aggregate_id, payload=payload)
    audit.record(session, principal, event_type, target_type=aggregate, target_id=aggregate_id, detail=detail)


def plan_payload(plan: ResponsePlan) -> dict[str, Any]:
    """Thin event payload: ids, status, level and links; no text."""
    return {
        "plan_id": plan.id,
        "issue_id": plan.issue_id,
        "status": plan.status,
        "level": plan.level,
        "crisis_cluster": plan.crisis_cluster,
        "links": {"self": f"/v1/response-plans/{plan.id}", "issue": f"/v1/issues/{plan.issue_id}"},
    }


# --- recommending ---------------------------------------------------------------------------------------


def facts_of(issue: Issue) -> recommend.IssueFacts:
    signals = {s["name"]: list(s.get("evidence") or []) for s in (issue.machine or {}).get("signals", [])}
    return recommend.IssueFacts(
        topic=issue.topic,
        level=Level(issue.level),
        impact=state.effective_impact(issue),
        signals=signals,
        hoax_status=issue.hoax_status,
        hoax_evidence=tuple(issue.hoax_evidence or ()),
        hoax_suspected=issue.hoax_suspected,
        opportunity=issue.opportunity,
        # The agency an officer assigned leads, before those the mentions named.
        agencies=tuple(
            dict.fromkeys([*([issue.assigned_agency] if issue.assigned_agency else []), *issue.agencies])
        ),
        region_codes=tuple(issue.region_codes),
        text=f"{issue.title}\n{issue.summary}",
    )


def regional_diskominfo(session: Session) -> dict[str, str]:
    """Kabupaten/kota code → the code of its Diskominfo."""
    rows = session.exec(
        select(Agency).where(
            col(Agency.level).in_(("kabupaten", "kota")), col(Agency.code).like("diskominfo-%")
        )
    ).all()
    return {row.region_code: row.code for row in rows}


def _recommendation(session: Session, issue: Issue, choice: PlanCreate) -> recommend.Recommendation:
    try:
        return recommend.recommend(
            facts_of(issue),
            regional_diskominfo(session),
            cluster=choice.crisis_cluster,
            cluster_reason=choice.cluster_reason,
            strategy=choice.strategy,
        )
    except recommend.StrategyRefused as exc:
        raise Conflict(str(exc), code="DENY_NEEDS_CONFIRMED_HOAX") from None


def _task_rows(
    plan: ResponsePlan, drafts: list[recommend.TaskDraft], planning: Planning, now: datetime
) -> list[PlanTask]:
    level = Level(plan.level)
    return [
        PlanTask(
            plan_id=plan.id,  # type: ignore[arg-type]
            phase=d.phase,
            template=d.template,
            title=d.title,
            title_en=d.title_en,
            agency=d.agency,
            due_at=sla.due(level, d.due, plan.sla_started_at, planning.calendar, planning.policies),
            due_rule=d.due,
            created_at=now,
            updated_at=now,
        )
        for d in drafts
    ]


def create_plan(
    session: Session,
    issue: Issue,
    choice: PlanCreate,
    principal: Principal,
    planning: Planning,
    now: datetime,
) -> ResponsePlan:
    """Draft a plan for the issue (locked by the caller): Sigap's advice with the officer's choices."""
    if issue.merged_into is not None:
        raise Conflict(
            f"Issue {issue.id} was merged into issue {issue.merged_into}; plan for that one.",
            code="ISSUE_MERGED",
        )
    existing = session.exec(
        select(ResponsePlan).where(
            col(ResponsePlan.issue_id) == issue.id, col(ResponsePlan.status).in_(list(OPEN_PLAN_STATUSES))
        )
    ).first()
    if existing is not None:
        raise Conflict(
            f"Issue {issue.id} already has response plan {existing.id} ({existing.status}); edit that one, "
            "or "
            "cancel it first.",
            code="PLAN_EXISTS",
        )
    advice = _recommendation(session, issue, choice)
    level = Level(issue.level)
    first_due, approval_due = sla.plan_deadlines(level, now, planning.calendar, planning.policies)
    plan = ResponsePlan(
        issue_id=issue.id,  # type: ignore[arg-type]
        level=level,
        crisis_cluster=advice.crisis_cluster,
        cluster_set_by="officer" if choice.crisis_cluster else "machine",
        cluster_reason=choice.cluster_reason if choice.crisis_cluster else None,
        strategy=[s.value for s in advice.strategy],
        rationale=[r.as_dict() for r in advice.rationale],
        phases=[p.as_dict() for p in advice.phases],
        sla_started_at=now,
        first_response_due_at=first_due,
        approval_due_at=approval_due,
        created_by=principal.name,
        created_by_client_id=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    session.flush()
    tasks = _task_rows(plan, advice.tasks, planning, now)
    session.add_all(tasks)
    session.flush()
    assert plan.id is not None
    announce(
        session,
        principal,
        "plan.created",
        aggregate="response_plan",
        aggregate_id=plan.id,
        payload=plan_payload(plan),
        detail={"issue_id": issue.id, "crisis_cluster": plan.crisis_cluster, "strategy": plan.strategy},
    )
    for task in tasks:
        _announce_task(session, principal, "task.created", task, plan, {"agency": task.agency})
    return plan


def update_plan(
    session: Session,
    plan: ResponsePlan,
    issue: Issue,
    change: PlanUpdate,
    principal: Principal,
    planning: Planning,
    now: datetime,
) -> None:
    """Change a draft's cluster or strategy; the untouched template tasks follow the new recommendation."""
    if plan.status != PlanStatus.draft:
        raise InvalidTransition(
            f"Only a draft can be edited; this plan is {plan.status}. Reject it back to draft first.",
            code="PLAN_NOT_DRAFT",
        )
    fields = change.model_dump(exclude_unset=True)
    if not fields:
        return
    choice = PlanCreate(
        crisis_cluster=change.crisis_cluster if "crisis_cluster" in fields else _officer_cluster(plan),
        cluster_reason=change.cluster_reason if "crisis_cluster" in fields else plan.cluster_reason,
        strategy=change.strategy,
    )
    advice = _recommendation(session, issue, choice)
    before = {"crisis_cluster": plan.crisis_cluster, "strategy": plan.strategy}
    plan.crisis_cluster = advice.crisis_cluster
    plan.cluster_set_by = "officer" if choice.crisis_cluster else "machine"
    plan.cluster_reason = choice.cluster_reason if choice.crisis_cluster else None
    plan.strategy = [s.value for s in advice.strategy]
    plan.rationale = [r.as_dict() for r in advice.rationale]
    plan.phases = [p.as_dict() for p in advice.phases]
    # Template tasks nobody has touched are the recommendation's: replace them. Edited or added ones stay.
    session.execute(
        delete(PlanTask).where(
            col(PlanTask.plan_id) == plan.id, col(PlanTask.template).is_not(None), col(PlanTask.version) == 1
        )
    )
    kept = {(t.template, t.agency) for t in tasks_of(session, plan)}
    fresh = [d for d in advice.tasks if (d.template, d.agency) not in kept]
    session.add_all(_task_rows(plan, fresh, planning, now))
    touch(plan, now)
    assert plan.id is not None
    announce(
        session,
        principal,
        "plan.updated",
        aggregate="response_plan",
        aggregate_id=plan.id,
        payload=plan_payload(plan),
        detail={
            "before": before,
            "after": {"crisis_cluster": plan.crisis_cluster, "strategy": plan.strategy},
        },
    )


def _officer_cluster(plan: ResponsePlan) -> recommend.Cluster | None:
    if plan.cluster_set_by == "officer" and plan.crisis_cluster:
        return recommend.Cluster(plan.crisis_cluster)
    return None


# --- life cycle -----------------------------------------------------------------------------------------


def transition(
    session: Session,
    plan: ResponsePlan,
    action: PlanAction,
    principal: Principal,
    now: datetime,
    *,
    reason: str | None = None,
    lessons_learned: str | None = None,
) -> None:
    status = PlanStatus(plan.status)
    target = next_status(PLAN_TRANSITIONS, status, action)
    if target is None:
        allowed = [a.value for a in allowed_actions(PLAN_TRANSITIONS, status)]
        raise InvalidTransition(
            f"A {status} plan cannot be {past_tense(action)}"
            + (f"; allowed now: {', '.join(allowed)}." if allowed else "; it is closed."),
            extensions={"allowed_actions": allowed},
        )
    detail: dict[str, Any] = {"from": status.value, "to": target.value}
    if reason:
        detail["reason" if action in (PlanAction.reject, PlanAction.cancel) else "note"] = reason
    if action is PlanAction.submit:
        plan.submitted_by_client_id, plan.submitted_at = principal.client_id, now
    elif action in (PlanAction.approve, PlanAction.reject):
        four_eyes(principal, plan.submitted_by_client_id, "plan")
        if action is PlanAction.approve:
            plan.approved_by, plan.approved_by_client_id, plan.approved_at = (
                principal.name,
                principal.client_id,
                now,
            )
            plan.rejection_reason = None
        else:
            plan.rejection_reason = reason
    elif action is PlanAction.activate:
        plan.activated_at = now
        _issue_handling(session, plan, principal, now)
    elif action is PlanAction.complete:
        _require_clarification(session, plan.issue_id)
        plan.completed_at = now
        plan.evaluation = evaluate(session, plan, now, lessons_learned or "").model_dump(mode="json")
    elif action is PlanAction.cancel:
        plan.cancelled_at, plan.cancel_reason = now, reason
    plan.status = target
    touch(plan, now)
    assert plan.id is not None
    announce(
        session,
        principal,
        f"plan.{past_tense(action)}",
        aggregate="response_plan",
        aggregate_id=plan.id,
        payload=plan_payload(plan),
        detail=detail,
    )


def four_eyes(principal: Principal, submitter_client_id: int | None, what: str) -> None:
    """Approval needs plans:approve and a client other than the one that submitted (two people decide)."""
    if not principal.has(Scope.plans_approve):
        raise Forbidden(
            f"Approving or rejecting a {what} needs the scope 'plans:approve'.", code="INSUFFICIENT_SCOPE"
        )
    if submitter_client_id is not None and principal.client_id == submitter_client_id:
        raise Forbidden(
            f"The {what} was submitted with this client; another client must approve or reject it.",
            code="SAME_SUBMITTER",
        )


def _issue_handling(session: Session, plan: ResponsePlan, principal: Principal, now: datetime) -> None:
    """An active plan means the issue is being handled: move an open issue to `handling`."""
    issue = state.lock(session, plan.issue_id)
    if issue is None or not issue.is_open or issue.status == Status.handling:
        return
    before = state.snapshot(issue, now)
    state.set_status(issue, Status.handling)
    issue.version += 1
    issue.updated_at = now
    state.record_changes(
        session,
        issue,
        before,
        now,
        cause={"by": principal.name, "client_id": principal.client_id, "plan_id": plan.id},
    )


def _require_clarification(session: Session, issue_id: int) -> None:
    issue = session.get(Issue, issue_id)
    if (
        issue is not None
        and issue.hoax_status == HoaxStatus.confirmed
        and not has_approved_clarification(session, issue_id)
    ):
        raise Conflict(
            "The issue is a confirmed hoax: approve a clarification statement before closing it.",
            code="CLARIFICATION_REQUIRED",
        )


# --- evaluation -----------------------------------------------------------------------------------------


def evaluate(session: Session, plan: ResponsePlan, now: datetime, lessons_learned: str) -> Evaluation:
    assert plan.id is not None
    first_at = session.exec(
        select(func.min(Statement.approved_at)).where(
            col(Statement.plan_id) == plan.id,
            col(Statement.status).in_((StatementStatus.approved, StatementStatus.superseded)),
        )
    ).one()
    outcomes = [evaluation.TaskOutcome(t.due_at, t.done_at) for t in tasks_of(session, plan)]
    length = max(now - plan.sla_started_at, evaluation.MIN_WINDOW)
    rows = session.execute(
        select(col(Mention.published_at), col(MentionClassification.sentiment))
        .join(IssueMention, col(IssueMention.mention_id) == col(Mention.id))
        .join(MentionClassification, col(MentionClassification.mention_id) == col(Mention.id))
        .where(
            col(IssueMention.issue_id) == plan.issue_id,
            col(Mention.published_at) >= plan.sla_started_at - length,
            col(Mention.published_at) < plan.sla_started_at + length,
        )
    ).all()
    result = evaluation.evaluate(
        started_at=plan.sla_started_at,
        completed_at=now,
        first_response_due_at=plan.first_response_due_at,
        first_response_at=first_at,
        tasks=outcomes,
        mentions=[evaluation.MentionPoint(at, sentiment) for at, sentiment in rows],
        lessons_learned=lessons_learned,
    )
    return Evaluation(plan_id=plan.id, completed_at=now, **result)


# --- reading --------------------------------------------------------------------------------------------


def tasks_of(session: Session, plan: ResponsePlan) -> list[PlanTask]:
    return list(
        session.exec(
            select(PlanTask)
            .where(col(PlanTask.plan_id) == plan.id)
            .order_by(col(PlanTask.due_at), col(PlanTask.id))
        ).all()
    )


def plans_of(session: Session, issue: Issue) -> list[ResponsePlan]:
    return list(
        session.exec(
            select(ResponsePlan)
            .where(col(ResponsePlan.issue_id) == issue.id)
            .order_by(col(ResponsePlan.id).desc())
        ).all()
    )


def is_overdue(task: PlanTask, now: datetime) -> bool:
    return task.status in UNFINISHED_TASK_STATUSES and task.due_at < now


def task_public(task: PlanTask, now: datetime) -> TaskPublic:
    return TaskPublic.model_validate(
        {
            **task.model_dump(),
            "overdue": is_overdue(task, now),
            "links": {"self": f"/v1/tasks/{task.id}", "plan": f"/v1/response-plans/{task.plan_id}"},
        }
    )


def public(session: Session, plan: ResponsePlan, planning: Planning, now: datetime) -> PlanPublic:
    tasks = [task_public(t, now) for t in tasks_of(session, plan)]
    level = Level(plan.level)
    policy = planning.policies[level]
    phases = [
        {
            **phase,
            "label": PHASE_LABELS[recommend.Phase(phase["name"])],
            "tasks": [t for t in tasks if t.phase == phase["name"]],
        }
        for phase in plan.phases
    ]
    return PlanPublic.model_validate(
        {
            **plan.model_dump(),
            "level_label": LEVEL_LABELS[level],
            "phases": phases,
            "sla": {
                "level": level.value,
                "started_at": plan.sla_started_at,
                "first_response_due_at": plan.first_response_due_at,
                "approval_due_at": plan.approval_due_at,
                "spans": {
                    d.value: (str(getattr(policy, d.value)) if getattr(policy, d.value) else None)
                    for d in sla.Deadline
                },
            },
            "overdue_tasks": sum(t.overdue for t in tasks),
            "allowed_actions": [a.value for a in allowed_actions(PLAN_TRANSITIONS, PlanStatus(plan.status))],
            "links": {
                "self": f"/v1/response-plans/{plan.id}",
                "issue": f"/v1/issues/{plan.issue_id}",
                "statements": f"/v1/response-plans/{plan.id}/statements",
                "evaluation": f"/v1/response-plans/{plan.id}/evaluation",
            },
        }
    )


def _announce_task(
    session: Session,
    principal: Principal | None,
    event_type: str,
    task: PlanTask,
    plan: ResponsePlan,
    detail: dict[str, Any],
) -> None:
    assert task.id is not None
    announce(
        session,
        principal,
        event_type,
        aggregate="task",
        aggregate_id=task.id,
        payload=task_payload(task, plan),
        detail=detail,
    )


def task_payload(task: PlanTask, plan: ResponsePlan) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "plan_id": task.plan_id,
        "issue_id": plan.issue_id,
        "agency": task.agency,
        "status": task.status,
        "due_at": task.due_at.isoformat(),
        "level": plan.level,
        "links": {"self": f"/v1/tasks/{task.id}", "plan": f"/v1/response-plans/{task.plan_id}"},
    }
