"""Per-client rate limits (issue 7, OWASP API4): quotas, 429 with Retry-After, the IETF RateLimit header
fields, exact counting under concurrency and across server processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from app.auth.models import Scope
from app.auth.service import create_client
from app.config import Settings
from app.db import Database, build_engine
from app.main import create_app
from app.mentions.models import Mention
from app.ratelimit.models import RateLimitCounter
from app.ratelimit.policy import Decision, Limits, Policy, window_start
from tests.conftest import BoundDatabase, DatabaseFactory, bearer, test_settings
from tests.factories import mention_payload

# 2026-11-28 07:00:20 UTC: 20 s into a one-minute window, so 40 s are left of it.
NOW = datetime(2026, 11, 28, 7, 0, 20, tzinfo=UTC)
LEFT = 40


def _clock(app: FastAPI, start: datetime = NOW) -> Callable[[timedelta], None]:
    """Pin the app's clock to ``start``; the returned function moves it forward."""
    moment = [start]
    app.state.clock = lambda: moment[0]

    def advance(by: timedelta) -> None:
        moment[0] += by

    return advance


# --- the policy, without FastAPI or a database ------------------------------------------------------------


def test_intake_clients_get_the_intake_quota_and_others_the_default() -> None:
    limits = Limits(window=60, intake_quota=6000, default_quota=600, client_quotas={7: 50, 8: 0})
    assert limits.policy_for(1, intake=True) == Policy("intake", 6000, 60)
    assert limits.policy_for(1, intake=False) == Policy("default", 600, 60)
    assert limits.policy_for(7, intake=True) == Policy("client", 50, 60)
    assert limits.policy_for(8, intake=False) is None  # 0: this client is not limited
    assert Limits(default_quota=0).policy_for(1, intake=False) is None
    assert Limits(enabled=False).policy_for(7, intake=True) is None


def test_decision_headers_follow_the_structured_field_syntax() -> None:
    policy = Policy("default", 600, 60)
    started = window_start(1_000_000_018.4, 60)
    assert started == 1_000_000_020 - 60  # windows are aligned to the epoch
    within = Decision(policy, 1, started, 1_000_000_018.4)
    assert within.allowed
    assert within.headers() == {
        "RateLimit-Policy": '"default";q=600;w=60',
        "RateLimit": '"default";r=599;t=2',
    }
    over = Decision(policy, 601, started, 1_000_000_019.9)
    assert not over.allowed
    assert over.headers() == {
        "RateLimit-Policy": '"default";q=600;w=60',
        "RateLimit": '"default";r=0;t=1',
        "Retry-After": "1",
    }


def test_settings_read_quotas_and_overrides_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGAP_RATE_LIMIT_DEFAULT", "120")
    monkeypatch.setenv("SIGAP_RATE_LIMIT_CLIENTS", '{"7": 20000, "9": 0}')
    settings = Settings()
    assert settings.rate_limit_enabled
    assert (settings.rate_limit_default, settings.rate_limit_intake) == (120, 6000)
    assert settings.rate_limit_clients == {7: 20000, 9: 0}
    monkeypatch.setenv("SIGAP_RATE_LIMIT_CLIENTS", '{"7": -1}')
    with pytest.raises(ValueError, match="rate_limit_clients"):
        Settings()


# --- the API, inside the test's transaction ----------------------------------------------------------------


@pytest.fixture
def limited(connection: Connection, database_url: str) -> Callable[..., FastAPI]:
    """``limited(**settings)`` → an app with those limits whose clock stands at NOW."""

    def make(**overrides: Any) -> FastAPI:
        app = create_app(test_settings(database_url, **overrides), BoundDatabase(connection))
        _clock(app)
        return app

    return make


def _client_id(session: Session, key: str) -> int:
    from app.auth.models import ApiClient
    from app.auth.service import hash_key

    client = session.exec(select(ApiClient).where(ApiClient.key_hash == hash_key(key))).one()
    assert client.id is not None
    return client.id


