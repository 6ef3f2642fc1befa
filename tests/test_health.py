from fastapi.testclient import TestClient

from app.config import Environment
from app.db import Database, build_engine
from app.main import create_app
from tests.conftest import DatabaseFactory, test_settings


def test_healthz_does_not_need_the_database() -> None:
    settings = test_settings("postgresql://postgres@127.0.0.1:1/sigap")
    with TestClient(create_app(settings, Database(build_engine(settings)))) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "at_head"}


def test_readyz_is_503_until_migrated(databases: DatabaseFactory) -> None:
    url = databases.create(migrate=False)
    settings = test_settings(url).model_copy(update={"env": Environment.production})
    with TestClient(create_app(settings, Database(build_engine(settings)))) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "NOT_READY"
        assert response.json()["migrations"] == "behind"
        assert "retry-after" in response.headers
