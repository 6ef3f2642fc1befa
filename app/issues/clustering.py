"""The intake step that attaches each new mention to the issue it is about, or opens a new issue.

Runs inside the intake transaction, after classification. Per mention it reads only index entries of the time
window: LSH band keys for near-duplicates, the inverted term index for the same story. Nothing scans the
issues or the mentions, so the cost per mention does not grow with what is stored.

On PostgreSQL, two intakes of the first reports of one story could each open an issue. Opening an issue is
therefore serialised by a transaction-level advisory lock, and the look-up is repeated once the lock is held
(attaching to an existing issue needs no such lock: the issue's row lock orders concurrent attaches).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, text
from sqlalchemy import select as sa_select  # sqlmodel's select types at most 4 columns
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import get_settings
from app.issues import similarity, state
from app.issues.models import Issue, IssueMention, IssueTerm, MentionFingerprint, Status
from app.issues.schemas import MentionIssueLink
from app.issues.service import Placement
from app.mentions.pipeline import NewMention

CANDIDATES = 20
NEAR_DUPLICATE_CANDIDATES = 32
# Any number that no other advisory lock in Sigap uses.
_OPEN_ISSUE_LOCK = 0x5167_4150_0001


def attach_new_mentions(session: Session, mentions: Sequence[NewMention]) -> None:
    window = timedelta(days=get_settings().cluster_window_days)
    now = utcnow()
    locked = False
    for mention in mentions:
        # One flush per mention, at its end: autoflush would write the issue row again before every look-up.
        with session.no_autoflush:
            locked = _attach(session, mention, window, now, locked)
        session.flush()


def _attach(session: Session, mention: NewMention, window: timedelta, now: datetime, locked: bool) -> bool:
    row = mention.row
    verdict: dict[str, Any] = mention.extras["verdict_json"]
    at = min(row["published_at"], now)
    body = "\n".join(part for part in (row.get("title"), row.get("text")) if part)
    sig = similarity.signature(body)
    places: list[str] = next((s["evidence"] for s in verdict["signals"] if s["name"] == "places"), [])
    described = similarity.key_terms(
        row.get("title"), row.get("text"), places, limit=similarity.PROFILE_TERMS
    )
    terms = described.top(similarity.MAX_KEY_TERMS)

    issue: Issue | None = None
    near_duplicate_of: int | None = None
    score, shared = 1.0, []
    copy = _near_duplicate(session, sig, at - window) if sig is not None else None
    if copy is not None:
        issue_id, near_duplicate_of, score = copy
        issue = state.lock(session, issue_id)
    if issue is None:
        match = _same_story(session, terms, verdict, at, window)
        if match is None and not locked and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPEN_ISSUE_LOCK})
            locked = True
            match = _same_story(session, terms, verdict, at, window)
        if match is not None:
            issue = state.lock(session, match.issue_id)
            score, shared = match.score, match.shared_terms
    created = issue is None
    if issue is None:
        issue = state.open_issue(session, row, verdict, at, now)
        score = 1.0
    session.execute(
        insert(IssueMention.__table__),  # type: ignore[attr-defined]
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
        session.execute(
            insert(MentionFingerprint.__table__),  # type: ignore[attr-defined]
            [
                {"mention_id": mention.id, "band": band, "band_key": key, "seen_at": at}
                for band, key in enumerate(similarity.band_keys(sig))
            ],
        )
    before = state.snapshot(issue, now)
    state.reopen_if_resolved(issue)
    state.fold_mention(
        session,
        issue,
        row,
        verdict,
        key_terms=dict(described.weights),
        original=near_duplicate_of is None,
        now=now,
    )
    cause = {
        "by": "machine",
        "mention_id": mention.id,
        "signals": [s["name"] for s in verdict["signals"][:4]],
    }
    state.record_changes(session, issue, before, now, cause=cause, created=created)
    mention.extras["issue"] = Placement(
        issue.id,  # type: ignore[arg-type]
        MentionIssueLink(near_duplicate_of=near_duplicate_of, score=score, shared_terms=shared),
    )
    return locked


def _near_duplicate(
    session: Session, sig: similarity.Signature, since: datetime
) -> tuple[int, int, float] | None:
    """(issue id, original mention id, estimated Jaccard) of the closest earlier copy, if any."""
    query = (
        select(
            col(IssueMention.mention_id),
            col(IssueMention.issue_id),
            col(IssueMention.near_duplicate_of),
            col(IssueMention.signature),
        )
        .join(MentionFingerprint, col(MentionFingerprint.mention_id) == col(IssueMention.mention_id))
        .join(Issue, col(Issue.id) == col(IssueMention.issue_id))
        .where(
            col(MentionFingerprint.band_key).in_(similarity.band_keys(sig)),
            col(MentionFingerprint.seen_at) >= since,
            col(Issue.status) != Status.archived,
        )
        .distinct()
        # A copy-paste chain forwarded thousands of times shares its bands with every earlier copy: a bounded
        # sample of them (the index gives the earliest first) finds one just as well.
        .limit(NEAR_DUPLICATE_CANDIDATES)
    )
    best: tuple[int, int, float] | None = None
    for mention_id, issue_id, original_of, raw in session.execute(query):
        if raw is None:
            continue
        estimate = similarity.jaccard(sig, similarity.signature_from_bytes(raw))
        if estimate >= similarity.NEAR_DUPLICATE_JACCARD and (best is None or estimate > best[2]):
            # A copy of a copy points at the original.
            best = (issue_id, original_of or mention_id, estimate)
    return best


def _same_story(
    session: Session, terms: similarity.KeyTerms, verdict: dict[str, Any], at: datetime, window: timedelta
) -> similarity.Match | None:
    if not terms.weights:
        return None
    since = at - window
    postings = session.execute(
        select(col(IssueTerm.term), col(IssueTerm.issue_id)).where(
            col(IssueTerm.term).in_(terms.terms),
            # Postings are refreshed at most once per TERM_REFRESH: look back that much further.
            col(IssueTerm.last_seen_at) >= since - state.TERM_REFRESH,
        )
    ).all()
    if not postings:
        return None
    by_issue: dict[int, list[str]] = defaultdict(list)
    frequency: dict[str, int] = defaultdict(int)
    for term, issue_id in postings:
        by_issue[issue_id].append(term)
        frequency[term] += 1
    open_issues = session.execute(select(func.count()).where(col(Issue.last_seen_at) >= since)).scalar_one()
    rarity = similarity.rarity(terms, frequency, open_issues)
    ranked = sorted(
        by_issue,
        key=lambda issue_id: -sum(terms.weights[t] * rarity[t] for t in by_issue[issue_id]),
    )[:CANDIDATES]
    rows = session.execute(
        sa_select(
            col(Issue.id),
            col(Issue.profile),
            col(Issue.core_regions),
            col(Issue.topic),
            col(Issue.hoax_suspected),
            col(Issue.last_seen_at),
        ).where(
            col(Issue.id).in_(ranked),
            col(Issue.last_seen_at) >= since,
            col(Issue.merged_into).is_(None),
            col(Issue.status) != Status.archived,
        )
    ).all()
    candidates = [
        similarity.Candidate(
            issue_id=issue_id,
            profile=profile,
            region_codes=regions,
            topic=topic,
            hoax=hoax,
            hours_apart=abs((at - last_seen_at).total_seconds()) / 3600,
        )
        for issue_id, profile, regions, topic, hoax, last_seen_at in rows
    ]
    return similarity.best_match(
        terms,
        candidates,
        frequency,
        open_issues,
        region_codes=verdict["region_codes"],
        topic=verdict["topic"]["label"],
        hoax=bool(verdict["hoax_suspected"]),
    )
