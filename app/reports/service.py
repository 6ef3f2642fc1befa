"""What the daily brief and the dashboard read from the database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.access import service as access
from app.auth.service import Principal
from app.classification.taxonomy import Level
from app.clock import WITA, to_wita
from app.issues import aggregate
from app.issues.models import Issue, IssueHistory, IssueHourly
from app.plans.lifecycle import OPEN_PLAN_STATUSES, UNFINISHED_TASK_STATUSES, StatementStatus
from app.plans.models import PlanTask, ResponsePlan, Statement
from app.reports.schemas import (
    BriefIssue,
    BriefStatement,
    BriefTask,
    Count,
    DailyBrief,
    DashboardSummary,
    Escalation,
    SentimentDay,
)

TOP = 10
LISTED = 50
TREND_DAYS = 7


def wita_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=WITA).astimezone(UTC)
    return start, start + timedelta(days=1)


def today_wita(now: datetime) -> date:
    return to_wita(now).date()


def _priority(issue: Issue) -> tuple[int, int, int, datetime]:
    return (issue.level_rank, issue.urgency, issue.velocity, issue.last_seen_at)


def brief_issue(issue: Issue, now: datetime, base_url: str) -> BriefIssue:
    from app.issues.state import current_stage

    return BriefIssue(
        id=issue.id,
        title=issue.title,
        level=issue.level,
        stage=current_stage(issue, now),
        status=issue.status,
        topic=issue.topic,
        region_codes=issue.region_codes,
        mention_count=issue.mention_count,
        negative_share=round(issue.negative_count / issue.mention_count, 3) if issue.mention_count else None,
        first_seen_at=issue.first_seen_at,
        last_seen_at=issue.last_seen_at,
        link=f"{base_url}/v1/issues/{issue.id}",
    )


def active_issues(session: Session, start: datetime, end: datetime, viewer: Principal) -> list[Issue]:
    """Issues ``viewer`` sees with mentions in [start, end), most pressing first."""
    ids = (
        select(IssueHourly.issue_id)
        .where(col(IssueHourly.hour) >= start, col(IssueHourly.hour) < end)
        .distinct()
    )
    issues = session.exec(
        select(Issue).where(
            col(Issue.id).in_(ids), col(Issue.merged_into).is_(None), *access.only_seen(Issue.id, viewer)
        )
    ).all()
    return sorted(issues, key=_priority, reverse=True)


def overdue_tasks(
    session: Session, now: datetime, viewer: Principal, limit: int = LISTED
) -> list[tuple[PlanTask, int]]:
    rows = session.exec(
        select(PlanTask, ResponsePlan.issue_id)
        .join(ResponsePlan, col(ResponsePlan.id) == col(PlanTask.plan_id))
        .where(
            col(ResponsePlan.status).in_(list(OPEN_PLAN_STATUSES)),
            col(PlanTask.status).in_(list(UNFINISHED_TASK_STATUSES)),
            col(PlanTask.due_at) < now,
            *access.only_seen(ResponsePlan.issue_id, viewer),
        )
        .order_by(col(PlanTask.due_at))
        .limit(limit)
    ).all()
    return [(task, issue_id) for task, issue_id in rows]


def daily_brief(session: Session, day: date, now: datetime, base_url: str, viewer: Principal) -> DailyBrief:
    """The day's brief over the issues ``viewer`` sees."""
    start, end = wita_day_bounds(day)
    active = active_issues(session, start, end, viewer)
    new = [i for i in active if start <= i.first_seen_at < end]
    escalated = session.exec(
        select(IssueHistory, Issue.title)
        .join(Issue, col(Issue.id) == col(IssueHistory.issue_id))
        .where(
            col(IssueHistory.field) == "level",
            col(IssueHistory.at) >= start,
            col(IssueHistory.at) < end,
            *access.only_seen(Issue.id, viewer),
        )
        .order_by(col(IssueHistory.at))
    ).all()
    escalations = [
        Escalation(issue_id=h.issue_id, title=title, old=h.old, new=h.new, at=h.at)
        for h, title in escalated
        if h.old is not None and h.new is not None and Level(h.new).rank > Level(h.old).rank
    ]
    statements = session.exec(
        select(Statement)
        .where(
            col(Statement.approved_at) >= start,
            col(Statement.approved_at) < end,
            col(Statement.status).in_((StatementStatus.approved, StatementStatus.superseded)),
            *access.only_seen(Statement.issue_id, viewer),
        )
        .order_by(col(Statement.approved_at))
    ).all()
    return DailyBrief(
        day=day,
        generated_at=now,
        top_issues=[brief_issue(i, now, base_url) for i in active[:TOP]],
        new_issues=[brief_issue(i, now, base_url) for i in new[:LISTED]],
        escalations=escalations[:LISTED],
        overdue_tasks=[
            BriefTask(
                id=t.id,
                plan_id=t.plan_id,
                issue_id=issue_id,
                title=t.title,
                agency=t.agency,
                due_at=t.due_at,
                status=t.status,
            )
            for t, issue_id in overdue_tasks(session, now, viewer)
        ],
        approved_statements=[
            BriefStatement(
                id=s.id,
                issue_id=s.issue_id,
                kind=s.kind,
                approved_at=s.approved_at,
                approved_by=s.approved_by,
                excerpt=s.text[:280],
            )
            for s in statements
        ],
        opportunities=[brief_issue(i, now, base_url) for i in active if i.opportunity][:LISTED],
        sentiment_trend=sentiment_trend(session, day, viewer),
    )


