"""Time: stored in UTC, shown in WITA (``Asia/Makassar``) where people read it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
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


def offset_required(value: datetime) -> datetime:
    """Accept a time only with its UTC offset; a wall-clock time alone is ambiguous (WIB? WITA?)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_required",
            "a time must carry a UTC offset, e.g. 2026-11-27T08:15:00+08:00 (WITA) or 2026-11-27T00:15:00Z",
        )
    return value


def aware_utc(value: datetime) -> datetime:
    """An instant with its UTC offset (see ``offset_required``), in UTC."""
    offset_required(value)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_out_of_range", "the time lies outside the years 1-9999") from None


# `2026-11-27T08:15:00.123456+08:00` is 32 characters. The parser itself has no bound (it reads any number of
# fractional digits), so longer text is refused before parsing, and the contract says so (OWASP API4).
INSTANT_MAX_LENGTH = 64
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _iso_text(value: object) -> object:
    """Text, not a number: pydantic would also read `0.5` or `1700000000` as seconds since 1970."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise PydanticCustomError(
            "datetime_type", "a time is written like 2026-11-27T08:15:00+08:00, not as a number of seconds"
        )
    if isinstance(value, str) and len(value) > INSTANT_MAX_LENGTH:
        raise PydanticCustomError(
            "string_too_long",
            "a time is at most {max_length} characters, e.g. 2026-11-27T08:15:00+08:00",
            {"max_length": INSTANT_MAX_LENGTH},
        )
    return value


# A time a source claims (when it published something): must carry an offset, and is kept as written, in
# any year; `plausible` decides what Sigap records.
ClaimedInstant = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(offset_required),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": INSTANT_MAX_LENGTH}),
]
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


def plausible(claimed: datetime, received: datetime) -> tuple[datetime, str | None]:
    """When something was published, as Sigap records it, and what the source claimed when that is not
    believable: before 1990, or more than a day after Sigap received it (a broken clock or a mis-parsed
    date). Then the receipt time stands in, so the item still sorts and ages sensibly, and the claim is kept
    as written."""
    try:
        instant = claimed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+08:00 has no UTC instant in Python's range
        return received, claimed.isoformat()
    if EARLIEST_PLAUSIBLE <= instant <= received + FUTURE_TOLERANCE:
        return instant, None
    return received, claimed.isoformat()


# An instant from a client: must carry an offset, normalised to UTC.
AwareInstant = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(aware_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": INSTANT_MAX_LENGTH}),
]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    """A calendar day written YYYY-MM-DD; pydantic would also read `0` as 1970-01-01."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise PydanticCustomError("date_type", "a day is written like 2026-11-27 (YYYY-MM-DD)")


# A calendar day from a client (e.g. a WITA day of a report).
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date_text),
    WithJsonSchema({"type": "string", "format": "date", "maxLength": 10}),
]
