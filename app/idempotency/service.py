"""Idempotent POSTs: a retried request gets the first answer again and writes nothing.

The key is claimed by inserting its row inside the request's transaction. A concurrent request with the
same key blocks on the unique index (PostgreSQL) or on the write lock (SQLite) until the first commits,
then finds the stored answer and replays it; if the first rolled back, the second proceeds as new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.errors import UnprocessableEntity
from app.idempotency.models import IdempotencyRecord

REPLAY_HEADER = "Idempotent-Replayed"

# What a handler answers: status, body, extra headers.
Answer = tuple[int, BaseModel, dict[str, str]]


def fingerprint(method: str, path: str, payload: Any) -> str:
    blob = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _json_response(status: int, body: bytes, headers: dict[str, str]) -> Response:
    return Response(content=body, status_code=status, media_type="application/json", headers=headers)


def respond_idempotently(
    session: Session,
    *,
    client_id: int,
    key: str | None,
    request_hash: str,
    ttl: timedelta,
    handle: Callable[[], Answer],
) -> Response:
    """Run ``handle`` once per (client, key); without a key, just run it."""
    if key is None:
        status, model, headers = handle()
        return _json_response(status, model.__pydantic_serializer__.to_json(model), headers)

    claimed = _claim(session, client_id=client_id, key=key, request_hash=request_hash, ttl=ttl)
    if not isinstance(claimed, IdempotencyRecord):
        return claimed
    status, model, headers = handle()
    body = model.__pydantic_serializer__.to_json(model)
    claimed.status_code = status
    claimed.response_body = body.decode()
    claimed.location = headers.get("Location")
    session.add(claimed)
    return _json_response(status, body, headers)


def _claim(
    session: Session, *, client_id: int, key: str, request_hash: str, ttl: timedelta
) -> IdempotencyRecord | Response:
    query = select(IdempotencyRecord).where(
        IdempotencyRecord.client_id == client_id, IdempotencyRecord.key == key
    )
    for _ in range(3):
        stored = session.exec(query).first()
        if stored is not None and stored.expires_at <= utcnow():
            session.delete(stored)
            session.flush()
            stored = None
        if stored is not None:
            if stored.request_hash != request_hash:
                raise UnprocessableEntity(
                    "This Idempotency-Key was already used with a different request. "
                    "Use a new key for a new request.",
                    code="IDEMPOTENCY_KEY_REUSED",
                )
            assert stored.status_code is not None and stored.response_body is not None
            headers = {REPLAY_HEADER: "true"}
            if stored.location:
                headers["Location"] = stored.location
            return _json_response(stored.status_code, stored.response_body.encode(), headers)
        record = IdempotencyRecord(
            client_id=client_id, key=key, request_hash=request_hash, expires_at=utcnow() + ttl
        )
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:
            continue  # another request committed this key meanwhile: read its answer
        return record
    raise RuntimeError("could not claim idempotency key")  # pragma: no cover - needs three lost races


def purge_expired(session: Session) -> int:
    result = session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
