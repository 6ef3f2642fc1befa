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
from contextlib import contextmanager, nullcontext
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, Table, create_engine, event, func, insert, select
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
        hide_parameters=True,  # see _sqlite_engine
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size * 2,
        pool_pre_ping=True,  # a restarted PostgreSQL must not cost the next request a broken connection
        pool_timeout=10,
        # No server-side prepared statements: a generic plan cached while a table was small (seq scan) would
        # be kept as it grows; planning each statement with its values costs little and never degrades.
        connect_args={"connect_timeout": 5, "prepare_threshold": None},
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    in_memory = make_url(url).database in (None, "", ":memory:")
    pool_args = (
        {} if in_memory else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size * 2}
    )
    engine = create_engine(
        url,
        # A database error's text would otherwise quote the statement's values (webhook secrets, personal
        # data) into logs; the SQL itself is kept.
        hide_parameters=True,
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
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
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
        self._finish_limiter: anyio.CapacityLimiter | None = None

    @property
    def finish_limiter(self) -> anyio.CapacityLimiter:
        """Threads for commits and rollbacks, apart from the worker pool (see :func:`get_session`)."""
        if self._finish_limiter is None:
            self._finish_limiter = anyio.CapacityLimiter(16)
        return self._finish_limiter

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


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: committed when the endpoint returns, rolled back when it raises.

    Async, so that opening a session (no I/O yet) costs no worker-thread hop. The commit or rollback runs
    on a limiter of its own, never on the worker pool: a request holding row locks must always be able to
    finish, even when every worker thread is taken by requests waiting for those very locks.
    """
    db: Database = request.app.state.db
    write = request.method not in SAFE_METHODS
    gate = db.write_gate() if write else None
    async with gate if gate is not None else nullcontext():
        session = db.make_session(write=write)
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_finish, session, False, limiter=db.finish_limiter)
            raise
        if write:
            for hook in getattr(request.app.state, "before_commit", ()):
                hook(request, session)  # no I/O: adds rows that the commit below flushes
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_finish, session, True, limiter=db.finish_limiter)


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# scope="function": the commit runs before the response is sent, so a client never sees 201 for a write
# that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one statement and return their new ids in the order of ``rows``."""
    if not rows:
        return []
    if len(rows) > 1 and session.get_bind().dialect.name == "sqlite":
        # SQLite's RETURNING order is unspecified, so SQLAlchemy would fall back to one INSERT per row to
        # match ids to rows. Writing transactions hold SQLite's write lock from BEGIN IMMEDIATE on, so the ids
        # after the current maximum are ours to assign.
        first = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
        ids = list(range(first, first + len(rows)))
        session.execute(insert(table), [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
        return ids
    returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [row_id for (row_id,) in session.execute(returning, rows)]
