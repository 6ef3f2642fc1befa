"""Public statements: drafts from templates, versions, approval, and the single narrative (narasi tunggal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.access import service as access
from app.auth.service import Principal
from app.classification.taxonomy import LEVEL_LABELS, TOPICS, Level, Topic
from app.errors import Conflict, NotFound
from app.issues.models import Issue
from app.plans import drafting
from app.plans.drafting import StatementKind
from app.plans.lifecycle import (
    STATEMENT_TRANSITIONS,
    StatementAction,
    StatementStatus,
    allowed_actions,
    next_status,
    past_tense,
)
from app.plans.models import ResponsePlan, Statement
from app.plans.schemas import STATEMENT_KIND_LABELS, StatementCreate, StatementPublic
from app.plans.service import InvalidTransition, announce, four_eyes, get_plan, touch
from app.plans.tasks import open_plan
from app.reference.models import Agency, Region


def get_statement(
    session: Session, statement_id: int, *, for_update: bool = False, viewer: Principal | None = None
) -> Statement:
    """The statement; 404 when it does not exist or ``viewer`` may not see its issue (app/access)."""
    query = select(Statement).where(col(Statement.id) == statement_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    statement = session.exec(query).one_or_none()
    if statement is None or (
        viewer is not None and not access.sees_issue(session, viewer, statement.issue_id)
    ):
        raise NotFound(f"Statement {statement_id} does not exist.", code="STATEMENT_NOT_FOUND")
    return statement


def lock_statement(session: Session, statement_id: int, viewer: Principal | None = None) -> Statement:
    """The statement, after its plan, row-locked: all writes to an issue's statements happen under its one
    open plan's lock, so two approvals of the same kind cannot both become current. The plan must be open."""
    plan_id = get_statement(session, statement_id, viewer=viewer).plan_id
    open_plan(get_plan(session, plan_id, for_update=True))
    return get_statement(session, statement_id, for_update=True)


def facts(session: Session, issue: Issue, now: datetime) -> drafting.StatementFacts:
    """The issue's facts as the templates use them: names people read, time in WITA."""
    regions = session.exec(select(Region).where(col(Region.code).in_(issue.region_codes))).all()
    by_code = {r.code: r for r in regions}
    region_names = tuple(
        f"{by_code[c].type.capitalize()} {by_code[c].name}"
        for c in issue.region_codes
        if c in by_code and c != "64"
    )
    agencies = session.exec(select(Agency).where(col(Agency.code).in_(issue.agencies))).all()
    names = {a.code: a.abbreviation for a in agencies}
    return drafting.StatementFacts(
        issue_title=issue.title,
        topic=issue.topic,
        topic_name=TOPICS[Topic(issue.topic)].name_id,
        level=issue.level,
        level_name=LEVEL_LABELS[Level(issue.level)]["id"],
        region_names=region_names,
        agency_names=tuple(names[c] for c in issue.agencies if c in names),
        as_of=now,
        hoax_evidence=tuple(issue.hoax_evidence or ()),
        summary=issue.summary if issue.summary_edited else "",
    )


