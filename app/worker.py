"""The background worker: delivers webhooks from the outbox and announces overdue tasks.

``sigap worker`` runs it as its own process (several may run side by side on PostgreSQL); in development
``sigap serve`` also runs it inside the server process. Each step is a short transaction, and a database
outage is logged and retried at the next turn, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import httpx
from sqlalchemy.exc import SQLAlchemyError

from app.clock import utcnow
from app.config import Settings
from app.db import Database
from app.monitoring import poller
from app.outbound.safety import parse_allow_list
from app.plans.tasks import sweep_overdue
from app.privacy.service import pseudonymise
from app.webhooks import delivery, schedule

logger = logging.getLogger("sigap.worker")
T = TypeVar("T")


def poll_config(settings: Settings) -> poller.PollConfig:
    return poller.PollConfig(
        allow_http_hosts=parse_allow_list(settings.outbound_allow_http_hosts),
        max_bytes=settings.feed_max_bytes,
        timeout=settings.feed_timeout_seconds,
        flag_after=settings.source_flag_after,
    )


def delivery_config(settings: Settings) -> delivery.DeliveryConfig:
    return delivery.DeliveryConfig(
        schedule=schedule.parse(settings.webhook_retry_schedule),
        allow_http_hosts=parse_allow_list(settings.webhook_allow_http_hosts),
        timeout=settings.webhook_timeout_seconds,
        lease=timedelta(seconds=settings.webhook_timeout_seconds + 45),
    )


class Worker:
    def __init__(
        self, database: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.config = delivery_config(settings)
        self.polling = poll_config(settings)
        # Redirects are never followed: a receiver cannot bounce Sigap to an address it did not check. No
        # kept-alive connections (one verified for one host name must not carry another's request to the same
        # address) and no proxies from the environment (they would bypass the address pinning).
        self.client = httpx.Client(
            follow_redirects=False,
            timeout=self.config.timeout,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._last_sweep: datetime | None = None
        self._last_pseudonymised: datetime | None = None

    def close(self) -> None:
        self.client.close()

    def fan_out(self) -> int:
        with self.database.session() as session:
            return delivery.fan_out(session, self.clock())

    def claim(self) -> list[delivery.Claimed]:
        with self.database.session() as session:
            return delivery.claim(session, self.clock(), self.config)

    def send(self, job: delivery.Claimed) -> delivery.Outcome:
        return delivery.send(self.client, job, self.clock(), self.config)

    def record(self, job: delivery.Claimed, outcome: delivery.Outcome) -> None:
        with self.database.session() as session:
            delivery.record(session, job, outcome, self.clock(), self.config)

    def claim_sources(self, source_id: int | None = None) -> list[poller.Job]:
        with self.database.session() as session:
            return poller.claim(session, self.clock(), self.polling, source_id=source_id)

    def fetch(self, job: poller.Job) -> poller.Fetched:
        return poller.fetch(self.client, job, self.polling)

    def record_poll(self, job: poller.Job, fetched: poller.Fetched) -> dict[str, int]:
        with self.database.session() as session:
            return poller.record(session, job, fetched, self.clock(), self.polling)

    def poll_sources(self, source_id: int | None = None) -> int:
        """Poll the due sources (or one, now); returns how many were polled."""
        jobs = self.claim_sources(source_id)
        for job in jobs:
            self.record_poll(job, self.fetch(job))
        return len(jobs)

    def sweep(self) -> int:
        every = self.settings.overdue_sweep_seconds
        now = self.clock()
        if every <= 0 or (self._last_sweep is not None and (now - self._last_sweep).total_seconds() < every):
            return 0
        self._last_sweep = now
        with self.database.session() as session:
            return sweep_overdue(session, now)

    def pseudonymise(self) -> int:
        """Pseudonymise authors past retention, at most every ``SIGAP_PERSONAL_DATA_CHECK_HOURS``."""
        every = timedelta(hours=self.settings.personal_data_check_hours)
        now = self.clock()
        if not every or (self._last_pseudonymised is not None and now - self._last_pseudonymised < every):
            return 0
        self._last_pseudonymised = now
        with self.database.session() as session:
            report = pseudonymise(
                session,
                secret=self.settings.secret_key.get_secret_value(),
                now=now,
                retention_days=self.settings.personal_data_retention_days,
            )
        if report.changed_anything:
            logger.info(report.summary())
        return report.mentions

    def run_once(self) -> dict[str, int]:
        """One turn, in this thread: fan out new events, send what is due, sweep overdue tasks when due."""
        events = self.fan_out()
        jobs = self.claim()
        for job in jobs:
            self.record(job, self.send(job))
        polled = self.poll_sources()
        return {
            "events": events,
            "sent": len(jobs),
            "overdue": self.sweep(),
            "polled": polled,
            "pseudonymised": self.pseudonymise(),
        }

    async def run(self) -> None:
        """Turn forever, every ``SIGAP_WORKER_POLL_SECONDS``; at once again while there is work.

        On SQLite each database step takes its turn with the requests that write (the process's write gate);
        sending happens outside it, so a slow receiver never holds up intake.
        """
        try:
            while True:
                try:
                    events = await self._locked(self.fan_out)
                    jobs = await self._locked(self.claim)
                    for job in jobs:
                        outcome = await anyio.to_thread.run_sync(self.send, job)
                        await self._locked(self.record, job, outcome)
                    for source in await self._locked(self.claim_sources):
                        fetched = await anyio.to_thread.run_sync(self.fetch, source)
                        await self._locked(self.record_poll, source, fetched)
                    overdue = await self._locked(self.sweep)
                    await self._locked(self.pseudonymise)
                except SQLAlchemyError as exc:
                    logger.warning("worker turn failed (%s); retrying", exc.__class__.__name__)
                    events, jobs, overdue = 0, [], 0
                if overdue:
                    logger.info("announced %d overdue task(s)", overdue)
                await anyio.sleep(0.05 if events or jobs else self.settings.worker_poll_seconds)
        finally:
            self.close()

    async def _locked(self, step: Callable[..., T], *args: Any) -> T:
        gate = self.database.write_gate()
        if gate is None:
            return await anyio.to_thread.run_sync(step, *args)
        async with gate:
            return await anyio.to_thread.run_sync(step, *args)
