"""Storing and finding mentions.

Duplicates never make a second row: the same ``(client, external_id)`` or the same canonical URL answers
with the stored mention. The unique indexes are the last word: when two transactions race, the loser's
insert fails, its savepoint is rolled back and the look-up runs again, now finding the winner's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, bindparam, exists, insert, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.access import service as access
from app.audit import service as audit
from app.auth.models import Scope
from app.auth.service import Principal
from app.classification import service as classification
from app.classification.schemas import Classification
from app.clock import plausible, utcnow
from app.db import insert_returning_ids
from app.errors import FieldError, NotFound, field_errors
from app.issues import service as issues
from app.mentions import pipeline
from app.mentions.canonical import url_key
from app.mentions.models import Mention, MentionRegion, SourceType
from app.mentions.pipeline import NewMention
from app.mentions.schemas import BatchItemResult, BatchResult, MentionCreate, MentionPublic, VerdictSummary

_RACE_RETRIES = 3
_IN_CHUNK = 500  # keeps IN (...) lists well inside every database's parameter limit


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    created: bool
    new: NewMention | None  # what was inserted and computed, for answering without reading the row back


def store(session: Session, *, principal: Principal, items: Sequence[MentionCreate]) -> list[Stored]:
    """Store each new mention once; one result per item, in order."""
    for attempt in range(_RACE_RETRIES):
        try:
            with session.begin_nested():
                return _store(session, principal, items)
        except IntegrityError:
            if attempt == _RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _store(session: Session, principal: Principal, items: Sequence[MentionCreate]) -> list[Stored]:
    urls = [url_key(item.url) if item.url else None for item in items]
    by_external_id, by_url = _existing(
        session,
        principal.client_id,
        {item.external_id for item in items if item.external_id},
        {url for url in urls if url},
    )
    now = utcnow()
    # One step per item: ("existing", mention id), ("new", row position) or ("repeat", row position) for
    # an item that repeats an earlier new item of this same request.
    plan: list[tuple[str, int]] = []
    new_rows: list[dict[str, Any]] = []
    position_by_key: dict[str, int] = {}
    for item, url in zip(items, urls, strict=True):
        keys = [
            k
            for k in (f"e:{item.external_id}" if item.external_id else None, f"u:{url}" if url else None)
            if k
        ]
        stored_id = (by_external_id.get(item.external_id) if item.external_id else None) or (
            by_url.get(url) if url else None
        )
        earlier = next((position_by_key[k] for k in keys if k in position_by_key), None)
        if stored_id is not None:
            plan.append(("existing", stored_id))
        elif earlier is not None:
            plan.append(("repeat", earlier))
        else:
            position_by_key.update(dict.fromkeys(keys, len(new_rows)))
            plan.append(("new", len(new_rows)))
            new_rows.append(_row(item, url, principal, now))

    ids = _insert(session, new_rows)
    new = [NewMention(row_id, row) for row_id, row in zip(ids, new_rows, strict=True)]
    pipeline.after_store(session, new)
    if ids:
        # One entry per request, not per mention: ids only, never text or authors (personal data).
        audit.record(
            session,
            principal,
            "mentions.ingested",
            target_type="mention",
            target_id=ids[0],
            detail={"ids": ids},
        )
    return [
        Stored(value, created=False, new=None)
        if kind == "existing"
        else Stored(ids[value], created=kind == "new", new=new[value] if kind == "new" else None)
        for kind, value in plan
    ]


def _row(item: MentionCreate, url: str | None, principal: Principal, now: datetime) -> dict[str, Any]:
    published_at, claimed = plausible(item.published_at, now)
    return {
        "source_client_id": principal.client_id,
        "source_system": principal.name,
        "source_type": item.source_type.value,
        "source_name": item.source_name,
        "url": item.url,
        "url_key": url,
        "external_id": item.external_id,
        "title": item.title,
        "text": item.text,
        "author": item.author,
        "published_at": published_at,
        "published_at_claimed": claimed,
        "language": item.language,
        "metrics": item.metrics.model_dump(exclude_none=True),
        "watchlist_terms": item.watchlist_terms,
        "official_alert": item.official_alert.model_dump() if item.official_alert else None,
        "received_at": now,
        "region_codes": item.region_codes,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    values = [{k: v for k, v in row.items() if k != "region_codes"} for row in rows]
    # Core, one statement for the whole batch: several times faster than ORM objects.
    ids = insert_returning_ids(session, Mention.__table__, values)  # type: ignore[attr-defined]
    regions = [
        {"mention_id": mention_id, "region_code": code}
        for mention_id, row in zip(ids, rows, strict=True)
        for code in row["region_codes"]
    ]
    if regions:
        session.execute(insert(MentionRegion.__table__), regions)  # type: ignore[attr-defined]
    return ids


def _existing(
    session: Session, client_id: int, external_ids: set[str], urls: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Stored mentions matching by (client, external id) and by URL key, in one round trip.

    A UNION ALL of two plain look-ups, one per unique index: an OR of both made PostgreSQL's cached generic
    plan fall back to scanning the table, so intake slowed down as the table grew.
    """
    by_external_id: dict[str, int] = {}
    by_url: dict[str, int] = {}
    ext_list, url_list = sorted(external_ids), sorted(urls)
    for start in range(0, max(len(ext_list), len(url_list)), _IN_CHUNK):
        ext_chunk, url_chunk = ext_list[start : start + _IN_CHUNK], url_list[start : start + _IN_CHUNK]
        query = _EXISTING[bool(ext_chunk), bool(url_chunk)]
        params = {"client_id": client_id, "external_ids": ext_chunk, "urls": url_chunk}
        for kind, key, mention_id in session.execute(query, params):
            (by_external_id if kind == "e" else by_url)[key] = mention_id
    return by_external_id, by_url


