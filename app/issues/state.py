"""Keeping an issue's stored state right: folding a mention in, rebuilding from its mentions, and recording
every change of level, stage and status in the history and the outbox.

Intake folds a batch's mentions one at a time into issues kept in memory and writes each touched issue once
(:class:`Batch`); merge and split rebuild (:func:`rebuild`) by folding every mention again through the same
:meth:`Batch.fold`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from app.classification.models import MentionClassification
from app.classification.scoring import LEVEL_MATRIX, NEWS_SOURCES, impact_score
from app.classification.taxonomy import Level
from app.db import insert_returning_ids
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


# Built once, like the look-ups further down: intake locks an issue per mention.
_ISSUE = select(Issue).where(col(Issue.id) == bindparam("issue_id"))
_ISSUE_FOR_UPDATE = _ISSUE.with_for_update()


def lock(session: Session, issue_id: int) -> Issue | None:
    """The issue, locked for update on PostgreSQL (SQLite's writer already holds the only write lock)."""
    query = _ISSUE_FOR_UPDATE if session.get_bind().dialect.name == "postgresql" else _ISSUE
    return session.exec(query, params={"issue_id": issue_id}).one_or_none()


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


def _new_issue_values(
    row: Mapping[str, Any], verdict: Mapping[str, Any], at: datetime, now: datetime
) -> dict[str, Any]:
    """The columns of the issue a mention opens, before any mention is folded into it."""
    defaults = {
        name: field.get_default(call_default_factory=True)
        for name, field in Issue.model_fields.items()
        if name != "id" and not field.is_required()
    }
    return defaults | {
        "title": _headline(row),
        "summary": _lead(row),
        "topic": verdict["topic"]["label"],
        "first_seen_at": at,
        "last_seen_at": at,
        "machine": {},
        "tallies": aggregate.empty_tally(),
        "level": Level.normal,
        "level_rank": 0,
        "urgency": 1,
        "stage": Stage.potential,
        "terms_touched_at": at,
        "created_at": now,
        "updated_at": now,
    }


def open_issue(
    session: Session, row: Mapping[str, Any], verdict: Mapping[str, Any], at: datetime, now: datetime
) -> Issue:
    issue = Issue(**_new_issue_values(row, verdict, at, now))
    session.add(issue)
    session.flush()
    return issue


class _Working:
    """One issue's state while a batch folds mentions into it: what the database holds of its hourly rows,
    sources and term postings, as far as the batch has needed to know, plus what the batch added."""

    __slots__ = (
        "all_terms_known", "created", "hour_deltas", "hours", "hours_loaded", "issue", "new_postings",
        "new_sources", "postings", "refreshed_to", "sources", "stored_last_seen_at",
    )  # fmt: skip

    def __init__(self, issue: Issue, *, created: bool) -> None:
        self.issue = issue
        self.created = created  # nothing derived is stored for it yet
        self.stored_last_seen_at = issue.last_seen_at  # what the issue table says until the batch writes
        self.hours: dict[datetime, int] = {}  # mentions per hour, over hours_loaded
        self.hours_loaded: tuple[datetime, datetime] | None = None
        self.hour_deltas: dict[datetime, dict[str, int]] = {}
        self.sources: set[str] = set()  # known to be stored (or added by the batch)
        self.new_sources: list[str] = []
        self.postings: dict[str, datetime] = {}  # term -> last_seen_at, for the terms known so far
        self.all_terms_known = created  # a new issue has no stored postings
        self.new_postings: dict[str, datetime] = {}
        self.refreshed_to: datetime | None = None


class Batch:
    """Folds many mentions into their issues with each issue read once and written once.

    Intake of a batch and the rebuild after a merge or split fold mention after mention, in order, exactly as
    one-by-one intake would: every decision sees what the mentions before it changed. What the database would
    have answered is kept in memory (each issue's counters, hourly counts, sources and term postings, read at
    most once each), and :meth:`write` stores every touched issue, its rows, its history and its outbox
    events once, at the end. Until then the stored rows are those from before the batch: look-ups combine
    them with :attr:`posting_changes`, :attr:`moved` and the touched issues (see ``clustering._Lookup``).
    """

    def __init__(self, session: Session, now: datetime, *, hours: tuple[datetime, datetime] | None = None):
        self.session = session
        self.now = now
        self._statements = _write_statements(session.get_bind().dialect.name)
        self.issues: dict[int, _Working] = {}
        # Hours the batch's mentions fall in: each issue's hourly rows are read for all of them at once.
        self._hours = (
            (_hour(hours[0]) - timedelta(hours=aggregate.BASELINE_HOURS), _hour(hours[1])) if hours else None
        )
        self._history: list[dict[str, Any]] = []
        self._events: list[tuple[str, int, dict[str, Any]]] = []
        self.rows: dict[Any, list[dict[str, Any]]] = {}  # more rows to insert, by table
        # Term -> issue -> last_seen_at of the postings the batch changed (see clustering's look-up).
        self.posting_changes: dict[str, dict[int, datetime]] = {}
        self.moved: set[int] = set()  # issues whose last_seen_at is no longer the stored one

    # --- issues -------------------------------------------------------------------------------------------

    def working(self, issue: Issue) -> _Working:
        assert issue.id is not None
        work = self.issues.get(issue.id)
        if work is None:
            work = self.issues[issue.id] = _Working(issue, created=False)
            # Folded in place from now on: a copy, so the ORM sees the change against what it loaded.
            issue.tallies = copy.deepcopy(issue.tallies)
        return work

    def open_issue(self, row: Mapping[str, Any], verdict: Mapping[str, Any], at: datetime) -> Issue:
        # Inserted on its own, for its id: a flush would also write every issue the batch has touched. Read
        # back rather than built: constructing the model validates every field (~2 ms).
        values = _new_issue_values(row, verdict, at, self.now)
        issue_id = insert_returning_ids(self.session, Issue.__table__, [values])[0]  # type: ignore[attr-defined]
        issue = self.session.get(Issue, issue_id)
        assert issue is not None
        self.issues[issue_id] = _Working(issue, created=True)
        issue.tallies = copy.deepcopy(issue.tallies)
        return issue

    def fresh(self, issue: Issue) -> _Working:
        """The issue with nothing derived stored (rebuild deleted it)."""
        work = self.working(issue)
        work.created = work.all_terms_known = True
        work.hours_loaded = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
        return work

    def add_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        self.rows.setdefault(table, []).extend(rows)

    # --- folding ------------------------------------------------------------------------------------------

    def fold(
        self,
        issue: Issue,
        row: Mapping[str, Any],
        verdict: Mapping[str, Any],
        *,
        key_terms: Mapping[str, float],
        original: bool,
        quiet: bool = False,
    ) -> None:
        """Add one mention to the issue's counts, hourly series, sources, term index and verdict."""
        work = self.working(issue)
        now = self.now
        at = min(row["published_at"], now)
        tally = aggregate.fold(issue.tallies, verdict, original=original)
        sentiment = verdict["sentiment"]["label"]
        reach = _reach(row["metrics"])
        issue.mention_count += 1
        issue.original_count += int(original)
        issue.reach_total += reach
        setattr(issue, f"{sentiment}_count", getattr(issue, f"{sentiment}_count") + 1)
        issue.first_seen_at = min(issue.first_seen_at, at)
        if at > issue.last_seen_at:
            issue.last_seen_at = at
            if at != work.stored_last_seen_at:
                self.moved.add(work.issue.id)  # type: ignore[arg-type]

        source = f"{row['source_type']}:{row.get('source_name') or row['source_system']}".lower()[:300]
        issue.source_count += self._add_source(work, source)

        hour = _hour(at)
        self._load_hours(work, hour - timedelta(hours=aggregate.BASELINE_HOURS), hour)
        work.hours[hour] = this_hour = work.hours.get(hour, 0) + 1
        delta = work.hour_deltas.setdefault(
            hour, {"mentions": 0, "reach": 0, "negative": 0, "neutral": 0, "positive": 0}
        )
        delta["mentions"] += 1
        delta["reach"] += reach
        delta[sentiment] += 1
        previous = [
            work.hours.get(hour - timedelta(hours=h), 0) for h in range(1, aggregate.BASELINE_HOURS + 1)
        ]
        if hour >= _hour(issue.last_seen_at):
            issue.velocity = this_hour
        if aggregate.is_spike(this_hour, previous) and issue.spike_hour != hour:
            issue.spike_hour = hour
            if not quiet:
                cause = {"by": "machine", "hour": hour.isoformat(), "previous_24h": sum(previous)}
                self.history(issue, "spike", None, f"{this_hour}/h", cause)

        if original:
            self._index_terms(work, key_terms, at)

        if not issue.title_edited and _title_score(row) > tally.get("title_score", -1.0):
            tally["title_score"] = _title_score(row)
            issue.title = _headline(row)
            if not issue.summary_edited:
                issue.summary = _lead(row)
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

    def _add_source(self, work: _Working, source: str) -> bool:
        """Whether ``source`` is new to the issue (and remember it)."""
        if source in work.sources:
            return False
        work.sources.add(source)
        if not work.created:
            stored = self.session.execute(
                _SOURCE_STORED, {"issue_id": work.issue.id, "source": source}
            ).first()
            if stored is not None:
                return False
        work.new_sources.append(source)
        return True

    def _load_hours(self, work: _Working, first: datetime, last: datetime) -> None:
        """Make sure the issue's stored hourly counts from ``first`` to ``last`` are in memory."""
        loaded = work.hours_loaded
        if loaded is not None and loaded[0] <= first and last <= loaded[1]:
            return
        if loaded is None and self._hours is not None:
            first, last = min(first, self._hours[0]), max(last, self._hours[1])
        ranges = (
            [(first, last)]
            if loaded is None
            else [(first, loaded[0] - timedelta(hours=1)), (loaded[1] + timedelta(hours=1), last)]
        )
        for low, high in ranges:
            if low > high:
                continue
            rows = self.session.execute(
                _HOURS_STORED, {"issue_id": work.issue.id, "low": low, "high": high}
            ).all()
            for hour, mentions in rows:
                work.hours[hour] = mentions
        work.hours_loaded = (first, last) if loaded is None else (min(first, loaded[0]), max(last, loaded[1]))

    def _index_terms(self, work: _Working, key_terms: Mapping[str, float], at: datetime) -> None:
        issue = work.issue
        profile = dict(issue.profile)
        for term in key_terms:
            profile[term] = profile.get(term, 0) + 1
        if len(profile) > PROFILE_SIZE:
            # Terms one mention used once go first; the index keeps them, which only costs a posting.
            profile = dict(sorted(profile.items(), key=lambda item: (-item[1], item[0]))[:PROFILE_SIZE])
        issue.profile = profile
        unknown = [term for term in key_terms if term not in work.postings]
        if unknown and not work.all_terms_known:
            stored = self.session.execute(_POSTINGS_STORED, {"issue_id": issue.id, "terms": unknown}).all()
            for term, last_seen_at in stored:
                self._set_posting(work, term, last_seen_at)
        for term in unknown:
            if term not in work.postings:  # a new posting; an existing one keeps its time (as ON CONFLICT)
                work.new_postings[term] = at
                self._set_posting(work, term, at)
        if issue.last_seen_at - issue.terms_touched_at >= TERM_REFRESH:
            self._refresh_terms(work, issue.last_seen_at)
            issue.terms_touched_at = issue.last_seen_at

    def _refresh_terms(self, work: _Working, last_seen_at: datetime) -> None:
        """Every posting of the issue now says ``last_seen_at`` (so look-ups of the window find it)."""
        if not work.all_terms_known:
            for term in self.session.execute(
                select(col(IssueTerm.term)).where(col(IssueTerm.issue_id) == work.issue.id)
            ).scalars():
                work.postings.setdefault(term, last_seen_at)
            work.all_terms_known = True
        for term in work.postings:
            self._set_posting(work, term, last_seen_at)
        for term in work.new_postings:
            work.new_postings[term] = last_seen_at
        work.refreshed_to = last_seen_at

    def _set_posting(self, work: _Working, term: str, last_seen_at: datetime) -> None:
        work.postings[term] = last_seen_at
        self.posting_changes.setdefault(term, {})[work.issue.id] = last_seen_at  # type: ignore[index]

    # --- history and events -------------------------------------------------------------------------------

    def history(
        self, issue: Issue, field: str, old: str | None, new: str | None, cause: dict[str, Any]
    ) -> None:
        self._history.append(
            {"issue_id": issue.id, "field": field, "old": old, "new": new, "cause": cause, "at": self.now}
        )

    def event(self, event_type: str, issue: Issue, payload: dict[str, Any]) -> None:
        self._events.append((event_type, issue.id, payload))  # type: ignore[arg-type]

    # --- writing ------------------------------------------------------------------------------------------

    def write(self) -> None:
        """Store everything the batch changed: one UPDATE per touched issue, one statement per table."""
        session = self.session
        for work in self.issues.values():
            flag_modified(work.issue, "tallies")
        session.flush()
        for table, rows in self.rows.items():
            session.execute(insert(table), rows)
        sources = [
            {"issue_id": issue_id, "source": source}
            for issue_id, work in self.issues.items()
            for source in work.new_sources
        ]
        statements = self._statements
        if sources:
            session.execute(statements.sources, sources)
        hourly = [
            {"issue_id": issue_id, "hour": hour, **delta}
            for issue_id, work in self.issues.items()
            for hour, delta in work.hour_deltas.items()
        ]
        if hourly:
            session.execute(statements.hourly, hourly)
        refreshed = [
            {"issue": issue_id, "refreshed_to": work.refreshed_to}
            for issue_id, work in self.issues.items()
            if work.refreshed_to is not None
        ]
        if refreshed:
            session.execute(statements.refresh, refreshed)
        postings = [
            {"issue_id": issue_id, "term": term, "last_seen_at": last_seen_at}
            for issue_id, work in self.issues.items()
            for term, last_seen_at in work.new_postings.items()
        ]
        if postings:
            session.execute(statements.postings, postings)
        if self._history:
            session.execute(insert(IssueHistory.__table__), self._history)  # type: ignore[attr-defined]
        for event_type, issue_id, payload in self._events:
            emit(session, event_type, aggregate="issue", aggregate_id=issue_id, payload=payload)
        self.issues.clear()
        self.rows.clear()
        self._history.clear()
        self._events.clear()
        self.posting_changes.clear()
        self.moved.clear()


_HOURLY_COUNTS = ("mentions", "reach", "negative", "neutral", "positive")


class _WriteStatements(NamedTuple):
    sources: Any
    hourly: Any
    refresh: Any
    postings: Any


@cache
def _write_statements(dialect: str) -> _WriteStatements:
    """What :meth:`Batch.write` runs, built once per dialect: building an upsert on every intake cost more
    than running it (a twentieth of a single mention's intake)."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    hourly = upsert(IssueHourly.__table__)  # type: ignore[attr-defined]
    counts = hourly.table.c
    terms = IssueTerm.__table__.c  # type: ignore[attr-defined]
    return _WriteStatements(
        sources=upsert(IssueSource.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
        hourly=hourly.on_conflict_do_update(
            index_elements=["issue_id", "hour"],
            set_={name: counts[name] + hourly.excluded[name] for name in _HOURLY_COUNTS},
        ),
        # Core, not the ORM's bulk update: no IssueTerm object is ever loaded to keep in step.
        refresh=update(IssueTerm.__table__)  # type: ignore[attr-defined]
        .where(terms.issue_id == bindparam("issue"))
        .values(last_seen_at=bindparam("refreshed_to")),
        postings=upsert(IssueTerm.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
    )


# Built once: building a statement costs more than running it on SQLite.
_SOURCE_STORED = select(col(IssueSource.source)).where(
    col(IssueSource.issue_id) == bindparam("issue_id"), col(IssueSource.source) == bindparam("source")
)
_HOURS_STORED = select(col(IssueHourly.hour), col(IssueHourly.mentions)).where(
    col(IssueHourly.issue_id) == bindparam("issue_id"),
    col(IssueHourly.hour) >= bindparam("low"),
    col(IssueHourly.hour) <= bindparam("high"),
)
_POSTINGS_STORED = select(col(IssueTerm.term), col(IssueTerm.last_seen_at)).where(
    col(IssueTerm.issue_id) == bindparam("issue_id"),
    col(IssueTerm.term).in_(bindparam("terms", expanding=True)),
)


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
    """Thin: what a listener needs to decide whether to fetch the issue; no mention text, no author fields."""
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
    batch: Batch | None = None,
) -> None:
    """History rows and outbox events for every change of level, stage and status since ``before``
    (written by ``batch`` when given, else now)."""
    assert issue.id is not None

    def note(field: str, old: str | None, new: str | None, reason: dict[str, Any]) -> None:
        if batch is None:
            history(session, issue, field, old, new, reason, now)
        else:
            batch.history(issue, field, old, new, reason)

    def event(event_type: str, payload: dict[str, Any]) -> None:
        if batch is None:
            emit(session, event_type, aggregate="issue", aggregate_id=issue.id, payload=payload)  # type: ignore[arg-type]
        else:
            batch.event(event_type, issue, payload)

    after = {"level": issue.level, "stage": current_stage(issue, now), "status": issue.status}
    if created:
        for field, value in after.items():
            note(field, None, value, cause)
        event("issue.created", event_payload(issue))
        return
    for field, value in after.items():
        old = before.get(field)
        if old is None or old == value:
            continue
        reason = cause
        if field == "stage" and old == Stage.dormant:
            reason = {**cause, "flare": "new mentions after the issue went dormant"}
        note(field, old, value, reason)
        payload = {**event_payload(issue), "previous": old, "cause": _thin(reason)}
        if field == "level":
            event("issue.level_changed", payload)
            if Level(value).rank > Level(old).rank:
                event("issue.escalated", payload)
        elif field == "status":
            event("issue.status_changed", payload)


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
    """Recompute everything the issue derives from its mentions (after a merge or split), folding them again
    in order through the same :class:`Batch` as intake."""
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
    batch = Batch(session, now)
    batch.fresh(issue)
    for mention, key_terms, near_duplicate_of, verdict in rows:
        batch.fold(
            issue,
            mention.model_dump(),
            verdict,
            key_terms=key_terms,
            original=near_duplicate_of is None,
            quiet=True,
        )
    batch.write()
