"""When to try a failed delivery again. Pure.

The schedule lists the delay before each attempt, after the one before it: the default follows the Standard
Webhooks practice (now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), ten attempts over about three
days. Each delay gets ±10 % jitter so that receivers coming back after an outage are not hit all at once; a
``Retry-After`` from the receiver is honoured when it asks for longer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

DEFAULT_SCHEDULE = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
JITTER = 0.1
LONGEST_RETRY_AFTER = 86_400.0


def parse(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"{text!r}: the retry schedule is seconds separated by commas, e.g. '0,5,300'"
        ) from None
    if not delays or any(d < 0 for d in delays):
        raise ValueError("the retry schedule needs at least one delay, none negative")
    return delays


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for webhooks and is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


def next_delay(
    attempts_made: int,
    schedule: Sequence[float],
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after ``attempts_made`` failed ones; None when the schedule is spent."""
    if attempts_made >= len(schedule):
        return None
    delay = schedule[attempts_made]
    if delay > 0:
        delay *= 1 + (rng or random).uniform(-JITTER, JITTER)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
