"""Clustering on the team's labelled Kaltim stream, through the real intake path, on both databases."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app import demo
from app.issues import state
from app.issues.models import Issue, IssueHourly, IssueMention, IssueTerm
from app.mentions.models import Mention

END = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


@pytest.fixture
def loaded(session: Session) -> dict[str, int]:
    """external_id -> issue id, after intake of the whole stream."""
    demo.load(session, demo.read_stream(), end=END)
    rows = session.execute(
        select(col(Mention.external_id), col(IssueMention.issue_id)).join(
            IssueMention, col(IssueMention.mention_id) == col(Mention.id)
        )
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def bcubed(story: dict[str, str], issue: dict[str, int]) -> tuple[float, float]:
    by_issue: dict[int, list[str]] = defaultdict(list)
    by_story: dict[str, list[str]] = defaultdict(list)
    for x in story:
        by_issue[issue[x]].append(x)
        by_story[story[x]].append(x)
    precision = recall = 0.0
    for x in story:
        overlap = sum(1 for y in by_issue[issue[x]] if story[y] == story[x])
        precision += overlap / len(by_issue[issue[x]])
        recall += overlap / len(by_story[story[x]])
    return precision / len(story), recall / len(story)


def test_the_stream_is_clustered_into_its_stories(loaded: dict[str, int]) -> None:
    stream = demo.read_stream()
    assert len(stream.mentions) >= 300 and len(stream.stories) >= 25
    story = {m["external_id"]: m["story"] for m in stream.mentions}
    assert set(loaded) == set(story)
    precision, recall = bcubed(story, loaded)
    # bench/cluster_quality.py reports these (and pairwise figures) for the tuning and held-out halves.
    assert precision >= 0.95, precision
    assert recall >= 0.8, recall
    held_out = {x: s for x, s in story.items() if x.startswith("b-")}
    assert bcubed(held_out, loaded)[0] >= 0.95


def test_labelled_copies_are_found_as_near_duplicates_of_their_story(
    session: Session, loaded: dict[str, int]
) -> None:
    stream = demo.read_stream()
    by_id = {m["external_id"]: m for m in stream.mentions}
    rows = session.execute(
        select(col(Mention.external_id), col(IssueMention.near_duplicate_of)).join(
            IssueMention, col(IssueMention.mention_id) == col(Mention.id)
        )
    ).all()
    external = dict(session.execute(select(col(Mention.id), col(Mention.external_id))).all())
    marked = {x: external[original] for x, original in rows if original is not None}
    labelled = {x for x, m in by_id.items() if m["near_duplicate_of"]}
    assert marked, "no near-duplicates found"
    assert set(marked) <= labelled  # nothing that is not a copy is called one
    assert len(marked) >= 0.7 * len(labelled)
    for copy, original in marked.items():
        assert by_id[copy]["story"] == by_id[original]["story"]


def _derived(session: Session, issue: Issue) -> dict[str, Any]:
    hourly = session.exec(
        select(IssueHourly).where(col(IssueHourly.issue_id) == issue.id).order_by(col(IssueHourly.hour))
    ).all()
    terms = session.exec(select(IssueTerm.term).where(col(IssueTerm.issue_id) == issue.id)).all()
    return {
        "counts": (
            issue.mention_count,
            issue.original_count,
            issue.source_count,
            issue.reach_total,
            issue.negative_count,
            issue.neutral_count,
            issue.positive_count,
        ),
        "seen": (issue.first_seen_at, issue.last_seen_at),
        "machine": issue.machine,
        "level": issue.level,
        "stage": issue.stage,
        "title": issue.title,
        "profile": issue.profile,
        "hourly": [(h.hour, h.mentions, h.reach, h.negative, h.neutral, h.positive) for h in hourly],
        "terms": sorted(terms),
    }


def test_rebuilding_an_issue_from_its_mentions_gives_what_intake_built(
    session: Session, loaded: dict[str, int]
) -> None:
    """Merge and split rebuild issues; intake folds one mention at a time. Both must agree."""
    sizes = Counter(loaded.values())
    for issue_id, _ in sizes.most_common(4):
        issue = session.get(Issue, issue_id)
        assert issue is not None
        incremental = _derived(session, issue)
        state.rebuild(session, issue, END)
        session.flush()
        assert _derived(session, issue) == incremental
