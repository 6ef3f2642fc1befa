"""Sources Sigap polls itself, and the province's default watchlist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.auth.deps import AdminPrincipal, require
from app.auth.models import Scope
from app.auth.service import Principal
from app.db import SessionDep
from app.deps import Id, NowDep, SettingsDep
from app.monitoring import service
from app.monitoring.schemas import (
    SourceCreate,
    SourceList,
    SourcePublic,
    SourceUpdate,
    WatchlistPublic,
    WatchlistUpdate,
)
from app.openapi import problems
from app.outbound.safety import parse_allow_list

router = APIRouter(tags=["sources"])
Manager = Annotated[Principal, Depends(require(Scope.sources_manage))]


@router.post(
    "/v1/sources",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problems(422),
        201: {"headers": {"Location": {"description": "The source.", "schema": {"type": "string"}}}},
    },
)
def create_source(
    body: SourceCreate,
    session: SessionDep,
    principal: Manager,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
) -> SourcePublic:
    """Watch a news feed (`rss`, `atom`) or a CAP alert feed (`cap`); the worker polls it from now on.

    Each poll is a conditional GET (`If-None-Match`, `If-Modified-Since`) with a 15 s limit and a size
    cap; new items go through the same intake as `POST /v1/mentions` (duplicates, classification and
    clustering alike). With a `watchlist` (and/or the default one), only items that name one of its terms are
    ingested, and the mention records which terms matched. A failing source backs off exponentially (at most
    6 h between polls) and is `flagged` after SIGAP_SOURCE_FLAG_AFTER failures in a row; others go on.
    """
    source = service.create(
        session, principal, body, parse_allow_list(settings.outbound_allow_http_hosts), now
    )
    response.headers["Location"] = f"/v1/sources/{source.id}"
    return service.public(source)


@router.get("/v1/sources")
def list_sources(session: SessionDep, principal: Manager) -> SourceList:
    """The sources this client manages (all of them for the province), with their health."""
    return SourceList(items=[service.public(s) for s in service.list_sources(session, principal)])


@router.get("/v1/sources/{source_id}", responses=problems(404))
def get_source(source_id: Id, session: SessionDep, principal: Manager) -> SourcePublic:
    """A source with its health: last poll and success, last error, failures in a row, items seen and
    ingested, next poll."""
    return service.public(service.get_source(session, principal, source_id))


@router.patch("/v1/sources/{source_id}", responses=problems(404, 422))
def update_source(
    source_id: Id,
    body: SourceUpdate,
    session: SessionDep,
    principal: Manager,
    settings: SettingsDep,
    now: NowDep,
) -> SourcePublic:
    """Change a source; a new URL or re-activation polls it at once and clears its failures."""
    source = service.get_source(session, principal, source_id)
    service.update(
        session, principal, source, body, parse_allow_list(settings.outbound_allow_http_hosts), now
    )
    return service.public(source)


@router.delete("/v1/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
def delete_source(source_id: Id, session: SessionDep, principal: Manager) -> None:
    """Stop watching a source (its mentions stay)."""
    service.delete(session, principal, service.get_source(session, principal, source_id))


@router.get("/v1/watchlist")
def get_watchlist(session: SessionDep, _principal: Manager) -> WatchlistPublic:
    """The province's default watchlist: the government itself, its OPD, the kabupaten/kota, IKN."""
    return service.watchlist(session)


@router.put("/v1/watchlist", responses=problems(422))
def put_watchlist(
    body: WatchlistUpdate, session: SessionDep, principal: AdminPrincipal, now: NowDep
) -> WatchlistPublic:
    """Replace the default watchlist (administrators). Sources with `use_default_watchlist` use it at their
    next poll."""
    return service.set_watchlist(session, principal, body.terms, now)
