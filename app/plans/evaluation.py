"""Did trust come back? The numbers recorded when a plan completes. Pure: no database.

The plan's effect is read from the issue's own mentions: the window from the plan's start to its completion
("after") against a window of the same length just before the plan ("before"), so volumes compare like with
like. Sentiment shares are of the mentions in each window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# A plan completed within minutes still compares an hour before with an hour after.
MIN_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    due_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class MentionPoint:
    published_at: datetime
    sentiment: str  # negative, neutral, positive


def window(points: Iterable[MentionPoint], start: datetime, end: datetime) -> dict[str, Any]:
    counts = {"negative": 0, "neutral": 0, "positive": 0}
    for point in points:
        if start <= point.published_at < end:
            counts[point.sentiment] = counts.get(point.sentiment, 0) + 1
    total = sum(counts.values())
    return {
        "start": start,
        "end": end,
        "mentions": total,
        **counts,
        "negative_share": round(counts["negative"] / total, 3) if total else None,
        "positive_share": round(counts["positive"] / total, 3) if total else None,
    }


def tasks_summary(tasks: Sequence[TaskOutcome], at: datetime) -> dict[str, int]:
    """On time: done by its deadline. Late: done after it, or still open past it when the plan completed."""
    on_time = sum(1 for t in tasks if t.done_at is not None and t.done_at <= t.due_at)
    late_done = sum(1 for t in tasks if t.done_at is not None and t.done_at > t.due_at)
    open_late = sum(1 for t in tasks if t.done_at is None and t.due_at < at)
    return {
        "total": len(tasks),
        "done": on_time + late_done,
        "on_time": on_time,
        "late": late_done + open_late,
        "not_done": sum(1 for t in tasks if t.done_at is None),
    }


def evaluate(
    *,
    started_at: datetime,
    completed_at: datetime,
    first_response_due_at: datetime | None,
    first_response_at: datetime | None,
    tasks: Sequence[TaskOutcome],
    mentions: Sequence[MentionPoint],
    lessons_learned: str,
) -> dict[str, Any]:
    length = max(completed_at - started_at, MIN_WINDOW)
    before = window(mentions, started_at - length, started_at)
    after = window(mentions, started_at, started_at + length)
    minutes = None
    if first_response_at is not None:
        minutes = round((first_response_at - started_at).total_seconds() / 60, 1)
    within = None
    if first_response_due_at is not None:
        within = first_response_at is not None and first_response_at <= first_response_due_at
    change: dict[str, Any] = {"mentions": after["mentions"] - before["mentions"]}
    for share in ("negative_share", "positive_share"):
        change[share] = (
            round(after[share] - before[share], 3)
            if after[share] is not None and before[share] is not None
            else None
        )
    return {
        "first_response": {
            "due_at": first_response_due_at,
            "at": first_response_at,
            "minutes_after_start": minutes,
            "within_sla": within,
        },
        "tasks": tasks_summary(tasks, completed_at),
        "before": before,
        "after": after,
        "change": change,
        "lessons_learned": lessons_learned,
    }
