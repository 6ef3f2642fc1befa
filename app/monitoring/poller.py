"""Polling sources: claim the due ones, fetch conditionally and safely, ingest through intake, keep health.

Each source is claimed with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), fetched outside any transaction,
and its outcome recorded in a short transaction of its own, so one slow or broken source never holds up the
others and several workers poll side by side without fetching the same source at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.auth.service import intake_client
from app.mentions import service as mentions
from app.monitoring import parsing
from app.monitoring.models import DefaultWatchlist, Source, SourceKind
from app.monitoring.watchlist import compile_watchlist, load_default
from app.outbound.safety import UnsafeUrl, check_url, pinned_stream

POLLER_CLIENT = "Pemantau sumber Sigap"
LONGEST_BACKOFF = timedelta(hours=6)
ACCEPT = {
    SourceKind.rss: "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    SourceKind.atom: "application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    SourceKind.cap: "application/cap+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
}


@dataclass(frozen=True, slots=True)
class PollConfig:
    allow_http_hosts: frozenset[str]
    timeout: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    flag_after: int = 5
    lease: timedelta = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class Job:
    source_id: int
    kind: str
    url: str
    etag: str | None
    last_modified: str | None


@dataclass(slots=True)
class Fetched:
    status: int | None = None
    content: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _skip_locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def claim(
    session: Session, now: datetime, config: PollConfig, *, source_id: int | None = None, limit: int = 10
) -> list[Job]:
    """Due sources (or the one asked for), leased to this poller."""
    query = select(Source).where(
        col(Source.active).is_(True), or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
    )
    if source_id is not None:
        query = query.where(col(Source.id) == source_id)
    else:
        query = query.where(col(Source.next_poll_at) <= now)
    sources = session.exec(_skip_locked(session, query.order_by(col(Source.next_poll_at)).limit(limit))).all()
    jobs = []
    for source in sources:
        source.lease_until = now + config.lease
        assert source.id is not None
        jobs.append(Job(source.id, source.kind, source.url, source.etag, source.last_modified))
    return jobs


def fetch(client: httpx.Client, job: Job, config: PollConfig) -> Fetched:
    """One conditional GET to the checked address, cut off past the size cap or the overall deadline."""
    headers = {"Accept": ACCEPT[SourceKind(job.kind)], "User-Agent": "Sigap-Pemantau/1 (Diskominfo Kaltim)"}
    if job.etag:
        headers["If-None-Match"] = job.etag
    if job.last_modified:
        headers["If-Modified-Since"] = job.last_modified
    deadline = time.monotonic() + config.timeout
    try:
        target = check_url(job.url, allow_http_hosts=config.allow_http_hosts)
        with pinned_stream(client, "GET", target, headers=headers, timeout=config.timeout) as response:
            fetched = Fetched(
                status=response.status_code,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_type=response.headers.get("content-type"),
            )
            if response.status_code != 200:
                return fetched
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > config.max_bytes:
                return Fetched(
                    status=200, error=f"the feed is {declared} bytes, over the {config.max_bytes} cap"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > config.max_bytes:
                    return Fetched(
                        status=200, error=f"the feed is over the {config.max_bytes}-byte cap; cut off"
                    )
                if time.monotonic() > deadline:
                    return Fetched(status=200, error=f"the feed took over {config.timeout:.0f} s; cut off")
            fetched.content = bytes(body)
            return fetched
    except UnsafeUrl as exc:
        return Fetched(error=f"refused: {exc}")
    except httpx.HTTPError as exc:
        return Fetched(error=f"{exc.__class__.__name__}: {exc}"[:500])


def default_terms(session: Session) -> list[str]:
    row = session.get(DefaultWatchlist, 1)
    return list(row.terms) if row is not None else list(load_default())


def record(session: Session, job: Job, fetched: Fetched, now: datetime, config: PollConfig) -> dict[str, int]:
    """Ingest what was fetched and update the source's health. Returns seen/ingested counts."""
    source = session.get(Source, job.source_id)
    if source is None:
        return {"seen": 0, "ingested": 0}
    source.lease_until = None
    source.last_polled_at = now
    error = fetched.error
    items: list[parsing.FeedItem] = []
    if error is None and fetched.status == 200:
        try:
            if source.kind == SourceKind.cap:
                items = parsing.parse_cap(fetched.content)
            else:
                items = parsing.parse_feed(
                    fetched.content, content_type=fetched.content_type, base_url=source.url
                )
        except parsing.FeedError as exc:
            error = f"not a readable {source.kind} document: {exc}"[:500]
    elif error is None and fetched.status != 304:
        error = f"the server answered {fetched.status}"
    if error is not None:
        _failed(source, error, now, config)
        return {"seen": 0, "ingested": 0}
    created = _ingest(session, source, items, now) if items else 0
    if fetched.status == 200:
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.last_ok_at = now
    source.last_error = None
    source.consecutive_failures = 0
    source.flagged = False
    source.items_seen += len(items)
    source.items_ingested += created
    source.next_poll_at = now + timedelta(seconds=source.poll_interval_s)
    return {"seen": len(items), "ingested": created}


def _failed(source: Source, error: str, now: datetime, config: PollConfig) -> None:
    source.last_error = error[:500]
    source.consecutive_failures += 1
    source.flagged = source.consecutive_failures >= config.flag_after
    # Exponential back-off, capped: a dead feed is asked less and less often, but never forgotten.
    delay = timedelta(seconds=source.poll_interval_s * 2 ** min(source.consecutive_failures, 10))
    source.next_poll_at = now + min(delay, LONGEST_BACKOFF)


def _ingest(session: Session, source: Source, items: list[parsing.FeedItem], now: datetime) -> int:
    terms = [*source.watchlist, *(default_terms(session) if source.use_default_watchlist else [])]
    watchlist = compile_watchlist(terms) if terms else None
    payloads = []
    for item in items:
        matched = watchlist.matches(item.title, item.text) if watchlist else []
        if watchlist and not matched:
            continue
        payload = parsing.to_mention(
            item,
            source_name=source.name,
            source_type="bmkg_cap" if source.kind == SourceKind.cap else "online_news",
            region_hints=source.region_codes,
            matched_terms=matched,
            # Item keys are unique within their source, not across sources.
            key_prefix=f"src{source.id}:",
        )
        if not payload.get("published_at"):
            payload["published_at"] = now.isoformat()  # an undated item is news as of when Sigap saw it
        payloads.append(payload)
    if not payloads:
        return 0
    principal = intake_client(session, POLLER_CLIENT)
    result = mentions.store_batch(session, principal=principal, items=payloads, trusted=True)
    return result.created
