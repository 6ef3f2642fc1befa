"""Reading and changing issues: the triage queue, officers' edits, overrides, merge and split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import func, or_, tuple_, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app import concurrency
from app.access import service as access
from app.auth.service import Principal
from app.classification.models import MentionClassification
from app.classification.taxonomy import LEVEL_LABELS, Level
from app.clock import to_wita, utcnow
from app.db_types import json_array_contains
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.issues import aggregate, state
from app.issues.models import HoaxStatus, Issue, IssueHistory, IssueHourly, IssueMention, Stage, Status
from app.issues.schemas import (
    ClassificationOverride,
    HistoryEntry,
    IssueListItem,
    IssueMentionPublic,
    IssuePublic,
    IssueUpdate,
    MentionIssueLink,
    TimelineBucket,
)
from app.mentions.models import Mention
from app.plans.clarification import has_approved_clarification
from app.reference.models import Agency

Sort = Literal["priority", "last_seen"]
StatusFilter = Literal["open", "any", "new", "triaged", "monitoring", "handling", "resolved", "archived"]


def etag(issue: Issue) -> str:
    return concurrency.etag("issue", issue.id, issue.version)


def check_if_match(issue: Issue, if_match: str | None) -> None:
    """Optimistic concurrency: the client must send the ETag it read (428 without, 412 when stale)."""
    concurrency.check_if_match(etag(issue), if_match, what="issue")


def get_issue(
    session: Session, issue_id: int, *, for_update: bool = False, viewer: Principal | None = None
) -> Issue:
    """The issue; 404 when it does not exist or ``viewer`` may not see it (never 403: see app/access)."""
    if viewer is not None and not access.sees_issue(session, viewer, issue_id):
        raise issue_not_found(issue_id)
    issue = state.lock(session, issue_id) if for_update else session.get(Issue, issue_id)
    if issue is None:
        raise issue_not_found(issue_id)
    return issue


def issue_not_found(issue_id: int) -> NotFound:
    return NotFound(f"Issue {issue_id} does not exist.", code="ISSUE_NOT_FOUND")


# The issue's own columns shown as they are; the rest of IssuePublic is derived in public(). Working state
# (tallies, profile, index bookkeeping) is never read for a response, so lists can leave it unloaded.
_SHOWN = tuple(name for name in IssuePublic.model_fields if name in Issue.model_fields)
_WORKING_STATE = ("tallies", "profile", "terms_touched_at", "core_regions")


def public(issue: Issue, now: datetime | None = None) -> IssuePublic:
    return IssuePublic.model_validate(_shown(issue, now or utcnow()))


def list_item(issue: Issue, now: datetime) -> IssueListItem:
    return IssueListItem.model_validate(_shown(issue, now))


def _shown(issue: Issue, now: datetime) -> dict[str, Any]:
    override = issue.override
    return {
        **{name: getattr(issue, name) for name in _SHOWN},
        "sentiment": {
            "negative": issue.negative_count,
            "neutral": issue.neutral_count,
            "positive": issue.positive_count,
        },
        "level_label": LEVEL_LABELS[Level(issue.level)],
        "classification": issue.machine,
        "override": None
        if override is None
        else {
            "level": override.get("level"),
            "impact": override.get("impact"),
            "reason": override["reason"],
            "set_by": override["set_by"],
            "set_at": datetime.fromisoformat(override["set_at"]),
        },
        "stage": state.current_stage(issue, now),
        "spike_at": issue.spike_hour,
    }


@dataclass(frozen=True, slots=True)
class IssueFilter:
    level: str | None = None
    min_level: str | None = None
    status: StatusFilter = "open"
    stage: str | None = None
    topic: str | None = None
    region: str | None = None
    agency: str | None = None
    since: datetime | None = None
    q: str | None = None
    opportunity: bool | None = None
    hoax_status: str | None = None
    sort: Sort = "priority"
    include_dormant: bool = False


def _sort_columns(sort: Sort) -> list[Any]:
    if sort == "priority":
        return [
            col(Issue.level_rank),
            col(Issue.urgency),
            col(Issue.velocity),
            col(Issue.last_seen_at),
            col(Issue.id),
        ]
    return [col(Issue.last_seen_at), col(Issue.id)]


def position(issue: Issue, sort: Sort) -> list[Any]:
    if sort == "priority":
        return [issue.level_rank, issue.urgency, issue.velocity, issue.last_seen_at.isoformat(), issue.id]
    return [issue.last_seen_at.isoformat(), issue.id]


def search(
    session: Session,
    *,
    filters: IssueFilter,
    limit: int,
    after: list[Any] | None,
    now: datetime,
    viewer: Principal | None = None,
) -> tuple[list[Issue], list[Any] | None]:
    """One page of the issues ``viewer`` sees, in the filter's order, and the position to continue from (None
    on the last)."""
    f = filters
    query = select(Issue).options(*(defer(getattr(Issue, name)) for name in _WORKING_STATE))
    seen = access.issue_clause(viewer) if viewer is not None else None
    if seen is not None:
        query = query.where(seen)
    if f.status == "open":
        query = query.where(col(Issue.is_open).is_(True))
    elif f.status != "any":
        query = query.where(col(Issue.status) == f.status)
    if f.level:
        query = query.where(col(Issue.level) == f.level)
    if f.min_level:
        query = query.where(col(Issue.level_rank) >= Level(f.min_level).rank)
    dormant_since = now - aggregate.DORMANT_AFTER
    if f.status == "open" and f.stage is None and not f.include_dormant:
        # The queue is what needs attention now; quiet issues stay open and appear with stage=dormant.
        query = query.where(col(Issue.last_seen_at) >= dormant_since)
    if f.stage:
        if f.stage == Stage.dormant:
            query = query.where(col(Issue.last_seen_at) < dormant_since)
        else:
            query = query.where(col(Issue.stage) == f.stage, col(Issue.last_seen_at) >= dormant_since)
    if f.topic:
        query = query.where(col(Issue.topic) == f.topic)
    if f.region:
        query = query.where(json_array_contains(Issue.region_codes, f.region))
    if f.agency:
        query = query.where(
            or_(col(Issue.assigned_agency) == f.agency, json_array_contains(Issue.agencies, f.agency))
        )
    if f.since:
        query = query.where(col(Issue.last_seen_at) >= f.since)
    if f.q:
        pattern = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                func.lower(col(Issue.title)).like(pattern, escape="\\"),
                func.lower(col(Issue.summary)).like(pattern, escape="\\"),
            )
        )
    if f.opportunity is not None:
        query = query.where(col(Issue.opportunity).is_(f.opportunity))
    if f.hoax_status:
        query = query.where(col(Issue.hoax_status) == f.hoax_status)
    columns = _sort_columns(f.sort)
    if after is not None:
        values = list(after)
        values[-2] = datetime.fromisoformat(values[-2])
        query = query.where(tuple_(*columns) < tuple_(*values))
    query = query.order_by(*[c.desc() for c in columns]).limit(limit + 1)
    issues = list(session.exec(query).all())
    if len(issues) > limit:
        return issues[:limit], position(issues[limit - 1], f.sort)
    return issues, None


def update_issue(
    session: Session, issue: Issue, change: IssueUpdate, principal: Principal, now: datetime
) -> None:
    before = state.snapshot(issue, now)
    cause: dict[str, Any] = {"by": principal.name, "client_id": principal.client_id}
    if change.reason:
        cause["reason"] = change.reason
    fields = change.model_dump(exclude_unset=True, exclude={"reason"}, mode="json")
    agency = fields.get("assigned_agency")
    if agency is not None and session.get(Agency, agency) is None:
        raise UnprocessableEntity(
            f"Unknown agency code {fields['assigned_agency']!r}; see GET /v1/agencies.",
            code="UNKNOWN_AGENCY",
        )
    evidence = fields.get("hoax_evidence", issue.hoax_evidence) or []
    if fields.get("hoax_status") in (HoaxStatus.confirmed, HoaxStatus.clarified) and not evidence:
        raise UnprocessableEntity(
            "A confirmed or clarified hoax needs hoax_evidence: links to the clarification or debunk.",
            code="HOAX_EVIDENCE_REQUIRED",
        )
    closing = fields.get("status") in (Status.resolved, Status.archived)
    hoax = fields.get("hoax_status", issue.hoax_status)
    if closing and hoax == HoaxStatus.confirmed and not has_approved_clarification(session, issue.id):
        raise Conflict(
            "The issue is a confirmed hoax: approve a clarification statement (narasi tunggal) before "
            "resolving or archiving it.",
            code="CLARIFICATION_REQUIRED",
        )
    for name, value in fields.items():
        old = getattr(issue, name)
        if old == value:
            continue
        if name == "status":
            state.set_status(issue, Status(value))
            continue  # recorded by record_changes, with its event
        setattr(issue, name, value)
        if name in ("title", "summary"):
            setattr(issue, f"{name}_edited", True)
        shown = ", ".join(value) if isinstance(value, list) else value
        state.history(session, issue, name, _short(old), _short(shown), cause, now)
    touch(issue, now)
    state.record_changes(session, issue, before, now, cause=cause)


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = ", ".join(value) if isinstance(value, list) else str(value)
    return text[:300]


def touch(issue: Issue, now: datetime) -> None:
    issue.version += 1
    issue.updated_at = now


def set_override(
    session: Session, issue: Issue, body: ClassificationOverride, principal: Principal, now: datetime
) -> None:
    before = state.snapshot(issue, now)
    impact = body.impact.model_dump(exclude_none=True) if body.impact else None
    issue.override = {
        "level": body.level,
        "impact": impact or None,
        "reason": body.reason,
        "set_by": principal.name,
        "set_by_client_id": principal.client_id,
        "set_at": now.isoformat(),
    }
    state.apply_verdict(issue)
    cause = {"by": principal.name, "client_id": principal.client_id, "reason": body.reason}
    detail = ", ".join(
        [f"level={body.level}"] * bool(body.level) + [f"{k}={v}" for k, v in (impact or {}).items()]
    )
    state.history(session, issue, "classification", None, f"override: {detail}", cause, now)
    touch(issue, now)
    state.record_changes(session, issue, before, now, cause=cause)


def clear_override(
    session: Session, issue: Issue, principal: Principal, reason: str | None, now: datetime
) -> None:
    if issue.override is None:
        raise NotFound("This issue has no officer classification to clear.", code="NO_OVERRIDE")
    before = state.snapshot(issue, now)
    issue.override = None
    state.apply_verdict(issue)
    cause: dict[str, Any] = {"by": principal.name, "client_id": principal.client_id}
    if reason:
        cause["reason"] = reason
    state.history(session, issue, "classification", "override", "machine", cause, now)
    touch(issue, now)
    state.record_changes(session, issue, before, now, cause=cause)


def merge(
    session: Session,
    target: Issue,
    issue_ids: Sequence[int],
    principal: Principal,
    reason: str | None,
    now: datetime,
) -> None:
    """Fold other issues into ``target``: their mentions move, they are archived with ``merged_into``."""
    ids = list(dict.fromkeys(issue_ids))
    if target.id in ids:
        raise Conflict(
            f"Issue {target.id} is the merge target; it cannot be merged into itself.", code="MERGE_INTO_SELF"
        )
    cause: dict[str, Any] = {"by": principal.name, "client_id": principal.client_id}
    if reason:
        cause["reason"] = reason
    others = []
    for other_id in sorted(ids):
        other = get_issue(session, other_id, for_update=True, viewer=principal)
        if other.merged_into is not None:
            raise Conflict(
                f"Issue {other_id} was already merged into issue {other.merged_into}.", code="ALREADY_MERGED"
            )
        others.append(other)
    before = state.snapshot(target, now)
    for other in others:
        session.execute(
            update(IssueMention)
            .where(col(IssueMention.issue_id) == other.id)
            .values(issue_id=target.id, attached_by="merge")
        )
        other_before = state.snapshot(other, now)
        other.merged_into = target.id
        access.carry_over(session, other, target)
        state.set_status(other, Status.archived)
        other.mention_count = other.original_count = 0
        touch(other, now)
        state.history(session, other, "merge", None, f"merged into {target.id}", cause, now)
        state.record_changes(session, other, other_before, now, cause={**cause, "merged_into": target.id})
    session.flush()
    state.rebuild(session, target, now)
    state.history(session, target, "merge", None, ", ".join(str(o.id) for o in others), cause, now)
    state.record_changes(session, target, before, now, cause=cause)


def split(
    session: Session,
    issue: Issue,
    mention_ids: Sequence[int],
    principal: Principal,
    title: str | None,
    reason: str | None,
    now: datetime,
) -> Issue:
    """Move the given mentions of ``issue`` into a new issue; both are recomputed."""
    ids = sorted(set(mention_ids))
    held = set(
        session.execute(
            select(col(IssueMention.mention_id)).where(
                col(IssueMention.issue_id) == issue.id, col(IssueMention.mention_id).in_(ids)
            )
        ).scalars()
    )
    missing = [i for i in ids if i not in held]
    if missing:
        raise Conflict(
            f"Mentions {', '.join(map(str, missing[:20]))} do not belong to issue {issue.id}.",
            code="MENTION_NOT_IN_ISSUE",
        )
    if len(ids) >= issue.mention_count:
        raise Conflict(
            "A split must leave at least one mention in the issue; to rename it, PATCH its title.",
            code="SPLIT_TAKES_ALL",
        )
    cause: dict[str, Any] = {"by": principal.name, "client_id": principal.client_id}
    if reason:
        cause["reason"] = reason
    before = state.snapshot(issue, now)
    first = session.exec(
        select(Mention).where(col(Mention.id).in_(ids)).order_by(col(Mention.published_at), col(Mention.id))
    ).first()
    assert first is not None
    verdict = session.get(MentionClassification, first.id)
    assert verdict is not None
    new = state.open_issue(session, first.model_dump(), verdict.verdict, min(first.published_at, now), now)
    if title:
        new.title, new.title_edited = title, True
    access.carry_over(session, issue, new)
    session.execute(
        update(IssueMention)
        .where(col(IssueMention.mention_id).in_(ids))
        .values(issue_id=new.id, attached_by="split")
    )
    session.flush()
    state.rebuild(session, new, now)
    state.rebuild(session, issue, now)
    touch(issue, now)
    split_cause = {**cause, "split_from": issue.id}
    state.history(session, issue, "split", None, f"{len(ids)} mentions to issue {new.id}", cause, now)
    state.record_changes(session, issue, before, now, cause=cause)
    state.record_changes(session, new, {}, now, cause=split_cause, created=True)
    return new


def mentions_page(
    session: Session, issue: Issue, *, limit: int, after: tuple[datetime, int] | None
) -> tuple[list[IssueMentionPublic], tuple[datetime, int] | None]:
    query = (
        select(Mention, IssueMention, MentionClassification.sentiment, MentionClassification.level)
        .join(IssueMention, col(IssueMention.mention_id) == col(Mention.id))
        .join(MentionClassification, col(MentionClassification.mention_id) == col(Mention.id))
        .where(col(IssueMention.issue_id) == issue.id)
    )
    if after is not None:
        query = query.where(tuple_(col(Mention.published_at), col(Mention.id)) < tuple_(*after))
    rows = session.execute(
        query.order_by(col(Mention.published_at).desc(), col(Mention.id).desc()).limit(limit + 1)
    ).all()
    items = [
        IssueMentionPublic(
            mention_id=m.id,
            source_type=m.source_type,
            source_name=m.source_name,
            url=m.url,
            title=m.title,
            text=m.text,
            published_at=m.published_at,
            sentiment=sentiment,
            level=level,
            near_duplicate_of=link.near_duplicate_of,
            score=link.score,
            shared_terms=link.shared_terms,
            attached_by=link.attached_by,
        )
        for m, link, sentiment, level in rows[:limit]
    ]
    if len(rows) > limit:
        last = rows[limit - 1][0]
        return items, (last.published_at, last.id)
    return items, None


def timeline(session: Session, issue: Issue, bucket: Literal["hour", "day"]) -> list[TimelineBucket]:
    """Counts per hour, or per WITA calendar day (WITA is UTC+8 all year, so hours add up to days)."""
    rows = session.exec(
        select(IssueHourly).where(col(IssueHourly.issue_id) == issue.id).order_by(col(IssueHourly.hour))
    ).all()
    buckets: dict[datetime, dict[str, int]] = {}
    for row in rows:
        start = row.hour if bucket == "hour" else to_wita(row.hour).replace(hour=0)
        into = buckets.setdefault(
            start, dict.fromkeys(("mentions", "reach", "negative", "neutral", "positive"), 0)
        )
        for name in into:
            into[name] += getattr(row, name)
    return [TimelineBucket(start=start, **values) for start, values in buckets.items()]


def history(session: Session, issue: Issue) -> list[HistoryEntry]:
    rows = session.exec(
        select(IssueHistory).where(col(IssueHistory.issue_id) == issue.id).order_by(col(IssueHistory.id))
    ).all()
    return [HistoryEntry.model_validate(row.model_dump()) for row in rows]


class Placement(NamedTuple):
    issue_id: int
    link: MentionIssueLink


def placements(session: Session, mention_ids: Sequence[int]) -> dict[int, Placement]:
    """Which issue each mention is in, and why (for mention responses)."""
    if not mention_ids:
        return {}
    rows = session.exec(select(IssueMention).where(col(IssueMention.mention_id).in_(mention_ids))).all()
    return {
        row.mention_id: Placement(
            row.issue_id,
            MentionIssueLink(
                near_duplicate_of=row.near_duplicate_of, score=row.score, shared_terms=row.shared_terms
            ),
        )
        for row in rows
    }