def test_each_response_tells_the_quota_left_and_the_429_when_it_is_used_up(
    limited: Callable[..., FastAPI], make_key: Callable[..., str], session: Session
) -> None:
    app = limited(rate_limit_default=3)
    key = make_key(Scope.mentions_read)
    with TestClient(app) as client:
        answers = [client.get("/v1/mentions", headers=bearer(key)) for _ in range(5)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    for n, answer in enumerate(answers[:3]):
        assert answer.headers["RateLimit-Policy"] == '"default";q=3;w=60'
        assert answer.headers["RateLimit"] == f'"default";r={2 - n};t={LEFT}'
        assert "Retry-After" not in answer.headers
    refused = answers[3]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == str(LEFT)
    assert refused.headers["RateLimit-Policy"] == '"default";q=3;w=60'
    assert refused.headers["RateLimit"] == f'"default";r=0;t={LEFT}'
    body = refused.json()
    assert body["status"] == 429
    assert body["code"] == "RATE_LIMITED"
    assert body["type"].endswith("/rate-limited")
    assert body["instance"] == "/v1/mentions"
    assert "3 requests per 60 seconds" in body["detail"]
    counter = session.get(RateLimitCounter, _client_id(session, key))
    assert counter is not None
    assert (counter.count, counter.window_start) == (5, int(NOW.timestamp()) - 20)


def test_the_quota_comes_back_when_the_window_ends(
    limited: Callable[..., FastAPI], make_key: Callable[..., str]
) -> None:
    app = limited(rate_limit_default=2)
    advance = _clock(app)
    key = make_key(Scope.mentions_read)
    with TestClient(app) as client:
        assert [client.get("/v1/mentions", headers=bearer(key)).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        advance(timedelta(seconds=LEFT - 1))  # one second before the window ends: still refused
        last = client.get("/v1/mentions", headers=bearer(key))
        assert (last.status_code, last.headers["Retry-After"]) == (429, "1")
        advance(timedelta(seconds=1))  # the next window
        again = client.get("/v1/mentions", headers=bearer(key))
    assert again.status_code == 200
    assert again.headers["RateLimit"] == '"default";r=1;t=60'


def test_headers_also_on_responses_endpoints_build_themselves(
    limited: Callable[..., FastAPI], make_key: Callable[..., str]
) -> None:
    """GET /v1/issues/{id} answers with a Response object (app.responses.model_response), not a model."""
    app = limited(rate_limit_intake=100)
    key = make_key(Scope.mentions_write, Scope.issues_read)
    with TestClient(app) as client:
        created = client.post("/v1/mentions", json=mention_payload(), headers=bearer(key))
        issue = client.get(f"/v1/issues/{created.json()['issue_id']}", headers=bearer(key))
    assert created.status_code == 201
    assert created.headers["RateLimit"] == f'"intake";r=99;t={LEFT}'
    assert issue.status_code == 200
    assert "ETag" in issue.headers
    assert issue.headers["RateLimit-Policy"] == '"intake";q=100;w=60'
    assert issue.headers["RateLimit"] == f'"intake";r=98;t={LEFT}'


def test_intake_and_default_clients_have_separate_quotas(
    limited: Callable[..., FastAPI], make_key: Callable[..., str]
) -> None:
    app = limited(rate_limit_intake=5, rate_limit_default=1)
    reader = make_key(Scope.mentions_read, name="Dasbor")
    writer = make_key(Scope.mentions_write, Scope.mentions_read, name="Crawler")
    admin = make_key(Scope.admin, name="Admin")  # admin implies mentions:write
    with TestClient(app) as client:
        assert client.get("/v1/mentions", headers=bearer(reader)).status_code == 200
        assert client.get("/v1/mentions", headers=bearer(reader)).status_code == 429
        for _ in range(5):
            assert client.get("/v1/mentions", headers=bearer(writer)).status_code == 200
        assert client.get("/v1/mentions", headers=bearer(writer)).status_code == 429
        answer = client.get("/v1/mentions", headers=bearer(admin))
    assert answer.status_code == 200
    assert answer.headers["RateLimit"] == f'"intake";r=4;t={LEFT}'


def test_a_client_override_replaces_its_class_quota(
    limited: Callable[..., FastAPI], make_key: Callable[..., str], session: Session
) -> None:
    busy = make_key(Scope.mentions_read, name="Dasbor pimpinan")
    unlimited = make_key(Scope.mentions_read, name="Bridge SP4N-LAPOR!")
    other = make_key(Scope.mentions_read, name="Dasbor OPD")
    app = limited(
        rate_limit_default=1,
        rate_limit_clients={_client_id(session, busy): 3, _client_id(session, unlimited): 0},
    )
    with TestClient(app) as client:
        busy_answers = [client.get("/v1/mentions", headers=bearer(busy)) for _ in range(4)]
        free_answers = [client.get("/v1/mentions", headers=bearer(unlimited)) for _ in range(5)]
        other_answers = [client.get("/v1/mentions", headers=bearer(other)) for _ in range(2)]
    assert [r.status_code for r in busy_answers] == [200, 200, 200, 429]
    assert busy_answers[0].headers["RateLimit-Policy"] == '"client";q=3;w=60'
    assert {r.status_code for r in free_answers} == {200}
    assert not any("RateLimit" in r.headers for r in free_answers)
    assert [r.status_code for r in other_answers] == [200, 429]


@pytest.mark.parametrize("switch", [{"rate_limit_enabled": False}, {"rate_limit_default": 0}])
def test_limits_can_be_switched_off(
    limited: Callable[..., FastAPI], make_key: Callable[..., str], session: Session, switch: dict[str, Any]
) -> None:
    app = limited(**({"rate_limit_default": 2} | switch))
    key = make_key(Scope.mentions_read)
    with TestClient(app) as client:
        answers = [client.get("/v1/mentions", headers=bearer(key)) for _ in range(5)]
    assert {r.status_code for r in answers} == {200}
    assert not any("RateLimit" in r.headers or "RateLimit-Policy" in r.headers for r in answers)
    assert session.exec(select(func.count()).select_from(RateLimitCounter)).one() == 0


def test_requests_without_a_valid_key_are_not_counted(
    limited: Callable[..., FastAPI], session: Session
) -> None:
    app = limited(rate_limit_default=1)
    with TestClient(app) as client:
        anonymous = client.get("/v1/regions")
        wrong = [client.get("/v1/mentions", headers=bearer("sgp_" + "x" * 43)) for _ in range(3)]
    assert anonymous.status_code == 200
    assert "RateLimit" not in anonymous.headers
    assert {r.status_code for r in wrong} == {401}
    assert {r.json()["code"] for r in wrong} == {"INVALID_API_KEY"}
    assert not any("RateLimit" in r.headers for r in wrong)
    assert session.exec(select(func.count()).select_from(RateLimitCounter)).one() == 0


def test_the_contract_documents_the_429(app: FastAPI) -> None:
    document = app.openapi()
    operation = document["paths"]["/v1/mentions"]["post"]
    refused = operation["responses"]["429"]
    assert refused["content"]["application/problem+json"]["example"]["code"] == "RATE_LIMITED"
    assert set(refused["headers"]) == {"Retry-After", "RateLimit-Policy", "RateLimit"}
    assert all("429" in op["responses"] for item in document["paths"].values() for op in item.values())


# --- real commits: concurrency and several server processes ------------------------------------------------

EXTRA = 10


def _server(url: str, **overrides: Any) -> FastAPI:
    """An app as `sigap serve` builds it (its own engine and counter pool), on ``url``, clock at NOW."""
    app = create_app(test_settings(url, db_pool_size=20, **overrides))
    _clock(app)
    return app


def _new_key(url: str, *scopes: Scope) -> str:
    database = Database(build_engine(test_settings(url)))
    with database.session() as session:
        _, key = create_client(session, name="Crawler serentak", agency="diskominfo", scopes=scopes)
    database.dispose()
    return key


@pytest.fixture
def private_url(databases: DatabaseFactory) -> str:
    return databases.create()


def _close(*apps: FastAPI) -> None:
    for app in apps:  # what the lifespan does when a server stops; ASGITransport runs no lifespan
        app.state.db.dispose()
        app.state.rate_limiter.dispose()


async def _burst(
    apps: list[FastAPI],
    method: str,
    path: str,
    headers: dict[str, str],
    n: int,
    body: Callable[[], Any] | None,
) -> list[httpx.Response]:
    # Fewer worker threads than requests, as in production.
    anyio.to_thread.current_default_thread_limiter().total_tokens = 4
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sigap.test", timeout=60)
        for app in apps
    ]
    try:
        return await asyncio.gather(
            *(
                clients[i % len(clients)].request(
                    method, path, headers=headers, json=body() if body is not None else None
                )
                for i in range(n)
            )
        )
    finally:
        for client in clients:
            await client.aclose()


def _rows(url: str, model: type[Any]) -> list[Any]:
    database = Database(build_engine(test_settings(url)))
    with database.session(write=False) as session:
        rows = list(session.exec(select(model)))
    database.dispose()
    return rows


@pytest.mark.concurrency
def test_a_burst_of_quota_plus_ten_lets_exactly_the_quota_through(private_url: str) -> None:
    quota = 30
    app = _server(private_url, rate_limit_default=quota)
    key = _new_key(private_url, Scope.mentions_read)
    try:
        answers = asyncio.run(_burst([app], "GET", "/v1/mentions", bearer(key), quota + EXTRA, None))
    finally:
        _close(app)
    assert Counter(r.status_code for r in answers) == {200: quota, 429: EXTRA}
    remaining = sorted(int(re.search(r";r=(\d+);", r.headers["RateLimit"]).group(1)) for r in answers)  # type: ignore[union-attr]
    assert remaining == [0] * (EXTRA + 1) + list(range(1, quota))  # each count handed out once
    assert {r.headers["Retry-After"] for r in answers if r.status_code == 429} == {str(LEFT)}
    [counter] = _rows(private_url, RateLimitCounter)
    assert counter.count == quota + EXTRA


@pytest.mark.concurrency
def test_a_burst_of_intakes_stores_exactly_the_quota(private_url: str) -> None:
    """Writing requests take turns on SQLite (app.db): counting must not deadlock with them, nor miscount."""
    quota = 20
    app = _server(private_url, rate_limit_intake=quota)
    key = _new_key(private_url, Scope.mentions_write)
    try:
        answers = asyncio.run(
            _burst([app], "POST", "/v1/mentions", bearer(key), quota + EXTRA, lambda: mention_payload())
        )
    finally:
        _close(app)
    assert Counter(r.status_code for r in answers) == {201: quota, 429: EXTRA}
    assert len(_rows(private_url, Mention)) == quota


@pytest.mark.concurrency
def test_two_server_processes_share_one_quota(private_url: str) -> None:
    """Two apps on one database stand for two `sigap serve` processes: neither may grant the quota twice."""
    quota = 24
    first, second = (
        _server(private_url, rate_limit_default=quota),
        _server(private_url, rate_limit_default=quota),
    )
    key = _new_key(private_url, Scope.mentions_read)
    try:
        answers = asyncio.run(
            _burst([first, second], "GET", "/v1/mentions", bearer(key), quota + EXTRA, None)
        )
        # One after the other, too: the second process sees what the first counted.
        with TestClient(first) as one, TestClient(second) as two:
            _clock(first, NOW + timedelta(minutes=1))
            _clock(second, NOW + timedelta(minutes=1))
            a = one.get("/v1/mentions", headers=bearer(key))
            b = two.get("/v1/mentions", headers=bearer(key))
    finally:
        _close(first, second)
    assert Counter(r.status_code for r in answers) == {200: quota, 429: EXTRA}
    by_app = Counter(i % 2 for i, r in enumerate(answers) if r.status_code == 200)
    assert by_app[0] > 0 and by_app[1] > 0  # both processes granted some
    assert (a.headers["RateLimit"], b.headers["RateLimit"]) == (
        f'"default";r={quota - 1};t=40',
        f'"default";r={quota - 2};t=40',
    )


@pytest.mark.concurrency
def test_a_count_waits_while_another_process_holds_the_sqlite_write_lock(
    private_url: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL locks the client's row only")
    app = _server(private_url, rate_limit_default=5)
    key = _new_key(private_url, Scope.mentions_read)
    other = sqlite3.connect(str(make_url(private_url).database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another server process in the middle of a write

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sigap.test", timeout=60) as client:
            pending = asyncio.create_task(client.get("/v1/mentions", headers=bearer(key)))
            await asyncio.sleep(0.3)
            assert not pending.done()
            other.execute("COMMIT")
            return await pending

    try:
        answer = asyncio.run(scenario())
    finally:
        other.close()
        _close(app)
    assert answer.status_code == 200
    assert answer.headers["RateLimit"] == f'"default";r=4;t={LEFT}'
