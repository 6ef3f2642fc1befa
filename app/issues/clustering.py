"""The intake step that attaches each new mention to the issue it is about, or opens a new issue.

Runs inside the intake transaction, after classification. Per mention it reads only index entries of the time
window: LSH band keys for near-duplicates, the inverted term index for the same story. Nothing scans the
issues or the mentions, so the cost per mention does not grow with what is stored.

A batch is clustered mention after mention, in order, and every decision is the one one-by-one intake would
make: each mention sees the mentions before it. But nothing is written until the end (:class:`state.Batch`):
the issues a batch touches are read once, folded in memory and written once, and the look-ups combine what is
stored (read once per batch where the answer cannot change) with what the batch has done so far
(:class:`_Lookup`). So the cost per mention does not grow with the size of the batch either, even when every
mention of it is about one story.

On PostgreSQL, two intakes of the first reports of one story could each open an issue. Opening an issue is
therefore serialised by a transaction-level advisory lock, and the look-up is repeated once the lock is held
(attaching to an existing issue needs no such lock: the issue's row lock orders concurrent attaches).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, bindparam, func, text, union_all
from sqlalchemy import select as sa_select  # sqlmodel's select types at most 4 columns
from sqlmodel import Session, col

from app.clock import utcnow
from app.config import get_settings
from app.db_types import UTCDateTime
from app.issues import similarity, state
from app.issues.models import Issue, IssueMention, IssueTerm, MentionFingerprint, Status
from app.issues.schemas import MentionIssueLink
from app.issues.service import Placement
from app.mentions.pipeline import NewMention

CANDIDATES = 20
_IN_CHUNK = 500  # terms per statement: well inside every database's parameter limit
# Per LSH band, the earliest earlier copies compared with a mention. A copy-paste chain forwarded thousands of
# times shares its bands with every earlier copy: a bounded sample finds the original just as well.
NEAR_DUPLICATE_PER_BAND = 4
# Any number that no other advisory lock in Sigap uses.
_OPEN_ISSUE_LOCK = 0x5167_4150_0001


def attach_new_mentions(session: Session, mentions: Sequence[NewMention]) -> None:
    if not mentions:
        return
    window = timedelta(days=get_settings().cluster_window_days)
    now = utcnow()
    times = [min(m.row["published_at"], now) for m in mentions]
    batch = state.Batch(session, now, hours=(min(times), max(times)))
    lookup = _Lookup(session, batch, window, earliest=min(times))
    reads = [_Read.of(mention, at) for mention, at in zip(mentions, times, strict=True)]
    if len(reads) > 1:
        lookup.prefetch(reads)
    # The issue rows are written once, by batch.write(): autoflush would write them before every look-up.
    with session.no_autoflush:
        for read in reads:
            _attach(batch, lookup, read, window)
    batch.write()


@dataclass(frozen=True, slots=True)
class _Read:
    """What a mention's own text gives clustering, before any decision: known for a whole batch up front."""

    mention: NewMention
    at: datetime  # published, or now when published in the future
    signature: similarity.Signature | None
    band_keys: list[int]
    described: similarity.KeyTerms  # the terms it adds to its issue's profile
    terms: similarity.KeyTerms  # the terms it is matched with

    @classmethod
    def of(cls, mention: NewMention, at: datetime) -> _Read:
        row = mention.row
        verdict: dict[str, Any] = mention.extras["verdict_json"]
        body = "\n".join(part for part in (row.get("title"), row.get("text")) if part)
        sig = similarity.signature(body)
        places: list[str] = next((s["evidence"] for s in verdict["signals"] if s["name"] == "places"), [])
        described = similarity.key_terms(
            row.get("title"), row.get("text"), places, limit=similarity.PROFILE_TERMS
        )
        keys = similarity.band_keys(sig) if sig is not None else []
        return cls(mention, at, sig, keys, described, described.top(similarity.MAX_KEY_TERMS))


@dataclass(slots=True)
class _Copy:
    """A mention as a near-duplicate look-up sees it."""

    seen_at: datetime
    mention_id: int
    issue_id: int
    original_of: int | None
    signature: similarity.Signature


def _copy_order(copy: _Copy) -> tuple[datetime, int]:
    return copy.seen_at, copy.mention_id


def _attach(batch: state.Batch, lookup: _Lookup, read: _Read, window: timedelta) -> None:
    session, now = batch.session, batch.now
    mention, at, sig, keys, described, terms = (
        read.mention,
        read.at,
        read.signature,
        read.band_keys,
        read.described,
        read.terms,
    )
    row = mention.row
    verdict: dict[str, Any] = mention.extras["verdict_json"]

    issue: Issue | None = None
    near_duplicate_of: int | None = None
    score, shared = 1.0, []
    copy = lookup.near_duplicate(sig, keys, at - window) if sig is not None else None
    if copy is not None:
        issue_id, near_duplicate_of, score = copy
        issue = lookup.issue(issue_id)
    if issue is None:
        match = lookup.same_story(terms, verdict, at)
        if match is None and not lookup.locked and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPEN_ISSUE_LOCK})
            lookup.locked = True
            lookup.forget_stored()  # another intake may have opened the issue meanwhile
            match = lookup.same_story(terms, verdict, at)
        if match is not None:
            issue = lookup.issue(match.issue_id)
            score, shared = match.score, match.shared_terms
    created = issue is None
    if issue is None:
        issue = batch.open_issue(row, verdict, at)
        lookup.opened(issue)
        score = 1.0
    assert issue.id is not None
    batch.add_rows(
        IssueMention.__table__,  # type: ignore[attr-defined]
        [
            {
                "mention_id": mention.id,
                "issue_id": issue.id,
                "near_duplicate_of": near_duplicate_of,
                "score": score,
                "shared_terms": shared,
                "key_terms": dict(described.weights),
                "signature": similarity.signature_bytes(sig) if sig is not None else None,
                "attached_by": "machine",
                "attached_at": now,
            }
        ],
    )
    if sig is not None:
        batch.add_rows(
            MentionFingerprint.__table__,  # type: ignore[attr-defined]
            [
                {"mention_id": mention.id, "band": band, "band_key": key, "seen_at": at}
                for band, key in enumerate(keys)
            ],
        )
        lookup.remember_copy(keys, _Copy(at, mention.id, issue.id, near_duplicate_of, sig))
    before = state.snapshot(issue, now)
    state.reopen_if_resolved(issue)
    batch.fold(issue, row, verdict, key_terms=dict(described.weights), original=near_duplicate_of is None)
    cause = {
        "by": "machine",
        "mention_id": mention.id,
        "signals": [s["name"] for s in verdict["signals"][:4]],
    }
    state.record_changes(session, issue, before, now, cause=cause, created=created, batch=batch)
    mention.extras["issue"] = Placement(
        issue.id,
        MentionIssueLink(near_duplicate_of=near_duplicate_of, score=score, shared_terms=shared),
    )


