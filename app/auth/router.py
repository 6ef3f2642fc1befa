"""Administration of API clients and their keys."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.auth import service
from app.auth.deps import AdminPrincipal, AuthCache
from app.auth.models import ClientCreate, ClientCreated, ClientList, ClientPublic
from app.db import SessionDep
from app.deps import Id
from app.openapi import problems

router = APIRouter(prefix="/v1/clients", tags=["clients"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems(422),
)
def create_client(
    body: ClientCreate, session: SessionDep, _admin: AdminPrincipal, response: Response
) -> ClientCreated:
    """Issue an API key for an agency's system or app.

    The response is the only time the plain key is shown: Sigap stores only its SHA-256 digest.
    Give each integrating system its own key with the fewest scopes it needs.
    """
    client, key = service.create_client(session, name=body.name, agency=body.agency, scopes=body.scopes)
    response.headers["Location"] = f"/v1/clients/{client.id}"
    return ClientCreated(**ClientPublic.of(client).model_dump(exclude={"active"}), key=key)


@router.get("")
def list_clients(session: SessionDep, _admin: AdminPrincipal) -> ClientList:
    """List API clients, active and revoked.

    Keys are never shown again; `key_prefix` helps recognise one.
    """
    return ClientList(items=[ClientPublic.of(c) for c in service.list_clients(session)])


@router.post("/{client_id}/revoke", responses=problems(404))
def revoke_client(
    client_id: Id, session: SessionDep, _admin: AdminPrincipal, request: Request
) -> ClientPublic:
    """Revoke an API key; it stops working at once.

    Other server processes stop accepting it within `SIGAP_AUTH_CACHE_SECONDS` (default 10 s).
    Revoking an already revoked client changes nothing.
    """
    client = service.revoke_client(session, client_id)
    cache: AuthCache = request.app.state.auth_cache
    assert client.id is not None
    cache.forget_client(client.id)
    return ClientPublic.of(client)
