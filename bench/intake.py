"""Intake benchmark: the real Sigap server against a naive FastAPI + SQLModel insert, measured in one run.

Method
------
For each database (SQLite, PostgreSQL or both) the program gives each target a fresh database (a temp file,
or a new PostgreSQL database that is dropped at the end, also on error or Ctrl-C) and starts two servers,
each one uvicorn process: the real one (``.venv/bin/sigap serve`` in development mode, which migrates, seeds
and creates the admin client; the bench then creates an intake client and loads with its key) and the naive
one (``bench/naive_app.py``: ``add`` + ``commit`` + ``refresh``, no auth, no checks).

Servers are pinned to CPU 0 and the load generator to CPU 1 (``taskset``) when the machine has two CPUs.
The load is wrk with ``bench/wrk/intake.lua`` when wrk is installed, else an asyncio httpx loop; both are
closed loops of N keep-alive connections and give every mention a unique external_id and url, so no answer
is a cheap duplicate. After a discarded warm-up run per target and case, each round runs single intake
(``--connections``) and then batch intake (``--batch-size`` items per request, ``--batch-connections``) on
both targets, alternating which target goes first. Figures are medians over rounds; the ratio is
median(real rps) / median(naive rps). Any answer other than the expected status (201 single, 200 batch) or
any socket error is counted and reported, and makes the exit status 1. At the end the rows in each
database are counted and compared with the mentions the responses reported as created.

Targets (issue): on SQLite, single intake >= 1.0x the naive insert, batch intake >= 15 000 mentions/s.
PostgreSQL gets the same figures, reported against the same lines for information.

``--steps`` says which real servers run beside the naive one, each on its own database: ``all`` (the
default: ``sigap serve``, every intake step), ``classify`` (intake with classification but without
clustering) and ``none`` (intake alone), served by ``bench/serve_steps.py``. Issue 3 sets its target on
intake with classification; ``--steps all,classify,none`` shows what each step costs, in one run.

Run: ``.venv/bin/python bench/intake.py --db both --rounds 5 --duration 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

BENCH = Path(__file__).resolve().parent
SIGAP = BENCH.parent / ".venv" / "bin" / "sigap"
SERVE_STEPS = BENCH / "serve_steps.py"
STEP_CUTS = ("all", "classify", "none")
WRK_SCRIPT = BENCH / "wrk" / "intake.lua"
PG_SERVER = "postgres@127.0.0.1:5432"
TARGET_SINGLE_RATIO = 1.0
TARGET_BATCH_PER_S = 15_000
WRK_THREADS = 1  # one load core; a single wrk thread drives far more than one server core answers
ID_MARK = "@ID@"
TEXT = (
    "Hujan deras yang mengguyur Kota Samarinda sejak Kamis malam menyebabkan banjir di sejumlah kawasan, "
    "antara lain Jalan D.I. Panjaitan, Simpang Lembuswana dan Perumahan Bengkuring di Kecamatan Sungai "
    "Pinang. Ketinggian air mencapai 50 hingga 80 sentimeter sehingga kendaraan roda dua tidak dapat "
    "melintas. Warga mengeluhkan drainase yang tersumbat sedimen dan sampah. Sementara itu di Kabupaten "
    "Kutai Kartanegara, warga Kecamatan Loa Kulu meminta pemerintah provinsi segera memperbaiki jalan rusak "
    "dan berlubang yang kerap memicu kecelakaan. BPBD Kalimantan Timur menyatakan tim reaksi cepat telah "
    "dikerahkan dan posko pengungsian dibuka di kantor kelurahan."
)
ITEM_TEMPLATE = json.dumps(
    {
        "source_type": "online_news",
        "source_name": "Kaltim Post",
        "external_id": f"bench-{ID_MARK}",
        "url": f"https://kaltimpost.example.id/berita/{ID_MARK}",
        "title": f"Banjir rendam Samarinda, warga keluhkan drainase tersumbat [{ID_MARK}]",
        "text": TEXT,
        "published_at": "2026-11-27T08:15:00+08:00",
        "region_codes": ["64.72"],
        "metrics": {"reach": 12000, "shares": 40},
    },
    separators=(",", ":"),
)


class BenchError(RuntimeError):
    pass


@dataclass
class LoadResult:
    seconds: float
    ok: int  # responses with the expected status
    created: int  # mentions the responses say were created
    bad: int  # responses with any other status
    socket_errors: int
    p50_ms: float
    p99_ms: float
    bad_statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    @property
    def mentions_per_s(self) -> float:
        return self.created / self.seconds


@dataclass
class Target:
    name: str  # "real" (every intake step), "real-classify", "real-none" or "naive"
    base_url: str
    single_path: str
    batch_path: str
    key: str  # bearer key for the load; "" = no auth
    created: int = 0  # running total over every run, warm-ups included
    rows_before: int | None = None


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str  # SQLAlchemy URL given to the server
    where: str  # file path or PostgreSQL database name

    def count_mentions(self) -> int | None:
        """Rows in the ``mention`` table (both apps call it that), or None when there is no such table."""
        query = "SELECT count(*) FROM mention"
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.where)) as conn:
                try:
                    return int(conn.execute(query).fetchone()[0])
                except sqlite3.OperationalError:
                    return None
        with psycopg.connect(f"postgresql://{PG_SERVER}/{self.where}") as conn:
            try:
                row = conn.execute(query).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
        return int(row[0]) if row else None


# --- load generation ------------------------------------------------------------------------------------


def run_load(url: str, target: Target, mode: str, prefix: str, args: argparse.Namespace) -> LoadResult:
    connections = args.connections if mode == "single" else args.batch_connections
    expected = 201 if mode == "single" else 200
    if args.tool == "httpx":
        return asyncio.run(_httpx_load(url, target.key, mode, prefix, connections, expected, args))
    options = ["-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{args.duration}s", "--timeout", "30s"]
    script_args = [mode, str(args.batch_size), prefix, str(expected), target.key, ITEM_TEMPLATE]
    cmd = [*args.pin_load, "wrk", *options, "-s", str(WRK_SCRIPT), url, "--", *script_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return LoadResult(**json.loads(line.removeprefix("BENCH ")))


async def _httpx_load(
    url: str, key: str, mode: str, prefix: str, connections: int, expected: int, args: argparse.Namespace
) -> LoadResult:
    """The fallback load: ``connections`` workers, each a closed loop on one keep-alive connection."""
    ids = itertools.count(1)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})

    def body() -> str:
        if mode == "single":
            return ITEM_TEMPLATE.replace(ID_MARK, f"{prefix}-{next(ids)}")
        items = (ITEM_TEMPLATE.replace(ID_MARK, f"{prefix}-{next(ids)}") for _ in range(args.batch_size))
        return '{"items":[' + ",".join(items) + "]}"

    latencies: list[float] = []
    bad: Counter[str] = Counter()
    tally = {"ok": 0, "created": 0, "socket_errors": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker(deadline: float) -> None:
            while time.perf_counter() < deadline:
                content = body()
                sent = time.perf_counter()
                try:
                    response = await client.post(url, content=content, headers=headers)
                except httpx.HTTPError:
                    tally["socket_errors"] += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                if response.status_code != expected:
                    bad[str(response.status_code)] += 1
                    continue
                tally["ok"] += 1
                tally["created"] += 1 if mode == "single" else int(response.json().get("created", 0))

        start = time.perf_counter()
        await asyncio.gather(*(worker(start + args.duration) for _ in range(connections)))
        seconds = time.perf_counter() - start
    latencies.sort()
    return LoadResult(
        seconds=seconds,
        bad=sum(bad.values()),
        bad_statuses=dict(bad),
        **tally,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (NaN when empty)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --- servers and databases ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(
    stack: contextlib.ExitStack, cmd: list[str], env: dict[str, str], workdir: Path, args: argparse.Namespace
) -> str:
    """Start one server process, stopped when ``stack`` closes; return its base URL once /readyz is 200."""
    port = free_port()
    log_path = workdir / "server.log"
    log = stack.enter_context(log_path.open("wb"))
    proc = subprocess.Popen(
        [*args.pin_server, *cmd, "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.callback(stop, proc)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return base_url
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise BenchError(f"{shlex.join(cmd)} did not become ready (exit {proc.poll()}); log tail:\n{tail}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_real(
    stack: contextlib.ExitStack, db: Database, workdir: Path, args: argparse.Namespace, steps: str = "all"
) -> Target:
    admin_key = "sgp_" + secrets.token_urlsafe(32)
    env = os.environ | {
        "SIGAP_ENV": "development",
        "SIGAP_DATABASE_URL": db.url,
        "SIGAP_BOOTSTRAP_ADMIN_KEY": admin_key,
        "SIGAP_LOG_LEVEL": "warning",
        "SIGAP_ACCESS_LOG": "false",
    }
    if args.rate_limits == "off":
        env["SIGAP_RATE_LIMIT_ENABLED"] = "false"
    else:
        # Every request is counted as in production, against a quota the load never reaches: a 429 would be
        # an unexpected status and cheaper than an intake.
        env["SIGAP_RATE_LIMIT_ENABLED"] = "true"
        env["SIGAP_RATE_LIMIT_INTAKE"] = str(10**12)
    command = [str(SIGAP), "serve"] if steps == "all" else [sys.executable, str(SERVE_STEPS), steps]
    base_url = spawn(stack, command, env, workdir, args)
    key = intake_key(base_url, admin_key, "bench crawler")
    name = "real" if steps == "all" else f"real-{steps}"
    return Target(name, base_url, "/v1/mentions", "/v1/mentions/batch", key)


def intake_key(base_url: str, admin_key: str, name: str) -> str:
    """A new intake client's key on a running `sigap serve`, made with the bootstrap admin key."""
    response = httpx.post(
        f"{base_url}/v1/clients",
        json={"name": name, "agency": "diskominfo", "scopes": ["mentions:write", "mentions:read"]},
        headers={"Authorization": f"Bearer {admin_key}"},
        timeout=30,
    )
    if response.status_code != 201:
        raise BenchError(f"creating the intake client gave {response.status_code}: {response.text[:500]}")
    key: str = response.json()["key"]
    return key


