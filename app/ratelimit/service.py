"""Counting requests per API client in the database, so every server process shares one quota.

One row per client holds the current window's start and count. Each request adds one with a single
``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` (SQLite >= 3.35 and PostgreSQL): the database serialises
concurrent updates of the row, so of ``quota + n`` simultaneous requests exactly ``quota`` see a count
within the quota, whichever process they reached. The count is its own short transaction, never part of
the request's: a request that fails still counted, and the row is not locked while the endpoint works.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from functools import cache
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import bindparam, case, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from app.auth.models import Scope
from app.auth.service import Principal
from app.config import Settings
from app.db import Database, build_engine
from app.errors import AppError
from app.ratelimit.models import RateLimitCounter
from app.ratelimit.policy import Decision, Limits, Policy, window_start

_COUNTER = RateLimitCounter.__table__  # type: ignore[attr-defined]


class RateLimited(AppError):
    status = 429
    code = "RATE_LIMITED"
    title = "Too many requests"


def limits_of(settings: Settings) -> Limits:
    return Limits(
        enabled=settings.rate_limit_enabled,
        window=settings.rate_limit_window_seconds,
        intake_quota=settings.rate_limit_intake,
        default_quota=settings.rate_limit_default,
        client_quotas=dict(settings.rate_limit_clients),
    )


class RateLimiter:
    """Counts each authenticated request against its client's policy (see :mod:`app.ratelimit.policy`)."""

    def __init__(
        self, limits: Limits, *, database: Database, counters: Database | None = None, patience_ms: int = 0
    ) -> None:
        self.limits = limits
        self.database = database  # the app's: its write gate orders our writes with the requests' on SQLite
        self.counters = counters or database
        self._owns_counters = counters is not None
        # Own SQLite counters never wait in the busy handler (busy_timeout 0); see count().
        self._in_loop = self._owns_counters and self.counters.engine.dialect.name == "sqlite"
        self._patience = patience_ms / 1000
        self._threads: anyio.CapacityLimiter | None = None

    @classmethod
    def for_app(cls, settings: Settings, database: Database, *, own_pool: bool) -> RateLimiter:
        """``own_pool``: the app built its database itself (a server), so counters get a pool of their own.

        A counter lost in a power failure is harmless: at worst a client gets up to one window's quota again.
        So the counter pool trades durability for speed, per connection: SQLite ``synchronous=NORMAL`` (in WAL
        mode a commit no longer waits for fsync; the database stays consistent, only the last commits may be
        lost on an OS crash) and PostgreSQL ``synchronous_commit=off`` (the commit does not wait for the WAL
        flush; a crash loses at most the last few hundred milliseconds of counts, never consistency). Mentions
        and everything else keep the app's durable settings. Own SQLite counters also never sleep in SQLite's
        busy handler (busy_timeout 0): :meth:`count` writes on the event loop and waits for other processes in
        a thread. A Database handed to ``create_app`` (tests bind every session to one connection) is used for
        the counters as it is.
        """
        limits = limits_of(settings)
        url = database.engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        if not (own_pool and limits.enabled) or in_memory:  # a second in-memory engine: a second database
            return cls(limits, database=database)
        engine = build_engine(
            settings.model_copy(
                update={"sqlite_synchronous": "NORMAL", "sqlite_busy_timeout_ms": 0, "db_pool_size": 4}
            )
        )
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _asynchronous_commit)
        return cls(
            limits, database=database, counters=Database(engine), patience_ms=settings.sqlite_busy_timeout_ms
        )

    @property
    def enabled(self) -> bool:
        return self.limits.enabled

    def policy_for(self, principal: Principal) -> Policy | None:
        return self.limits.policy_for(principal.client_id, intake=principal.has(Scope.mentions_write))

    async def count(self, client_id: int, policy: Policy, now: float) -> Decision:
        """Count one request of ``client_id`` at ``now`` (epoch seconds)."""
        if self._threads is None:
            # Threads of its own: counting never waits for a worker thread behind slow endpoints.
            self._threads = anyio.CapacityLimiter(4)
        # SQLite admits one writer: take the app's turn-taking lock like a writing request does (app.db), so a
        # count never waits in SQLite's busy handler for a request of this process that holds the write lock.
        gate = self.database.write_gate()
        async with gate if gate is not None else nullcontext():
            if self._in_loop:
                # Holding the gate, no request of this process holds SQLite's write lock, so the count is one
                # local write without fsync: ~0.1 ms, done right here. A hop to a thread would cost more, and
                # keep the gate, and so every writer of this process, waiting for the thread to get the GIL.
                try:
                    return self._count(client_id, policy, now)
                except OperationalError as exc:
                    if not _busy(exc):
                        raise
                # Another process (or the background worker) is writing: wait for it in a thread.
                return await anyio.to_thread.run_sync(
                    self._count_patiently, client_id, policy, now, limiter=self._threads
                )
            return await anyio.to_thread.run_sync(self._count, client_id, policy, now, limiter=self._threads)

    def _count(self, client_id: int, policy: Policy, now: float) -> Decision:
        with self.counters.session(write=True) as session:
            connection = session.connection()
            parameters = {"client_id": client_id, "window_start": window_start(now, policy.window)}
            count, started = connection.execute(_upsert(connection.dialect.name), parameters).one()
        return Decision(policy, count, started, now)

    def _count_patiently(self, client_id: int, policy: Policy, now: float) -> Decision:
        """``_count``, retried for up to the app's SQLite busy timeout while another writer holds the lock."""
        deadline = time.monotonic() + self._patience
        while True:
            try:
                return self._count(client_id, policy, now)
            except OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.002)

    def dispose(self) -> None:
        if self._owns_counters:
            self.counters.dispose()


@cache
def _upsert(dialect: str) -> Any:
    """The counting statement, built once per dialect (building it costs more than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_COUNTER).values(
        client_id=bindparam("client_id"), window_start=bindparam("window_start"), count=1
    )
    # A newer window restarts the count. An older one (a process whose clock lags) counts into the newer:
    # windows only move forward, so two processes never reset each other's count.
    newer = statement.excluded.window_start > _COUNTER.c.window_start
    return statement.on_conflict_do_update(
        index_elements=[_COUNTER.c.client_id],
        set_={
            "count": case((newer, 1), else_=_COUNTER.c.count + 1),
            "window_start": case((newer, statement.excluded.window_start), else_=_COUNTER.c.window_start),
        },
    ).returning(_COUNTER.c.count, _COUNTER.c.window_start)


def _busy(exc: OperationalError) -> bool:
    return str(getattr(exc.orig, "sqlite_errorname", "")).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def _asynchronous_commit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("SET synchronous_commit TO off")
    dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone
