"""The daily brief and the dashboard summary, as the API shows them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.clock import WitaDateTime


class BriefIssue(BaseModel):
    id: int
    title: str
    level: str
    stage: str
    status: str
    topic: str
    region_codes: list[str]
    mention_count: int
    negative_share: float | None = Field(description="Share of the issue's mentions that are negative.")
    first_seen_at: WitaDateTime
    last_seen_at: WitaDateTime
    link: str


class Escalation(BaseModel):
    issue_id: int
    title: str
    old: str
    new: str
    at: WitaDateTime


class BriefTask(BaseModel):
    id: int
    plan_id: int
    issue_id: int
    title: str
    agency: str
    due_at: WitaDateTime
    status: str


class BriefStatement(BaseModel):
    id: int
    issue_id: int
    kind: str
    approved_at: WitaDateTime
    approved_by: str | None
    excerpt: str


class SentimentDay(BaseModel):
    day: date = Field(description="A WITA calendar day.")
    mentions: int
    negative: int
    neutral: int
    positive: int


class DailyBrief(BaseModel):
    day: date = Field(description="The WITA calendar day the brief covers.")
    generated_at: WitaDateTime
    top_issues: list[BriefIssue] = Field(
        description="Issues active that day, most pressing first (at most 10)."
    )
    new_issues: list[BriefIssue]
    escalations: list[Escalation]
    overdue_tasks: list[BriefTask] = Field(
        description="Unfinished tasks of open plans past their deadline now."
    )
    approved_statements: list[BriefStatement]
    opportunities: list[BriefIssue] = Field(description="Good news with reach, worth amplifying.")
    sentiment_trend: list[SentimentDay] = Field(description="All mentions per day, the seven days to `day`.")


class Count(BaseModel):
    key: str
    count: int


class DashboardSummary(BaseModel):
    generated_at: WitaDateTime
    open_issues: int
    by_level: list[Count]
    by_stage: list[Count]
    by_topic: list[Count]
    by_region: list[Count]
    mentions_last_24h: int
    overdue_tasks: int