def sentiment_trend(session: Session, day: date, viewer: Principal) -> list[SentimentDay]:
    first, end = wita_day_bounds(day - timedelta(days=TREND_DAYS - 1))[0], wita_day_bounds(day)[1]
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(IssueHourly.hour),
            func.sum(IssueHourly.mentions),
            func.sum(IssueHourly.negative),
            func.sum(IssueHourly.neutral),
            func.sum(IssueHourly.positive),
        )
        .where(
            col(IssueHourly.hour) >= first,
            col(IssueHourly.hour) < end,
            *access.only_seen(IssueHourly.issue_id, viewer),
        )
        .group_by(col(IssueHourly.hour))
    ).all()
    days = {day - timedelta(days=n): [0, 0, 0, 0] for n in range(TREND_DAYS)}
    for hour, *counts in rows:
        into = days[to_wita(hour).date()]
        for i, value in enumerate(counts):
            into[i] += int(value or 0)
    return [
        SentimentDay(day=d, mentions=c[0], negative=c[1], neutral=c[2], positive=c[3])
        for d, c in sorted(days.items())
    ]


def dashboard(session: Session, now: datetime, viewer: Principal) -> DashboardSummary:
    """The open issues of the triage queue (active in the last 72 h) that ``viewer`` sees, counted several
    ways."""
    since = now - aggregate.DORMANT_AFTER
    queue = (
        col(Issue.is_open).is_(True),
        col(Issue.last_seen_at) >= since,
        *access.only_seen(Issue.id, viewer),
    )

    def grouped(column: object) -> list[Count]:
        rows = session.exec(select(column, func.count()).where(*queue).group_by(column)).all()  # type: ignore[call-overload]
        return sorted((Count(key=str(k), count=n) for k, n in rows), key=lambda c: (-c.count, c.key))

    regions: Counter[str] = Counter()
    for codes in session.exec(select(Issue.region_codes).where(*queue)).all():
        regions.update(codes)
    last_day = session.exec(
        select(func.coalesce(func.sum(IssueHourly.mentions), 0)).where(
            col(IssueHourly.hour) >= now - timedelta(hours=24),
            *access.only_seen(IssueHourly.issue_id, viewer),
        )
    ).one()
    overdue = session.exec(
        select(func.count())
        .select_from(PlanTask)
        .join(ResponsePlan, col(ResponsePlan.id) == col(PlanTask.plan_id))
        .where(
            col(ResponsePlan.status).in_(list(OPEN_PLAN_STATUSES)),
            col(PlanTask.status).in_(list(UNFINISHED_TASK_STATUSES)),
            col(PlanTask.due_at) < now,
            *access.only_seen(ResponsePlan.issue_id, viewer),
        )
    ).one()
    by_level = grouped(col(Issue.level))
    return DashboardSummary(
        generated_at=now,
        open_issues=sum(c.count for c in by_level),
        by_level=by_level,
        by_stage=grouped(col(Issue.stage)),
        by_topic=grouped(col(Issue.topic)),
        by_region=[Count(key=k, count=n) for k, n in sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))],
        mentions_last_24h=int(last_day),
        overdue_tasks=int(overdue),
    )
