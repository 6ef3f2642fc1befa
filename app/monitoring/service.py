"""Sources: create, read, change, delete, poll now; the province's default watchlist."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.models import Scope
from app.auth.service import Principal, sees_every_agency
from app.errors import Forbidden, NotFound
from app.monitoring.models import DefaultWatchlist, Source, SourceKind
from app.monitoring.schemas import SourceCreate, SourcePublic, SourceUpdate, WatchlistPublic
from app.monitoring.watchlist import load_default
from app.outbound.refusal import require_safe_url


def get_source(session: Session, principal: Principal, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None or not (sees_every_agency(principal) or source.agency_code == principal.agency_code):
        raise NotFound(f"Source {source_id} does not exist.", code="SOURCE_NOT_FOUND")
    return source


def list_sources(session: Session, principal: Principal) -> list[Source]:
    query = select(Source).order_by(col(Source.id))
    if not sees_every_agency(principal):
        query = query.where(col(Source.agency_code) == principal.agency_code)
    return list(session.exec(query).all())


def create(
    session: Session,
    principal: Principal,
    body: SourceCreate,
    allow_http_hosts: frozenset[str],
    now: datetime,
) -> Source:
    _official_needs_scope(principal, body.kind)
    source = Source(
        **body.model_dump(exclude={"url", "kind"}),
        kind=body.kind,
        url=require_safe_url(body.url, allow_http_hosts, code="UNSAFE_SOURCE_URL", action="fetch"),
        agency_code=principal.agency_code,
        created_by_client_id=principal.client_id,
        next_poll_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(source)
    session.flush()
    assert source.id is not None
    audit.record(
        session,
        principal,
        "source.created",
        target_type="source",
        target_id=source.id,
        detail={"url": source.url},
    )
    return source


def _official_needs_scope(principal: Principal, kind: str) -> None:
    if kind == SourceKind.cap and not principal.has(Scope.alerts_official):
        raise Forbidden(
            "Official warning feeds (kind `cap`) need the scope 'alerts:official'.", code="INSUFFICIENT_SCOPE"
        )


def update(
    session: Session,
    principal: Principal,
    source: Source,
    change: SourceUpdate,
    allow_http_hosts: frozenset[str],
    now: datetime,
) -> None:
    fields = change.model_dump(exclude_unset=True, exclude_none=True)
    _official_needs_scope(principal, fields.get("kind", source.kind))
    if "url" in fields:
        require_safe_url(fields["url"], allow_http_hosts, code="UNSAFE_SOURCE_URL", action="fetch")
        source.etag = source.last_modified = None  # another document: no validators carry over
    for name, value in fields.items():
        setattr(source, name, value)
    if fields.get("active") is True or "url" in fields:
        source.next_poll_at, source.consecutive_failures, source.flagged = now, 0, False
    source.version += 1
    source.updated_at = now
    assert source.id is not None
    audit.record(
        session, principal, "source.updated", target_type="source", target_id=source.id, detail=fields
    )


def delete(session: Session, principal: Principal, source: Source) -> None:
    assert source.id is not None
    audit.record(
        session,
        principal,
        "source.deleted",
        target_type="source",
        target_id=source.id,
        detail={"url": source.url},
    )
    session.delete(source)


def public(source: Source) -> SourcePublic:
    return SourcePublic.model_validate({**source.model_dump(), "agency": source.agency_code})


def watchlist(session: Session) -> WatchlistPublic:
    row = session.get(DefaultWatchlist, 1)
    if row is None:
        return WatchlistPublic(terms=list(load_default()), updated_at=None, updated_by=None)
    return WatchlistPublic(terms=row.terms, updated_at=row.updated_at, updated_by=row.updated_by)


def set_watchlist(session: Session, principal: Principal, terms: list[str], now: datetime) -> WatchlistPublic:
    row = session.get(DefaultWatchlist, 1) or DefaultWatchlist(id=1)
    row.terms = list(dict.fromkeys(terms))
    row.updated_at, row.updated_by = now, principal.name
    session.add(row)
    audit.record(
        session,
        principal,
        "watchlist.updated",
        target_type="watchlist",
        target_id=1,
        detail={"terms": len(row.terms)},
    )
    return watchlist(session)
