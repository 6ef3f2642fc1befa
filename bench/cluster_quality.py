"""Clustering quality on the team's labelled Kaltim stream (``tests/data/kaltim_stream.json``).

The stream (337 mentions, 37 stories, 45 labelled near-duplicates) goes through Sigap's real intake path
(classification and clustering, on a fresh migrated SQLite database) in published order. Then:

- pairwise precision and recall: over all pairs of mentions, a pair in one issue is a true positive when both
  are labelled with the same story; B-cubed precision and recall as well (per mention, averaged);
- near-duplicates: precision and recall of ``near_duplicate_of`` being set (against the labels), and whether
  it points into the right story;
- reported for part ``a`` (mentions ``a-*``, on which the thresholds in ``app/issues/similarity.py`` were
  tuned), part ``b`` (held out, never tuned on) and both. Pairs across the parts count in "all" only.

Targets (issue 4): precision >= 0.9 and recall >= 0.8. Deterministic: one run gives the figures.

Run: ``.venv/bin/python bench/cluster_quality.py [--json out.json] [--sweep]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import col, select  # noqa: E402

from app import demo, migrations  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import Database, build_engine  # noqa: E402
from app.issues import similarity  # noqa: E402
from app.issues.models import IssueMention  # noqa: E402
from app.mentions.models import Mention  # noqa: E402
from app.reference.service import seed  # noqa: E402

TARGET_PRECISION = 0.9
TARGET_RECALL = 0.8


def run_stream(workdir: Path, name: str) -> dict[str, tuple[int, int | None]]:
    """external_id -> (issue id, near_duplicate_of mention's external id) after intake of the stream."""
    url = f"sqlite:///{workdir / name}.db"
    migrations.upgrade(url)
    database = Database(build_engine(Settings(database_url=url)))
    try:
        with database.session() as session:
            seed(session)
            demo.load(session, demo.read_stream())
        with database.session(write=False) as session:
            rows = session.execute(
                select(
                    col(Mention.id),
                    col(Mention.external_id),
                    col(IssueMention.issue_id),
                    col(IssueMention.near_duplicate_of),
                ).join(IssueMention, col(IssueMention.mention_id) == col(Mention.id))
            ).all()
    finally:
        database.dispose()
    external = {mention_id: ext for mention_id, ext, _, _ in rows}
    return {ext: (issue_id, external.get(dup) if dup else None) for _, ext, issue_id, dup in rows}


def pair_scores(ids: list[str], story: dict[str, str], issue: dict[str, int]) -> dict[str, float]:
    tp = fp = fn = 0
    for x, y in combinations(ids, 2):
        same_story, same_issue = story[x] == story[y], issue[x] == issue[y]
        tp += same_story and same_issue
        fp += same_issue and not same_story
        fn += same_story and not same_issue
    by_issue: dict[int, list[str]] = defaultdict(list)
    by_story: dict[str, list[str]] = defaultdict(list)
    for x in ids:
        by_issue[issue[x]].append(x)
        by_story[story[x]].append(x)
    b_precision = b_recall = 0.0
    for x in ids:
        cluster, truth = by_issue[issue[x]], by_story[story[x]]
        overlap = sum(1 for y in cluster if story[y] == story[x])
        b_precision += overlap / len(cluster)
        b_recall += overlap / len(truth)
    return {
        "mentions": len(ids),
        "stories": len({story[x] for x in ids}),
        "issues": len({issue[x] for x in ids}),
        "pairwise_precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "pairwise_recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "bcubed_precision": round(b_precision / len(ids), 4),
        "bcubed_recall": round(b_recall / len(ids), 4),
    }


def duplicate_scores(
    ids: list[str], labelled: dict[str, str | None], found: dict[str, str | None], story: dict[str, str]
) -> dict[str, Any]:
    predicted = {x for x in ids if found[x]}
    truth = {x for x in ids if labelled[x]}
    hit = predicted & truth
    return {
        "labelled": len(truth),
        "marked": len(predicted),
        "precision": round(len(hit) / len(predicted), 4) if predicted else 1.0,
        "recall": round(len(hit) / len(truth), 4) if truth else 1.0,
        "marked_across_stories": sum(1 for x in predicted if story[found[x]] != story[x]),  # type: ignore[index]
    }


def evaluate(assignment: dict[str, tuple[int, int | None]]) -> dict[str, Any]:
    stream = demo.read_stream()
    story = {m["external_id"]: m["story"] for m in stream.mentions}
    labelled = {m["external_id"]: m["near_duplicate_of"] for m in stream.mentions}
    issue = {x: assignment[x][0] for x in story}
    found = {x: assignment[x][1] for x in story}
    out: dict[str, Any] = {}
    for part, prefix in (("a (tuning)", "a-"), ("b (held out)", "b-"), ("all", "")):
        ids = [x for x in story if x.startswith(prefix)]
        out[part] = {
            **pair_scores(ids, story, issue),
            "near_duplicates": duplicate_scores(ids, labelled, found, story),
        }
    # Where it went wrong, for the reader: issues mixing stories, stories split over issues.
    mixed = []
    by_issue: dict[int, Counter[str]] = defaultdict(Counter)
    for x in story:
        by_issue[issue[x]][story[x]] += 1
    for issue_id, stories in by_issue.items():
        if len(stories) > 1:
            mixed.append({"issue": issue_id, "stories": dict(stories)})
    split = {s: len({issue[x] for x in story if story[x] == s}) for s in set(story.values())}
    out["mixed_issues"] = mixed
    out["split_stories"] = {s: n for s, n in sorted(split.items()) if n > 1}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sweep", action="store_true", help="also try other attach thresholds (tuning aid)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sigap-cluster-") as tmp:
        result = evaluate(run_stream(Path(tmp), "default"))
        result["attach_threshold"] = similarity.ATTACH_THRESHOLD
        if args.sweep:
            sweep = {}
            default = similarity.ATTACH_THRESHOLD
            for threshold in (0.22, 0.26, 0.30, 0.34, 0.38, 0.42, 0.46, 0.50):
                similarity.ATTACH_THRESHOLD = threshold
                figures = evaluate(run_stream(Path(tmp), f"t{threshold}"))
                sweep[threshold] = {
                    part: {
                        k: figures[part][k]
                        for k in (
                            "pairwise_precision",
                            "pairwise_recall",
                            "bcubed_precision",
                            "bcubed_recall",
                        )
                    }
                    for part in ("a (tuning)", "b (held out)")
                }
                print(f"threshold {threshold}: {json.dumps(sweep[threshold])}", flush=True)
            similarity.ATTACH_THRESHOLD = default
            result["sweep"] = sweep
    for part in ("a (tuning)", "b (held out)", "all"):
        f = result[part]
        d = f["near_duplicates"]
        print(
            f"{part:13} mentions {f['mentions']:3}  stories {f['stories']:2}  issues {f['issues']:3}  "
            f"pairwise P {f['pairwise_precision']:.3f} R {f['pairwise_recall']:.3f}  "
            f"B-cubed P {f['bcubed_precision']:.3f} R {f['bcubed_recall']:.3f}  "
            f"near-dup P {d['precision']:.3f} R {d['recall']:.3f} "
            f"({d['marked']} marked / {d['labelled']} labelled)"
        )
    print("issues mixing stories:", json.dumps(result["mixed_issues"], ensure_ascii=False))
    print("stories split over issues:", json.dumps(result["split_stories"], ensure_ascii=False))
    f = result["all"]
    met = f["pairwise_precision"] >= TARGET_PRECISION and f["pairwise_recall"] >= TARGET_RECALL
    print(
        f"target pairwise precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL} (all): "
        + ("met" if met else "MISSED")
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
