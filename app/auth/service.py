"""Issuing, revoking and checking API keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.auth.models import ApiClient, Scope
from app.clock import utcnow
from app.errors import NotFound, UnprocessableEntity
from app.reference.models import Agency, RegionType

KEY_PREFIX = "sgp_"
# sgp_ followed by at least 22 url-safe base64 characters: >= 128 random bits.
KEY_PATTERN = re.compile(r"^sgp_[A-Za-z0-9_-]{22,200}$")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    client_id: int
    name: str
    agency_code: str
    scopes: frozenset[str]
    # The kabupaten/kota whose issues the client's agency sees (a kabupaten/kota Diskominfo); None for
    # provincial agencies, which see by assignment, task or share (app/access).
    region_code: str | None = None

    def has(self, scope: Scope) -> bool:
        return Scope.admin in self.scopes or scope in self.scopes


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(
    session: Session, *, name: str, agency: str, scopes: Iterable[Scope], key: str | None = None
) -> tuple[ApiClient, str]:
    """Store a new client; returns it with its plain key, which is not kept."""
    if session.get(Agency, agency) is None:
        raise UnprocessableEntity(
            f"Unknown agency '{agency}'; see GET /v1/agencies.",
            code="UNKNOWN_AGENCY",
            errors=[{"loc": ["body", "agency"], "msg": "unknown agency code", "type": "unknown_agency"}],
        )
    if key is None:
        key = generate_key()
    elif not KEY_PATTERN.match(key):
        raise UnprocessableEntity(
            "An API key must be 'sgp_' followed by at least 22 URL-safe base64 characters.",
            code="INVALID_API_KEY_FORMAT",
        )
    client = ApiClient(
        name=name,
        agency_code=agency,
        scopes=[str(s) for s in dict.fromkeys(scopes)],
        key_prefix=key[:9],
        key_hash=hash_key(key),
    )
    session.add(client)
    session.flush()
    return client, key


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.exec(select(ApiClient).order_by(col(ApiClient.id))))


def get_client(session: Session, client_id: int) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"API client {client_id} does not exist.", code="CLIENT_NOT_FOUND")
    return client


def revoke_client(session: Session, client_id: int) -> ApiClient:
    """Revoke a key for good. Revoking twice keeps the first revocation time."""
    client = get_client(session, client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.add(client)
        session.flush()
    return client


def authenticate(session: Session, key: str) -> Principal | None:
    """The active client holding ``key``, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(key)
    client = session.exec(select(ApiClient).where(ApiClient.key_hash == digest)).first()
    # The index look-up finds the row; the constant-time comparison keeps timing from telling how much of a
    # guessed digest matched.
    if client is None or not hmac.compare_digest(client.key_hash, digest) or client.revoked_at is not None:
        return None
    return principal_of(session, client)


def principal_of(session: Session, client: ApiClient) -> Principal:
    assert client.id is not None
    return Principal(
        client.id,
        client.name,
        client.agency_code,
        frozenset(client.scopes),
        region_code=local_region(session.get(Agency, client.agency_code)),
    )


def local_region(agency: Agency | None) -> str | None:
    """The kabupaten/kota a kabupaten/kota agency answers for; None for provincial agencies."""
    if agency is None or agency.level == RegionType.provinsi:
        return None
    return agency.region_code


def agency_viewer(agency: Agency) -> Principal:
    """What an agency as a whole sees (e.g. for its webhook subscriptions): no client, no scopes."""
    return Principal(0, agency.code, agency.code, frozenset(), region_code=local_region(agency))


def has_active_admin(session: Session) -> bool:
    for client in session.exec(select(ApiClient).where(col(ApiClient.revoked_at).is_(None))):
        if Scope.admin in client.scopes:
            return True
    return False


def ensure_admin(session: Session, *, bootstrap_key: str | None, generate: bool) -> str | None:
    """Create the first admin client when none is active.

    With ``bootstrap_key`` the client gets exactly that key (scripted set-ups, tests). Without it, and when
    ``generate`` is true (development), a key is generated. Returns the plain key when one was created.
    """
    if has_active_admin(session):
        return None
    if bootstrap_key is None and not generate:
        return None
    _, key = create_client(
        session, name="Administrator Sigap", agency="diskominfo", scopes=[Scope.admin], key=bootstrap_key
    )
    return key


def intake_client(session: Session, name: str) -> Principal:
    """A client of the provincial Diskominfo that Sigap's own tools (demo, import) send mentions as: found by
    name, created once, with no key anyone holds."""
    found = session.exec(select(ApiClient).where(col(ApiClient.name) == name)).first()
    if found is None:
        found, _ = create_client(session, name=name, agency="diskominfo", scopes=[Scope.mentions_write])
    return principal_of(session, found)


PROVINCIAL_AGENCY = "diskominfo"


# Sigap's own commands on the server (`sigap brief`, `sigap export`) see what the province sees.
OPERATOR = Principal(0, "sigap", PROVINCIAL_AGENCY, frozenset({Scope.admin}))


def sees_every_agency(principal: Principal) -> bool:
    """Administrators and the provincial Diskominfo see every agency's webhooks, sources and events."""
    return principal.has(Scope.admin) or principal.agency_code == PROVINCIAL_AGENCY
