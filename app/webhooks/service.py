"""Subscriptions: create, read, change, rotate the secret, delete; which events each one receives."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.service import Principal, sees_every_agency
from app.errors import NotFound, UnprocessableEntity
from app.outbound.refusal import require_safe_url
from app.webhooks import signing
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import EVENT_TYPES, WebhookCreate, WebhookPublic, WebhookUpdate


def get_subscription(session: Session, principal: Principal, webhook_id: int) -> WebhookSubscription:
    """The subscription, if this client may see it (another agency's answers 404, as if it did not exist)."""
    sub = session.get(WebhookSubscription, webhook_id)
    if sub is None or not (sees_every_agency(principal) or sub.agency_code == principal.agency_code):
        raise NotFound(f"Webhook {webhook_id} does not exist.", code="WEBHOOK_NOT_FOUND")
    return sub


def list_subscriptions(session: Session, principal: Principal) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).order_by(col(WebhookSubscription.id))
    if not sees_every_agency(principal):
        query = query.where(col(WebhookSubscription.agency_code) == principal.agency_code)
    return list(session.exec(query).all())


def _known_types(types: list[str]) -> list[str]:
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise UnprocessableEntity(
            f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
            code="UNKNOWN_EVENT_TYPE",
        )
    return list(dict.fromkeys(types))


def create(
    session: Session,
    principal: Principal,
    body: WebhookCreate,
    allow_http_hosts: frozenset[str],
    now: datetime,
) -> WebhookSubscription:
    sub = WebhookSubscription(
        url=require_safe_url(body.url, allow_http_hosts, code="UNSAFE_WEBHOOK_URL", action="deliver to"),
        description=body.description,
        event_types=_known_types(body.event_types),
        agency_code=principal.agency_code,
        all_agencies=sees_every_agency(principal),
        secret=signing.new_secret(),
        created_by_client_id=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    session.flush()
    assert sub.id is not None
    audit.record(
        session,
        principal,
        "webhook.created",
        target_type="webhook",
        target_id=sub.id,
        detail={"url": sub.url},
    )
    return sub


def update_subscription(
    session: Session,
    principal: Principal,
    sub: WebhookSubscription,
    change: WebhookUpdate,
    allow_http_hosts: frozenset[str],
    now: datetime,
) -> None:
    fields = change.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in fields:
        require_safe_url(fields["url"], allow_http_hosts, code="UNSAFE_WEBHOOK_URL", action="deliver to")
    if "event_types" in fields:
        fields["event_types"] = _known_types(fields["event_types"])
    for name, value in fields.items():
        setattr(sub, name, value)
    if fields.get("active") is True:
        sub.disabled_reason = None
    if fields.get("active") is False:
        sub.disabled_reason = sub.disabled_reason or f"disabled by {principal.name}"
        cancel_pending(session, sub, now)
    sub.version += 1
    sub.updated_at = now
    assert sub.id is not None
    audit.record(
        session, principal, "webhook.updated", target_type="webhook", target_id=sub.id, detail=fields
    )


def rotate(
    session: Session, principal: Principal, sub: WebhookSubscription, grace: timedelta, now: datetime
) -> None:
    """A new secret; the old one keeps signing beside it for ``grace``: receivers switch without loss."""
    sub.previous_secret, sub.previous_secret_expires_at = sub.secret, now + grace
    sub.secret = signing.new_secret()
    sub.version += 1
    sub.updated_at = now
    assert sub.id is not None
    audit.record(session, principal, "webhook.secret_rotated", target_type="webhook", target_id=sub.id)


def delete(session: Session, principal: Principal, sub: WebhookSubscription) -> None:
    assert sub.id is not None
    audit.record(
        session,
        principal,
        "webhook.deleted",
        target_type="webhook",
        target_id=sub.id,
        detail={"url": sub.url},
    )
    session.delete(sub)


def cancel_pending(session: Session, sub: WebhookSubscription, now: datetime) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == sub.id,
            col(WebhookDelivery.status) == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.cancelled, completed_at=now, lease_until=None)
    )


def signing_keys(sub: WebhookSubscription, now: datetime) -> list[str]:
    keys = [sub.secret]
    if sub.previous_secret and sub.previous_secret_expires_at and sub.previous_secret_expires_at > now:
        keys.append(sub.previous_secret)
    return keys


def wants(sub: WebhookSubscription, event_type: str) -> bool:
    """Whether the subscription takes this type of event; which issues it may hear of is app/access's
    (see delivery.fan_out)."""
    return not sub.event_types or event_type in sub.event_types


def public(sub: WebhookSubscription, now: datetime) -> WebhookPublic:
    rotating = (
        sub.previous_secret_expires_at
        if sub.previous_secret_expires_at and sub.previous_secret_expires_at > now
        else None
    )
    return WebhookPublic.model_validate(
        {**sub.model_dump(), "agency": sub.agency_code, "secret_rotating_until": rotating}
    )
