"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, TypeDecorator, cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on both databases (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONVariant: Any = JSON().with_variant(JSONB(), "postgresql")


# The largest id a request may name: the keys are PostgreSQL `integer` columns. A larger id is refused (422)
# here instead of failing in the database (PostgreSQL: out of range; SQLite: OverflowError past 2**63 - 1).
MAX_ID = 2**31 - 1


def json_array_contains(column: Any, value: str) -> Any:
    """A JSON array of codes holds ``value``, on SQLite and PostgreSQL alike: the quoted code appears in the
    array's text. Only for codes, which never contain quotes or backslashes."""
    return cast(column, String).like(f'%"{value}"%')
