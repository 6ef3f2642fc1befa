"""Engine and sessions: one transaction per request, committed in one place (:func:`get_session`).

SQLite needs care to behave like a server database under concurrent requests:
- WAL journal, so readers never block the writer;
- the driver's own transaction handling is switched off and we emit ``BEGIN`` ourselves, so SAVEPOINTs work
  (SQLAlchemy's documented pysqlite recipe);
- requests that write start with ``BEGIN IMMEDIATE``: they queue for the write lock up front (honouring
  ``busy_timeout``) instead of failing with SQLITE_BUSY when a read transaction tries to upgrade;
- and within one process, writing requests take turns on an async lock *before* they take a worker thread.
  SQLite admits one writer at a time anyway; without the gate, waiting writers would hold every worker
  thread in the busy handler while the lock holder waits for a thread to commit in — a deadlock that ends
  only at ``busy_timeout``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session

from app.config import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_OPTION = "sigap_write"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever spelling the operator wrote."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_engine(settings: Settings, url: str | None = None) -> Engine:
    url = normalise_url(url or settings.database_url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings)
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size * 2,
        pool_pre_ping=True,  # a restarted PostgreSQL must not cost the next request a broken connection
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    in_memory = make_url(url).database in (None, "", ":memory:")
    pool_args = (
        {} if in_memory else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size * 2}
    )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        **pool_args,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Hands out sessions; one per request, committed when the endpoint returns without error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        self._serialise_writes = engine.dialect.name == "sqlite"
        self._write_gate: anyio.Lock | None = None

    def write_gate(self) -> anyio.Lock | None:
        """The per-process turn-taking lock for writing requests (SQLite only; PostgreSQL locks rows)."""
        if self._serialise_writes and self._write_gate is None:
            self._write_gate = anyio.Lock()
        return self._write_gate

    def make_session(self, *, write: bool) -> Session:
        return Session(self._write_engine if write else self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        with self.make_session(write=write) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


async def _write_turn(request: Request) -> AsyncIterator[None]:
    gate = None if request.method in SAFE_METHODS else request.app.state.db.write_gate()
    if gate is None:
        yield
        return
    async with gate:
        yield


def get_session(
    request: Request, _turn: Annotated[None, Depends(_write_turn, scope="function")]
) -> Iterator[Session]:
    # FastAPI runs the exit of a sync generator dependency on a limiter of its own, not the worker pool,
    # so a request holding row locks can always commit, however many requests wait for those locks.
    db: Database = request.app.state.db
    with db.session(write=request.method not in SAFE_METHODS) as session:
        yield session


# scope="function": the commit runs before the response is sent, so a client never sees 201 for a write
# that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
