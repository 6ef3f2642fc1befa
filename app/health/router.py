"""Liveness and readiness probes for the orchestrator and the load balancer."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, migrations
from app.db import Database, SessionDep
from app.errors import PROBLEM_MEDIA_TYPE, problem_body

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]
    migrations: Literal["at_head", "behind", "unknown"]


@router.get("/healthz")
def healthz() -> Health:
    """Is the process alive?

    Answers without touching the database: use it as the liveness probe, and `/readyz` for readiness.
    """
    return Health(status="ok", version=__version__)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "Database unreachable or migrations not at head."}},
)
def readyz(request: Request) -> JSONResponse:
    """Can this process serve traffic?

    Ready when the database answers and its schema is at the latest migration; otherwise `503` with
    `Retry-After`. The service recovers by itself when the database comes back.
    """
    db: Database = request.app.state.db
    database_url: str = request.app.state.settings.database_url
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        migration_state: Literal["at_head", "behind"] = (
            "at_head" if migrations.at_head(db.engine, database_url) else "behind"
        )
        readiness = Readiness(
            status="ready" if migration_state == "at_head" else "not_ready",
            database="ok",
            migrations=migration_state,
        )
    except SQLAlchemyError:
        readiness = Readiness(status="not_ready", database="unreachable", migrations="unknown")
    if readiness.status == "ready":
        return JSONResponse(readiness.model_dump())
    # Not ready is an error like any other (problem+json), with the readiness fields as extension members.
    body = problem_body(
        status=503,
        code="NOT_READY",
        title="Service not ready",
        detail="The database is unreachable or its schema is not at the latest migration "
        "(run `sigap migrate`).",
        instance=request.url.path,
    )
    return JSONResponse(
        {**body, **readiness.model_dump()},
        status_code=503,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Retry-After": str(request.app.state.settings.db_retry_after_seconds)},
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(session: SessionDep) -> Response:
    """Prometheus metrics: requests and latency per route, mentions ingested and their levels, outbox depth
    and age, webhook deliveries and attempts.

    Unauthenticated, like the probes: expose it on the internal network only (it holds counts, never content).
    """
    from app import metrics as exported

    return Response(content=exported.exposition(session), media_type=CONTENT_TYPE_LATEST)
