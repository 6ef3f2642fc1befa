"""Response plans under simultaneous requests, with real commits on a private database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from app.auth.models import Scope
from app.clock import utcnow
from app.db import Database
from app.outbox.models import OutboxEvent
from app.plans.models import ResponsePlan
from app.plans.tasks import sweep_overdue
from tests.conftest import DatabaseFactory, live_app

pytestmark = pytest.mark.concurrency
CONCURRENT = 12


@pytest.fixture
def live(databases: DatabaseFactory) -> Iterator[tuple[FastAPI, dict[str, str], int]]:
    scopes = (
        Scope.mentions_write,
        Scope.issues_read,
        Scope.issues_write,
        Scope.plans_read,
        Scope.plans_write,
    )
    with live_app(databases, *scopes, name="Pranata Humas Diskominfo Kaltim") as (app, key):
        yield from _with_issue(app, key)


def _with_issue(app: FastAPI, key: str) -> Iterator[tuple[FastAPI, dict[str, str], int]]:
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        created = client.post(
            "/v1/mentions",
            json={
                "source_type": "online_news",
                "source_name": "Tribun Kaltim",
                "url": "https://kaltim.example.id/berita/longsor-sangatta",
                "title": "Longsor Timbun Rumah Warga di Sangatta Utara, Satu Orang Hilang",
                "text": "Tanah longsor di Sangatta Utara, Kutai Timur, menimbun tiga rumah warga setelah "
                "hujan deras. Satu warga dilaporkan hilang; BPBD Kutai Timur dan tim SAR gabungan melakukan "
                "pencarian.",
                "published_at": (utcnow() - timedelta(hours=1)).isoformat(),
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        issue_id = created.json()["issue_id"]
    yield app, headers, issue_id


async def _many(
    app: FastAPI, method: str, path: str, headers: dict[str, str], json: Any = None
) -> list[httpx.Response]:
    # Fewer worker threads than requests, as in production: requests waiting for a row lock must not
    # starve the request that holds it (locks are taken inside the endpoints, see issues.router.locked).
    anyio.to_thread.current_default_thread_limiter().total_tokens = 4
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sigap.test", timeout=60) as client:
        return await asyncio.gather(
            *(client.request(method, path, headers=headers, json=json) for _ in range(CONCURRENT))
        )


def test_simultaneous_recommendations_make_one_open_plan(live: tuple[FastAPI, dict[str, str], int]) -> None:
    app, headers, issue_id = live
    responses = asyncio.run(_many(app, "POST", f"/v1/issues/{issue_id}/response-plans", headers))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: CONCURRENT - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"PLAN_EXISTS"}
    with app.state.db.session(write=False) as session:
        assert session.exec(select(func.count()).select_from(ResponsePlan)).one() == 1


def test_simultaneous_writers_of_one_task_with_the_same_etag_one_wins(
    live: tuple[FastAPI, dict[str, str], int],
) -> None:
    app, headers, issue_id = live
    with TestClient(app) as client:
        plan = client.post(f"/v1/issues/{issue_id}/response-plans", headers=headers)
        task_id = plan.json()["phases"][0]["tasks"][0]["id"]
        etag = client.get(f"/v1/tasks/{task_id}", headers=headers).headers["ETag"]
    responses = asyncio.run(
        _many(app, "PATCH", f"/v1/tasks/{task_id}", {**headers, "If-Match": etag}, {"status": "in_progress"})
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 412: CONCURRENT - 1}


def test_simultaneous_edits_of_one_issue_with_the_same_etag_one_wins(
    live: tuple[FastAPI, dict[str, str], int],
) -> None:
    app, headers, issue_id = live
    with TestClient(app) as client:
        etag = client.get(f"/v1/issues/{issue_id}", headers=headers).headers["ETag"]
    body = {"status": "triaged", "reason": "Diverifikasi BPBD Kutai Timur"}
    responses = asyncio.run(
        _many(app, "PATCH", f"/v1/issues/{issue_id}", {**headers, "If-Match": etag}, body)
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 412: CONCURRENT - 1}


def test_parallel_sweepers_announce_each_overdue_task_once(live: tuple[FastAPI, dict[str, str], int]) -> None:
    app, headers, issue_id = live
    with TestClient(app) as client:
        plan = client.post(f"/v1/issues/{issue_id}/response-plans", headers=headers)
        assert plan.status_code == 201, plan.text
    tasks = [t for p in plan.json()["phases"] for t in p["tasks"]]
    database: Database = app.state.db
    later = utcnow() + timedelta(days=365)  # every task is overdue by then

    def sweep(_: int) -> int:
        with database.session() as session:
            return sweep_overdue(session, later)

    with ThreadPoolExecutor(max_workers=4) as pool:
        announced = list(pool.map(sweep, range(8)))
    assert sum(announced) == len(tasks) > 0
    with database.session(write=False) as session:
        overdue = session.exec(
            select(OutboxEvent.aggregate_id).where(col(OutboxEvent.event_type) == "task.overdue")
        ).all()
    assert sorted(overdue) == sorted(t["id"] for t in tasks)
    assert sweep(0) == 0  # nothing is announced twice
