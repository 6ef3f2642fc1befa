"""Deadlines per crisis level. Pure: no database.

Crisis levels run on the clock, day and night: at Awas the public needs a first statement within the hour
whatever the day. Waspada and Normal run on working time in WITA, which skips weekends, national holidays and
cuti bersama (see :mod:`app.plans.calendar`); so does correction (*perbaiki*) at every level, because repairs,
audits and reports are office work even after an Awas crisis.

A span is written ``30m``, ``3h``, ``2d`` (clock) or ``1wd`` (working days). The defaults below can be
changed per deployment with ``SIGAP_SLA`` (JSON, e.g. ``{"awas": {"first_response": "30m"}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from app.classification.taxonomy import Level
from app.plans.calendar import WorkingCalendar, add_clock_time


class Deadline(StrEnum):
    """The deadlines a plan's tasks follow."""

    first_response = "first_response"  # the first public word: holding statement or instruction
    plan_approval = "plan_approval"  # the plan approved by leadership
    follow_up = "follow_up"  # coordination, media briefings, regional dissemination
    correction = "correction"  # corrective action done and reported (perbaiki)


_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|wd)\s*$")
_CLOCK_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
# No SLA is longer than a year; a bigger number is a typo that would overflow the date arithmetic.
_LONGEST = {"m": 366 * 24 * 60, "h": 366 * 24, "d": 366, "wd": 260}


@dataclass(frozen=True, slots=True)
class Span:
    amount: float
    unit: str  # m, h, d on the clock; wd in working days

    @classmethod
    def parse(cls, text: str) -> Span:
        match = _SPAN.match(text)
        if match is None or float(match.group(1)) <= 0:
            raise ValueError(f"{text!r} is not a span: write e.g. '30m', '3h', '2d' or '1wd' (working days)")
        amount, unit = float(match.group(1)), match.group(2)
        if amount > _LONGEST[unit]:
            raise ValueError(f"{text!r} is longer than a year; no SLA should be")
        return cls(amount, unit)

    @property
    def working_time(self) -> bool:
        return self.unit == "wd"

    def after(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.working_time:
            return calendar.add_working_days(start, self.amount)
        return add_clock_time(start, self.amount * _CLOCK_UNITS[self.unit])

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount.is_integer() else self.amount
        return f"{amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """One level's deadlines; None means the level sets no such deadline (Normal: monitor only)."""

    first_response: Span | None
    plan_approval: Span | None
    follow_up: Span
    correction: Span

    def span(self, deadline: Deadline) -> Span:
        """The span for ``deadline``; a level without that deadline falls back to its follow-up."""
        return getattr(self, deadline.value) or self.follow_up


def _policy(first: str | None, approval: str | None, follow_up: str, correction: str) -> SlaPolicy:
    return SlaPolicy(
        first_response=Span.parse(first) if first else None,
        plan_approval=Span.parse(approval) if approval else None,
        follow_up=Span.parse(follow_up),
        correction=Span.parse(correction),
    )


DEFAULT_POLICIES: dict[Level, SlaPolicy] = {
    Level.awas: _policy("1h", "3h", "24h", "5wd"),
    Level.siaga: _policy("3h", "12h", "2d", "10wd"),
    Level.waspada: _policy("1wd", "1wd", "3wd", "10wd"),
    Level.normal: _policy(None, None, "5wd", "10wd"),
}


def policies(overrides: Mapping[str, Mapping[str, str | None]] | None = None) -> dict[Level, SlaPolicy]:
    """The defaults with a deployment's overrides applied; raises ValueError on an unknown level, deadline or
    a malformed span, so a typo in the setting stops the service at start-up, not at the first crisis."""
    result = dict(DEFAULT_POLICIES)
    for level_name, changes in (overrides or {}).items():
        try:
            level = Level(level_name)
        except ValueError:
            raise ValueError(
                f"SLA for unknown level {level_name!r}; levels: normal, waspada, siaga, awas"
            ) from None
        fields: dict[str, Span | None] = {}
        for name, text in changes.items():
            if name not in Deadline.__members__:
                raise ValueError(f"unknown SLA deadline {name!r}; deadlines: {', '.join(Deadline)}")
            if not text and name in (Deadline.follow_up, Deadline.correction):
                raise ValueError(f"the {name} deadline cannot be switched off")
            fields[name] = Span.parse(text) if text else None
        result[level] = replace(result[level], **fields)  # type: ignore[arg-type]
    return result


def due(
    level: Level,
    deadline: Deadline,
    start: datetime,
    calendar: WorkingCalendar,
    table: Mapping[Level, SlaPolicy] = DEFAULT_POLICIES,
) -> datetime:
    return table[level].span(deadline).after(start, calendar)


def plan_deadlines(
    level: Level,
    start: datetime,
    calendar: WorkingCalendar,
    table: Mapping[Level, SlaPolicy] = DEFAULT_POLICIES,
) -> tuple[datetime | None, datetime | None]:
    """(first public response due, plan approval due); None where the level sets none."""
    policy = table[level]
    first = policy.first_response.after(start, calendar) if policy.first_response else None
    approval = policy.plan_approval.after(start, calendar) if policy.plan_approval else None
    return first, approval