_BY_EXTERNAL_ID = select(literal("e"), col(Mention.external_id), col(Mention.id)).where(
    col(Mention.source_client_id) == bindparam("client_id"),
    col(Mention.external_id).in_(bindparam("external_ids", expanding=True)),
)
_BY_URL = select(literal("u"), col(Mention.url_key), col(Mention.id)).where(
    col(Mention.url_key).in_(bindparam("urls", expanding=True))
)
# Built once (building the statement cost more than SQLite's answer), by which keys a request has.
_EXISTING: dict[tuple[bool, bool], Any] = {
    (True, True): union_all(_BY_EXTERNAL_ID, _BY_URL),
    (True, False): _BY_EXTERNAL_ID,
    (False, True): _BY_URL,
}


def official_refused(principal: Principal, item: MentionCreate) -> str | None:
    """Why ``principal`` may not send ``item``: an official warning from a client not trusted to relay it."""
    if item.source_type == SourceType.bmkg_cap and not principal.has(Scope.alerts_official):
        return "official warnings (source_type `bmkg_cap`) need the scope 'alerts:official'"
    return None


def store_batch(
    session: Session, *, principal: Principal, items: Sequence[Any], trusted: bool = False
) -> BatchResult:
    """Validate each item on its own, store the valid ones, report every item in order. ``trusted``: Sigap's
    own poller, whose CAP sources were registered by a client holding `alerts:official`."""
    valid: list[MentionCreate] = []
    valid_positions: list[int] = []
    results: list[BatchItemResult | None] = []
    for index, raw in enumerate(items):
        try:
            item = MentionCreate.model_validate(raw)
        except ValidationError as exc:
            errors = [
                FieldError.model_validate(e) for e in field_errors(exc.errors(), ("body", "items", index))
            ]
            results.append(BatchItemResult(index=index, status="rejected", id=None, errors=errors))
            continue
        refused = None if trusted else official_refused(principal, item)
        if refused:
            error = FieldError(
                loc=["body", "items", index, "source_type"], msg=refused, type="scope_required"
            )
            results.append(BatchItemResult(index=index, status="rejected", id=None, errors=[error]))
            continue
        valid.append(item)
        valid_positions.append(index)
        results.append(None)
    stored_items = store(session, principal=principal, items=valid)
    repeated = [s.id for s in stored_items if s.new is None]
    earlier = issues.placements(session, repeated)
    unseen = set(repeated) - access.seen_mention_ids(session, principal, repeated)
    earlier_views = classification.stored_views(session, [i for i in repeated if i not in unseen])
    for index, stored in zip(valid_positions, stored_items, strict=True):
        placed = stored.new.extras["issue"] if stored.new else earlier.get(stored.id)
        view = earlier_views.get(stored.id)
        verdict = stored.new.extras.get("classification") if stored.new else view.machine if view else None
        if stored.id in unseen:
            placed = verdict = None  # a copy of what another agency sent, which this client may not see
        results[index] = BatchItemResult(
            index=index,
            status="created" if stored.created else "duplicate",
            id=stored.id,
            issue_id=placed.issue_id if placed else None,
            verdict=_summary(verdict),
        )
    final = [r for r in results if r is not None]
    return BatchResult(
        results=final,
        created=sum(r.status == "created" for r in final),
        duplicates=sum(r.status == "duplicate" for r in final),
        rejected=sum(r.status == "rejected" for r in final),
    )


