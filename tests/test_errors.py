"""Every error is RFC 9457 problem+json, with the headers clients rely on."""

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import Database, build_engine
from app.main import create_app
from tests.conftest import DatabaseFactory, test_settings
from tests.factories import mention_payload

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code"}


def _assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].startswith("https://")
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    body = _assert_problem(client.get("/v1/tidak-ada"), 404, "NOT_FOUND")
    assert body["instance"] == "/v1/tidak-ada"


def test_wrong_method_is_405_with_every_allowed_method(client: TestClient) -> None:
    response = client.delete("/v1/mentions")
    _assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_malformed_json_is_400(client: TestClient, writer_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/mentions",
        content=b'{"source_type": "online_news", "title": "Banjir',
        headers={**writer_headers, "Content-Type": "application/json"},
    )
    _assert_problem(response, 400, "MALFORMED_JSON")


def test_body_that_is_not_json_is_415(client: TestClient, writer_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/mentions",
        content=b"source_type=online_news&title=Banjir",
        headers={**writer_headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    _assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_json_with_charset_is_fine(client: TestClient, writer_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/mentions",
        content=json.dumps(mention_payload()).encode(),
        headers={**writer_headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


@pytest.fixture
def small_body_client(connection, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from tests.conftest import BoundDatabase

    app = create_app(settings.model_copy(update={"max_body_bytes": 2048}), BoundDatabase(connection))
    with TestClient(app) as client:
        yield client


def test_body_over_the_limit_is_413_before_parsing(
    small_body_client: TestClient, writer_headers: dict[str, str]
) -> None:
    # Not even valid JSON: a 413 proves the body was refused before anyone tried to parse it.
    response = small_body_client.post(
        "/v1/mentions", content=b"{" * 5000, headers={**writer_headers, "Content-Type": "application/json"}
    )
    body = _assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert "2048" in body["detail"]


def test_streamed_body_over_the_limit_is_413(
    small_body_client: TestClient, writer_headers: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1024

    response = small_body_client.post(
        "/v1/mentions", content=chunks(), headers={**writer_headers, "Content-Type": "application/json"}
    )
    _assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_unexpected_error_is_500_without_internals(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("rahasia: password=hunter2 at /srv/sigap/app/secret.py line 42")

    app.add_api_route("/v1/_meledak", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/_meledak")
    body = _assert_problem(response, 500, "INTERNAL_ERROR")
    assert "rahasia" not in response.text and "Traceback" not in response.text and ".py" not in response.text
    assert body["instance"] == "/v1/_meledak"


def test_unreachable_postgres_is_503_with_retry_after() -> None:
    settings = test_settings("postgresql://postgres@127.0.0.1:1/sigap")
    app = create_app(settings, Database(build_engine(settings)))
    with TestClient(app) as client:
        response = client.get("/v1/regions")
        _assert_problem(response, 503, "DATABASE_UNAVAILABLE")
        assert response.headers["retry-after"] == str(settings.db_retry_after_seconds)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"


def test_locked_sqlite_is_503_and_recovers_when_released(tmp_path: Path) -> None:
    # SQLite only: the PostgreSQL outage is the unreachable-server test above.
    url = DatabaseFactory("sqlite", tmp_path).create()
    settings = test_settings(url, sqlite_busy_timeout_ms=100)
    app = create_app(settings, Database(build_engine(settings)))
    locker = build_engine(settings)
    release = threading.Event()
    locked = threading.Event()

    def hold_write_lock() -> None:
        raw = locker.raw_connection()  # below SQLAlchemy's transaction handling: a bare exclusive lock
        try:
            raw.cursor().execute("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(10)
            raw.cursor().execute("ROLLBACK")
        finally:
            raw.close()

    holder = threading.Thread(target=hold_write_lock)
    with TestClient(app) as client:
        from app.auth.service import create_client

        with app.state.db.session() as session:
            _, key = create_client(session, name="Uji kunci", agency="diskominfo", scopes=["admin"])
        headers = {"Authorization": f"Bearer {key}"}
        holder.start()
        assert locked.wait(5)
        try:
            response = client.post("/v1/mentions", json=mention_payload(), headers=headers)
            _assert_problem(response, 503, "DATABASE_UNAVAILABLE")
            assert "retry-after" in response.headers
        finally:
            release.set()
            holder.join()
        assert client.post("/v1/mentions", json=mention_payload(), headers=headers).status_code == 201
    with locker.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mention")).scalar() == 1
    locker.dispose()


def test_a_value_the_database_cannot_store_is_the_clients_error_not_ours(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """PostgreSQL stores no NUL character: refused at the contract where a type forbids it, and as a 422 from
    the database anywhere else — never a 500."""
    for bad in ("Dibatasi\u0000sementara", "\u0000\u0000\u0000\u0000\u0000"):
        response = client.patch(
            "/v1/issues/1/access", headers=admin_headers, json={"restricted": True, "reason": bad}
        )
        assert response.status_code == 422, response.text
    response = client.get("/v1/agencies", params={"region": "64\u0000"})
    assert response.status_code in (200, 422)