class _Lookup:
    """The clustering look-ups of one batch: what is stored, combined with what the batch has done so far.

    Stored index entries cannot change while the batch runs (it writes at the end), so they are read once per
    batch: postings per term from the earliest time any mention of the batch looks back to, copies per band
    key, candidate issues' columns. The issues the batch touched answer from memory (:class:`state.Batch`).
    """

    def __init__(self, session: Session, batch: state.Batch, window: timedelta, *, earliest: datetime):
        self.session = session
        self.batch = batch
        self.window = window
        self.locked = False
        # Postings older than this are never looked at by any mention of the batch.
        self.since = earliest - window - state.TERM_REFRESH
        self.stored_postings: dict[str, dict[int, datetime]] = {}
        self.stored_candidates: dict[int, _Candidate | None] = {}
        self.stored_copies: dict[int, tuple[datetime, list[_Copy]]] = {}  # band key -> (since, earliest)
        # Band key -> this batch's mentions in (seen_at, mention id) order: a look-up reads a few of them,
        # however many copies the batch holds.
        self.new_copies: dict[int, list[_Copy]] = defaultdict(list)
        self.dialect = session.get_bind().dialect.name
        # When a batch is prefetched: the last_seen_at of the stored issues seen since the batch's earliest
        # look-back, sorted, so each mention counts the issues of its window without a statement.
        self.stored_active: list[datetime] | None = None

    def prefetch(self, batch: Sequence[_Read]) -> None:
        """Read, in a few statements for the whole batch, what its mentions would each read: the postings of
        all their terms, the stored issues' last-seen times and (PostgreSQL, where every statement is a round
        trip) the earliest copies of all their band keys. The look-ups then answer as they would have."""
        terms = sorted({term for read in batch for term in read.terms.terms})
        for start in range(0, len(terms), _IN_CHUNK):
            self._read_postings(terms[start : start + _IN_CHUNK])
        earliest = min(read.at for read in batch) - self.window
        self.stored_active = list(self.session.execute(_ACTIVE_SINCE, {"since": earliest}).scalars())
        if self.dialect == "postgresql":
            keys = sorted({key for read in batch for key in read.band_keys})
            if keys:
                self._read_copies(keys, earliest)

    def forget_stored(self) -> None:
        self.stored_postings.clear()
        self.stored_candidates.clear()
        self.stored_copies.clear()
        self.stored_active = None

    # --- issues -------------------------------------------------------------------------------------------

    def issue(self, issue_id: int) -> Issue | None:
        """The issue to attach to: locked and read on first use, from memory after."""
        work = self.batch.issues.get(issue_id)
        if work is not None:
            return work.issue
        issue = state.lock(self.session, issue_id)
        if issue is not None:
            self.batch.working(issue)
        return issue

    def opened(self, issue: Issue) -> None:
        self.stored_candidates.pop(issue.id, None)  # type: ignore[arg-type]
        if self.stored_active is not None:
            insort(self.stored_active, issue.last_seen_at)  # stored already: the issue row is inserted

    # --- near-duplicates ----------------------------------------------------------------------------------

    def remember_copy(self, keys: list[int], copy: _Copy) -> None:
        for key in keys:
            insort(self.new_copies[key], copy, key=_copy_order)

    def near_duplicate(
        self, sig: similarity.Signature, keys: list[int], since: datetime
    ) -> tuple[int, int, float] | None:
        """(issue id, original mention id, estimated Jaccard) of the closest earlier copy, if any.

        Compared: per band key, the :data:`NEAR_DUPLICATE_PER_BAND` earliest copies seen since ``since`` in
        an issue that is not archived, stored or of this batch alike."""
        self._read_copies(keys, since)
        seen: dict[int, _Copy] = {}
        for key in keys:
            stored = [c for c in self.stored_copies[key][1] if c.seen_at >= since]
            ours = self.new_copies.get(key, [])
            first = bisect_left(ours, (since, 0), key=_copy_order)
            ours = ours[first : first + NEAR_DUPLICATE_PER_BAND]
            earliest = sorted([*stored, *ours], key=_copy_order)
            for candidate in earliest[:NEAR_DUPLICATE_PER_BAND]:
                seen[candidate.mention_id] = candidate
        best: tuple[int, int, float] | None = None
        for candidate in sorted(seen.values(), key=_copy_order):
            estimate = similarity.jaccard(sig, candidate.signature)
            if estimate >= similarity.NEAR_DUPLICATE_JACCARD and (best is None or estimate > best[2]):
                # A copy of a copy points at the original.
                best = (candidate.issue_id, candidate.original_of or candidate.mention_id, estimate)
        return best

    def _read_copies(self, keys: list[int], since: datetime) -> None:
        """Stored copies per band key. A key read from an earlier time serves this mention too unless the
        read was cut at the limit and the mention looks back less far (a stream spanning weeks)."""
        missing = []
        for key in keys:
            known = self.stored_copies.get(key)
            if known is None:
                missing.append(key)
                continue
            read_since, copies = known
            if since < read_since or (
                len(copies) >= NEAR_DUPLICATE_PER_BAND
                and sum(c.seen_at >= since for c in copies) < NEAR_DUPLICATE_PER_BAND
            ):
                missing.append(key)
        if not missing:
            return
        # One statement for all the mention's bands; the keys it did not need come along.
        if self.dialect == "postgresql":
            rows = self.session.execute(
                _EARLIEST_COPIES_PG, {"keys": keys, "since": since, "per_band": NEAR_DUPLICATE_PER_BAND}
            )
        else:
            params: dict[str, Any] = {f"key{band}": key for band, key in enumerate(keys)}
            rows = self.session.execute(_EARLIEST_COPIES[len(keys)], {**params, "since": since})
        found: dict[int, dict[int, _Copy]] = {key: {} for key in keys}
        for key, seen_at, mention_id, issue_id, original_of, raw in rows:
            copy = _Copy(seen_at, mention_id, issue_id, original_of, similarity.signature_from_bytes(raw))
            found[key][mention_id] = copy
        for key, by_id in found.items():
            self.stored_copies[key] = (since, sorted(by_id.values(), key=_copy_order))

    # --- same story ---------------------------------------------------------------------------------------

    def same_story(
        self, terms: similarity.KeyTerms, verdict: dict[str, Any], at: datetime
    ) -> similarity.Match | None:
        if not terms.weights:
            return None
        since = at - self.window
        # Postings are refreshed at most once per TERM_REFRESH: look back that much further.
        posted_since = since - state.TERM_REFRESH
        self._read_postings(terms.terms)
        changes = self.batch.posting_changes
        by_issue: dict[int, list[str]] = defaultdict(list)
        frequency: dict[str, int] = defaultdict(int)
        for term in terms.terms:
            postings = self.stored_postings[term]
            changed = changes.get(term)
            if changed:
                postings = {**postings, **changed}
            for issue_id, last_seen_at in postings.items():
                if last_seen_at >= posted_since:
                    by_issue[issue_id].append(term)
                    frequency[term] += 1
        if not by_issue:
            return None
        open_issues = self._active_issues(since)
        rarity = similarity.rarity(terms, frequency, open_issues)
        ranked = sorted(
            by_issue,
            key=lambda issue_id: (-sum(terms.weights[t] * rarity[t] for t in by_issue[issue_id]), issue_id),
        )[:CANDIDATES]
        unread = [i for i in ranked if i not in self.batch.issues and i not in self.stored_candidates]
        if unread:
            self._read_candidates(unread)
        candidates = []
        for issue_id in ranked:
            candidate = self._candidate(issue_id, since)
            if candidate is not None:
                hours_apart = abs((at - candidate.hours_apart_from).total_seconds()) / 3600
                candidates.append(candidate.at(hours_apart))
        return similarity.best_match(
            terms,
            candidates,
            frequency,
            open_issues,
            region_codes=verdict["region_codes"],
            topic=verdict["topic"]["label"],
            hoax=bool(verdict["hoax_suspected"]),
        )

    def _read_postings(self, terms: list[str]) -> None:
        missing = [term for term in terms if term not in self.stored_postings]
        if not missing:
            return
        for term in missing:
            self.stored_postings[term] = {}
        rows = self.session.execute(_POSTINGS, {"terms": missing, "since": self.since})
        for term, issue_id, last_seen_at in rows:
            self.stored_postings[term][issue_id] = last_seen_at

    def _active_issues(self, since: datetime) -> int:
        """Issues seen since ``since``: the stored count, corrected for the issues this batch moved."""
        if self.stored_active is not None:
            stored = len(self.stored_active) - bisect_left(self.stored_active, since)
        else:
            stored = self.session.execute(_ACTIVE_ISSUES, {"since": since}).scalar_one()
        for issue_id in self.batch.moved:
            work = self.batch.issues[issue_id]
            stored += (work.issue.last_seen_at >= since) - (work.stored_last_seen_at >= since)
        return int(stored)

    def _candidate(self, issue_id: int, since: datetime) -> _Candidate | None:
        work = self.batch.issues.get(issue_id)
        if work is not None:
            issue = work.issue
            if issue.last_seen_at < since or issue.merged_into is not None or issue.status == Status.archived:
                return None
            return _Candidate(
                similarity.Candidate(
                    issue_id=issue_id,
                    profile=issue.profile,
                    region_codes=issue.core_regions,
                    topic=issue.topic,
                    hoax=issue.hoax_suspected,
                ),
                issue.last_seen_at,
            )
        stored = self.stored_candidates[issue_id]
        if stored is None or stored.hours_apart_from < since:
            return None
        return stored

    def _read_candidates(self, issue_ids: list[int]) -> None:
        rows = self.session.execute(_CANDIDATES, {"ids": issue_ids}).all()
        for issue_id in issue_ids:
            self.stored_candidates[issue_id] = None
        for issue_id, profile, regions, topic, hoax, last_seen_at in rows:
            self.stored_candidates[issue_id] = _Candidate(
                similarity.Candidate(
                    issue_id=issue_id, profile=profile, region_codes=regions, topic=topic, hoax=hoax
                ),
                last_seen_at,
            )