def _summary(verdict: Classification | None) -> VerdictSummary | None:
    if verdict is None:
        return None
    return VerdictSummary(
        level=verdict.level,
        urgency=verdict.urgency,
        topic=verdict.topic.label,
        sentiment=verdict.sentiment.label,
        hoax_suspected=verdict.hoax_suspected,
        opportunity=verdict.opportunity,
    )


def receipt(item: MentionCreate, mention_id: int, principal: Principal) -> MentionPublic:
    """The answer to a duplicate of a mention the caller may not see (app/access): what it sent, under the
    stored id, without the stored verdict or issue — nothing of another agency's record leaks."""
    row = _row(item, None, principal, utcnow())
    shown = {k: v for k, v in row.items() if k not in ("url_key", "source_client_id")}
    return MentionPublic.model_validate({**shown, "id": mention_id, "classification": None, "issue_id": None})


def public(session: Session, stored: Stored) -> MentionPublic:
    """The mention as the API shows it; a new one is built from what was inserted, without a read."""
    if stored.new is not None:
        row = {k: v for k, v in stored.new.row.items() if k not in ("url_key", "source_client_id")}
        extras = stored.new.extras
        view = classification.fresh_view(extras["classification"], extras["classified_at"])
        link = extras["issue"]
        return MentionPublic.model_validate(
            {
                **row,
                "id": stored.id,
                "classification": view,
                "issue_id": link.issue_id,
                "clustering": link.link,
            }
        )
    return get(session, stored.id)


def mention_not_found(mention_id: int) -> NotFound:
    return NotFound(f"Mention {mention_id} does not exist.", code="MENTION_NOT_FOUND")


def get(session: Session, mention_id: int, *, viewer: Principal | None = None) -> MentionPublic:
    """The mention; 404 when it does not exist or ``viewer`` may not see it (app/access)."""
    if viewer is not None and not access.sees_mention(session, viewer, mention_id):
        raise mention_not_found(mention_id)
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise mention_not_found(mention_id)
    return MentionPublic.of(
        mention,
        regions_of(session, [mention_id]).get(mention_id, []),
        classification.stored_views(session, [mention_id]).get(mention_id),
        issues.placements(session, [mention_id]).get(mention_id),
    )


def regions_of(session: Session, mention_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not mention_ids:
        return found
    query = (
        select(col(MentionRegion.mention_id), col(MentionRegion.region_code))
        .where(col(MentionRegion.mention_id).in_(mention_ids), col(MentionRegion.detected).is_(False))
        .order_by(col(MentionRegion.mention_id), col(MentionRegion.region_code))
    )
    for mention_id, code in session.execute(query):
        found.setdefault(mention_id, []).append(code)
    return found


@dataclass(frozen=True, slots=True)
class MentionFilter:
    source_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    region: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    session: Session,
    *,
    filters: MentionFilter,
    limit: int,
    after: tuple[datetime, int] | None,
    viewer: Principal | None = None,
) -> tuple[list[MentionPublic], tuple[datetime, int] | None]:
    """The mentions ``viewer`` sees, newest first (by publication time, then id); returns the page and the
    position after it."""
    query = select(Mention)
    seen = access.mention_clause(viewer) if viewer is not None else None
    if seen is not None:
        query = query.where(seen)
    if filters.source_type:
        query = query.where(col(Mention.source_type) == filters.source_type)
    if filters.since:
        query = query.where(col(Mention.published_at) >= filters.since)
    if filters.until:
        query = query.where(col(Mention.published_at) < filters.until)
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        query = query.where(
            or_(col(Mention.title).ilike(pattern, escape="\\"), col(Mention.text).ilike(pattern, escape="\\"))
        )
    if filters.region:
        query = query.where(
            exists().where(
                col(MentionRegion.mention_id) == col(Mention.id),
                col(MentionRegion.region_code) == filters.region,
            )
        )
    if after is not None:
        published_at, mention_id = after
        query = query.where(
            or_(
                col(Mention.published_at) < published_at,
                and_(col(Mention.published_at) == published_at, col(Mention.id) < mention_id),
            )
        )
    query = query.order_by(col(Mention.published_at).desc(), col(Mention.id).desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = [m.id for m in rows if m.id is not None]
    regions = regions_of(session, ids)
    views = classification.stored_views(session, ids)
    links = issues.placements(session, ids)
    items = [
        MentionPublic.of(m, regions.get(m.id or 0, []), views.get(m.id or 0), links.get(m.id or 0))
        for m in rows
    ]
    last = rows[-1] if has_more else None
    return items, ((last.published_at, last.id) if last is not None and last.id is not None else None)