def create_statement(
    session: Session,
    plan: ResponsePlan,
    issue: Issue,
    body: StatementCreate,
    principal: Principal,
    now: datetime,
) -> Statement:
    """A new draft version of the kind: the officer's text, or one drafted from the templates."""
    open_plan(plan)
    text = body.text
    if text is None:
        try:
            text = drafting.draft_statement(body.kind, facts(session, issue, now))
        except ValueError as exc:
            raise Conflict(
                f"Sigap cannot draft this {body.kind}: {exc}. For a clarification, record the hoax evidence "
                "on the issue (hoax_evidence) or send your own text.",
                code="CANNOT_DRAFT",
            ) from None
    number = session.exec(
        select(func.coalesce(func.max(Statement.number), 0)).where(
            col(Statement.issue_id) == issue.id, col(Statement.kind) == body.kind
        )
    ).one()
    statement = Statement(
        plan_id=plan.id,  # type: ignore[arg-type]
        issue_id=issue.id,  # type: ignore[arg-type]
        kind=body.kind,
        number=number + 1,
        text=text,
        generated=body.text is None,
        created_by=principal.name,
        created_by_client_id=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    session.add(statement)
    session.flush()
    _announce(
        session,
        principal,
        "statement.created",
        statement,
        {"kind": statement.kind, "number": statement.number},
    )
    return statement


def update_text(
    session: Session, statement: Statement, text: str, principal: Principal, now: datetime
) -> None:
    if statement.status != StatementStatus.draft:
        raise InvalidTransition(
            f"Only a draft can be edited; this version is {statement.status}. Write a new version instead "
            f"(POST /v1/response-plans/{statement.plan_id}/statements).",
            code="STATEMENT_NOT_DRAFT",
        )
    if text == statement.text:
        return
    statement.text, statement.generated = text, False
    touch(statement, now)
    _announce(session, principal, "statement.updated", statement, {"length": len(text)})


def transition(
    session: Session,
    statement: Statement,
    action: StatementAction,
    principal: Principal,
    now: datetime,
    *,
    reason: str | None = None,
) -> None:
    status = StatementStatus(statement.status)
    target = next_status(STATEMENT_TRANSITIONS, status, action)
    if target is None:
        allowed = [a.value for a in allowed_actions(STATEMENT_TRANSITIONS, status)]
        raise InvalidTransition(
            f"A {status} statement cannot be {past_tense(action)}"
            + (f"; allowed now: {', '.join(allowed)}." if allowed else "; it is final."),
            extensions={"allowed_actions": allowed},
        )
    detail: dict[str, Any] = {"from": status.value, "to": target.value}
    if action is StatementAction.submit:
        statement.submitted_by_client_id, statement.submitted_at = principal.client_id, now
    else:
        four_eyes(principal, statement.submitted_by_client_id, "statement")
    if action is StatementAction.approve:
        _supersede(session, statement, principal, now)
        statement.approved_by, statement.approved_by_client_id, statement.approved_at = (
            principal.name,
            principal.client_id,
            now,
        )
        statement.rejection_reason = None
    elif action is StatementAction.reject:
        statement.rejection_reason = detail["reason"] = reason
    statement.status = target
    touch(statement, now)
    _announce(session, principal, f"statement.{past_tense(action)}", statement, detail)


def _supersede(session: Session, statement: Statement, principal: Principal, now: datetime) -> None:
    """The approved version of the same issue and kind steps down before this one takes its place."""
    current = session.exec(
        select(Statement).where(
            col(Statement.issue_id) == statement.issue_id,
            col(Statement.kind) == statement.kind,
            col(Statement.status) == StatementStatus.approved,
        )
    ).first()
    if current is None:
        return
    session.execute(
        update(Statement)
        .where(col(Statement.id) == current.id)
        .values(
            status=StatementStatus.superseded, superseded_at=now, version=current.version + 1, updated_at=now
        )
    )
    session.refresh(current)
    _announce(session, principal, "statement.superseded", current, {"by": statement.id})


def _announce(
    session: Session,
    principal: Principal | None,
    event_type: str,
    statement: Statement,
    detail: dict[str, Any],
) -> None:
    assert statement.id is not None
    announce(
        session,
        principal,
        event_type,
        aggregate="statement",
        aggregate_id=statement.id,
        payload={
            "statement_id": statement.id,
            "plan_id": statement.plan_id,
            "issue_id": statement.issue_id,
            "kind": statement.kind,
            "number": statement.number,
            "status": statement.status,
            "links": {"self": f"/v1/statements/{statement.id}", "issue": f"/v1/issues/{statement.issue_id}"},
        },
        detail=detail,
    )


def listing(
    session: Session,
    *,
    plan_id: int | None = None,
    issue_id: int | None = None,
    status: StatementStatus | None = None,
    kind: StatementKind | None = None,
) -> list[Statement]:
    query = select(Statement)
    if plan_id is not None:
        query = query.where(col(Statement.plan_id) == plan_id)
    if issue_id is not None:
        query = query.where(col(Statement.issue_id) == issue_id)
    if status is not None:
        query = query.where(col(Statement.status) == status)
    if kind is not None:
        query = query.where(col(Statement.kind) == kind)
    return list(session.exec(query.order_by(col(Statement.kind), col(Statement.number).desc())).all())


def public(statement: Statement) -> StatementPublic:
    kind = StatementKind(statement.kind)
    return StatementPublic.model_validate(
        {
            **statement.model_dump(),
            "kind_label": STATEMENT_KIND_LABELS[kind],
            "current": statement.status == StatementStatus.approved,
            "allowed_actions": [
                a.value for a in allowed_actions(STATEMENT_TRANSITIONS, StatementStatus(statement.status))
            ],
            "links": {
                "self": f"/v1/statements/{statement.id}",
                "plan": f"/v1/response-plans/{statement.plan_id}",
                "issue": f"/v1/issues/{statement.issue_id}",
            },
        }
    )