def start_naive(stack: contextlib.ExitStack, db: Database, workdir: Path, args: argparse.Namespace) -> Target:
    env = os.environ | {"NAIVE_DATABASE_URL": db.url}
    cmd = [sys.executable, "-m", "uvicorn", "naive_app:app", "--app-dir", str(BENCH)]
    base_url = spawn(stack, [*cmd, "--log-level", "warning", "--no-access-log"], env, workdir, args)
    return Target("naive", base_url, "/mentions", "/mentions/batch", "")


def make_database(stack: contextlib.ExitStack, kind: str, name: str, workdir: Path) -> Database:
    if kind == "sqlite":
        path = workdir / f"{name}.db"
        return Database(kind, f"sqlite:///{path}", str(path))
    db_name = f"sigap_bench_{secrets.token_hex(4)}_{name}"
    with psycopg.connect(f"postgresql://{PG_SERVER}/test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    stack.callback(drop_pg_database, db_name)
    return Database(kind, f"postgresql+psycopg://{PG_SERVER}/{db_name}", db_name)


def drop_pg_database(name: str) -> None:
    with psycopg.connect(f"postgresql://{PG_SERVER}/test", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- one database: rounds, checks, report ---------------------------------------------------------------


def bench_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n=== {kind} ===", flush=True)
    runs: dict[tuple[str, str], list[LoadResult]] = {}
    errors: list[str] = []
    token = secrets.token_hex(4)
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sigap-bench-{kind}-")))
        dbs: dict[str, Database] = {}
        targets: list[Target] = []
        for name in [*([] if args.naive_only else args.steps), "naive"]:
            (workdir / name).mkdir()
            # Each database is registered before its server, so the server stops before the database drops.
            db = make_database(stack, kind, name, workdir / name)
            if name == "naive":
                target = start_naive(stack, db, workdir / name, args)
            else:
                target = start_real(stack, db, workdir / name, args, steps=name)
            dbs[target.name] = db
            targets.append(target)
            target.rows_before = db.count_mentions()

        def load(target: Target, mode: str, label: str) -> LoadResult:
            url = target.base_url + (target.single_path if mode == "single" else target.batch_path)
            result = run_load(url, target, mode, f"{token}-{target.name}-{mode}-{label}", args)
            target.created += result.created
            print(f"  {label:>6} {mode:6} {target.name:5}  {describe(result, mode)}", flush=True)
            if result.bad or result.socket_errors:
                errors.append(
                    f"{label} {mode} {target.name}: {result.bad} unexpected statuses "
                    f"{result.bad_statuses}, {result.socket_errors} socket errors"
                )
            time.sleep(0.5)  # requests in flight at wrk's cut-off finish before the next run starts
            return result

        for mode in ("single", "batch"):
            for target in targets:
                load(target, mode, "warmup")
        for rnd in range(1, args.rounds + 1):
            for mode in ("single", "batch"):
                for target in targets if rnd % 2 else targets[::-1]:
                    runs.setdefault((target.name, mode), []).append(load(target, mode, f"r{rnd}"))
        time.sleep(1)
        row_checks = [verify(target, dbs[target.name], args) for target in targets]
    return report(kind, runs, row_checks, errors, args)


def describe(r: LoadResult, mode: str) -> str:
    rate = f"{r.rps:7.0f} req/s" if mode == "single" else f"{r.mentions_per_s:7.0f} mentions/s"
    line = f"{rate}  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
    if r.bad or r.socket_errors:
        line += f"  !! {r.bad} unexpected statuses {r.bad_statuses}, {r.socket_errors} socket errors"
    return line


def verify(target: Target, db: Database, args: argparse.Namespace) -> dict[str, Any]:
    """Compare the rows the database gained with the mentions the responses reported as created."""
    after = db.count_mentions()
    check: dict[str, Any] = {"target": target.name, "reported_created": target.created, "rows_added": None}
    if after is None or target.rows_before is None:
        return check | {"ok": None, "note": "no table named mention"}
    added = after - target.rows_before
    # wrk stops without waiting for the requests in flight, which the server still commits.
    in_flight = 0 if args.tool == "httpx" else (args.connections + args.batch_connections * args.batch_size)
    ok = target.created <= added <= target.created + in_flight * (args.rounds + 1)
    return check | {"rows_added": added, "ok": ok}


def stats(results: list[LoadResult], mode: str) -> dict[str, float]:
    rates = [r.rps if mode == "single" else r.mentions_per_s for r in results]
    return {
        "rate": statistics.median(rates),
        "p50_ms": statistics.median(r.p50_ms for r in results),
        "p99_ms": statistics.median(r.p99_ms for r in results),
    }


def divide(a: float, b: float) -> float:
    return a / b if b else math.nan


def print_table(title: str, mode: str, runs: dict[tuple[str, str], list[LoadResult]], rounds: int) -> None:
    """Per round and median: rate, p50, p99 for each target, then each real server's rate / naive's."""
    names = [name for name, run_mode in runs if run_mode == mode]  # real servers first, naive last
    reals = [name for name in names if name != "naive"] if "naive" in names else []
    unit = "rps" if mode == "single" else "mentions/s"
    print(f"\n{title}")
    head = "".join(f" | {f'{name} {unit}':>24} {'p50 ms':>8} {'p99 ms':>8}" for name in names)
    print(f"{'round':>6}{head}" + "".join(f" | {f'{name}/naive':>18}" for name in reals))
    for label, sel in [*((str(i + 1), slice(i, i + 1)) for i in range(rounds)), ("median", slice(None))]:
        cells = {name: stats(runs[(name, mode)][sel], mode) for name in names}
        line = "".join(f" | {c['rate']:24.0f} {c['p50_ms']:8.1f} {c['p99_ms']:8.1f}" for c in cells.values())
        ratios = "".join(f" | {divide(cells[n]['rate'], cells['naive']['rate']):17.2f}x" for n in reals)
        print(f"{label:>6}{line}{ratios}")


def report(
    kind: str,
    runs: dict[tuple[str, str], list[LoadResult]],
    row_checks: list[dict[str, Any]],
    errors: list[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    single = f"{kind}: single intake, {args.connections} connections, {args.duration} s per run"
    batch = f"{kind}: batch intake, {args.batch_size} items/request, {args.batch_connections} connections"
    print_table(single, "single", runs, args.rounds)
    print_table(batch, "batch", runs, args.rounds)
    medians = {f"{name}_{mode}": stats(rs, mode) for (name, mode), rs in runs.items()}
    checks: dict[str, dict[str, float]] = {}
    print()
    note = "" if kind == "sqlite" else "  (target set for SQLite; reported for information)"
    naive_batch = medians["naive_batch"]["rate"]
    for name in (name for name, mode in runs if mode == "single" and name != "naive"):
        check = checks[name] = {
            "single_ratio": divide(medians[f"{name}_single"]["rate"], medians["naive_single"]["rate"]),
            "batch_mentions_per_s": medians[f"{name}_batch"]["rate"],
            "naive_batch_mentions_per_s": naive_batch,
        }
        single_ok = check["single_ratio"] >= TARGET_SINGLE_RATIO
        batch_ok = check["batch_mentions_per_s"] >= TARGET_BATCH_PER_S
        print(
            f"target single intake: {name}/naive = {check['single_ratio']:.2f}x "
            f"(>= {TARGET_SINGLE_RATIO:.1f}x)  {'PASS' if single_ok else 'FAIL'}{note}"
        )
        print(
            f"target batch intake:  {name} = {check['batch_mentions_per_s']:,.0f} mentions/s "
            f"(>= {TARGET_BATCH_PER_S:,}; naive {naive_batch:,.0f})  {'PASS' if batch_ok else 'FAIL'}{note}"
        )
    for check in row_checks:
        status = {True: "ok", False: "MISMATCH", None: "not checked: " + check.get("note", "")}[check["ok"]]
        print(
            f"rows {check['target']}: responses reported {check['reported_created']:,} created, "
            f"the database gained {check['rows_added']}: {status}"
        )
    for error in errors:
        print(f"!!! ERRORS {kind} {error}")
    return {
        "db": kind,
        "runs": {f"{name}_{mode}": [asdict(r) for r in rs] for (name, mode), rs in runs.items()},
        "medians": medians,
        "checks": checks,
        "row_checks": row_checks,
        "errors": errors,
    }


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8, help="connections for single intake")
    parser.add_argument("--batch-connections", type=int, default=2, help="connections for batch intake")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument("--naive-only", action="store_true", help="check the harness without the real server")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--steps",
        type=lambda value: value.split(","),
        default=["all"],
        help="real servers to run, comma-separated: all (every intake step; the default), classify "
        "(classification without clustering), none (intake alone)",
    )
    parser.add_argument(
        "--rate-limits",
        choices=["on", "off"],
        default="on",
        help="count every request of the real server (on, the default) or switch the limiter off",
    )
    return parser.parse_args(argv)


def machine_info(args: argparse.Namespace) -> dict[str, Any]:
    tool = "asyncio httpx load loop"
    if args.tool == "wrk":
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
        tool = version.split(" [")[0]
    return {
        "command": shlex.join([sys.executable, *sys.argv]),
        "nproc": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "tool": f"{args.tool}: {tool}",
        "pinning": f"server {shlex.join(args.pin_server)}, load {shlex.join(args.pin_load)}"
        if args.pin_server
        else "none (taskset missing or fewer than 2 CPUs)",
    }


def interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: servers stop, databases drop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not set(args.steps) <= set(STEP_CUTS) or len(set(args.steps)) < len(args.steps):
        print(f"--steps takes distinct values among {', '.join(STEP_CUTS)}; got {','.join(args.steps)}")
        return 2
    signal.signal(signal.SIGTERM, interrupted)
    cpus = sorted(os.sched_getaffinity(0))
    pin = shutil.which("taskset") is not None and len(cpus) >= 2
    args.pin_server = ["taskset", "-c", str(cpus[0])] if pin else []
    args.pin_load = ["taskset", "-c", str(cpus[1])] if pin else []
    if pin:  # this process (and the httpx loop, when used) stays off the servers' CPU
        os.sched_setaffinity(0, {cpus[1]})
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "httpx"
    if not args.naive_only and not SIGAP.exists():
        print(f"the real server is not installed ({SIGAP} is missing); --naive-only checks the harness alone")
        return 2
    info = machine_info(args)
    for key, value in info.items():
        print(f"{key:>13}: {value}")
    results = []
    try:
        for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            results.append(bench_database(kind, args))
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, benchmark databases dropped")
        return 130
    info["load_average_end"] = os.getloadavg()
    print(f"\nload average at the end: {info['load_average_end']}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "args": vars(args) | {"json": str(args.json)}, "results": results}, indent=2
            )
        )
    failed = [r["db"] for r in results if r["errors"] or any(c["ok"] is False for c in r["row_checks"])]
    if failed:
        print(f"!!! THE RUN HAD ERRORS ({', '.join(failed)}): the figures above are not to be trusted !!!")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
