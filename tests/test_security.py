"""Hardening a client or an auditor can observe: security headers, CORS, docs switch, no traces or secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Connection, text

from app.auth.models import Scope
from app.config import Settings
from app.db import SessionDep
from app.main import create_app
from tests.conftest import BoundDatabase, KeyMaker, bearer, test_settings
from tests.factories import mention_payload

DASHBOARD = "https://dashboard.kaltimprov.go.id"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url, webhook_allow_http_hosts="localhost")


def _failing_routes(app: FastAPI) -> None:
    """Two endpoints that fail the way bugs do: a plain exception, and a database error carrying a value."""

    def boom() -> None:
        raise RuntimeError("kunci-rahasia-dalam-pesan-galat")

    def bad_sql(session: SessionDep, body: dict[str, str]) -> None:
        # NOT NULL violated on both databases: an IntegrityError whose text would quote the values.
        session.execute(text("INSERT INTO api_client (name) VALUES (:secret)"), {"secret": body["secret"]})

    app.add_api_route("/v1/_test/boom", boom, methods=["GET"])
    app.add_api_route("/v1/_test/bad-sql", bad_sql, methods=["POST"])


@pytest.fixture
def lenient(app: FastAPI) -> Iterator[TestClient]:
    """A client that receives the 500 answer instead of re-raising the server's exception."""
    _failing_routes(app)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# --- headers -----------------------------------------------------------------------------------------------


