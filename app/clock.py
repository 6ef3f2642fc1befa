"""Time: stored in UTC, shown in WITA (``Asia/Makassar``) where people read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, PlainSerializer
from pydantic_core import PydanticCustomError

WITA = ZoneInfo("Asia/Makassar")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_wita(value: datetime) -> datetime:
    if value.tzinfo is None:  # values read back from SQLite are UTC without tzinfo
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WITA)


def wita_isoformat(value: datetime) -> str:
    return to_wita(value).isoformat()


# API responses carry instants with the WITA offset (+08:00): the same instant for a machine, and the wall
# clock an officer in Samarinda reads.
WitaDateTime = Annotated[datetime, PlainSerializer(wita_isoformat, return_type=str, when_used="json")]


def aware_utc(value: datetime) -> datetime:
    """Accept an instant only with its UTC offset; a wall-clock time alone is ambiguous (WIB? WITA?)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_required",
            "a time must carry a UTC offset, e.g. 2026-11-27T08:15:00+08:00 (WITA) or 2026-11-27T00:15:00Z",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_out_of_range", "the time lies outside the years 1-9999") from None


# An instant from a client: must carry an offset, normalised to UTC.
AwareInstant = Annotated[datetime, AfterValidator(aware_utc)]
