"""Sources Sigap polls itself, against a feed server on loopback serving the team's own fixtures."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.auth.models import Scope
from app.config import Settings
from app.mentions.models import Mention
from app.monitoring import parsing
from app.monitoring.watchlist import compile_watchlist, load_default
from app.worker import Worker
from tests.conftest import KeyMaker, bearer, test_settings

FEEDS = Path(__file__).parent / "data" / "feeds"
Headers = dict[str, str]


class FeedServer:
    """Serves fixture files with ETag and Last-Modified; a route can be made to fail, stall or grow."""

    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if route.get("status", 200) != 200:
                    self.send_response(route["status"])
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                body: bytes = route["body"]
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("if-none-match") == tag:
                    self.send_response(304)
                    self.send_header("etag", tag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", route.get("type", "application/rss+xml"))
                self.send_header("etag", tag)
                self.send_header("last-modified", "Sat, 28 Nov 2026 01:00:00 GMT")
                if not route.get("hide_length"):
                    self.send_header("content-length", str(len(body)))
                self.end_headers()
                if route.get("stall"):
                    self.wfile.write(body[:100])
                    self.wfile.flush()
                    time.sleep(route["stall"])
                    self.wfile.write(body[100:])
                else:
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, path: str, fixture: str | None = None, **route: Any) -> str:
        if fixture is not None:
            route["body"] = (FEEDS / fixture).read_bytes()
        self.routes[path] = route
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(
        database_url,
        outbound_allow_http_hosts="localhost",
        source_flag_after=2,
        feed_max_bytes=200_000,
        feed_timeout_seconds=1.5,
    )


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    fake = Clock()
    app.state.clock = fake
    return fake


@pytest.fixture
def worker(app: FastAPI, settings: Settings, clock: Clock) -> Iterator[Worker]:
    running = Worker(app.state.db, settings, clock)
    yield running
    running.close()


@pytest.fixture
def admin(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.admin, name="Administrator Diskominfo"))


def add_source(client: TestClient, headers: Headers, url: str, **extra: Any) -> dict[str, Any]:
    body = {"kind": "rss", "url": url, "name": "Portal Berita Kaltim (uji)", **extra}
    response = client.post("/v1/sources", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def source(client: TestClient, headers: Headers, source_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/v1/sources/{source_id}", headers=headers).json()
    return found


def stored(session: Session, source_id: int) -> list[Mention]:
    session.expire_all()
    return list(
        session.exec(select(Mention).where(col(Mention.external_id).startswith(f"src{source_id}:"))).all()
    )


def matching(fixture: str) -> list[parsing.FeedItem]:
    watchlist = compile_watchlist(load_default())
    items = parsing.parse_feed((FEEDS / fixture).read_bytes())
    return [i for i in items if watchlist.matches(i.title, i.text)]


def test_first_poll_ingests_the_matching_items_and_a_304_creates_nothing(
    client: TestClient, session: Session, admin: Headers, feeds: FeedServer, worker: Worker, clock: Clock
) -> None:
    url = feeds.serve("/rss/daerah.xml", "berita.rss")
    created = add_source(client, admin, url)
    expected = matching("berita.rss")
    all_items = parsing.parse_feed((FEEDS / "berita.rss").read_bytes())
    assert 0 < len(expected) < len(all_items), "the fixture mixes Kaltim news with unrelated news"

    assert worker.poll_sources() == 1
    mentions = stored(session, created["id"])
    assert sorted(m.title or "" for m in mentions) == sorted(i.title for i in expected)
    assert all(m.watchlist_terms for m in mentions)
    health = source(client, admin, created["id"])
    assert health["items_seen"] == len(all_items) and health["items_ingested"] == len(expected)
    assert health["last_ok_at"] and health["consecutive_failures"] == 0

    clock.now += timedelta(seconds=301)
    assert worker.poll_sources() == 1
    assert feeds.requests[-1]["headers"].get("If-None-Match")
    assert len(stored(session, created["id"])) == len(expected)
    assert source(client, admin, created["id"])["items_ingested"] == len(expected)

    # The feed changes: only the new items arrive.
    feeds.serve("/rss/daerah.xml", "berita_update.rss")
    new_keys = {i.key for i in matching("berita_update.rss")} - {i.key for i in expected}
    clock.now += timedelta(seconds=301)
    worker.poll_sources()
    assert len(stored(session, created["id"])) == len(expected) + len(new_keys)


def test_a_source_is_not_polled_before_it_is_due(
    client: TestClient, admin: Headers, feeds: FeedServer, worker: Worker, clock: Clock
) -> None:
    add_source(client, admin, feeds.serve("/rss/a.xml", "berita.rss"), poll_interval_s=600)
    assert worker.poll_sources() == 1
    clock.now += timedelta(seconds=300)
    assert worker.poll_sources() == 0


def test_failures_back_off_show_in_health_and_never_stall_the_others(
    client: TestClient, session: Session, admin: Headers, feeds: FeedServer, worker: Worker, clock: Clock
) -> None:
    broken = add_source(client, admin, feeds.serve("/rss/rusak.xml", status=500))
    malformed = add_source(client, admin, feeds.serve("/rss/salah.xml", "rusak.rss"))
    good = add_source(client, admin, feeds.serve("/rss/baik.xml", "berita.rss"))
    assert worker.poll_sources() == 3
    first = source(client, admin, broken["id"])
    assert first["consecutive_failures"] == 1 and "500" in first["last_error"] and not first["flagged"]
    bad = source(client, admin, malformed["id"])
    assert bad["consecutive_failures"] == 1 and bad["last_error"]
    assert stored(session, good["id"])  # the good one was ingested in the same turn
    due = datetime.fromisoformat(first["next_poll_at"])
    assert due - clock.now >= timedelta(seconds=600)  # 300 s, doubled
    clock.now = due + timedelta(seconds=1)
    worker.poll_sources()
    second = source(client, admin, broken["id"])
    assert second["consecutive_failures"] == 2 and second["flagged"] is True
    assert datetime.fromisoformat(second["next_poll_at"]) - clock.now >= timedelta(seconds=1200)


def test_an_oversized_or_slow_feed_is_cut_off(
    client: TestClient, admin: Headers, feeds: FeedServer, worker: Worker
) -> None:
    big = add_source(client, admin, feeds.serve("/rss/besar.xml", body=b"<rss>" + b" " * 300_000 + b"</rss>"))
    hidden = add_source(
        client,
        admin,
        feeds.serve("/rss/besar2.xml", body=b"<rss>" + b" " * 300_000 + b"</rss>", hide_length=True),
    )
    slow = add_source(client, admin, feeds.serve("/rss/lambat.xml", "berita.rss", stall=3))
    worker.poll_sources()
    assert "cap" in source(client, admin, big["id"])["last_error"]
    assert "cap" in source(client, admin, hidden["id"])["last_error"]
    error = source(client, admin, slow["id"])["last_error"]
    assert error and ("cut off" in error or "Timeout" in error)


def test_an_ssrf_target_is_refused(client: TestClient, admin: Headers) -> None:
    for url in (
        "https://169.254.169.254/latest/meta-data/",
        "http://intranet.example/feed",
        "https://10.1.2.3/rss",
    ):
        response = client.post(
            "/v1/sources", json={"kind": "rss", "url": url, "name": "Uji SSRF"}, headers=admin
        )
        assert response.status_code == 422 and response.json()["code"] == "UNSAFE_SOURCE_URL", url


def test_a_cap_source_becomes_bmkg_cap_mentions(
    client: TestClient, session: Session, admin: Headers, feeds: FeedServer, worker: Worker
) -> None:
    created = add_source(
        client,
        admin,
        feeds.serve("/cap/peringatan.xml", "bmkg_peringatan.xml", type="application/cap+xml"),
        kind="cap",
        use_default_watchlist=False,
        region_codes=["64.72"],
    )
    news = client.post(
        "/v1/mentions",
        json={
            "source_type": "online_news",
            "source_name": "Kaltim Post",
            "url": "https://kaltim.example.id/berita/hujan-lebat-petir-samarinda",
            "title": "Hujan Lebat disertai Petir dan Angin Kencang Landa Samarinda, Pohon Tumbang",
            "text": "Hujan lebat disertai petir dan angin kencang melanda Samarinda pagi ini. Pohon "
            "tumbang di Sungai Kunjang dan Samarinda Ulu; warga Loa Janan diminta waspada banjir.",
            "published_at": "2026-11-27T10:05:00+08:00",
        },
        headers=admin,
    )
    assert news.status_code == 201, news.text
    worker.poll_sources()
    (mention,) = stored(session, created["id"])
    assert mention.source_type == "bmkg_cap"
    assert mention.official_alert == {
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Likely",
        "event": mention.official_alert["event"],
        "sender": mention.official_alert["sender"],
    }
    assert source(client, admin, created["id"])["items_ingested"] == 1
    # The official Severe/Likely warning makes the verdict at least Siaga, and says why.
    shown = client.get(f"/v1/mentions/{mention.id}", headers=admin).json()
    verdict = shown["classification"]["machine"]
    assert verdict["level"] in ("siaga", "awas")
    assert any(s["name"] == "official_warning" for s in verdict["signals"])
    assert "64.72" in shown["region_codes"]
    # ... and joins the issue about the same weather event.
    assert shown["issue_id"] == news.json()["issue_id"]


def test_agencies_manage_their_own_sources_and_the_province_edits_the_watchlist(
    client: TestClient, admin: Headers, feeds: FeedServer, make_key: KeyMaker
) -> None:
    bpbd = bearer(make_key(Scope.sources_manage, agency="bpbd", name="Pusdalops BPBD"))
    mine = add_source(client, bpbd, feeds.serve("/rss/bpbd.xml", "berita.rss"))
    other = bearer(make_key(Scope.sources_manage, agency="dinkes", name="Dinkes"))
    assert client.get(f"/v1/sources/{mine['id']}", headers=other).status_code == 404
    assert client.get("/v1/sources", headers=other).json()["items"] == []
    assert client.get("/v1/watchlist", headers=bpbd).json()["terms"] == list(load_default())
    assert client.put("/v1/watchlist", json={"terms": ["banjir"]}, headers=bpbd).status_code == 403
    replaced = client.put("/v1/watchlist", json={"terms": ["Pemprov Kaltim", "banjir"]}, headers=admin)
    assert replaced.status_code == 200 and replaced.json()["terms"] == ["Pemprov Kaltim", "banjir"]
    assert client.get("/v1/watchlist", headers=bpbd).json()["terms"] == ["Pemprov Kaltim", "banjir"]
    changed = client.patch(f"/v1/sources/{mine['id']}", json={"poll_interval_s": 30}, headers=bpbd)
    assert changed.status_code == 422  # at least 60 s


def test_an_atom_source_is_read_like_rss(
    client: TestClient, session: Session, admin: Headers, feeds: FeedServer, worker: Worker
) -> None:
    url = feeds.serve("/atom/rilis.xml", "rilis.atom", type="application/atom+xml")
    created = add_source(client, admin, url, kind="atom", use_default_watchlist=False)
    worker.poll_sources()
    entries = parsing.parse_feed((FEEDS / "rilis.atom").read_bytes())
    assert len(stored(session, created["id"])) == len(entries) > 0  # no watchlist: everything


def test_workers_side_by_side_never_fetch_the_same_source(
    backend: str, databases: Any, feeds: FeedServer
) -> None:
    """PostgreSQL: while one poller's claim is uncommitted, another takes only the other sources."""
    if backend != "postgres":
        pytest.skip("SQLite has one writer at a time; side-by-side workers are a PostgreSQL deployment")
    from app.db import Database, build_engine
    from app.monitoring import poller
    from app.monitoring.models import Source

    settings = test_settings(databases.create(), outbound_allow_http_hosts="localhost")
    database = Database(build_engine(settings))
    config = Worker(database, settings).polling
    now = datetime.now(UTC)
    try:
        with database.session() as session:
            for n in range(6):
                url = feeds.serve(f"/rss/{n}.xml", "berita.rss")
                session.add(
                    Source(
                        kind="rss", url=url, name=f"Sumber {n}", agency_code="diskominfo", next_poll_at=now
                    )
                )
        first, second = database.make_session(write=True), database.make_session(write=True)
        try:
            mine = poller.claim(first, now, config, limit=4)
            theirs = poller.claim(second, now, config, limit=4)
            assert len(mine) == 4 and len(theirs) == 2
            assert not {j.source_id for j in mine} & {j.source_id for j in theirs}
            first.commit()
            second.commit()
        finally:
            first.close()
            second.close()
        with database.session() as session:
            assert poller.claim(session, now, config) == []  # all leased
    finally:
        database.dispose()


def test_sigap_sources_poll_polls_one_source_now(
    databases: Any, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.config import get_settings
    from app.db import Database, build_engine
    from app.monitoring.models import Source

    url = databases.create()
    database = Database(build_engine(test_settings(url)))
    later = datetime.now(UTC) + timedelta(hours=1)  # not due: --id polls it anyway
    with database.session() as session:
        src = Source(
            kind="rss",
            url=feeds.serve("/rss/cli.xml", "berita.rss"),
            name="Uji CLI",
            agency_code="diskominfo",
            next_poll_at=later,
        )
        session.add(src)
        session.flush()
        source_id = src.id
    database.dispose()
    for name, value in {
        "SIGAP_DATABASE_URL": url,
        "SIGAP_ENV": "test",
        "SIGAP_OUTBOUND_ALLOW_HTTP_HOSTS": "localhost",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert main(["sources", "poll"]) == 0
        assert "no source is due" in capsys.readouterr().out
        assert main(["sources", "poll", "--id", str(source_id)]) == 0
        out = capsys.readouterr().out
        assert f"source {source_id}:" in out and "new mention(s)" in out
        assert " 0 new" not in out
    finally:
        get_settings.cache_clear()
