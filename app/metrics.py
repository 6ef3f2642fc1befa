"""Prometheus metrics (``GET /metrics``).

Per process: HTTP requests and latency by route template; mentions ingested and their crisis levels (counted
when the intake transaction commits, so a rolled-back request counts nothing); webhook attempts (in the
process that sends them: the in-process worker, or ``sigap worker --metrics-port``). Read from the database at
scrape time, the same in every process: outbox depth and the age of its oldest unpublished event, webhook
deliveries waiting or given up.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.clock import utcnow
from app.outbox.models import OutboxEvent
from app.webhooks.models import WebhookDelivery

REQUESTS = Counter("sigap_http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram(
    "sigap_http_request_duration_seconds",
    "Time to answer, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MENTIONS = Counter(
    "sigap_mentions_ingested_total", "Mentions stored (committed), by source type.", ["source_type"]
)
CLASSIFICATIONS = Counter(
    "sigap_classifications_total", "Mentions classified (committed), by crisis level.", ["level"]
)
WEBHOOK_ATTEMPTS = Counter(
    "sigap_webhook_attempts_total", "Webhook delivery attempts, by outcome.", ["outcome"]
)

_PENDING = "sigap_metrics_pending"


def count_after_commit(session: Session, counter: Counter, labels: Iterable[str]) -> None:
    """Count ``labels`` on ``counter`` once this session's transaction commits (never on rollback)."""
    session.info.setdefault(_PENDING, []).extend((counter, label) for label in labels)


@event.listens_for(OrmSession, "after_commit")
def _flush_counts(session: OrmSession) -> None:
    for counter, label in session.info.pop(_PENDING, []):
        counter.labels(label).inc()


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_counts(session: OrmSession, previous_transaction: Any) -> None:
    # The session's own transaction rolled back (a savepoint rolling back inside it keeps the rest).
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (``/v1/issues/{issue_id}``, not the id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path_format", None) or "unmatched"
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


def database_gauges(session: Session) -> bytes:
    """Gauges read from the database now, in Prometheus text format."""
    registry = CollectorRegistry()
    depth = Gauge("sigap_outbox_depth", "Outbox events not yet fanned out to webhooks.", registry=registry)
    age = Gauge(
        "sigap_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event.", registry=registry
    )
    deliveries = Gauge(
        "sigap_webhook_deliveries",
        "Webhook deliveries by status (pending, failed).",
        ["status"],
        registry=registry,
    )
    count, oldest = session.exec(
        select(func.count(), func.min(OutboxEvent.created_at)).where(col(OutboxEvent.published_at).is_(None))
    ).one()
    depth.set(count)
    age.set((utcnow() - oldest).total_seconds() if oldest is not None else 0)
    for status in ("pending", "failed"):
        deliveries.labels(status).set(
            session.exec(select(func.count()).where(col(WebhookDelivery.status) == status)).one()
        )
    return generate_latest(registry)


def exposition(session: Session) -> bytes:
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY) + database_gauges(session)
