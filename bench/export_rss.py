"""Peak memory of `sigap export` on a large database, against an idle process and a naive export.

Whole programs, each measured in a fresh process (peak RSS of the child, from getrusage), repeated; medians.

    .venv/bin/python bench/export_rss.py --issues 200000 --rounds 3

- baseline: `python -c "import app.main"` (the service's own import footprint)
- streamed: `sigap export --output FILE` (what ships: rows read and written in chunks)
- naive:    the same CSV built from every issue loaded at once (what streaming avoids)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

NAIVE = """
import sys
from app.config import get_settings
from app.db import Database, build_engine
from app.issues.models import Issue
from app.transfer import _csv_line
from sqlmodel import select
db = Database(build_engine(get_settings()))
with db.session(write=False) as s:
    issues = s.exec(select(Issue)).all()
    lines = [_csv_line([i.id, i.title, i.level, i.status, i.topic, " ".join(i.region_codes)]) for i in issues]
with open(sys.argv[1], "w") as out:
    out.writelines(lines)
"""

MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def seed(url: str, count: int) -> None:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from app import migrations
    from app.config import Environment, Settings
    from app.db import Database, build_engine
    from app.issues.models import Issue
    from app.reference.service import seed as seed_reference

    migrations.upgrade(url)
    database = Database(build_engine(Settings(env=Environment.test, database_url=url)))
    with database.session() as session:
        seed_reference(session)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    regions = ["64.72", "64.71", "64.03", "64.04", "64.05", "64.09"]
    template = {
        "title_edited": False, "summary_edited": False, "topic": "bencana", "agencies": ["bpbd"],
        "mention_count": 4, "original_count": 3, "source_count": 3, "reach_total": 12000,
        "negative_count": 2, "neutral_count": 1, "positive_count": 1, "machine": {"level": "waspada"},
        "tallies": {}, "override": None, "level": "waspada", "level_rank": 1, "urgency": 2, "velocity": 1,
        "stage": "emerging", "status": "new", "is_open": True, "hoax_suspected": False, "core_regions": [],
        "hoax_status": "none", "hoax_evidence": [], "opportunity": False, "profile": {}, "version": 1,
    }  # fmt: skip
    chunk = 10_000
    with database.session() as session:
        for first in range(0, count, chunk):
            rows = []
            for n in range(first, min(first + chunk, count)):
                at = start + timedelta(minutes=n % 40000)
                rows.append(
                    {
                        **template,
                        "title": f"Banjir rendam permukiman warga di wilayah {n % 97}, BPBD siagakan posko",
                        "summary": "Hujan deras membuat sungai meluap; warga diminta mengikuti imbauan.",
                        "region_codes": [regions[n % len(regions)]],
                        "first_seen_at": at,
                        "last_seen_at": at,
                        "terms_touched_at": at,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            session.execute(insert(Issue.__table__), rows)  # type: ignore[attr-defined]
    database.dispose()


def peak_rss_kib(argv: list[str], env: dict[str, str]) -> int:
    out = subprocess.run(
        [PYTHON, "-c", MEASURE, *argv], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--programs", default="baseline,streamed,naive", help="which to run, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/export.db"
        began = time.perf_counter()
        seed(url, args.issues)
        print(f"seeded {args.issues} issues in {time.perf_counter() - began:.0f} s", flush=True)
        env = {**os.environ, "SIGAP_DATABASE_URL": url, "SIGAP_ENV": "test"}
        sigap = str(Path(PYTHON).with_name("sigap"))
        programs = {
            "baseline": [PYTHON, "-c", "import app.main"],
            "streamed": [sigap, "export", "--output", f"{tmp}/streamed.csv"],
            "naive": [PYTHON, "-c", NAIVE, f"{tmp}/naive.csv"],
        }
        programs = {name: argv for name, argv in programs.items() if name in args.programs.split(",")}
        results: dict[str, list[int]] = {name: [] for name in programs}
        seconds: dict[str, list[float]] = {name: [] for name in programs}
        for _ in range(args.rounds):
            for name, argv in programs.items():
                began = time.perf_counter()
                results[name].append(peak_rss_kib(argv, env))
                seconds[name].append(time.perf_counter() - began)
        with open(f"{tmp}/streamed.csv", encoding="utf-8") as exported:
            rows = sum(1 for _ in exported) - 1
        base = statistics.median(results["baseline"])
        print(f"exported rows: {rows}")
        print(f"{'program':<10} {'peak RSS MiB (median)':>22} {'vs baseline':>12} {'seconds':>9}")
        for name in programs:
            rss = statistics.median(results[name])
            print(
                f"{name:<10} {rss / 1024:>22.1f} {rss / base:>11.2f}x "
                f"{statistics.median(seconds[name]):>9.1f}"
            )


if __name__ == "__main__":
    main()
