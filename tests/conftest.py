"""Test databases are built by the Alembic migrations, on SQLite and — when SIGAP_TEST_POSTGRES_URL is set —
on PostgreSQL too. Each test runs inside a transaction that is rolled back; the app's own commits become
SAVEPOINT releases. Tests that need real commits (concurrency) get a private database of their own.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app import migrations
from app.auth.models import Scope
from app.auth.service import create_client
from app.classification.registry import ACTIVE_MODELS
from app.config import Environment, Settings
from app.db import Database, build_engine
from app.main import create_app
from app.reference.service import seed

POSTGRES_URL = os.environ.get("SIGAP_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def test_settings(database_url: str, **overrides: Any) -> Settings:
    # Tests sweep overdue tasks themselves, on their own clock.
    overrides.setdefault("overdue_sweep_seconds", 0)
    # A full garbage collection per app start-up; tests/test_health.py checks the warm-up itself.
    overrides.setdefault("warm_up", False)
    return Settings(
        env=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-for-cursors-0123456789",  # type: ignore[arg-type]
        **overrides,
    )


test_settings.__test__ = False  # type: ignore[attr-defined]


class DatabaseFactory:
    """Creates fresh, migrated databases of one backend and drops them afterwards."""

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir
        self._created: list[str] = []

    def create(self, *, migrate: bool = True) -> str:
        name = f"sigap_test_{secrets.token_hex(4)}"
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / name}.db"
        else:
            assert POSTGRES_URL is not None
            with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            url = make_url(_sqlalchemy(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
        if migrate:
            migrations.upgrade(url)
            engine = build_engine(test_settings(url))
            with Database(engine).session() as session:
                seed(session)
            engine.dispose()
        return url

    def drop_all(self) -> None:
        if not self._created:
            return
        assert POSTGRES_URL is not None
        with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as admin:
            for name in self._created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlalchemy(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(autouse=True)
def _forget_active_models() -> None:
    """The process-wide model cache must not carry a model trained in one test's database into the next."""
    ACTIVE_MODELS.invalidate()


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp(request.param))
    if request.param == "postgres":
        assert POSTGRES_URL is not None
        try:
            psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=5).close()
        except psycopg.OperationalError as exc:  # CI must fail, never skip, when PostgreSQL is missing
            pytest.fail(f"SIGAP_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}")
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def backend(databases: DatabaseFactory) -> str:
    return databases.backend


@pytest.fixture(scope="session")
def database_url(databases: DatabaseFactory) -> str:
    return databases.create()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(test_settings(database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


class BoundDatabase(Database):
    """Every session joins the test's outer transaction; commits release SAVEPOINTs."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    def make_session(self, *, write: bool) -> Session:
        return Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def dispose(self) -> None:
        pass  # the engine belongs to the test session, not to this app


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url)


@pytest.fixture
def app(connection: Connection, settings: Settings) -> FastAPI:
    return create_app(settings, BoundDatabase(connection))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@contextmanager
def live_app(databases: DatabaseFactory, *scopes: Scope, name: str) -> Iterator[tuple[FastAPI, str]]:
    """An app on a private migrated database with real commits (not rolled back), and a key for it."""
    url = databases.create()
    settings = test_settings(url, db_pool_size=20)
    database = Database(build_engine(settings))
    with database.session() as session:
        _, key = create_client(session, name=name, agency="diskominfo", scopes=scopes)
    try:
        yield create_app(settings, database), key
    finally:
        database.dispose()


KeyMaker = Callable[..., str]


@pytest.fixture
def make_key(session: Session) -> KeyMaker:
    """``make_key(Scope.mentions_write, agency=..., name=...)`` → a plain API key."""

    def make(
        *scopes: Scope, agency: str = "diskominfo", name: str = "Crawler media Diskominfo Kaltim"
    ) -> str:
        _, key = create_client(session, name=name, agency=agency, scopes=scopes or [Scope.admin])
        session.commit()
        return key

    return make


# A public address (outside every special-purpose range) that made-up host names "resolve" to.
PUBLIC_ADDRESS = "93.184.215.14"


@contextmanager
def every_name_public(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Offline machines resolve nothing: let every DNS name resolve to one public address, as if the
    receivers clients name all existed. IP literals and numeric hosts still go to the real resolver."""
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        text = host.decode() if isinstance(host, bytes) else str(host)
        if not text or text.replace(".", "").isdigit() or ":" in text or text == "localhost":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC_ADDRESS, port or 443))]

    with monkeypatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", resolve)
        yield


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def admin_headers(make_key: KeyMaker) -> dict[str, str]:
    return bearer(make_key(Scope.admin, name="Administrator uji"))


@pytest.fixture
def writer_headers(make_key: KeyMaker) -> dict[str, str]:
    return bearer(make_key(Scope.mentions_write, Scope.mentions_read))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: stops a private PostgreSQL cluster, kills a real server process (PostgreSQL only)"
    )
