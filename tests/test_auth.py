import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.models import ApiClient, Scope
from tests.conftest import KeyMaker, bearer
from tests.factories import mention_payload


def test_missing_key_is_401_with_challenge(client: TestClient) -> None:
    response = client.get("/v1/mentions")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sgp_tidakAdaKunciSepertiIniDiSigapKaltim2026",
        "Bearer bukan-kunci-sigap",
        "Basic YWRtaW46YWRtaW4=",
    ],
)
def test_unknown_or_malformed_key_is_401(client: TestClient, header: str) -> None:
    response = client.get("/v1/mentions", headers={"Authorization": header})
    assert response.status_code == 401
    assert "www-authenticate" in response.headers
    assert response.json()["code"] in {"INVALID_API_KEY", "AUTHENTICATION_REQUIRED"}


def test_missing_scope_is_403(client: TestClient, make_key: KeyMaker) -> None:
    reader = bearer(make_key(Scope.mentions_read, name="Dasbor Biro Adpim"))
    response = client.post("/v1/mentions", json=mention_payload(), headers=reader)
    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_SCOPE"
    assert "mentions:write" in response.json()["detail"]


def test_admin_scope_implies_the_others(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.post("/v1/mentions", json=mention_payload(), headers=admin_headers).status_code == 201


def test_admin_issues_a_key_shown_once_and_stored_only_as_hash(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    response = client.post(
        "/v1/clients",
        json={
            "name": "Jembatan SP4N-LAPOR! Kaltim",
            "agency": "diskominfo",
            "scopes": ["mentions:write", "mentions:read", "mentions:write"],
        },
        headers=admin_headers,
    )
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert key.startswith("sgp_") and len(key) >= 4 + 22
    assert body["scopes"] == ["mentions:write", "mentions:read"]
    assert body["active"] is True
    assert response.headers["location"] == f"/v1/clients/{body['id']}"

    stored = session.get(ApiClient, body["id"])
    assert stored is not None
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in stored.model_dump().values()}

    listed = client.get("/v1/clients", headers=admin_headers).json()["items"]
    assert all("key" not in c for c in listed)
    assert body["id"] in {c["id"] for c in listed}

    assert client.post("/v1/mentions", json=mention_payload(), headers=bearer(key)).status_code == 201


def test_client_for_unknown_agency_or_scope_is_422(client: TestClient, admin_headers: dict[str, str]) -> None:
    unknown_agency = client.post(
        "/v1/clients",
        json={"name": "Aplikasi X", "agency": "dinas-tidak-ada", "scopes": ["mentions:read"]},
        headers=admin_headers,
    )
    assert unknown_agency.status_code == 422
    assert unknown_agency.json()["code"] == "UNKNOWN_AGENCY"
    unknown_scope = client.post(
        "/v1/clients",
        json={"name": "Aplikasi X", "agency": "bpbd", "scopes": ["mentions:delete"]},
        headers=admin_headers,
    )
    assert unknown_scope.status_code == 422
    assert unknown_scope.json()["errors"][0]["loc"][:2] == ["body", "scopes"]


def test_only_admin_manages_clients(client: TestClient, writer_headers: dict[str, str]) -> None:
    create = client.post(
        "/v1/clients",
        json={"name": "Coba", "agency": "bpbd", "scopes": ["admin"]},
        headers=writer_headers,
    )
    assert create.status_code == 403
    assert client.get("/v1/clients", headers=writer_headers).status_code == 403


def test_revoked_key_stops_working_at_once(
    client: TestClient, admin_headers: dict[str, str], make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.mentions_read, name="Crawler lama Diskominfo Berau", agency="diskominfo-berau")
    assert client.get("/v1/mentions", headers=bearer(key)).status_code == 200  # now cached in the process
    client_id = (
        session.exec(select(ApiClient).where(ApiClient.name == "Crawler lama Diskominfo Berau")).one().id
    )

    revoked = client.post(f"/v1/clients/{client_id}/revoke", headers=admin_headers)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    again = client.post(f"/v1/clients/{client_id}/revoke", headers=admin_headers)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]

    response = client.get("/v1/mentions", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_API_KEY"


def test_revoking_unknown_client_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/v1/clients/999999/revoke", headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["code"] == "CLIENT_NOT_FOUND"
