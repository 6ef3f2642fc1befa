"""Webhook subscriptions: other government systems hear from Sigap instead of polling it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlmodel import col, select

from app.auth.deps import require
from app.auth.models import Scope
from app.auth.service import Principal
from app.db import SessionDep
from app.deps import Id, NowDep, SettingsDep
from app.errors import NotFound
from app.openapi import problems
from app.outbound.safety import parse_allow_list
from app.pagination import PageSize
from app.webhooks import delivery, service
from app.webhooks.models import WebhookAttempt, WebhookDelivery
from app.webhooks.schemas import (
    AttemptPublic,
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookPublic,
    WebhookUpdate,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Manager = Annotated[Principal, Depends(require(Scope.webhooks_manage))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problems(422),
        201: {"headers": {"Location": {"description": "The subscription.", "schema": {"type": "string"}}}},
    },
)
def create_webhook(
    body: WebhookCreate,
    session: SessionDep,
    principal: Manager,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
) -> WebhookCreated:
    """Subscribe a URL to Sigap's events; the answer shows the signing `secret` once.

    Deliveries follow the Standard Webhooks spec: headers `webhook-id` (the same on every retry),
    `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the
    secret). Bodies are thin: `{"type", "timestamp", "data": {ids, level, status, links}}`, no personal
    data.
    Only a 2xx answer counts; redirects are not followed; retries back off over about three days; `410 Gone`
    disables the subscription. An administrator's (or the provincial Diskominfo's) subscription receives every
    event; an agency's receives the events of its agency or its kabupaten/kota.
    """
    sub = service.create(session, principal, body, parse_allow_list(settings.webhook_allow_http_hosts), now)
    response.headers["Location"] = f"/v1/webhooks/{sub.id}"
    return WebhookCreated(**service.public(sub, now).model_dump(), secret=sub.secret)


@router.get("")
def list_webhooks(session: SessionDep, principal: Manager, now: NowDep) -> WebhookList:
    """The subscriptions this client may manage (all of them for administrators)."""
    return WebhookList(items=[service.public(s, now) for s in service.list_subscriptions(session, principal)])


@router.get("/{webhook_id}", responses=problems(404))
def get_webhook(webhook_id: Id, session: SessionDep, principal: Manager, now: NowDep) -> WebhookPublic:
    """Read one subscription (never its secret)."""
    return service.public(service.get_subscription(session, principal, webhook_id), now)


@router.patch("/{webhook_id}", responses=problems(404, 422))
def update_webhook(
    webhook_id: Id,
    body: WebhookUpdate,
    session: SessionDep,
    principal: Manager,
    settings: SettingsDep,
    now: NowDep,
) -> WebhookPublic:
    """Change the URL, the event types or the description; `active: false` pauses it and cancels what is
    pending, `active: true` re-enables it (e.g. after a `410 Gone`)."""
    sub = service.get_subscription(session, principal, webhook_id)
    service.update_subscription(
        session, principal, sub, body, parse_allow_list(settings.webhook_allow_http_hosts), now
    )
    return service.public(sub, now)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
def delete_webhook(webhook_id: Id, session: SessionDep, principal: Manager) -> None:
    """Remove the subscription and its delivery log."""
    service.delete(session, principal, service.get_subscription(session, principal, webhook_id))


@router.post("/{webhook_id}/rotate-secret", responses=problems(404))
def rotate_secret(
    webhook_id: Id, session: SessionDep, principal: Manager, settings: SettingsDep, now: NowDep
) -> WebhookCreated:
    """A new signing secret, shown once; the old one keeps signing beside it for
    `SIGAP_WEBHOOK_SECRET_GRACE_HOURS` (24 h) so the receiver can switch without losing a message."""
    sub = service.get_subscription(session, principal, webhook_id)
    service.rotate(session, principal, sub, timedelta(hours=settings.webhook_secret_grace_hours), now)
    return WebhookCreated(**service.public(sub, now).model_dump(), secret=sub.secret)


@router.post("/{webhook_id}/test", status_code=status.HTTP_202_ACCEPTED, responses=problems(404))
def test_webhook(webhook_id: Id, session: SessionDep, principal: Manager, now: NowDep) -> DeliveryPublic:
    """Queue a `webhook.test` message to the subscription now; follow it in the deliveries."""
    sub = service.get_subscription(session, principal, webhook_id)
    return _delivery_public(session, delivery.enqueue_test(session, sub, now))


@router.get("/{webhook_id}/deliveries", responses=problems(400, 404))
def list_deliveries(
    request: Request,
    response: Response,
    webhook_id: Id,
    session: SessionDep,
    principal: Manager,
    settings: SettingsDep,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    before_id: Annotated[int | None, Query(description="`next_before_id` of the page before.")] = None,
    limit: PageSize = 50,
) -> DeliveryPage:
    """Deliveries to this subscription, newest first, each with every attempt (time, status code, error)."""
    sub = service.get_subscription(session, principal, webhook_id)
    limit = min(limit, settings.page_max)
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == sub.id)
    if status_:
        query = query.where(col(WebhookDelivery.status) == status_)
    if before_id is not None:
        query = query.where(col(WebhookDelivery.id) < before_id)
    rows = list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)).all())
    next_before = rows[limit - 1].id if len(rows) > limit else None
    if next_before is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(before_id=next_before)}>; rel="next"'
    return DeliveryPage(
        items=[_delivery_public(session, d) for d in rows[:limit]], next_before_id=next_before
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry", responses=problems(404))
def retry_delivery(
    webhook_id: Id, delivery_id: Id, session: SessionDep, principal: Manager, now: NowDep
) -> DeliveryPublic:
    """Send a delivery again now (the same `webhook-id`), with a fresh round of the retry schedule."""
    sub = service.get_subscription(session, principal, webhook_id)
    found = session.get(WebhookDelivery, delivery_id)
    if found is None or found.subscription_id != sub.id:
        raise NotFound(
            f"Delivery {delivery_id} of webhook {webhook_id} does not exist.", code="DELIVERY_NOT_FOUND"
        )
    delivery.retry_now(session, found, now)
    session.refresh(found)
    return _delivery_public(session, found)


def _delivery_public(session: SessionDep, row: WebhookDelivery) -> DeliveryPublic:
    attempts = session.exec(
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id) == row.id)
        .order_by(col(WebhookAttempt.id))
    ).all()
    return DeliveryPublic.model_validate(
        {
            **row.model_dump(),
            "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
            "attempt_log": [AttemptPublic.model_validate(a.model_dump()) for a in attempts],
        }
    )
