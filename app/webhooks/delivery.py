"""From the outbox to the receivers: fan-out, claiming due deliveries, sending, recording the outcome.

Each step is its own short transaction; no transaction stays open while a receiver answers.
- ``fan_out`` turns new outbox events into one delivery per interested subscription and marks them published.
- ``claim`` takes due deliveries with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers running side
  by side never take the same one); a worker that dies before sending leaves a lease that simply runs out.
- ``send`` makes one attempt, outside any transaction, to the address checked just before (SSRF);
- ``record`` stores the attempt and schedules the next one, or closes the delivery.
Delivery is at least once: receivers deduplicate on ``webhook-id``, which never changes between attempts.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, or_, update
from sqlmodel import Session, col, select

from app import metrics
from app.access import service as access
from app.auth.service import agency_viewer
from app.clock import wita_isoformat
from app.outbound.safety import UnsafeUrl, check_url, pinned_request
from app.outbox.models import OutboxEvent
from app.reference.models import Agency
from app.webhooks import schedule, service, signing
from app.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

FAN_OUT_BATCH = 200
SUCCESS = range(200, 300)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    schedule: tuple[float, ...]
    allow_http_hosts: frozenset[str]
    timeout: float = 15.0
    lease: timedelta = timedelta(seconds=60)
    rng: random.Random | None = None


def _skip_locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query  # SQLite: one writer at a time already


def body_of(event_type: str, created_at: datetime, payload: dict[str, Any]) -> str:
    """Standard Webhooks body: type, timestamp, data (the thin outbox payload)."""
    data = {k: v for k, v in payload.items() if k != "type"}
    return json.dumps(
        {"type": event_type, "timestamp": wita_isoformat(created_at), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def fan_out(session: Session, now: datetime) -> int:
    """New outbox events → deliveries for the subscriptions that want them. Returns the events handled."""
    events = session.exec(
        _skip_locked(
            session,
            select(OutboxEvent)
            .where(col(OutboxEvent.published_at).is_(None))
            .order_by(col(OutboxEvent.id))
            .limit(FAN_OUT_BATCH),
        )
    ).all()
    if not events:
        return 0
    subs = session.exec(select(WebhookSubscription).where(col(WebhookSubscription.active).is_(True))).all()
    audience = _audiences(session, subs, events)
    rows = []
    for event in events:
        for sub in subs:
            if service.wants(sub, event.event_type) and (
                sub.all_agencies or event.payload.get("issue_id") in audience[sub.agency_code]
            ):
                rows.append(
                    {
                        "subscription_id": sub.id,
                        "event_id": event.id,
                        "message_id": f"msg_{event.id}_{sub.id}",
                        "event_type": event.event_type,
                        "body": body_of(event.event_type, event.created_at, event.payload),
                        "status": DeliveryStatus.pending,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
        event.published_at = now
    if rows:
        session.execute(insert(WebhookDelivery.__table__), rows)  # type: ignore[attr-defined]
    return len(events)


def _audiences(
    session: Session, subs: Sequence[WebhookSubscription], events: Sequence[OutboxEvent]
) -> dict[str, set[int]]:
    """Per agency with subscriptions limited to its own, the issues of these events it may see (app/access):
    a subscription never hears of an issue its agency would get 404 for."""
    issue_ids = sorted({i for e in events if isinstance(i := e.payload.get("issue_id"), int)})
    seen: dict[str, set[int]] = {}
    for code in sorted({s.agency_code for s in subs if not s.all_agencies}):
        agency = session.get(Agency, code)
        seen[code] = access.seen_issue_ids(session, agency_viewer(agency), issue_ids) if agency else set()
    return seen


def enqueue_test(session: Session, sub: WebhookSubscription, now: datetime) -> WebhookDelivery:
    assert sub.id is not None
    delivery = WebhookDelivery(
        subscription_id=sub.id,
        message_id=f"msg_test_{sub.id}_{int(now.timestamp() * 1000)}",
        event_type="webhook.test",
        body=body_of(
            "webhook.test",
            now,
            {"webhook_id": sub.id, "message": "Uji koneksi webhook Sigap / Sigap webhook test"},
        ),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    message_id: str
    body: str
    url: str
    keys: tuple[str, ...]
    attempts: int


def claim(session: Session, now: datetime, config: DeliveryConfig, limit: int = 20) -> list[Claimed]:
    """Due deliveries, leased to this worker until ``now + lease``."""
    rows = session.exec(
        _skip_locked(
            session,
            select(WebhookDelivery)
            .where(
                col(WebhookDelivery.status) == DeliveryStatus.pending,
                col(WebhookDelivery.next_attempt_at) <= now,
                or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit),
        )
    ).all()
    claimed = []
    for delivery in rows:
        sub = session.get(WebhookSubscription, delivery.subscription_id)
        if sub is None or not sub.active:
            continue
        delivery.lease_until = now + config.lease
        assert delivery.id is not None
        claimed.append(
            Claimed(
                delivery.id,
                delivery.message_id,
                delivery.body,
                sub.url,
                tuple(service.signing_keys(sub, now)),
                delivery.attempts,
            )
        )
    return claimed


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code in SUCCESS


def send(client: httpx.Client, job: Claimed, now: datetime, config: DeliveryConfig) -> Outcome:
    """One attempt. The address is checked again now (DNS may have changed) and the request goes to it."""
    started = time.perf_counter()
    try:
        target = check_url(job.url, allow_http_hosts=config.allow_http_hosts)
        headers = signing.headers(job.message_id, int(now.timestamp()), job.body, job.keys)
        response = pinned_request(
            client, "POST", target, headers=headers, content=job.body.encode(), timeout=config.timeout
        )
    except UnsafeUrl as exc:
        return Outcome(None, f"refused: {exc}"[:500], None, _ms(started))
    except httpx.HTTPError as exc:
        return Outcome(None, f"{exc.__class__.__name__}: {exc}"[:500], None, _ms(started))
    retry_after = schedule.retry_after_seconds(response.headers.get("retry-after"))
    return Outcome(response.status_code, None, retry_after, _ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def record(session: Session, job: Claimed, outcome: Outcome, now: datetime, config: DeliveryConfig) -> str:
    """Store the attempt; schedule the next, or close the delivery. Returns the delivery's new status."""
    delivery = session.get(
        WebhookDelivery, job.delivery_id, with_for_update=session.get_bind().dialect.name == "postgresql"
    )
    if delivery is None or delivery.status != DeliveryStatus.pending:
        return "gone"
    session.add(
        WebhookAttempt(
            delivery_id=job.delivery_id,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            detail={"retry_after": outcome.retry_after} if outcome.retry_after is not None else {},
        )
    )
    metrics.count_after_commit(session, metrics.WEBHOOK_ATTEMPTS, [_outcome_label(outcome)])
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.lease_until = None
    if outcome.succeeded:
        delivery.status, delivery.completed_at = DeliveryStatus.succeeded, now
    elif outcome.status_code == 410:
        # The receiver says it is gone for good: stop sending to it at all.
        sub = session.get(WebhookSubscription, delivery.subscription_id)
        if sub is not None:
            sub.active = False
            sub.disabled_reason = f"the receiver answered 410 Gone at {wita_isoformat(now)}"
            sub.updated_at = now
            service.cancel_pending(session, sub, now)
        delivery.status, delivery.completed_at = DeliveryStatus.cancelled, now
    else:
        delay = schedule.next_delay(delivery.attempts, config.schedule, outcome.retry_after, config.rng)
        if delay is None:
            delivery.status, delivery.completed_at = DeliveryStatus.failed, now
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delivery.status


def _outcome_label(outcome: Outcome) -> str:
    if outcome.succeeded:
        return "success"
    if outcome.status_code is None:
        return "refused" if (outcome.error or "").startswith("refused") else "unreachable"
    return "gone" if outcome.status_code == 410 else "failure"


def retry_now(session: Session, delivery: WebhookDelivery, now: datetime) -> None:
    """An officer's retry: a closed delivery gets one more round of the schedule, starting now."""
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery.id)
        .values(
            status=DeliveryStatus.pending,
            next_attempt_at=now,
            lease_until=None,
            completed_at=None,
            attempts=0,
        )
    )