def test_every_response_says_nosniff(lenient: TestClient, make_key: KeyMaker) -> None:
    key = make_key(Scope.mentions_write, Scope.mentions_read)
    responses = {
        "public 200": lenient.get("/v1/regions"),
        "probe": lenient.get("/healthz"),
        "no route": lenient.get("/v1/nowhere"),
        "no key": lenient.get("/v1/mentions"),
        "415": lenient.post(
            "/v1/mentions", content=b"x", headers={**bearer(key), "Content-Type": "text/plain"}
        ),
        "413": lenient.post(
            "/v1/mentions",
            content=b"{}",
            headers={**bearer(key), "Content-Type": "application/json", "Content-Length": str(10**9)},
        ),
        "201": lenient.post("/v1/mentions", json=mention_payload(), headers=bearer(key)),
        "500": lenient.get("/v1/_test/boom", headers=bearer(key)),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {
        "public 200": 200,
        "probe": 200,
        "no route": 404,
        "no key": 401,
        "415": 415,
        "413": 413,
        "201": 201,
        "500": 500,
    }
    assert {name: r.headers.get("x-content-type-options") for name, r in responses.items()} == dict.fromkeys(
        responses, "nosniff"
    )


def test_authenticated_answers_and_their_problems_are_never_cached(
    lenient: TestClient, make_key: KeyMaker
) -> None:
    headers = bearer(make_key(Scope.mentions_write, Scope.mentions_read))
    answers = [
        lenient.get("/v1/mentions", headers=headers),
        lenient.post("/v1/mentions", json=mention_payload(), headers=headers),
        lenient.get("/v1/mentions/999999", headers=headers),
        lenient.post("/v1/mentions", json={"source_type": "x"}, headers=headers),
        lenient.get("/v1/issues", headers=headers),  # a key without the scope: 403
        lenient.get("/v1/mentions", headers=bearer("sgp_not-a-real-key")),  # credentials, if wrong ones
        lenient.get("/v1/_test/boom", headers=headers),
    ]
    assert [r.status_code for r in answers] == [200, 201, 404, 422, 403, 401, 500]
    assert [r.headers.get("cache-control") for r in answers] == ["no-store"] * len(answers)


def test_anonymous_reference_data_is_not_marked_no_store(client: TestClient) -> None:
    response = client.get("/v1/regions")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


# --- CORS --------------------------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/v1/mentions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    return {k.lower(): v for k, v in response.headers.items()} | {"status": str(response.status_code)}


def test_cors_is_off_unless_configured(client: TestClient, writer_headers: dict[str, str]) -> None:
    preflight = _preflight(client, DASHBOARD)
    assert "access-control-allow-origin" not in preflight
    assert preflight["status"] == "405"
    answer = client.get("/v1/mentions", headers={**writer_headers, "Origin": DASHBOARD})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


def test_configured_origins_and_only_they_may_call(
    connection: Connection, database_url: str, writer_headers: dict[str, str]
) -> None:
    app = create_app(test_settings(database_url, cors_origins=[DASHBOARD]), BoundDatabase(connection))
    with TestClient(app) as client:
        allowed = _preflight(client, DASHBOARD)
        assert allowed["status"] == "200"
        assert allowed["access-control-allow-origin"] == DASHBOARD
        assert "authorization" in allowed["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed  # bearer keys, no cookies
        assert allowed["x-content-type-options"] == "nosniff"

        foreign = _preflight(client, "https://evil.example")
        assert foreign["status"] == "400"
        assert "access-control-allow-origin" not in foreign

        answer = client.get("/v1/mentions", headers={**writer_headers, "Origin": DASHBOARD})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == DASHBOARD
        assert "etag" in answer.headers.get("access-control-expose-headers", "").lower()
        other = client.get("/v1/mentions", headers={**writer_headers, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_cors_origins_come_from_the_environment_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGAP_CORS_ORIGINS", f"{DASHBOARD}, http://localhost:5173")
    assert Settings().cors_origins == [DASHBOARD, "http://localhost:5173"]
    monkeypatch.setenv("SIGAP_CORS_ORIGINS", f'["{DASHBOARD}"]')
    assert Settings().cors_origins == [DASHBOARD]
    monkeypatch.delenv("SIGAP_CORS_ORIGINS")
    assert Settings().cors_origins == []
    for wrong in ("*", "dashboard.kaltimprov.go.id", f"{DASHBOARD}/"):
        monkeypatch.setenv("SIGAP_CORS_ORIGINS", wrong)
        with pytest.raises(ValidationError, match="CORS origin"):
            Settings()


# --- docs --------------------------------------------------------------------------------------------------


def test_docs_are_served_by_default(client: TestClient) -> None:
    assert Settings().docs_enabled is True
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # never served


def test_docs_can_be_switched_off(connection: Connection, database_url: str) -> None:
    app = create_app(test_settings(database_url, docs_enabled=False), BoundDatabase(connection))
    with TestClient(app) as client:
        for path in ("/docs", "/docs/assets/swagger-ui-bundle.js", "/openapi.json", "/redoc"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"
            assert "see /docs" not in response.json()["detail"]
        assert client.get("/v1/regions").status_code == 200  # the API itself is unaffected


# --- no traces, no secrets ---------------------------------------------------------------------------------


def test_an_unexpected_error_is_a_problem_without_a_trace(lenient: TestClient, make_key: KeyMaker) -> None:
    response = lenient.get("/v1/_test/boom", headers=bearer(make_key(Scope.mentions_read)))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "INTERNAL_ERROR"
    assert body["instance"] == "/v1/_test/boom"
    for leak in ("Traceback", "RuntimeError", "kunci-rahasia", 'File "', "app/", ".py"):
        assert leak not in response.text, leak


def test_database_errors_are_problems_without_sql(lenient: TestClient, make_key: KeyMaker) -> None:
    response = lenient.post(
        "/v1/_test/bad-sql", json={"secret": "rahasia"}, headers=bearer(make_key(Scope.mentions_read))
    )
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"
    for leak in ("INSERT", "api_client", "rahasia", "Traceback", "NOT NULL", "null value"):
        assert leak not in response.text, leak


def test_keys_and_webhook_secrets_never_reach_the_logs(
    lenient: TestClient, make_key: KeyMaker, caplog: pytest.LogCaptureFixture
) -> None:
    admin_key = make_key(Scope.admin, name="Administrator uji")
    writer_key = make_key(Scope.mentions_write, Scope.mentions_read)
    wrong_key = "sgp_" + "Zk3" * 14
    with caplog.at_level(logging.DEBUG):
        assert (
            lenient.post("/v1/mentions", json=mention_payload(), headers=bearer(writer_key)).status_code
            == 201
        )
        assert lenient.get("/v1/mentions", headers=bearer(writer_key)).status_code == 200
        created = lenient.post(
            "/v1/webhooks", json={"url": "http://localhost:9/hook"}, headers=bearer(admin_key)
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        assert lenient.get("/v1/mentions", headers=bearer(wrong_key)).status_code == 401
        # Errors are logged with their exception; the database error would quote its values without care.
        failed = lenient.post("/v1/_test/bad-sql", json={"secret": secret}, headers=bearer(admin_key))
        assert failed.status_code == 500
        assert lenient.get("/v1/_test/boom", headers=bearer(writer_key)).status_code == 500

    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "unhandled error on POST /v1/_test/bad-sql" in logged  # the errors were logged, so this can fail
    assert "INSERT INTO api_client" in logged
    for name, value in {
        "admin key": admin_key,
        "writer key": writer_key,
        "wrong key": wrong_key,
        "webhook secret": secret,
    }.items():
        assert value not in logged, name
        assert value.split("_", 1)[-1][:16] not in logged, name  # nor a recognisable piece of it
