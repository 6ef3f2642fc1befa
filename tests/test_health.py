import gc

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


def test_start_up_builds_the_classifier_and_freezes_it_out_of_garbage_collection(
    database_url: str,
) -> None:
    # app.warmup: the word lists, indexes and models are built before the first request and frozen, so full
    # collections stop walking them; stopping the app lets them be collected again.
    settings = test_settings(database_url, warm_up=True)
    database = Database(build_engine(settings))
    gc.unfreeze()
    with TestClient(create_app(settings, database)):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
    database.dispose()
