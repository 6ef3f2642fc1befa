"""Mention intake and search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.access import service as access
from app.auth.deps import require
from app.auth.models import Scope
from app.auth.service import Principal
from app.clock import AwareInstant
from app.config import Settings
from app.db import SessionDep
from app.deps import Id, SettingsDep
from app.errors import Forbidden, UnprocessableEntity
from app.idempotency.service import Answer, fingerprint, respond_idempotently
from app.mentions import service
from app.mentions.models import SourceType
from app.mentions.schemas import (
    BatchResult,
    MentionBatch,
    MentionCreate,
    MentionIntakeResult,
    MentionPage,
    MentionPublic,
)
from app.openapi import problems
from app.pagination import CursorCodec, PageSize, scope_of
from app.reference.catalog import RegionCode

router = APIRouter(prefix="/v1/mentions", tags=["mentions"])


def _printable(value: str) -> str:
    if not value.isprintable():
        raise PydanticCustomError("text_not_printable", "must not contain control characters")
    return value


SearchText = Annotated[str, AfterValidator(_printable)]

Writer = Annotated[Principal, Depends(require(Scope.mentions_write))]
Reader = Annotated[Principal, Depends(require(Scope.mentions_read))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID is ideal). A retry with the same key and body gets the first "
        "answer again, with `Idempotent-Replayed: true`; keys are kept for at least 24 hours per client.",
    ),
]

_INTAKE_RESPONSES: dict[int | str, dict[str, Any]] = {
    # Where to go next, for Swagger UI readers, generated clients and stateful tests alike.
    201: {
        "links": {
            "mention": {
                "operationId": "get_mention_v1_mentions__mention_id__get",
                "parameters": {"mention_id": "$response.body#/id"},
                "description": "The stored mention.",
            },
            "issue": {
                "operationId": "get_issue_v1_issues__issue_id__get",
                "parameters": {"issue_id": "$response.body#/issue_id"},
                "description": "The issue it was attached to.",
            },
        }
    },
    200: {
        "model": MentionIntakeResult,
        "description": "Already stored: the stored mention, `duplicate: true`.",
    },
    **problems(422),
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MentionIntakeResult,
    responses=_INTAKE_RESPONSES,
    response_description="Stored: the new mention, with its URL in `Location`.",
)
def create_mention(
    body: MentionCreate,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Submit one mention (article, broadcast or post).

    A mention already stored — same `external_id` from the same client, or the same canonical URL
    (case of the host, `utm_*`, `fbclid`, `gclid`, fragment and trailing slash ignored) — is not stored
    again: the answer is `200` with the stored mention and `"duplicate": true`.
    """

    refused = service.official_refused(principal, body)
    if refused:
        raise Forbidden(f"{refused[0].upper()}{refused[1:]}.", code="INSUFFICIENT_SCOPE")

    def handle() -> Answer:
        (stored,) = service.store(session, principal=principal, items=[body])
        if stored.created or access.sees_mention(session, principal, stored.id):
            shown = service.public(session, stored)
        else:
            shown = service.receipt(body, stored.id, principal)
        result = MentionIntakeResult(**shown.model_dump(), duplicate=not stored.created)
        if stored.created:
            return status.HTTP_201_CREATED, result, {"Location": f"/v1/mentions/{stored.id}"}
        return status.HTTP_200_OK, result, {}

    return _idempotent(session, principal, settings, idempotency_key, "/v1/mentions", body, handle)


@router.post("/batch", response_model=BatchResult, responses=problems(422))
def create_mentions_batch(
    body: MentionBatch,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Submit up to 1000 mentions at once.

    Each item is checked on its own: valid items are stored even when others are rejected, and a rejected
    item writes nothing. The answer lists one result per item, in order, with totals.
    """
    if len(body.items) > settings.batch_max_items:
        raise UnprocessableEntity(
            f"A batch holds at most {settings.batch_max_items} items; this one has {len(body.items)}.",
            code="BATCH_TOO_LARGE",
        )

    def handle() -> Answer:
        return status.HTTP_200_OK, service.store_batch(session, principal=principal, items=body.items), {}

    return _idempotent(session, principal, settings, idempotency_key, "/v1/mentions/batch", body, handle)


def _idempotent(
    session: SessionDep,
    principal: Principal,
    settings: Settings,
    key: str | None,
    path: str,
    body: MentionCreate | MentionBatch,
    handle: Callable[[], Answer],
) -> Response:
    return respond_idempotently(
        session,
        client_id=principal.client_id,
        key=key,
        request_hash=fingerprint("POST", path, body.model_dump(mode="json")) if key else "",
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        handle=handle,
    )


@router.get("", responses=problems(400))
def list_mentions(
    request: Request,
    response: Response,
    session: SessionDep,
    reader: Reader,
    settings: SettingsDep,
    source_type: SourceType | None = None,
    since: Annotated[
        AwareInstant | None, Query(description="Published at or after this instant (with UTC offset).")
    ] = None,
    until: Annotated[
        AwareInstant | None, Query(description="Published before this instant (with UTC offset).")
    ] = None,
    q: Annotated[
        SearchText | None, Query(min_length=1, max_length=200, description="Words to find in title or text.")
    ] = None,
    region: Annotated[
        RegionCode | None,
        Query(
            description="Kemendagri region code, e.g. `64.72` for Samarinda: mentions the sender tagged with "
            "it or whose text names a place in it."
        ),
    ] = None,
    limit: PageSize = 50,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="`next_cursor` of the page before.")
    ] = None,
) -> MentionPage:
    """Search mentions, newest first.

    Pages are linked by an opaque `cursor`; follow `next_cursor` (also given as a `Link: rel="next"` header)
    until it is null. A cursor only works with the filters it was issued for.
    """
    limit = min(limit, settings.page_max)
    filters = service.MentionFilter(
        source_type=source_type.value if source_type else None, since=since, until=until, q=q, region=region
    )
    codec: CursorCodec = request.app.state.cursor_codec
    scope = scope_of("mentions", asdict(filters))
    after = None
    if cursor is not None:
        published_at, mention_id = codec.decode(scope, cursor)
        after = (datetime.fromisoformat(published_at), int(mention_id))
    items, next_position = service.search(session, filters=filters, limit=limit, after=after, viewer=reader)
    next_cursor = None
    if next_position is not None:
        next_cursor = codec.encode(scope, [next_position[0].isoformat(), next_position[1]])
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return MentionPage(items=items, next_cursor=next_cursor)


@router.get("/{mention_id:int}", responses=problems(404))
def get_mention(mention_id: Id, session: SessionDep, reader: Reader) -> MentionPublic:
    """Read one mention.

    Returns the mention as stored, with its region codes; times are shown in WITA (`+08:00`).
    """
    return service.get(session, mention_id, viewer=reader)
