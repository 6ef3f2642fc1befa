"""Where a person's name can be: every text and JSON column of every table, found and edited generically.

A name is copied far beyond ``mention.author``: into the mention's own title, text and address, the
issue title and summary drafted from it, ``issue_source`` (social accounts), the answers kept for
``Idempotency-Key`` replays, outbox payloads and webhook bodies, statements drafted from the issue title,
officers' label reasons. Listing those by hand would miss the next table someone adds; walking the metadata
does not. Rows are found by a case-insensitive ``LIKE`` and edited in Python by :class:`Rule`, which decides
whole-word matches; a row whose ``version`` changes gets a new ETag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql.schema import Column
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from app.all_models import metadata
from app.privacy.matching import AUTHOR_FIELDS, Rule

# Restricts the rows looked at in one table (None: all rows; False: skip the table).
Restriction = Callable[[Table], ColumnElement[bool] | bool | None]


def _base_type(column: Column[Any]) -> TypeEngine[Any]:
    kind: TypeEngine[Any] = column.type
    while isinstance(kind, TypeDecorator):  # SQLModel's AutoString wraps String
        kind = kind.impl_instance
    return kind


def textual_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(_base_type(c), String | JSON)]


def _is_json(column: Column[Any]) -> bool:
    return isinstance(_base_type(column), JSON)


def matching_rows(table: Table, rule: Rule) -> Any:
    columns = textual_columns(table)
    patterns = rule.like_patterns()
    found = or_(
        *(func.lower(cast(c, Text)).like(p, escape="\\") for c in columns for p in patterns),
        # An author column equal to the person, even a name too short to look for in text.
        *(func.lower(func.trim(c)).in_(rule.author_names()) for c in columns if c.name in AUTHOR_FIELDS),
    )
    return select(*table.primary_key.columns, *[c for c in columns if not c.primary_key]).where(found)


def scrub(
    session: Session, rule: Rule, *, restrict: Restriction | None = None, write: bool = True
) -> dict[str, int]:
    """Replace the rule's names in every table; rows changed per table (only tables with changes).

    With ``write=False`` nothing is changed and the counts say what would be.
    """
    changed: dict[str, int] = {}
    for table in metadata.sorted_tables:
        if not textual_columns(table) or not (rule.in_text or rule.in_author_field):
            continue
        extra = restrict(table) if restrict else None
        if extra is False:
            continue
        query = matching_rows(table, rule)
        if extra is not None and extra is not True:
            query = query.where(extra)
        count = 0
        for row in session.execute(query).mappings().all():
            new = _edited(table, row, rule)
            if not new:
                continue
            count += 1
            if write:
                _write(session, table, row, new)
        if count:
            changed[table.name] = count
    return changed


def _edited(table: Table, row: Any, rule: Rule) -> dict[str, Any]:
    new: dict[str, Any] = {}
    for column in textual_columns(table):
        value = row[column.name]
        if value is None:
            continue
        edited = rule.value(value) if _is_json(column) else rule.stored_text(value, name=column.name)
        if edited != value:
            new[column.name] = edited
    return new


def _write(session: Session, table: Table, row: Any, new: dict[str, Any]) -> None:
    key = and_(*(c == row[c.name] for c in table.primary_key.columns))
    moved_key = {c.name: new[c.name] for c in table.primary_key.columns if c.name in new}
    if moved_key:
        # A name inside a primary key (issue_source: "x:@handle"): when the replacement already exists for
        # this issue, the row was a second spelling of the same source and goes.
        target = {c.name: moved_key.get(c.name, row[c.name]) for c in table.primary_key.columns}
        exists = session.execute(
            select(*table.primary_key.columns).where(
                and_(*(c == target[c.name] for c in table.primary_key.columns))
            )
        ).first()
        if exists is not None:
            session.execute(delete(table).where(key))
            return
    values = dict(new)
    if "version" in table.columns:
        values["version"] = table.c.version + 1
    session.execute(update(table).where(key).values(**values))
