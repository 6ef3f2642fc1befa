"""Faults on PostgreSQL, against a real server process: the database stops under load; the server is killed.

Each test runs a private PostgreSQL cluster (initdb in a temporary directory, its own port) so that stopping
it harms nobody, and a real ``sigap serve`` subprocess against it. They run with the PostgreSQL suite (when
SIGAP_TEST_POSTGRES_URL is set, as in CI); without PostgreSQL's server binaries they are skipped, saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from app import migrations
from app.auth.models import Scope
from app.auth.service import create_client
from app.db import Database, build_engine
from app.reference.service import seed
from tests.conftest import POSTGRES_URL, test_settings
from tests.factories import mention_payload

SECRET_KEY = "fault-test-secret-key-0123456789abcdef"
RETRY_AFTER = 1


def _postgres_bin() -> Path | None:
    """The directory of initdb, pg_ctl and postgres: on PATH, or Debian's /usr/lib/postgresql/<major>/bin."""
    candidates = [Path(p).parent for p in [shutil.which("pg_ctl")] if p]
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    candidates += [Path(p) for p in versions]
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


PG_BIN = _postgres_bin()

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        POSTGRES_URL is None, reason="PostgreSQL tests run when SIGAP_TEST_POSTGRES_URL is set"
    ),
    pytest.mark.skipif(
        PG_BIN is None,
        reason="PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in "
        "/usr/lib/postgresql/*/bin: cannot start a private cluster to stop and restart",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """A throw-away PostgreSQL cluster; as root it runs as `postgres` (PostgreSQL refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sigap-faults-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            owner = pwd.getpwnam(self.user)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own fixed command line
            [str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            timeout=60,
            user=self.user,
            cwd=self.root,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-o",
            options,
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-D", str(self.data), "-m", mode)

    def create_database(self) -> str:
        """A new, migrated and seeded database; its URL."""
        name = f"sigap_fault_{len(list(self.root.glob('db-*')))}"
        (self.root / f"db-{name}").touch()
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = self.url(name)
        migrations.upgrade(url)
        database = Database(build_engine(test_settings(url)))
        with database.session() as session:
            seed(session)
        database.dispose()
        return url

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._run("pg_ctl", "stop", "-w", "-t", "30", "-D", str(self.data), "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """``sigap serve`` in a subprocess: the real command, uvicorn and all."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.port = _free_port()
        self.name = f"sigap-{self.port}"  # its sessions' application_name in pg_stat_activity
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
        env |= {
            "SIGAP_ENV": "test",
            "SIGAP_DATABASE_URL": f"{self.database_url}?application_name={self.name}",
            "SIGAP_SECRET_KEY": SECRET_KEY,
            "SIGAP_DB_RETRY_AFTER_SECONDS": str(RETRY_AFTER),
            "SIGAP_WORKER_IN_PROCESS": "false",
            "SIGAP_ACCESS_LOG": "false",
            "SIGAP_LOG_LEVEL": "warning",
        }
        sigap = Path(sys.executable).with_name("sigap")
        command = [str(sigap)] if sigap.exists() else [sys.executable, "-m", "app.cli"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
                [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                cwd=self.log.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"sigap serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"sigap serve did not answer /healthz within 60 s:\n{self.output()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:] if self.log.exists() else ""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    assert PG_BIN is not None
    running = Cluster(PG_BIN)
    try:
        yield running
    finally:
        running.destroy()


class Fleet:
    """Server processes on one database; every one of them is killed when the test ends, passed or not."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.log_dir = log_dir
        self.servers: list[Server] = []

    def spawn(self) -> Server:
        server = Server(self.database_url, self.log_dir)
        self.servers.append(server)
        server.spawn()
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
            server.kill()


@pytest.fixture
def fleet(cluster: Cluster, tmp_path: Path) -> Iterator[tuple[Fleet, str]]:
    """A fresh database on the cluster, an intake key for it, and the means to start servers on it."""
    url = cluster.create_database()
    database = Database(build_engine(test_settings(url)))
    with database.session() as session:
        _, key = create_client(
            session, name="Crawler media daring", agency="diskominfo", scopes=[Scope.mentions_write]
        )
    database.dispose()
    servers = Fleet(url, tmp_path)
    try:
        yield servers, key
    finally:
        servers.close()


@pytest.fixture
def server(fleet: tuple[Fleet, str]) -> tuple[Server, str]:
    servers, key = fleet
    running = servers.spawn()
    running.wait_ready()
    return running, key


def _rows(url: str, external_ids: list[str]) -> Counter[str]:
    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT external_id FROM mention WHERE external_id = ANY(%s)", (external_ids,)
        ).fetchall()
    return Counter(external_id for (external_id,) in found)


# --- the database stops under load ------------------------------------------------------------------------


@dataclass
class Outcome:
    started: float
    finished: float
    status: int | None  # None: no HTTP answer at all
    external_id: str
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: str | None = None
    error: str | None = None


WRITERS = 16
OUTAGE_SECONDS = 4.0


async def _load(
    server: Server, key: str, cluster: Cluster, mode: str, marks: dict[str, float]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    done = asyncio.Event()
    counter = iter(range(10**6))
    headers = {"Authorization": f"Bearer {key}"}

    async def writer(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            external_id = f"fault-{next(counter):06d}"
            started = time.monotonic()
            payload = mention_payload(
                external_id=external_id, url=f"https://kaltim.example.id/f/{external_id}"
            )
            try:
                response = await client.post("/v1/mentions", json=payload, headers=headers)
            except httpx.TransportError as exc:
                outcomes.append(Outcome(started, time.monotonic(), None, external_id, error=repr(exc)))
                continue
            body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
            outcomes.append(
                Outcome(
                    started,
                    time.monotonic(),
                    response.status_code,
                    external_id,
                    body,
                    response.headers.get("retry-after"),
                )
            )
            if response.status_code == 503:
                await asyncio.sleep(0.05)  # a polite client would wait Retry-After; keep the load up instead

    async def operator() -> None:
        await asyncio.sleep(1.5)  # steady load first
        marks["stop"] = time.monotonic()
        await asyncio.to_thread(cluster.stop, mode)
        marks["stopped"] = time.monotonic()
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(cluster.start)
        marks["started"] = time.monotonic()
        deadline = marks["started"] + 30
        while time.monotonic() < deadline:  # until the service has visibly recovered, then a little more
            if any(o.status == 201 and o.started >= marks["started"] for o in outcomes):
                await asyncio.sleep(1.0)
                break
            await asyncio.sleep(0.05)
        done.set()

    # The client drops idle connections before uvicorn's 5 s keep-alive timeout closes them. With both at
    # 5 s, a request sent on a connection left idle through the outage could cross the server's close (seen
    # once in CI under load, as a ReadError): a race of HTTP keep-alive, not an answer the service withheld.
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:
        await asyncio.gather(operator(), *(writer(client) for _ in range(WRITERS)))
    return outcomes


# immediate: as if PostgreSQL crashed (recovery on start); fast: an operator's restart (sessions terminated).
@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_database_outage_under_load_is_503_then_recovers_and_loses_nothing(
    server: tuple[Server, str], cluster: Cluster, mode: str
) -> None:
    running, key = server
    marks: dict[str, float] = {}
    outcomes = asyncio.run(_load(running, key, cluster, mode, marks))

    statuses = Counter(o.status for o in outcomes)
    after = [o for o in outcomes if o.started >= marks["started"]]
    first_recovered = min((o.finished for o in after if o.status == 201), default=None)
    recovery = None if first_recovered is None else first_recovered - marks["started"]
    recovered = "never" if recovery is None else f"{recovery:.2f} s"
    print(
        f"\nfault figures ({mode} stop): {len(outcomes)} requests: {statuses[201]} x 201, "
        f"{statuses[200]} x 200, {statuses[503]} x 503, {statuses[500]} x 500, {statuses[None]} unanswered; "
        f"database down {marks['started'] - marks['stop']:.1f} s (stop, {OUTAGE_SECONDS:.0f} s, start); "
        f"first 201 {recovered} after PostgreSQL was up again"
    )
    assert statuses[None] == 0, [o.error for o in outcomes if o.status is None][:5]
    assert set(statuses) <= {200, 201, 503}, (statuses, running.output())
    assert statuses[500] == 0
    assert statuses[503] > 0, "the outage was not noticed: the test proved nothing"
    unavailable = [o for o in outcomes if o.status == 503]
    assert {o.body.get("code") for o in unavailable} == {"DATABASE_UNAVAILABLE"}
    assert {o.retry_after for o in unavailable} == {str(RETRY_AFTER)}
    # Recovered by itself, without a restart of the server, and quickly.
    assert recovery is not None, running.output()
    assert recovery < 10
    assert all(o.status == 201 for o in after if o.started >= first_recovered)

    acknowledged = {o.external_id: o.body["id"] for o in outcomes if o.status == 201}
    rows = _rows(running.database_url, [o.external_id for o in outcomes])
    assert {external_id: rows[external_id] for external_id in acknowledged} == dict.fromkeys(acknowledged, 1)
    assert max(rows.values()) == 1  # nothing twice, acknowledged or not
    with psycopg.connect(running.database_url) as connection:
        stored = dict(
            connection.execute(
                "SELECT external_id, id FROM mention WHERE external_id = ANY(%s)", (list(acknowledged),)
            ).fetchall()
        )
    assert stored == acknowledged  # the id each client was given is the row that holds its mention
    refused_but_stored = sum(rows[o.external_id] for o in unavailable)
    print(f"fault figures: {refused_but_stored} of the 503s had committed (a client retry finds a duplicate)")


# --- the server is killed during a batch ------------------------------------------------------------------

# Intake clusters every mention into its issue inside the batch's transaction, so a batch takes seconds:
# 100 varied mentions keep three kills and their retries inside a minute.
BATCH = 100
STREAM = Path(__file__).parent / "data" / "kaltim_stream.json"
_FIELDS = ("source_type", "source_name", "title", "text", "author", "published_at", "metrics")


def _batch(tag: str) -> dict[str, Any]:
    """The team's realistic stream (many stories, many outlets), under external ids of this batch's own."""
    stream = json.loads(STREAM.read_text(encoding="utf-8"))["mentions"][:BATCH]
    return {
        "items": [
            {**{name: mention[name] for name in _FIELDS}, "external_id": f"{tag}-{n:04d}"}
            for n, mention in enumerate(stream)
        ]
    }


def _post_batch(server: Server, key: str, batch: dict[str, Any], answers: list[Any]) -> None:
    try:
        response = httpx.post(
            f"{server.base_url}/v1/mentions/batch",
            json=batch,
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        answers.append(response)
    except httpx.TransportError as exc:
        answers.append(exc)


def _sessions(cluster: Cluster, server: Server, where: str = "true") -> int:
    """How many of this server's database sessions match ``where`` (pg_stat_activity)."""
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        row = admin.execute(
            f"SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND {where}",  # noqa: S608
            (server.name,),
        ).fetchone()
    return int(row[0]) if row else 0


def _wait_for_sessions_to_end(cluster: Cluster, server: Server) -> None:
    """A killed client's backend rolls its transaction back and exits once it notices; wait for that."""
    deadline = time.monotonic() + 15
    while _sessions(cluster, server):
        assert time.monotonic() < deadline, "the killed server's database sessions did not end within 15 s"
        time.sleep(0.05)


def _uncommitted_batch(cluster: Cluster, server: Server) -> bool:
    """True once the batch's transaction has inserted its mentions and has not committed yet."""
    return bool(
        _sessions(cluster, server, "state = 'idle in transaction' AND query ILIKE 'INSERT INTO mention%%'")
    )


def _warm(server: Server, key: str) -> None:
    """A first request loads what intake needs; without it the first batch is slower than the rest."""
    server.wait_ready()
    answers: list[Any] = []
    _post_batch(server, key, {"items": _batch(f"warm-{server.port}")["items"][:1]}, answers)
    assert answers[0].status_code == 200, answers[0]


def _stored(server: Server, tag: str) -> Counter[str]:
    return _rows(server.database_url, [f"{tag}-{n:04d}" for n in range(BATCH)])


def test_server_killed_during_a_batch_leaves_it_wholly_present_or_wholly_absent(
    fleet: tuple[Fleet, str], cluster: Cluster
) -> None:
    servers, key = fleet
    # Kill points: as soon as the rows are inserted (not committed), then at fractions of a batch's time.
    kills: list[tuple[str, float | None]] = [("inserted", None), ("0.5", 0.5), ("0.9", 0.9)]
    # Start-up takes seconds: start the replacements now, side by side, as a supervisor would have them.
    fresh = [servers.spawn() for _ in range(len(kills) + 1)]
    for server in fresh:
        _warm(server, key)

    # The reference: one batch through, end to end, timed.
    answers: list[Any] = []
    started = time.monotonic()
    _post_batch(fresh[0], key, _batch("ref"), answers)
    duration = time.monotonic() - started
    assert answers[0].status_code == 200, answers[0]
    assert answers[0].json()["created"] == BATCH
    assert sum(_stored(fresh[0], "ref").values()) == BATCH

    outcome: dict[str, int] = {}
    for (tag, fraction), victim in zip(kills, fresh, strict=False):
        answers = []
        sender = threading.Thread(target=_post_batch, args=(victim, key, _batch(f"k{tag}"), answers))
        sender.start()
        if fraction is None:
            deadline = time.monotonic() + duration + 10
            while not _uncommitted_batch(cluster, victim) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert time.monotonic() < deadline, "never saw the batch's transaction"
        else:
            time.sleep(duration * fraction)
        victim.kill()
        sender.join(timeout=30)
        _wait_for_sessions_to_end(cluster, victim)
        stored = sum(_stored(victim, f"k{tag}").values())
        assert stored in (0, BATCH), f"kill at {tag}: {stored} of {BATCH} mentions stored"
        outcome[tag] = stored
        if answers and isinstance(answers[0], httpx.Response):  # the answer beat the kill
            assert stored == BATCH
    print(
        f"\nbatch kill figures: a batch of {BATCH} takes {duration:.2f} s; stored after each kill: {outcome}"
    )
    assert outcome["inserted"] == 0  # killed before its commit: nothing of it remains

    # The integrator retries every batch it got no answer for: each ends up stored exactly once.
    survivor = fresh[-1]
    for tag, _ in kills:
        answers = []
        _post_batch(survivor, key, _batch(f"k{tag}"), answers)
        assert answers[0].status_code == 200, answers[0]
        result = answers[0].json()
        assert result["created"] + result["duplicates"] == BATCH
        assert result["created"] == BATCH - outcome[tag]
        assert _stored(survivor, f"k{tag}") == dict.fromkeys((f"k{tag}-{n:04d}" for n in range(BATCH)), 1)
