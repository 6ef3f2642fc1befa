"""States of plans, tasks and statements, and which action moves what where. Pure: no database.

Plans and statements share one approval workflow (the four-eyes rule lives in the service): drafts are
edited, submitted, then approved by a different client or rejected back to draft with a reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class PlanStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class PlanAction(StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    activate = "activate"
    complete = "complete"
    cancel = "cancel"


PLAN_TRANSITIONS: dict[PlanAction, tuple[frozenset[PlanStatus], PlanStatus]] = {
    PlanAction.submit: (frozenset({PlanStatus.draft}), PlanStatus.submitted),
    PlanAction.approve: (frozenset({PlanStatus.submitted}), PlanStatus.approved),
    PlanAction.reject: (frozenset({PlanStatus.submitted}), PlanStatus.draft),
    PlanAction.activate: (frozenset({PlanStatus.approved}), PlanStatus.active),
    PlanAction.complete: (frozenset({PlanStatus.active}), PlanStatus.completed),
    PlanAction.cancel: (
        frozenset({PlanStatus.draft, PlanStatus.submitted, PlanStatus.approved, PlanStatus.active}),
        PlanStatus.cancelled,
    ),
}

OPEN_PLAN_STATUSES = frozenset(
    {PlanStatus.draft, PlanStatus.submitted, PlanStatus.approved, PlanStatus.active}
)


class StatementStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    superseded = "superseded"


class StatementAction(StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"


STATEMENT_TRANSITIONS: dict[StatementAction, tuple[frozenset[StatementStatus], StatementStatus]] = {
    StatementAction.submit: (frozenset({StatementStatus.draft}), StatementStatus.submitted),
    StatementAction.approve: (frozenset({StatementStatus.submitted}), StatementStatus.approved),
    StatementAction.reject: (frozenset({StatementStatus.submitted}), StatementStatus.draft),
}


class TaskStatus(StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    done = "done"
    blocked = "blocked"


UNFINISHED_TASK_STATUSES = frozenset({TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked})


def allowed_actions(transitions: dict[A, tuple[frozenset[S], S]], status: S) -> list[A]:
    """The actions possible from ``status``, in the table's order (for INVALID_TRANSITION answers)."""
    return [action for action, (sources, _) in transitions.items() if status in sources]


def next_status(transitions: dict[A, tuple[frozenset[S], S]], status: S, action: A) -> S | None:
    """Where ``action`` leads from ``status``; None when it is not allowed."""
    sources, target = transitions[action]
    return target if status in sources else None


_PAST = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "activate": "activated",
    "complete": "completed",
    "cancel": "cancelled",
}


def past_tense(action: PlanAction | StatementAction) -> str:
    """The event name's verb: ``plan.approved``, ``statement.rejected``."""
    return _PAST[action.value]