@dataclass(frozen=True, slots=True)
class _Candidate:
    candidate: similarity.Candidate
    hours_apart_from: datetime  # the issue's latest mention

    def at(self, hours_apart: float) -> similarity.Candidate:
        c = self.candidate
        return similarity.Candidate(c.issue_id, c.profile, c.region_codes, c.topic, c.hoax, hours_apart)


def _earliest_copies(bands: int) -> Any:
    """Per band key, the earliest stored copies seen since ``since`` in issues that are not archived."""
    per_key = []
    for band in range(bands):
        query = (
            sa_select(
                col(MentionFingerprint.band_key),
                col(MentionFingerprint.seen_at),
                col(IssueMention.mention_id),
                col(IssueMention.issue_id),
                col(IssueMention.near_duplicate_of),
                col(IssueMention.signature),
            )
            .join(IssueMention, col(IssueMention.mention_id) == col(MentionFingerprint.mention_id))
            .join(Issue, col(Issue.id) == col(IssueMention.issue_id))
            .where(
                col(MentionFingerprint.band_key) == bindparam(f"key{band}"),
                col(MentionFingerprint.seen_at) >= bindparam("since"),
                col(Issue.status) != Status.archived,
                col(IssueMention.signature).is_not(None),
            )
            .order_by(col(MentionFingerprint.seen_at), col(MentionFingerprint.mention_id))
            .limit(NEAR_DUPLICATE_PER_BAND)
        )
        per_key.append(sa_select(query.subquery()))
    return union_all(*per_key)


