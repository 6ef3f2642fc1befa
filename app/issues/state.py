"""Keeping an issue's stored state right: folding a mention in, rebuilding from its mentions, and recording
every change of level, stage and status in the history and the outbox.

Intake folds one mention at a time (:func:`fold_mention`); merge and split rebuild (:func:`rebuild`) by
folding every mention again through the same function.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.classification.models import MentionClassification
from app.classification.scoring import LEVEL_MATRIX, NEWS_SOURCES, impact_score
from app.classification.taxonomy import Level
from app.issues import aggregate
from app.issues.models import (
    OPEN_STATUSES,
    HoaxStatus,
    Issue,
    IssueHistory,
    IssueHourly,
    IssueMention,
    IssueSource,
    IssueTerm,
    Stage,
    Status,
)
from app.mentions.models import Mention
from app.outbox.service import emit

TERM_REFRESH = timedelta(days=1)
MAIN_REGION_SHARE = 3
PROFILE_SIZE = 80
TITLE_MAX = 300
SUMMARY_MAX = 400
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def lock(session: Session, issue_id: int) -> Issue | None:
    """The issue, locked for update on PostgreSQL (SQLite's writer already holds the only write lock)."""
    query = select(Issue).where(col(Issue.id) == issue_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).one_or_none()


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _reach(metrics: Mapping[str, Any]) -> int:
    return int(max(metrics.get("reach") or 0, metrics.get("views") or 0))


def _title_score(row: Mapping[str, Any]) -> float:
    """How well a mention's headline names the issue: a news headline beats a post, wide reach breaks ties."""
    has_title = bool((row.get("title") or "").strip())
    news = row.get("source_type") in NEWS_SOURCES
    return (
        (2.0 if news and has_title else 0.0)
        + (1.0 if has_title else 0.0)
        + min(_reach(row["metrics"]), 10**6) / 10**6
    )


def _headline(row: Mapping[str, Any]) -> str:
    title = (row.get("title") or "").strip()
    if title:
        return title[:TITLE_MAX]
    words = (row.get("text") or "").split()
    headline = " ".join(words[:16])
    return (headline + (" …" if len(words) > 16 else ""))[:TITLE_MAX]


def _lead(row: Mapping[str, Any]) -> str:
    text = " ".join((row.get("text") or row.get("title") or "").split())
    lead = ""
    for sentence in _SENTENCE_END.split(text):
        if lead and len(lead) + len(sentence) + 1 > SUMMARY_MAX:
            break
        lead = f"{lead} {sentence}".strip()
        if len(lead) >= SUMMARY_MAX // 2:
            break
    return lead[:SUMMARY_MAX]


def open_issue(
    session: Session, row: Mapping[str, Any], verdict: Mapping[str, Any], at: datetime, now: datetime
) -> Issue:
    issue = Issue(
        title=_headline(row),
        summary=_lead(row),
        topic=verdict["topic"]["label"],
        first_seen_at=at,
        last_seen_at=at,
        machine={},
        tallies=aggregate.empty_tally(),
        level=Level.normal,
        level_rank=0,
        urgency=1,
        stage=Stage.potential,
        terms_touched_at=at,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    session.flush()
    return issue


def fold_mention(
    session: Session,
    issue: Issue,
    row: Mapping[str, Any],
    verdict: Mapping[str, Any],
    *,
    key_terms: Mapping[str, float],
    original: bool,
    now: datetime,
    quiet: bool = False,
) -> None:
    """Add one mention to the issue's counts, hourly series, sources, term index and verdict."""
    assert issue.id is not None
    at = min(row["published_at"], now)
    tally = aggregate.fold(copy.deepcopy(issue.tallies), verdict, original=original)
    sentiment = verdict["sentiment"]["label"]
    reach = _reach(row["metrics"])
    issue.mention_count += 1
    issue.original_count += int(original)
    issue.reach_total += reach
    setattr(issue, f"{sentiment}_count", getattr(issue, f"{sentiment}_count") + 1)
    issue.first_seen_at = min(issue.first_seen_at, at)
    issue.last_seen_at = max(issue.last_seen_at, at)

    source = f"{row['source_type']}:{row.get('source_name') or row['source_system']}".lower()[:300]
    table = IssueSource.__table__  # type: ignore[attr-defined]
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT .. ON CONFLICT DO NOTHING it skipped.
    added = session.execute(
        _insert(session, table)
        .values(issue_id=issue.id, source=source)
        .on_conflict_do_nothing()
        .returning(table.c.issue_id)
    ).first()
    issue.source_count += added is not None

    hour = _hour(at)
    table = IssueHourly.__table__  # type: ignore[attr-defined]
    counts = {"negative": 0, "neutral": 0, "positive": 0, sentiment: 1}
    session.execute(
        _insert(session, table)
        .values(issue_id=issue.id, hour=hour, mentions=1, reach=reach, **counts)
        .on_conflict_do_update(
            index_elements=["issue_id", "hour"],
            set_={
                "mentions": table.c.mentions + 1,
                "reach": table.c.reach + reach,
                sentiment: table.c[sentiment] + 1,
            },
        )
    )
    series = dict(
        session.execute(
            select(col(IssueHourly.hour), col(IssueHourly.mentions)).where(
                col(IssueHourly.issue_id) == issue.id,
                col(IssueHourly.hour) >= hour - timedelta(hours=aggregate.BASELINE_HOURS),
                col(IssueHourly.hour) <= hour,
            )
        ).all()
    )
    this_hour = series.pop(hour, 1)
    if hour >= _hour(issue.last_seen_at):
        issue.velocity = this_hour
    if aggregate.is_spike(this_hour, list(series.values())) and issue.spike_hour != hour:
        issue.spike_hour = hour
        if not quiet:
            cause = {"by": "machine", "hour": hour.isoformat(), "previous_24h": sum(series.values())}
            history(session, issue, "spike", None, f"{this_hour}/h", cause, now)

    if original:
        _index_terms(session, issue, key_terms, at)

    if not issue.title_edited and _title_score(row) > tally.get("title_score", -1.0):
        tally["title_score"] = _title_score(row)
        issue.title = _headline(row)
        if not issue.summary_edited:
            issue.summary = _lead(row)
    issue.tallies = tally
    apply_verdict(issue)
    issue.stage = aggregate.stage(
        level=Level(issue.level),
        mention_count=issue.mention_count,
        source_count=issue.source_count,
        first_seen_at=issue.first_seen_at,
        last_seen_at=issue.last_seen_at,
        now=issue.last_seen_at,  # the stored stage is the story's own; dormancy is judged when read
        spiking=aggregate.spiking(issue.spike_hour, issue.last_seen_at),
    )
    issue.version += 1
    issue.updated_at = now


def _index_terms(session: Session, issue: Issue, key_terms: Mapping[str, float], at: datetime) -> None:
    profile = dict(issue.profile)
    for term in key_terms:
        profile[term] = profile.get(term, 0) + 1
    if len(profile) > PROFILE_SIZE:
        # Terms one mention used once go first; the index keeps them, which only costs a posting.
        profile = dict(sorted(profile.items(), key=lambda item: (-item[1], item[0]))[:PROFILE_SIZE])
    issue.profile = profile
    if key_terms:
        # executemany of one cached statement: a multi-row VALUES would be compiled anew for every count.
        session.execute(
            _insert(session, IssueTerm.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
            [{"issue_id": issue.id, "term": term, "last_seen_at": at} for term in key_terms],
        )
    if issue.last_seen_at - issue.terms_touched_at >= TERM_REFRESH:
        session.execute(
            update(IssueTerm)
            .where(col(IssueTerm.issue_id) == issue.id)
            .values(last_seen_at=issue.last_seen_at)
        )
        issue.terms_touched_at = issue.last_seen_at


def apply_verdict(issue: Issue) -> None:
    """Recompute the machine verdict from the tally and the effective level from it and the override."""
    v = aggregate.verdict(
        issue.tallies,
        spiking=aggregate.spiking(issue.spike_hour, issue.last_seen_at),
        mentions_last_hour=issue.velocity,
    )
    issue.machine = v.classification
    issue.topic = v.topic
    issue.region_codes = v.region_codes
    issue.agencies = v.agencies
    issue.opportunity = v.opportunity
    issue.hoax_suspected = v.hoax_suspected
    issue.core_regions = main_regions(issue)
    issue.urgency = v.urgency
    level = effective_level(issue)
    issue.level = level
    issue.level_rank = level.rank
    if v.hoax_suspected and issue.hoax_status == HoaxStatus.none:
        issue.hoax_status = HoaxStatus.suspected


def effective_impact(issue: Issue) -> dict[str, int]:
    impact = dict(issue.machine["impact"])
    if issue.override and issue.override.get("impact"):
        impact.update(issue.override["impact"])
        impact["score"] = impact_score(tuple(impact[d] for d in aggregate.DIMENSIONS))
    return impact


def effective_level(issue: Issue) -> Level:
    """The officer's level when set; else, with an officer's impact, the matrix; else the machine's level."""
    override = issue.override or {}
    if override.get("level"):
        return Level(override["level"])
    if override.get("impact"):
        return LEVEL_MATRIX[issue.urgency - 1][effective_impact(issue)["score"] - 1]
    return Level(issue.machine["level"])


def main_regions(issue: Issue) -> list[str]:
    """The regions the issue is mostly about: named by a third of its mentions, and at least its first.

    An article about a flood in Sempaja that quotes the provincial office in passing does not make the
    flood a story of every region it names."""
    counts: dict[str, int] = issue.tallies.get("regions", {})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = max(1, issue.mention_count)
    return [code for i, (code, n) in enumerate(ranked) if i == 0 or n * MAIN_REGION_SHARE >= total]


def current_stage(issue: Issue, now: datetime) -> Stage:
    if now - issue.last_seen_at >= aggregate.DORMANT_AFTER:
        return Stage.dormant
    return Stage(issue.stage)


def snapshot(issue: Issue, now: datetime) -> dict[str, str]:
    """What :func:`record_changes` compares against."""
    if issue.id is None or not issue.machine:
        return {}
    return {"level": issue.level, "stage": current_stage(issue, now), "status": issue.status}


def history(
    session: Session,
    issue: Issue,
    field: str,
    old: str | None,
    new: str | None,
    cause: dict[str, Any],
    at: datetime,
) -> None:
    session.add(IssueHistory(issue_id=issue.id, field=field, old=old, new=new, cause=cause, at=at))  # type: ignore[arg-type]


def event_payload(issue: Issue) -> dict[str, Any]:
    """Thin: what a listener needs to decide whether to fetch the issue; no mention text, no personal data."""
    return {
        "issue_id": issue.id,
        "title": issue.title,
        "level": issue.level,
        "stage": issue.stage,
        "status": issue.status,
        "topic": issue.topic,
        "region_codes": issue.region_codes,
        "agencies": issue.agencies,
        "assigned_agency": issue.assigned_agency,
        "links": {"self": f"/v1/issues/{issue.id}"},
    }


def record_changes(
    session: Session,
    issue: Issue,
    before: Mapping[str, str],
    now: datetime,
    *,
    cause: dict[str, Any],
    created: bool = False,
) -> None:
    """History rows and outbox events for every change of level, stage and status since ``before``."""
    assert issue.id is not None
    after = {"level": issue.level, "stage": current_stage(issue, now), "status": issue.status}
    if created:
        for field, value in after.items():
            history(session, issue, field, None, value, cause, now)
        emit(session, "issue.created", aggregate="issue", aggregate_id=issue.id, payload=event_payload(issue))
        return
    for field, value in after.items():
        old = before.get(field)
        if old is None or old == value:
            continue
        reason = cause
        if field == "stage" and old == Stage.dormant:
            reason = {**cause, "flare": "new mentions after the issue went dormant"}
        history(session, issue, field, old, value, reason, now)
        payload = {**event_payload(issue), "previous": old, "cause": _thin(reason)}
        if field == "level":
            emit(session, "issue.level_changed", aggregate="issue", aggregate_id=issue.id, payload=payload)
            if Level(value).rank > Level(old).rank:
                emit(session, "issue.escalated", aggregate="issue", aggregate_id=issue.id, payload=payload)
        elif field == "status":
            emit(session, "issue.status_changed", aggregate="issue", aggregate_id=issue.id, payload=payload)


def _thin(cause: Mapping[str, Any]) -> dict[str, Any]:
    # An officer's free-text reason may name people: events carry who acted, not what they wrote.
    return {key: value for key, value in cause.items() if key != "reason"}


def set_status(issue: Issue, status: Status) -> None:
    issue.status = status
    issue.is_open = status in OPEN_STATUSES


def reopen_if_resolved(issue: Issue) -> None:
    # New reports about a resolved issue need a look again; archived issues never receive mentions.
    if issue.status == Status.resolved:
        set_status(issue, Status.monitoring)


def rebuild(session: Session, issue: Issue, now: datetime) -> None:
    """Recompute everything the issue derives from its mentions (after a merge or split)."""
    assert issue.id is not None
    for table in (IssueHourly, IssueSource, IssueTerm):
        session.execute(delete(table).where(col(table.issue_id) == issue.id))
    rows = session.execute(
        select(Mention, IssueMention.key_terms, IssueMention.near_duplicate_of, MentionClassification.verdict)
        .join(IssueMention, col(IssueMention.mention_id) == col(Mention.id))
        .join(MentionClassification, col(MentionClassification.mention_id) == col(Mention.id))
        .where(col(IssueMention.issue_id) == issue.id)
        .order_by(col(Mention.published_at), col(Mention.id))
    ).all()
    if not rows:
        return
    first = rows[0][0].published_at
    issue.mention_count = issue.original_count = issue.source_count = issue.reach_total = 0
    issue.negative_count = issue.neutral_count = issue.positive_count = issue.velocity = 0
    issue.first_seen_at = issue.last_seen_at = issue.terms_touched_at = min(first, now)
    issue.tallies = aggregate.empty_tally()
    issue.profile = {}
    issue.spike_hour = None
    for mention, key_terms, near_duplicate_of, verdict in rows:
        fold_mention(
            session,
            issue,
            mention.model_dump(),
            verdict,
            key_terms=key_terms,
            original=near_duplicate_of is None,
            now=now,
            quiet=True,
        )
