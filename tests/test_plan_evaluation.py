"""A completed plan's evaluation (mentions before and after, tasks on time, first response) and the plan and
statement life cycles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from app.clock import WITA
from app.plans import evaluation, lifecycle
from app.plans.evaluation import MIN_WINDOW, MentionPoint, TaskOutcome
from app.plans.lifecycle import (
    PLAN_TRANSITIONS,
    STATEMENT_TRANSITIONS,
    PlanAction,
    PlanStatus,
    StatementAction,
    StatementStatus,
)

# The plan for the Samarinda flood starts Monday 2026-05-18 at 09:00 WITA.
START = datetime(2026, 5, 18, 9, 0, tzinfo=WITA)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def mention(offset: timedelta, sentiment: str) -> MentionPoint:
    return MentionPoint(published_at=START + offset, sentiment=sentiment)


def evaluate(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "started_at": START,
        "completed_at": START + 4 * HOUR,
        "first_response_due_at": START + HOUR,
        "first_response_at": START + 40 * MINUTE,
        "tasks": [],
        "mentions": [],
        "lessons_learned": "Holding statement terbit 40 menit setelah rencana aktif; posko perlu genset.",
    }
    values.update(overrides)
    return evaluation.evaluate(**values)


# --- window ---------------------------------------------------------------------------------------------


def test_window_counts_only_points_from_start_up_to_but_not_including_end() -> None:
    points = [
        mention(-MINUTE, "negative"),  # just before
        mention(timedelta(0), "negative"),  # at the start: in
        mention(30 * MINUTE, "neutral"),
        mention(HOUR - MINUTE, "positive"),
        mention(HOUR, "positive"),  # at the end: out
    ]
    result = evaluation.window(points, START, START + HOUR)
    assert result["start"] == START
    assert result["end"] == START + HOUR
    assert result["mentions"] == 3
    assert (result["negative"], result["neutral"], result["positive"]) == (1, 1, 1)
    assert result["negative_share"] == 0.333
    assert result["positive_share"] == 0.333


def test_window_shares_by_sentiment() -> None:
    points = [mention(i * MINUTE, "negative") for i in range(3)] + [mention(5 * MINUTE, "positive")]
    result = evaluation.window(points, START, START + HOUR)
    assert result["mentions"] == 4
    assert result["negative"] == 3
    assert result["neutral"] == 0
    assert result["negative_share"] == 0.75
    assert result["positive_share"] == 0.25


def test_empty_window_has_no_shares() -> None:
    result = evaluation.window([mention(2 * HOUR, "negative")], START, START + HOUR)
    assert result["mentions"] == 0
    assert result["negative"] == result["neutral"] == result["positive"] == 0
    assert result["negative_share"] is None
    assert result["positive_share"] is None


# --- tasks ----------------------------------------------------------------------------------------------


def test_tasks_summary_counts_on_time_late_and_not_done() -> None:
    completed = START + 10 * HOUR
    tasks = [
        TaskOutcome(due_at=START + HOUR, done_at=START + 40 * MINUTE),  # on time
        TaskOutcome(due_at=START + HOUR, done_at=START + HOUR),  # on time, exactly at the deadline
        TaskOutcome(due_at=START + 3 * HOUR, done_at=START + 5 * HOUR),  # done late
        TaskOutcome(due_at=START + 4 * HOUR, done_at=None),  # open, past due at completion: late
        TaskOutcome(due_at=completed + 2 * 24 * HOUR, done_at=None),  # open, not yet due: not late
    ]
    assert evaluation.tasks_summary(tasks, completed) == {
        "total": 5,
        "done": 3,
        "on_time": 2,
        "late": 2,
        "not_done": 2,
    }


def test_open_task_not_yet_due_is_not_late() -> None:
    completed = START + 2 * HOUR
    summary = evaluation.tasks_summary([TaskOutcome(due_at=START + 5 * 24 * HOUR, done_at=None)], completed)
    assert summary["late"] == 0
    assert summary["not_done"] == 1
    assert summary["on_time"] == 0


def test_open_task_past_due_counts_as_late() -> None:
    completed = START + 2 * HOUR
    summary = evaluation.tasks_summary([TaskOutcome(due_at=START + HOUR, done_at=None)], completed)
    assert summary["late"] == 1
    assert summary["not_done"] == 1
    assert summary["done"] == 0


def test_no_tasks_is_all_zero() -> None:
    assert evaluation.tasks_summary([], START) == {
        "total": 0,
        "done": 0,
        "on_time": 0,
        "late": 0,
        "not_done": 0,
    }


# --- evaluate -------------------------------------------------------------------------------------------


def test_before_and_after_windows_have_the_plan_length() -> None:
    result = evaluate(completed_at=START + 4 * HOUR)
    before, after = result["before"], result["after"]
    assert before["start"] == START - 4 * HOUR
    assert before["end"] == START
    assert after["start"] == START
    assert after["end"] == START + 4 * HOUR


def test_a_plan_completed_within_minutes_compares_an_hour_each_side() -> None:
    assert MIN_WINDOW == HOUR
    points = [mention(-50 * MINUTE, "negative"), mention(50 * MINUTE, "positive")]
    result = evaluate(completed_at=START + 10 * MINUTE, mentions=points)
    before, after = result["before"], result["after"]
    assert before["start"] == START - HOUR
    assert after["end"] == START + HOUR
    assert before["mentions"] == 1
    assert after["mentions"] == 1


def test_first_response_within_the_sla() -> None:
    first = evaluate(first_response_at=START + 40 * MINUTE, first_response_due_at=START + HOUR)[
        "first_response"
    ]
    assert first == {
        "due_at": START + HOUR,
        "at": START + 40 * MINUTE,
        "minutes_after_start": 40.0,
        "within_sla": True,
    }


def test_first_response_exactly_at_the_deadline_is_within() -> None:
    first = evaluate(first_response_at=START + HOUR, first_response_due_at=START + HOUR)["first_response"]
    assert first["within_sla"] is True


def test_first_response_after_the_deadline_is_outside_the_sla() -> None:
    late = START + HOUR + 90 * timedelta(seconds=1)
    first = evaluate(first_response_at=late, first_response_due_at=START + HOUR)["first_response"]
    assert first["within_sla"] is False
    assert first["minutes_after_start"] == 61.5


def test_no_first_response_against_a_deadline_is_outside_the_sla() -> None:
    first = evaluate(first_response_at=None, first_response_due_at=START + HOUR)["first_response"]
    assert first["within_sla"] is False
    assert first["minutes_after_start"] is None


def test_no_deadline_means_no_sla_verdict() -> None:
    # Normal level: monitoring only, no first-response deadline.
    first = evaluate(first_response_due_at=None, first_response_at=START + 3 * HOUR)["first_response"]
    assert first["within_sla"] is None
    assert first["minutes_after_start"] == 180.0


def test_change_is_after_minus_before() -> None:
    before = [mention(-i * 10 * MINUTE - MINUTE, "negative") for i in range(8)]
    before += [mention(-100 * MINUTE, "neutral"), mention(-110 * MINUTE, "positive")]
    after = [mention(i * 20 * MINUTE, "negative") for i in range(2)]
    after += [mention(50 * MINUTE, "positive"), mention(70 * MINUTE, "positive")]
    result = evaluate(completed_at=START + 2 * HOUR, mentions=before + after)
    assert result["before"]["mentions"] == 10
    assert result["after"]["mentions"] == 4
    assert result["before"]["negative_share"] == 0.8
    assert result["after"]["negative_share"] == 0.5
    assert result["change"] == {"mentions": -6, "negative_share": -0.3, "positive_share": 0.4}


def test_change_in_shares_is_none_when_a_window_is_empty() -> None:
    result = evaluate(mentions=[mention(30 * MINUTE, "negative")])
    assert result["change"] == {"mentions": 1, "negative_share": None, "positive_share": None}


def test_evaluation_carries_tasks_and_lessons() -> None:
    completed = START + 4 * HOUR
    tasks = [TaskOutcome(due_at=START + HOUR, done_at=START + 2 * HOUR)]
    result = evaluate(completed_at=completed, tasks=tasks, lessons_learned="Libatkan lurah sejak awal.")
    assert result["tasks"] == evaluation.tasks_summary(tasks, completed)
    assert result["tasks"]["late"] == 1
    assert result["lessons_learned"] == "Libatkan lurah sejak awal."


# --- lifecycle ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (PlanStatus.draft, [PlanAction.submit, PlanAction.cancel]),
        (PlanStatus.submitted, [PlanAction.approve, PlanAction.reject, PlanAction.cancel]),
        (PlanStatus.approved, [PlanAction.activate, PlanAction.cancel]),
        (PlanStatus.active, [PlanAction.complete, PlanAction.cancel]),
        (PlanStatus.completed, []),
        (PlanStatus.cancelled, []),
    ],
)
def test_plan_allowed_actions(status: PlanStatus, actions: list[PlanAction]) -> None:
    assert lifecycle.allowed_actions(PLAN_TRANSITIONS, status) == actions


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (PlanStatus.draft, PlanAction.submit, PlanStatus.submitted),
        (PlanStatus.submitted, PlanAction.approve, PlanStatus.approved),
        (PlanStatus.submitted, PlanAction.reject, PlanStatus.draft),
        (PlanStatus.approved, PlanAction.activate, PlanStatus.active),
        (PlanStatus.active, PlanAction.complete, PlanStatus.completed),
        (PlanStatus.draft, PlanAction.cancel, PlanStatus.cancelled),
        (PlanStatus.active, PlanAction.cancel, PlanStatus.cancelled),
    ],
)
def test_plan_legal_moves(status: PlanStatus, action: PlanAction, target: PlanStatus) -> None:
    assert lifecycle.next_status(PLAN_TRANSITIONS, status, action) is target


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (PlanStatus.draft, PlanAction.approve),  # approval needs a submission first
        (PlanStatus.draft, PlanAction.activate),
        (PlanStatus.submitted, PlanAction.activate),
        (PlanStatus.approved, PlanAction.reject),
        (PlanStatus.approved, PlanAction.complete),
        (PlanStatus.active, PlanAction.submit),
        (PlanStatus.completed, PlanAction.cancel),
        (PlanStatus.cancelled, PlanAction.submit),
        (PlanStatus.cancelled, PlanAction.cancel),
    ],
)
def test_plan_illegal_moves(status: PlanStatus, action: PlanAction) -> None:
    assert lifecycle.next_status(PLAN_TRANSITIONS, status, action) is None


def test_every_plan_action_is_legal_from_exactly_the_statuses_that_list_it() -> None:
    for status in PlanStatus:
        allowed = set(lifecycle.allowed_actions(PLAN_TRANSITIONS, status))
        for action in PlanAction:
            moved = lifecycle.next_status(PLAN_TRANSITIONS, status, action)
            assert (moved is not None) == (action in allowed), (status, action)


def test_open_plan_statuses_are_those_that_can_still_be_cancelled() -> None:
    assert {s for s in PlanStatus if PlanAction.cancel in lifecycle.allowed_actions(PLAN_TRANSITIONS, s)} == (
        lifecycle.OPEN_PLAN_STATUSES
    )


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (StatementStatus.draft, [StatementAction.submit]),
        (StatementStatus.submitted, [StatementAction.approve, StatementAction.reject]),
        (StatementStatus.approved, []),
        (StatementStatus.superseded, []),
    ],
)
def test_statement_allowed_actions(status: StatementStatus, actions: list[StatementAction]) -> None:
    assert lifecycle.allowed_actions(STATEMENT_TRANSITIONS, status) == actions


def test_statement_transitions() -> None:
    def move(status: StatementStatus, action: StatementAction) -> StatementStatus | None:
        return lifecycle.next_status(STATEMENT_TRANSITIONS, status, action)

    assert move(StatementStatus.draft, StatementAction.submit) is StatementStatus.submitted
    assert move(StatementStatus.submitted, StatementAction.approve) is StatementStatus.approved
    assert move(StatementStatus.submitted, StatementAction.reject) is StatementStatus.draft
    assert move(StatementStatus.draft, StatementAction.approve) is None
    assert move(StatementStatus.approved, StatementAction.reject) is None
    assert move(StatementStatus.approved, StatementAction.submit) is None
    assert move(StatementStatus.superseded, StatementAction.approve) is None


@pytest.mark.parametrize(
    ("action", "verb"),
    [
        (PlanAction.submit, "submitted"),
        (PlanAction.approve, "approved"),
        (PlanAction.reject, "rejected"),
        (PlanAction.activate, "activated"),
        (PlanAction.complete, "completed"),
        (PlanAction.cancel, "cancelled"),
        (StatementAction.submit, "submitted"),
        (StatementAction.approve, "approved"),
        (StatementAction.reject, "rejected"),
    ],
)
def test_past_tense_names_the_event(action: PlanAction | StatementAction, verb: str) -> None:
    assert lifecycle.past_tense(action) == verb
