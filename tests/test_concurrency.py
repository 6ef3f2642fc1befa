"""Simultaneous requests with real commits on a private database (not rolled back): fifty identical intakes,
twenty officers editing one issue with the same ETag."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.auth.models import Scope
from app.idempotency.models import IdempotencyRecord
from app.mentions.models import Mention
from tests.conftest import DatabaseFactory, live_app
from tests.factories import mention_payload

pytestmark = pytest.mark.concurrency
CONCURRENT = 50


@pytest.fixture
def live(databases: DatabaseFactory) -> Iterator[tuple[FastAPI, str]]:
    with live_app(databases, Scope.mentions_write, Scope.mentions_read, name="Crawler paralel") as pair:
        yield pair


async def _post_many(app: FastAPI, path: str, payload: Any, headers: dict[str, str]) -> list[httpx.Response]:
    # Fewer worker threads than requests, as in production (SIGAP_WORKER_THREADS=8): requests waiting on a
    # lock must not starve the request that holds it.
    anyio.to_thread.current_default_thread_limiter().total_tokens = 4
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sigap.test", timeout=60) as client:
        return await asyncio.gather(
            *(client.post(path, json=payload, headers=headers) for _ in range(CONCURRENT))
        )


def _count(app: FastAPI, model: type[Any]) -> int:
    with app.state.db.session(write=False) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_same_idempotency_key_fifty_times_makes_one_row(live: tuple[FastAPI, str]) -> None:
    app, key = live
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "serentak-50"}
    # No external_id and no URL: only the idempotency key can stop a second row.
    payload = mention_payload(external_id=None, url=None)
    responses = asyncio.run(_post_many(app, "/v1/mentions", payload, headers))

    assert Counter(r.status_code for r in responses) == {201: CONCURRENT}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == CONCURRENT - 1
    assert _count(app, Mention) == 1
    assert _count(app, IdempotencyRecord) == 1


def test_same_mention_fifty_times_without_key_makes_one_row(live: tuple[FastAPI, str]) -> None:
    app, key = live
    responses = asyncio.run(
        _post_many(app, "/v1/mentions", mention_payload(), {"Authorization": f"Bearer {key}"})
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 200: CONCURRENT - 1}
    assert len({r.json()["id"] for r in responses}) == 1
    assert _count(app, Mention) == 1


def test_same_batch_fifty_times_stores_each_item_once(live: tuple[FastAPI, str]) -> None:
    app, key = live
    batch = {"items": [mention_payload() for _ in range(20)]}
    responses = asyncio.run(_post_many(app, "/v1/mentions/batch", batch, {"Authorization": f"Bearer {key}"}))
    assert {r.status_code for r in responses} == {200}
    assert sum(r.json()["created"] for r in responses) == 20
    assert _count(app, Mention) == 20


def test_first_reports_of_one_story_arriving_at_once_open_one_issue(live: tuple[FastAPI, str]) -> None:
    """Twenty outlets report the same new story at the same moment: one issue, not twenty."""
    from app.issues.models import Issue

    app, key = live
    title = "Banjir Rendam Ratusan Rumah di Sempaja, BPBD Samarinda Evakuasi Lansia"
    text = (
        "Hujan deras sejak dini hari membuat Sungai Karang Mumus meluap. Ratusan rumah di Sempaja Selatan "
        "dan Bengkuring terendam hingga satu meter; BPBD Samarinda mengevakuasi lansia ke posko di masjid."
    )

    async def post_all() -> list[httpx.Response]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 4
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sigap.test", timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/v1/mentions",
                        json=mention_payload(title=f"{title} ({n})", text=text, region_codes=["64.72"]),
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    for n in range(20)
                )
            )

    responses = asyncio.run(post_all())
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["issue_id"] for r in responses}) == 1
    assert _count(app, Issue) == 1


IF_MATCH_WRITERS = 20


@pytest.fixture
def triage(databases: DatabaseFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    scopes = (Scope.mentions_write, Scope.issues_read, Scope.issues_write)
    with live_app(databases, *scopes, name="Pranata Humas Diskominfo Kaltim") as (app, key):
        yield app, {"Authorization": f"Bearer {key}"}


def test_twenty_writers_with_the_same_etag_one_wins_and_the_rest_are_412(
    triage: tuple[FastAPI, dict[str, str]],
) -> None:
    """Twenty officers edit the issue they all read at once: one edit lands, nineteen are told to reread."""
    app, headers = triage
    with TestClient(app) as client:
        created = client.post("/v1/mentions", json=mention_payload(), headers=headers)
        assert created.status_code == 201, created.text
        issue_id = created.json()["issue_id"]
        read = client.get(f"/v1/issues/{issue_id}", headers=headers)
        history_before = client.get(f"/v1/issues/{issue_id}/history", headers=headers).json()["items"]
    etag, version = read.headers["ETag"], read.json()["version"]

    async def edit_all() -> list[httpx.Response]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 4
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sigap.test", timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.patch(
                        f"/v1/issues/{issue_id}",
                        json={"title": f"Banjir Samarinda (versi petugas {n})", "reason": f"petugas {n}"},
                        headers={**headers, "If-Match": etag},
                    )
                    for n in range(IF_MATCH_WRITERS)
                )
            )

    responses = asyncio.run(edit_all())
    assert Counter(r.status_code for r in responses) == {200: 1, 412: IF_MATCH_WRITERS - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 412} == {"ISSUE_CHANGED"}
    (winner,) = (r for r in responses if r.status_code == 200)

    with TestClient(app) as client:
        final = client.get(f"/v1/issues/{issue_id}", headers=headers)
        history = client.get(f"/v1/issues/{issue_id}/history", headers=headers).json()["items"]
    assert final.json()["title"] == winner.json()["title"]
    assert final.json()["version"] == version + 1
    assert final.headers["ETag"] == winner.headers["ETag"] != etag
    edits = [entry for entry in history if entry not in history_before]
    assert [(e["field"], e["new"]) for e in edits] == [("title", winner.json()["title"])]
    # Every loser's answer names the version that won, so a client knows what to reread.
    assert all(winner.headers["ETag"] in r.json()["detail"] for r in responses if r.status_code == 412)
