"""Time: stored in UTC, shown in WITA (``Asia/Makassar``) where people read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

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
