"""The overdue sweep, run periodically by each server process (and by `sigap tasks sweep`)."""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError

from app.clock import utcnow
from app.db import Database
from app.plans.tasks import sweep_overdue

logger = logging.getLogger("sigap.plans")


def sweep_once(database: Database) -> int:
    with database.session() as session:
        return sweep_overdue(session, utcnow())


async def run(database: Database, every_seconds: float) -> None:
    """Sweep forever; a database outage is logged and retried at the next turn, never fatal."""
    while True:
        await anyio.sleep(every_seconds)
        gate = database.write_gate()
        try:
            if gate is not None:
                async with gate:  # SQLite: take turns with the requests that write
                    announced = await anyio.to_thread.run_sync(sweep_once, database)
            else:
                announced = await anyio.to_thread.run_sync(sweep_once, database)
        except SQLAlchemyError as exc:
            logger.warning(
                "overdue sweep failed (%s); retrying in %s s", exc.__class__.__name__, every_seconds
            )
            continue
        if announced:
            logger.info("announced %d overdue task(s)", announced)
