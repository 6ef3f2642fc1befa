"""Intake of this checkout against another revision, in process: is a change to the intake path faster?

`bench/intake.py` measures the service over HTTP against a naive app; between two revisions of Sigap its
rates move with the machine's neighbours more than with a 10 % change. This program puts the two revisions
side by side on the same work instead.

Method
------
The other revision is checked out into a temporary git worktree (removed at the end). Each round runs one
fresh process per checkout, the order alternating between rounds, pinned to CPU 0 when there are two. A
process:
- migrates a new database (a temp SQLite file, or a new PostgreSQL database, dropped at the end);
- stores 2 000 mentions of the synthetic Kalimantan Timur stream of `bench/cluster_scale.py` in batches of
  100, so the clustering window holds stories;
- times the next ``--mentions`` through `mentions.store`, one transaction per mention (``--mode single``,
  as `POST /v1/mentions`) or per 100 (``--mode batch``, as `POST /v1/mentions/batch`), validation and HTTP
  excluded.

Both checkouts get the same stream. Printed: mentions/s per round and checkout, the ratio this/other per
round and its median.

Run: ``.venv/bin/python bench/intake_ab.py --base HEAD~1 --mode single --rounds 5``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WARM = 2_000
BATCH = 100


def child(checkout: Path, mode: str, count: int, db: str) -> dict[str, float]:
    """One measurement, in this process, of the code in ``checkout``."""
    sys.path.insert(0, str(checkout))
    # An editable install of this checkout would answer `import app` otherwise; the other one must win.
    sys.meta_path[:] = [
        f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")
    ]
    import app  # noqa: F401  (from ``checkout``, before the bench module below adds this checkout)

    sys.path.insert(1, str(BENCH))
    import cluster_scale

    from app.mentions import service as mentions
    from app.mentions.schemas import MentionCreate

    stream = cluster_scale.generate_stream(WARM + count, 0, 1200, 7, timedelta(hours=1))
    items = [MentionCreate.model_validate(m) for m in stream.seed]

    def timed(url: str) -> float:
        database, principal = cluster_scale.open_database(url)
        try:
            for start in range(0, WARM, BATCH):
                with database.session() as session:
                    mentions.store(session, principal=principal, items=items[start : start + BATCH])
            measured = items[WARM:]
            size = 1 if mode == "single" else BATCH
            started = time.perf_counter()
            for start in range(0, len(measured), size):
                with database.session() as session:
                    mentions.store(session, principal=principal, items=measured[start : start + size])
            return len(measured) / (time.perf_counter() - started)
        finally:
            database.dispose()

    if db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return {"mentions_per_s": timed(f"sqlite:///{tmp}/ab.db")}
    import psycopg

    name = f"sigap_ab_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        return {"mentions_per_s": timed(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")}
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")


def measure(checkout: Path, args: argparse.Namespace) -> float:
    command = [sys.executable, __file__, "--child", str(checkout), "--mode", args.mode]
    command += ["--mentions", str(args.mentions), "--db", args.db]
    if hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2:
        command = ["taskset", "-c", "0", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=checkout)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: the measurement failed\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["mentions_per_s"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD~1", help="the revision to compare with (default HEAD~1)")
    parser.add_argument("--mode", choices=["single", "batch"], default="single")
    parser.add_argument("--mentions", type=int, default=600, help="measured mentions per process")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mode, args.mentions, args.db)))
        return 0

    revision = subprocess.run(
        ["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(other), revision], cwd=ROOT, check=True
        )
        try:
            print(f"intake, {args.mode}, {args.mentions} mentions, {args.db}: this checkout vs {revision}")
            ratios = []
            for number in range(args.rounds):
                order = [("this", ROOT), ("other", other)]
                if number % 2:
                    order.reverse()
                rates = {label: measure(checkout, args) for label, checkout in order}
                ratios.append(rates["this"] / rates["other"])
                print(
                    f"  round {number + 1}: this {rates['this']:.0f}/s  {revision} {rates['other']:.0f}/s  "
                    f"ratio {ratios[-1]:.3f}",
                    flush=True,
                )
            print(f"median ratio this/{revision}: {statistics.median(ratios):.3f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