# Built once: building a statement costs more than running it on SQLite.
_EARLIEST_COPIES = {bands: _earliest_copies(bands) for bands in range(1, similarity.BANDS + 1)}
# The same on PostgreSQL, one LATERAL subquery per key: the union of eight took psycopg ~10 ms per mention to
# convert (too long for its statement cache) and PostgreSQL 1 ms to plan.
_EARLIEST_COPIES_PG = text(
    """
    SELECT k.key, c.seen_at, c.mention_id, c.issue_id, c.near_duplicate_of, c.signature
    FROM unnest(CAST(:keys AS BIGINT[])) AS k(key)
    CROSS JOIN LATERAL (
        SELECT f.seen_at, m.mention_id, m.issue_id, m.near_duplicate_of, m.signature
        FROM mention_fingerprint AS f
        JOIN issue_mention AS m ON m.mention_id = f.mention_id
        JOIN issue AS i ON i.id = m.issue_id
        WHERE f.band_key = k.key AND f.seen_at >= :since AND i.status != 'archived'
          AND m.signature IS NOT NULL
        ORDER BY f.seen_at, f.mention_id
        LIMIT :per_band
    ) AS c
    """
).columns(
    key=BigInteger,
    seen_at=UTCDateTime,
    mention_id=Integer,
    issue_id=Integer,
    near_duplicate_of=Integer,
    signature=LargeBinary,
)
_POSTINGS = sa_select(col(IssueTerm.term), col(IssueTerm.issue_id), col(IssueTerm.last_seen_at)).where(
    col(IssueTerm.term).in_(bindparam("terms", expanding=True)),
    col(IssueTerm.last_seen_at) >= bindparam("since"),
)
_ACTIVE_ISSUES = sa_select(func.count()).where(col(Issue.last_seen_at) >= bindparam("since"))
_ACTIVE_SINCE = (
    sa_select(col(Issue.last_seen_at))
    .where(col(Issue.last_seen_at) >= bindparam("since"))
    .order_by(col(Issue.last_seen_at))
)
_CANDIDATES = sa_select(
    col(Issue.id),
    col(Issue.profile),
    col(Issue.core_regions),
    col(Issue.topic),
    col(Issue.hoax_suspected),
    col(Issue.last_seen_at),
).where(
    col(Issue.id).in_(bindparam("ids", expanding=True)),
    col(Issue.merged_into).is_(None),
    col(Issue.status) != Status.archived,
)
